//! Helpers for the journal tests: a temp config naming a temp journal, running the binary,
//! hand-built chains with chosen timestamps, and reading child output with a deadline.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use modeldeck::journal::sha256_hex;
use modeldeck::journal::{Draft, Durability, Entry, GENESIS, Journal, Kind, Outcome, SCHEMA_VERSION, Subject};

/// A temp dir with `config.toml` (only `[journal] path`) and the journal
/// path inside it; the binary's state and data dirs point there too, so nothing touches $HOME.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub journal: PathBuf,
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = dir.path().join("journal.jsonl");
        let config = dir.path().join("config.toml");
        let text = format!("[journal]\npath = \"{}\"\n", journal.display());
        std::fs::write(&config, text).expect("write config");
        Fixture { dir, config, journal }
    }

    /// `modeldeck --config <config> journal <args>`.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_modeldeck"));
        cmd.arg("--config").arg(&self.config).arg("journal").args(args);
        cmd.env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env_remove("MODELDECK_CONFIG")
            .env("NO_COLOR", "1");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().expect("run modeldeck"))
    }

    /// The journal opened by the library with fsync off (for building fixtures quickly).
    pub fn journal(&self) -> Journal {
        let (journal, report) = Journal::open(&self.journal).expect("open journal");
        assert_eq!(report.torn, None);
        journal.with_durability(Durability::NoSync)
    }

    /// `n` notes "entry 1".."entry n" about `fraud-detector`.
    pub fn notes(&self, n: usize) -> Journal {
        let journal = self.journal();
        for i in 1..=n {
            journal.append(note(Some("fraud-detector"), &format!("entry {i}"))).expect("append");
        }
        journal
    }

    pub fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.journal).expect("read journal").lines().map(String::from).collect()
    }

    pub fn write_lines(&self, lines: &[String]) {
        let mut text = lines.join("\n");
        text.push('\n');
        std::fs::write(&self.journal, text).expect("write journal");
    }
}

/// A finished run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

pub fn note(model: Option<&str>, text: &str) -> Draft {
    let subject = Subject { model: model.map(String::from), ..Subject::default() };
    Draft::note("alice@ops", "prod", subject, text)
}

/// An entry for [`write_chain`], which fills in seq, prev and hash.
pub fn entry(ts: &str, model: Option<&str>, text: &str) -> Entry {
    Entry {
        v: SCHEMA_VERSION,
        seq: 0,
        id: String::new(),
        ts: ts.into(),
        author: "alice@ops".into(),
        environment: "prod".into(),
        kind: Kind::Note,
        subject: Subject { model: model.map(String::from), ..Subject::default() },
        note: text.into(),
        request: None,
        before: None,
        after: None,
        result: Outcome::Ok,
        demo: false,
        prev: String::new(),
        hash: String::new(),
    }
}

/// Writes a valid chain of hand-made entries (chosen timestamps, kinds, results).
pub fn write_chain(path: &Path, entries: Vec<Entry>) {
    let mut prev = GENESIS.to_string();
    let mut text = String::new();
    for (i, mut e) in entries.into_iter().enumerate() {
        e.seq = i as u64 + 1;
        e.id = format!("fixture{:09}", e.seq);
        e.prev = prev;
        let (_, line) = e.seal().expect("seal");
        prev = sha256_hex(line.as_bytes());
        text += &line;
        text.push('\n');
    }
    std::fs::write(path, text).expect("write chain");
}

/// Lines of a child's pipe, read on a thread so the test can wait with a deadline.
pub fn line_reader(pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits for a line matching `want`; on timeout or EOF panics with every line seen.
pub fn wait_for_line(rx: &Receiver<String>, timeout: Duration, what: &str, want: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + timeout;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if want(&line) => return line,
            Ok(line) => seen.push(line),
            Err(RecvTimeoutError::Timeout) => panic!("no {what} within {timeout:?}; saw {seen:#?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("output ended before {what}; saw {seen:#?}"),
        }
    }
}

/// A child that is SIGKILLed and reaped when the test ends, even on a failed assertion.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for a child to exit, polling; panics (after killing it) past the deadline.
pub fn wait_with_deadline(child: &mut Child, timeout: Duration, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
