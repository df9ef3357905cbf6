//! `modeldeck journal tail`: the last entries, then every entry appended after them, from
//! a file (its length watched) or from PostgreSQL (polled for entries after the last seen).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use color_eyre::eyre::{Result, eyre};

use super::{Entry, Journal, Outcome};
use crate::domain::sanitize::sanitize;

/// How often `tail` looks for new entries.
const TAIL_POLL: Duration = Duration::from_millis(250);

/// What is followed: a file line by line, or a store by seq.
pub(super) enum Followed {
    File(Follower),
    Store { journal: Journal, last: u64 },
}

impl Followed {
    fn start(&mut self, history: usize) -> std::result::Result<Vec<TailEvent>, String> {
        match self {
            Followed::File(follower) => follower.start(history).map_err(|e| e.to_string()),
            Followed::Store { journal, last } => {
                *last = journal.head()?.count.saturating_sub(history as u64);
                self.poll()
            }
        }
    }

    fn poll(&mut self) -> std::result::Result<Vec<TailEvent>, String> {
        match self {
            Followed::File(follower) => follower.poll().map_err(|e| e.to_string()),
            Followed::Store { journal, last } => {
                let bytes = journal.raw_after(*last)?;
                let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()).collect();
                if let Some(seq) = lines.last().and_then(|l| super::store::seq_of(l)) {
                    *last = seq;
                }
                Ok(lines.into_iter().map(|l| TailEvent::Line(l.to_vec())).collect())
            }
        }
    }
}

/// Prints the last `history` entries, then every complete entry appended after them, until
/// killed. A missing, truncated or replaced file and read errors are reported on stderr and
/// followed through; only a closed stdout ends it.
pub(super) fn tail(mut followed: Followed, location: &str, json: bool, history: usize) -> Result<ExitCode> {
    let mut started = false;
    let mut last_error: Option<String> = None;
    loop {
        // Until the history has been read once, retry it rather than dump the whole journal.
        let polled = if started { followed.poll() } else { followed.start(history) };
        match polled {
            Ok(events) => {
                started = true;
                last_error = None;
                let mut out = std::io::stdout().lock();
                let written = events.iter().try_for_each(|event| match event {
                    TailEvent::Line(line) if json => {
                        out.write_all(line)?;
                        out.write_all(b"\n")
                    }
                    TailEvent::Line(line) => writeln!(out, "{}", readable(line)),
                    TailEvent::Notice(message) => {
                        eprintln!("modeldeck: {message}");
                        Ok(())
                    }
                });
                match written.and_then(|()| out.flush()) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
                    Err(e) => return Err(eyre!("cannot write to stdout: {e}")),
                }
            }
            Err(e) => {
                let message = format!("reading {location}: {e} (still following)");
                if last_error.as_ref() != Some(&message) {
                    eprintln!("modeldeck: {message}");
                }
                last_error = Some(message);
            }
        }
        std::thread::sleep(TAIL_POLL);
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum TailEvent {
    /// One complete line, without its newline.
    Line(Vec<u8>),
    /// Something the operator should know (the file went away, was truncated...).
    Notice(String),
}

/// Reads a growing file line by line. `offset` is always just after a newline (or 0): a
/// partial last line is left for the next poll, when its writer has finished it.
pub(super) struct Follower {
    path: PathBuf,
    offset: u64,
    identity: Option<(u64, u64)>,
    missing: bool,
}

impl Follower {
    pub(super) fn new(path: &Path) -> Follower {
        Follower { path: path.to_path_buf(), offset: 0, identity: None, missing: false }
    }

    /// The last `n` complete lines, reading only the file's tail; following starts after them.
    fn start(&mut self, n: usize) -> std::io::Result<Vec<TailEvent>> {
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return self.poll(),
            Err(e) => return Err(e),
        };
        let meta = file.metadata()?;
        self.identity = file_identity(&meta);
        const CHUNK: u64 = 64 * 1024;
        let mut pos = meta.len();
        let mut buf: Vec<u8> = Vec::new();
        // n complete lines need n + 1 newlines (the one before the first) or the file start.
        while pos > 0 && buf.iter().filter(|b| **b == b'\n').count() <= n {
            let start = pos.saturating_sub(CHUNK);
            let mut chunk = vec![0u8; (pos - start) as usize];
            file.seek(SeekFrom::Start(start))?;
            file.read_exact(&mut chunk)?;
            chunk.extend_from_slice(&buf);
            buf = chunk;
            pos = start;
        }
        let end = buf.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        self.offset = pos + end as u64;
        let lines: Vec<&[u8]> = buf[..end].split(|b| *b == b'\n').filter(|l| !l.is_empty()).collect();
        let skip = lines.len().saturating_sub(n);
        Ok(lines[skip..].iter().map(|l| TailEvent::Line(l.to_vec())).collect())
    }

    fn poll(&mut self) -> std::io::Result<Vec<TailEvent>> {
        let mut events = Vec::new();
        let meta = match std::fs::metadata(&self.path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !self.missing {
                    let message = format!("no journal at {} yet; waiting for it", self.path.display());
                    events.push(TailEvent::Notice(message));
                }
                self.missing = true;
                self.offset = 0;
                self.identity = None;
                return Ok(events);
            }
            Err(e) => return Err(e),
        };
        if self.missing {
            events.push(TailEvent::Notice(format!("{} appeared; following it", self.path.display())));
            self.missing = false;
        }
        let identity = file_identity(&meta);
        if self.identity.is_some() && identity != self.identity {
            events
                .push(TailEvent::Notice("the journal file was replaced; following the new one from its start".into()));
            self.offset = 0;
        }
        self.identity = identity;
        if meta.len() < self.offset {
            events.push(TailEvent::Notice("the journal was truncated; following it from its start".into()));
            self.offset = 0;
        }
        if meta.len() == self.offset {
            return Ok(events);
        }
        let mut file = File::open(&self.path)?;
        file.seek(SeekFrom::Start(self.offset))?;
        let mut buf = Vec::new();
        file.read_to_end(&mut buf)?;
        let end = buf.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        events.extend(buf[..end].split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(|l| TailEvent::Line(l.to_vec())));
        self.offset += end as u64;
        Ok(events)
    }
}

