//! The append-only file. Every append takes an exclusive lock on the journal, reads the last
//! line for the chain, writes the whole new line in one `write`, and `fsync`s before it
//! returns, so concurrent operators on one host and crashes cannot corrupt it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::domain::Redactor;
use crate::domain::team::Followed;
use crate::domain::{Draft, Entry, GENESIS, SCHEMA_VERSION, sha256_hex};

/// Whether appends wait for the disk. Only tests and benchmarks that build large journals
/// as fixtures turn it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Fsync,
    NoSync,
}

#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
    durability: Durability,
    demo: bool,
    redactor: Redactor,
}

/// What opening found: a torn last line (a crash mid-write) is moved aside, not lost.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpenReport {
    pub torn: Option<TornLine>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornLine {
    pub bytes: usize,
    pub moved_to: PathBuf,
}

impl Journal {
    /// Opens (creating the file and its directory if needed) and repairs a torn tail.
    pub fn open(path: &Path) -> Result<(Journal, OpenReport), String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let journal = Journal {
            path: path.to_path_buf(),
            durability: Durability::Fsync,
            demo: false,
            redactor: Redactor::default(),
        };
        let existed = path.exists();
        let mut file = journal.open_file()?;
        if !existed {
            // A new file is durable only once its directory entry is.
            sync_parent(path);
        }
        file.lock().map_err(|e| format!("cannot lock {}: {e}", path.display()))?;
        let torn = journal.repair_tail(&mut file)?;
        if let Some(t) = &torn {
            tracing::warn!(bytes = t.bytes, moved_to = %t.moved_to.display(), "journal had a torn last line");
        }
        Ok((journal, OpenReport { torn }))
    }

    pub fn with_durability(mut self, durability: Durability) -> Journal {
        self.durability = durability;
        self
    }

    /// Marks every entry this journal writes as a demo entry.
    pub fn demo(mut self) -> Journal {
        self.demo = true;
        self
    }

    pub fn with_redactor(mut self, redactor: Redactor) -> Journal {
        self.redactor = redactor;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_demo(&self) -> bool {
        self.demo
    }

    /// Appends one entry; returns only after the line is on disk (with `Durability::Fsync`).
    pub fn append(&self, draft: Draft) -> Result<Entry, String> {
        let mut file = self.locked()?;
        self.append_locked(&mut file, draft)
    }

    /// Reads every entry and appends what `decide` makes of them, all under one lock: no
    /// other process can append in between, so a check-then-claim is atomic across every
    /// console sharing the file. `None` appends nothing.
    pub fn append_if(&self, decide: impl FnOnce(&[Entry]) -> Option<Draft>) -> Result<Option<Entry>, String> {
        let mut file = self.locked()?;
        let entries = self.read_all()?;
        match decide(&entries) {
            Some(draft) => self.append_locked(&mut file, draft).map(Some),
            None => Ok(None),
        }
    }

    /// The entries after byte `offset` and the offset to read from next, for following the
    /// file while other processes append. A file shorter than `offset` was replaced or cut:
    /// everything is read again, and `reset` says so.
    pub fn read_after(&self, offset: u64) -> Result<Followed, String> {
        let mut file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Followed { entries: Vec::new(), offset: 0, reset: offset > 0 });
            }
            Err(e) => return Err(self.io("open", e)),
        };
        let len = file.metadata().map_err(|e| self.io("stat", e))?.len();
        let (start, reset) = if len < offset { (0, true) } else { (offset, false) };
        if len == start {
            return Ok(Followed { entries: Vec::new(), offset: start, reset });
        }
        let mut bytes = Vec::with_capacity((len - start) as usize);
        file.seek(SeekFrom::Start(start)).map_err(|e| self.io("seek", e))?;
        file.take(len - start).read_to_end(&mut bytes).map_err(|e| self.io("read", e))?;
        // A line still being written has no newline yet: leave it for the next read.
        let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let entries = bytes[..complete]
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .filter_map(|l| serde_json::from_slice(l).ok())
            .collect();
        Ok(Followed { entries, offset: start + complete as u64, reset })
    }

    fn locked(&self) -> Result<File, String> {
        let mut file = self.open_file()?;
        file.lock().map_err(|e| format!("cannot lock {}: {e}", self.path.display()))?;
        if let Some(t) = self.repair_tail(&mut file)? {
            tracing::warn!(bytes = t.bytes, moved_to = %t.moved_to.display(), "journal had a torn last line");
        }
        Ok(file)
    }

    fn append_locked(&self, file: &mut File, draft: Draft) -> Result<Entry, String> {
        let draft = self.redactor.draft(draft);
        let last = last_line(file).map_err(|e| self.io("read", e))?;
        let (prev, seq) = match &last {
            Some(line) => {
                let seq = serde_json::from_slice::<serde_json::Value>(line)
                    .ok()
                    .and_then(|v| v.get("seq").and_then(serde_json::Value::as_u64))
                    .ok_or_else(|| format!("{}: the last line is not a journal entry", self.path.display()))?;
                (sha256_hex(line), seq + 1)
            }
            None => (GENESIS.to_string(), 1),
        };
        let now = Timestamp::now();
        let id = sha256_hex(format!("{prev}{now}{}{seq}", std::process::id()).as_bytes())[..16].to_string();
        let entry = Entry {
            v: SCHEMA_VERSION,
            seq,
            id,
            ts: now.to_string(),
            author: draft.author,
            environment: draft.environment,
            kind: draft.kind,
            subject: draft.subject,
            note: draft.note,
            request: draft.request,
            before: draft.before,
            after: draft.after,
            result: draft.result,
            demo: self.demo,
            prev,
            hash: String::new(),
        };
        let (entry, mut line) = entry.seal()?;
        line.push('\n');
        // One write of the whole line: with O_APPEND and the lock no other writer interleaves.
        file.write_all(line.as_bytes()).map_err(|e| self.io("write", e))?;
        if self.durability == Durability::Fsync {
            file.sync_data().map_err(|e| self.io("fsync", e))?;
        }
        Ok(entry)
    }

    /// Every entry that parses, oldest first (use `verify` to check the chain).
    pub fn read_all(&self) -> Result<Vec<Entry>, String> {
        let text = match std::fs::read(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.io("read", e)),
        };
        Ok(text
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .filter_map(|l| serde_json::from_slice(l).ok())
            .collect())
    }

    fn open_file(&self) -> Result<File, String> {
        OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&self.path)
            .map_err(|e| format!("cannot open journal {}: {e}", self.path.display()))
    }

    /// With the lock held: a file that does not end in a newline lost its last write to a
    /// crash. The fragment goes to `<journal>.torn-<time>` and the file is cut back to the
    /// last complete line.
    fn repair_tail(&self, file: &mut File) -> Result<Option<TornLine>, String> {
        let len = file.metadata().map_err(|e| self.io("stat", e))?.len();
        if len == 0 {
            return Ok(None);
        }
        let mut last = [0u8; 1];
        file.seek(SeekFrom::Start(len - 1)).map_err(|e| self.io("seek", e))?;
        file.read_exact(&mut last).map_err(|e| self.io("read", e))?;
        if last[0] == b'\n' {
            return Ok(None);
        }
        let keep = last_newline_before(file, len).map_err(|e| self.io("read", e))?;
        let mut fragment = vec![0u8; (len - keep) as usize];
        file.seek(SeekFrom::Start(keep)).map_err(|e| self.io("seek", e))?;
        file.read_exact(&mut fragment).map_err(|e| self.io("read", e))?;
        let moved_to = self.save_fragment(&fragment)?;
        file.set_len(keep).map_err(|e| self.io("truncate", e))?;
        file.sync_all().map_err(|e| self.io("fsync", e))?;
        Ok(Some(TornLine { bytes: fragment.len(), moved_to }))
    }

    /// Writes the torn fragment to `<journal>.torn-<ms>[-n]`, durably, before the journal is
    /// cut back: the fragment must outlive the truncation.
    fn save_fragment(&self, fragment: &[u8]) -> Result<PathBuf, String> {
        let stamp = Timestamp::now().as_millisecond();
        for n in 0..100 {
            let mut name = self.path.as_os_str().to_owned();
            name.push(if n == 0 { format!(".torn-{stamp}") } else { format!(".torn-{stamp}-{n}") });
            let path = PathBuf::from(name);
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    f.write_all(fragment).and_then(|()| f.sync_all()).map_err(|e| self.io("save torn line", e))?;
                    sync_parent(&path);
                    return Ok(path);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(format!("cannot save torn line to {}: {e}", path.display())),
            }
        }
        Err(format!("cannot save torn line next to {}: too many fragments", self.path.display()))
    }

    fn io(&self, what: &str, e: std::io::Error) -> String {
        format!("journal {}: {what} failed: {e}", self.path.display())
    }
}

fn sync_parent(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
}

/// The offset just after the last `\n` before `end` (0 when there is none).
fn last_newline_before(file: &mut File, end: u64) -> std::io::Result<u64> {
    const CHUNK: u64 = 64 * 1024;
    let mut pos = end;
    let mut buf = vec![0u8; CHUNK as usize];
    while pos > 0 {
        let start = pos.saturating_sub(CHUNK);
        let n = (pos - start) as usize;
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut buf[..n])?;
        if let Some(i) = buf[..n].iter().rposition(|b| *b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        pos = start;
    }
    Ok(0)
}

/// The last complete line (without its newline), reading only the file's tail.
fn last_line(file: &mut File) -> std::io::Result<Option<Vec<u8>>> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(None);
    }
    // The file ends with '\n' (repair_tail ran); the line starts after the previous one.
    let start = last_newline_before(file, len - 1)?;
    let mut line = vec![0u8; (len - 1 - start) as usize];
    file.seek(SeekFrom::Start(start))?;
    file.read_exact(&mut line)?;
    Ok(Some(line))
}
