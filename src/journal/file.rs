//! The file backend: an append-only JSON Lines file. Every append takes an exclusive lock on
//! the file, reads the last line for the chain, writes the whole new line in one `write`,
//! and `fsync`s before it returns, so concurrent operators on one host and crashes cannot
//! corrupt it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use super::store::{Decider, Sealer, Store, seq_of};
use super::witness::Head;
use crate::domain::Entry;

/// Whether appends wait for the disk. Only tests and benchmarks that build large journals
/// as fixtures turn it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Fsync,
    NoSync,
}

#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
    durability: Durability,
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

impl FileStore {
    /// Opens (creating the file and its directory if needed) and repairs a torn tail.
    pub fn open(path: &Path) -> Result<(FileStore, OpenReport), String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let store = FileStore { path: path.to_path_buf(), durability: Durability::Fsync };
        let existed = path.exists();
        let mut file = store.open_file()?;
        if !existed {
            // A new file is durable only once its directory entry is.
            sync_parent(path);
        }
        file.lock().map_err(|e| format!("cannot lock {}: {e}", path.display()))?;
        let torn = store.repair_tail(&mut file)?;
        if let Some(t) = &torn {
            tracing::warn!(bytes = t.bytes, moved_to = %t.moved_to.display(), "journal had a torn last line");
        }
        Ok((store, OpenReport { torn }))
    }

    /// The file as it is, for reading: nothing is created or repaired.
    pub fn at(path: &Path) -> FileStore {
        FileStore { path: path.to_path_buf(), durability: Durability::Fsync }
    }

    pub fn set_durability(&mut self, durability: Durability) {
        self.durability = durability;
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file opened for appending, locked, a torn tail repaired.
    fn locked(&self) -> Result<File, String> {
        let mut file = self.open_file()?;
        file.lock().map_err(|e| format!("cannot lock {}: {e}", self.path.display()))?;
        if let Some(t) = self.repair_tail(&mut file)? {
            tracing::warn!(bytes = t.bytes, moved_to = %t.moved_to.display(), "journal had a torn last line");
        }
        Ok(file)
    }

    /// With the lock held: the sealed line, in one write, durable before it returns.
    fn write_sealed(&self, file: &mut File, (entry, mut line): (Entry, String)) -> Result<(Entry, Head), String> {
        let head = Head::of_line(entry.seq, line.as_bytes());
        line.push('\n');
        // One write of the whole line: with O_APPEND and the lock no other writer interleaves.
        file.write_all(line.as_bytes()).map_err(|e| self.io("write", e))?;
        if self.durability == Durability::Fsync {
            file.sync_data().map_err(|e| self.io("fsync", e))?;
        }
        Ok((entry, head))
    }
}

impl Store for FileStore {
    fn append(&self, seal: Sealer) -> Result<(Entry, Head), String> {
        let mut file = self.locked()?;
        let last = last_line(&mut file).map_err(|e| self.io("read", e))?;
        let sealed = seal(last.as_deref()).map_err(|e| format!("{}: {e}", self.path.display()))?;
        self.write_sealed(&mut file, sealed)
    }

    fn append_if(&self, decide: Decider) -> Result<Option<(Entry, Head)>, String> {
        let mut file = self.locked()?;
        let mut lines = Vec::new();
        file.seek(SeekFrom::Start(0)).map_err(|e| self.io("seek", e))?;
        file.read_to_end(&mut lines).map_err(|e| self.io("read", e))?;
        let last = last_line(&mut file).map_err(|e| self.io("read", e))?;
        match decide(&lines, last.as_deref()) {
            None => Ok(None),
            Some(sealed) => {
                let sealed = sealed.map_err(|e| format!("{}: {e}", self.path.display()))?;
                self.write_sealed(&mut file, sealed).map(Some)
            }
        }
    }

    /// The whole file when `after` is 0 (a torn last line included, for `verify` to name);
    /// otherwise the complete lines whose `seq` is above `after`.
    fn read_after(&self, after: u64) -> Result<Vec<u8>, String> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.io("read", e)),
        };
        if after == 0 {
            return Ok(bytes);
        }
        let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let mut out = Vec::new();
        for line in bytes[..complete].split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            if seq_of(line).is_some_and(|seq| seq > after) {
                out.extend_from_slice(line);
                out.push(b'\n');
            }
        }
        Ok(out)
    }

    /// Reads only the file's tail; a torn fragment at the end is not an entry.
    fn head(&self) -> Result<Head, String> {
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Head::empty()),
            Err(e) => return Err(self.io("open", e)),
        };
        let len = file.metadata().map_err(|e| self.io("stat", e))?.len();
        let end = last_newline_before(&mut file, len).map_err(|e| self.io("read", e))?;
        if end == 0 {
            return Ok(Head::empty());
        }
        let start = last_newline_before(&mut file, end - 1).map_err(|e| self.io("read", e))?;
        let mut line = vec![0u8; (end - 1 - start) as usize];
        file.seek(SeekFrom::Start(start)).map_err(|e| self.io("seek", e))?;
        file.read_exact(&mut line).map_err(|e| self.io("read", e))?;
        let seq =
            seq_of(&line).ok_or_else(|| format!("{}: the last line is not a journal entry", self.path.display()))?;
        Ok(Head::of_line(seq, &line))
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }
}

impl FileStore {
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
