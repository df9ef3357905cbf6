//! `modeldeck journal …`: verify the chain, export an audit report, follow new entries, and
//! add a note from scripts.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Subcommand, ValueEnum};
use color_eyre::eyre::{Result, eyre};

use super::export::{self, Filter};
use super::{Draft, Entry, Journal, Outcome, Redactor, Subject, verify_bytes, verify_file};
use crate::domain::sanitize::sanitize;

#[derive(Debug, Subcommand)]
pub enum JournalCmd {
    /// Check the whole hash chain; report the first broken link with its line number.
    Verify,
    /// Write an audit report of the entries (verification result first).
    Export {
        /// Only entries at or after this time (RFC 3339, or a date such as 2026-11-01).
        #[arg(long)]
        since: Option<String>,
        /// Only entries before this time (RFC 3339, or a date).
        #[arg(long)]
        until: Option<String>,
        /// Only entries about this model.
        #[arg(long)]
        model: Option<String>,
        #[arg(long, value_enum, default_value_t = ExportFormat::Md)]
        format: ExportFormat,
        /// Write to this file instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Print entries as they are appended (Ctrl-C stops).
    Tail {
        /// Print the raw JSON lines.
        #[arg(long)]
        json: bool,
        /// Also print the last N existing entries first.
        #[arg(long, short = 'n', default_value_t = 10)]
        lines: usize,
    },
    /// Append a note (for scripts and runbooks).
    Note {
        #[arg(long)]
        model: Option<String>,
        #[arg(long)]
        version: Option<String>,
        /// The note text.
        text: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Json,
    Md,
}

/// Where the journal is and who writes: resolved by the caller from config and flags.
pub struct JournalContext {
    pub path: PathBuf,
    pub author: String,
    pub environment: String,
    pub secrets: Vec<String>,
}

/// Exit status: 0 ok, 1 the chain is broken (`verify`), 2 the journal cannot be read or the
/// arguments are wrong.
pub fn run(cmd: JournalCmd, ctx: &JournalContext) -> Result<ExitCode> {
    match cmd {
        JournalCmd::Verify => Ok(verify(ctx)),
        JournalCmd::Export { since, until, model, format, output } => {
            let filter = Filter::parse(since.as_deref(), until.as_deref(), model.as_deref()).map_err(|e| eyre!(e))?;
            export(ctx, &filter, format, output.as_deref())
        }
        JournalCmd::Tail { json, lines } => tail(&ctx.path, json, lines),
        JournalCmd::Note { model, version, text } => note(ctx, model, version, &text),
    }
}

fn verify(ctx: &JournalContext) -> ExitCode {
    match verify_file(&ctx.path) {
        Ok(verification) => {
            println!("{}", verification.summary());
            if verification.ok() { ExitCode::SUCCESS } else { ExitCode::from(1) }
        }
        Err(e) => {
            eprintln!("modeldeck: {e}");
            ExitCode::from(2)
        }
    }
}

fn export(ctx: &JournalContext, filter: &Filter, format: ExportFormat, output: Option<&Path>) -> Result<ExitCode> {
    let bytes = match std::fs::read(&ctx.path) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("modeldeck: cannot read journal {}: {e}", ctx.path.display());
            return Ok(ExitCode::from(2));
        }
    };
    // One read for both: the report describes exactly the bytes that were verified.
    let verification = verify_bytes(&bytes);
    let all = export::parse_entries(&bytes);
    let entries = filter.apply(&all);
    let text = match format {
        ExportFormat::Json => {
            let mut text =
                serde_json::to_string_pretty(&export::JsonReport::new(&entries, &verification, &ctx.path, filter))?;
            text.push('\n');
            // Other operators' text lands on a terminal as often as in a file.
            crate::domain::sanitize::json_text(&text).into_owned()
        }
        ExportFormat::Md => {
            crate::domain::sanitize::inert_text(&export::to_markdown(&entries, &verification, &ctx.path, filter))
                .into_owned()
        }
    };
    match output {
        Some(path) => {
            std::fs::write(path, &text).map_err(|e| eyre!("cannot write {}: {e}", path.display()))?;
            eprintln!("wrote {} entries to {}", entries.len(), path.display());
        }
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
                _ => {}
            }
        }
    }
    if !verification.ok() {
        eprintln!("warning: {}; the report says so at the top", verification.summary());
    }
    Ok(ExitCode::SUCCESS)
}

fn note(ctx: &JournalContext, model: Option<String>, version: Option<String>, text: &str) -> Result<ExitCode> {
    if text.trim().is_empty() {
        return Err(eyre!("the note is empty"));
    }
    let (journal, report) = Journal::open(&ctx.path).map_err(|e| eyre!(e))?;
    if let Some(torn) = &report.torn {
        eprintln!(
            "modeldeck: the journal's last line was incomplete (a crash mid-write?); moved {} bytes to {}",
            torn.bytes,
            torn.moved_to.display()
        );
    }
    let mut journal = journal.with_redactor(Redactor::new(ctx.secrets.clone()));
    // `--demo` resolves to this process's demo journal; its entries are marked as such.
    if ctx.path == super::demo_path() {
        journal = journal.demo();
    }
    let subject = Subject { model, version, ..Subject::default() };
    let entry = journal.append(Draft::note(&ctx.author, &ctx.environment, subject, text)).map_err(|e| eyre!(e))?;
    println!("appended entry {}", entry.seq);
    Ok(ExitCode::SUCCESS)
}

/// How often `tail` looks at the journal's length.
const TAIL_POLL: Duration = Duration::from_millis(250);

/// Prints the last `history` entries, then every complete line appended after them, until
/// killed. A missing, truncated or replaced file and read errors are reported on stderr and
/// followed through; only a closed stdout ends it.
fn tail(path: &Path, json: bool, history: usize) -> Result<ExitCode> {
    let mut follower = Follower::new(path);
    let mut started = false;
    let mut last_error: Option<String> = None;
    loop {
        // Until the history has been read once, retry it rather than dump the whole file.
        let polled = if started { follower.poll() } else { follower.start(history) };
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
                let message = format!("reading {}: {e} (still following)", path.display());
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
enum TailEvent {
    /// One complete line, without its newline.
    Line(Vec<u8>),
    /// Something the operator should know (the file went away, was truncated...).
    Notice(String),
}

/// Reads a growing file line by line. `offset` is always just after a newline (or 0): a
/// partial last line is left for the next poll, when its writer has finished it.
struct Follower {
    path: PathBuf,
    offset: u64,
    identity: Option<(u64, u64)>,
    missing: bool,
}

impl Follower {
    fn new(path: &Path) -> Follower {
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