#[cfg(unix)]
fn file_identity(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_identity(_meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// `ts author env kind subject result — first line of note`, inert for the terminal.
fn readable(line: &[u8]) -> String {
    let Ok(entry) = serde_json::from_slice::<Entry>(line) else {
        return format!("(not a journal entry) {}", sanitize(&String::from_utf8_lossy(line)));
    };
    let result = match &entry.result {
        Outcome::Ok => "ok".to_string(),
        Outcome::Failed { error } => format!("failed ({})", error.lines().next().unwrap_or("")),
        Outcome::Unknown { reason } => format!("unknown ({})", reason.lines().next().unwrap_or("")),
        Outcome::Suppressed { reason } => format!("suppressed ({})", reason.lines().next().unwrap_or("")),
        Outcome::Started => "started".to_string(),
    };
    let mut text = format!(
        "{} {} {} {} {} {}",
        entry.ts,
        entry.author,
        entry.environment,
        entry.kind.label(),
        entry.subject.describe(),
        result
    );
    if entry.demo {
        text.push_str(" (demo)");
    }
    if !entry.headline().trim().is_empty() {
        text.push_str(" — ");
        text.push_str(entry.headline());
    }
    sanitize(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::write(path, text).unwrap();
    }

    fn lines(events: &[TailEvent]) -> Vec<String> {
        events
            .iter()
            .filter_map(|e| match e {
                TailEvent::Line(l) => Some(String::from_utf8_lossy(l).into_owned()),
                TailEvent::Notice(_) => None,
            })
            .collect()
    }

    #[test]
    fn follower_prints_history_then_complete_new_lines_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        write(&path, "a\nb\nc\npartial");
        let mut f = Follower::new(&path);
        assert_eq!(lines(&f.start(2).unwrap()), ["b", "c"]);
        assert!(f.poll().unwrap().is_empty());
        write(&path, "a\nb\nc\npartial line\nd\n");
        assert_eq!(lines(&f.poll().unwrap()), ["partial line", "d"]);
    }

    #[test]
    fn follower_survives_a_missing_then_truncated_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let mut f = Follower::new(&path);
        let events = f.start(10).unwrap();
        assert!(matches!(&events[..], [TailEvent::Notice(m)] if m.contains("waiting")));
        assert!(f.poll().unwrap().is_empty(), "the missing file is reported once");
        write(&path, "one\ntwo\n");
        assert_eq!(lines(&f.poll().unwrap()), ["one", "two"]);
        write(&path, "x\n");
        let events = f.poll().unwrap();
        assert!(events.iter().any(|e| matches!(e, TailEvent::Notice(m) if m.contains("truncated"))));
        assert_eq!(lines(&events), ["x"]);
    }

    #[test]
    fn readable_lines_are_inert() {
        let line = br#"{"v":1,"seq":1,"id":"x","ts":"2026-11-01T00:00:00Z","author":"a","environment":"prod","kind":"note","subject":{"model":"m"},"note":"hi\u001b[2J\nmore","result":{"status":"ok"},"prev":"0","hash":"h"}"#;
        assert_eq!(readable(line), "2026-11-01T00:00:00Z a prod note m ok — hi␛[2J");
        assert!(readable(b"garbage").starts_with("(not a journal entry)"));
    }
}
