//! One journal for several ops hosts: `[journal] backend = "postgres"` against a real
//! PostgreSQL that the harness starts (a temporary cluster on a free port). Two processes
//! with their own HOME and config play two bastions, append at once and are killed with
//! SIGKILL mid-append; the chain must keep every acknowledged entry and never fork.

mod harness;
mod journal_fixtures;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use harness::Postgres;
use journal_fixtures::{Fixture, KillOnDrop, Run, line_reader, wait_for_line};
use modeldeck::domain::Secret;
use modeldeck::journal::{Draft, Journal, Location, Subject, sha256_hex};

/// Set for the child processes: the round whose start file they wait for.
const CHILD_GO: &str = "MODELDECK_TEST_HOST_GO";
const URL_ENV: &str = "MODELDECK_JOURNAL_URL";
/// In every URL; it must never show in output or in the journal.
const PASSWORD: &str = "pg-pw-5f3e8c2a";
const APPENDS_PER_ROUND: usize = 15;

/// Not a test on its own: run by the tests below as one ops host. It loads the config from
/// `$HOME` as the binary does, opens the journal the console and the shell actions use,
/// and appends `<author>-<n>` notes until killed, printing `appended <seq> <note>` after
/// each append has returned.
#[test]
fn host_appender() {
    let Some(go) = std::env::var_os(CHILD_GO) else { return };
    let path = modeldeck::config::locate(None, None).expect("locate").expect("a config in $HOME");
    let config = modeldeck::config::load(Some(&path)).expect("config");
    let journal = modeldeck::cli::journal_for(&config, false).expect("journal");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !Path::new(&go).exists() {
        assert!(Instant::now() < deadline, "no start signal");
        std::thread::sleep(Duration::from_millis(5));
    }
    let author = config.author_name();
    for i in 0.. {
        let text = format!("{author}-{}-{i}", std::process::id());
        let entry = journal.append(Draft::note(&author, "prod", Subject::default(), &text)).expect("append");
        println!("appended {} {text}", entry.seq);
    }
}

/// An ops host: its own HOME with a config naming the shared journal and its own witness.
struct OpsHost {
    home: tempfile::TempDir,
    author: &'static str,
}

impl OpsHost {
    fn new(author: &'static str, extra: &str) -> OpsHost {
        let home = tempfile::tempdir().expect("home");
        let dir = home.path().join(".config/modeldeck");
        std::fs::create_dir_all(&dir).unwrap();
        let config = format!(
            "author = \"{author}\"\n[journal]\nbackend = \"postgres\"\nurl_env = \"{URL_ENV}\"\n\
             witness = \"~/witness/journal.head\"\n{extra}"
        );
        std::fs::write(dir.join("config.toml"), config).unwrap();
        OpsHost { home, author }
    }

    fn witness(&self) -> PathBuf {
        self.home.path().join("witness/journal.head")
    }

    fn env(&self, cmd: &mut Command, url: &str) {
        cmd.env("HOME", self.home.path())
            .env(URL_ENV, url)
            .env("NO_COLOR", "1")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_STATE_HOME")
            .env_remove("MODELDECK_CONFIG");
    }

    /// `modeldeck journal <args>` on this host.
    fn journal(&self, url: &str, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_modeldeck"));
        cmd.arg("journal").args(args);
        self.env(&mut cmd, url);
        let run = Run::from(cmd.output().expect("run modeldeck"));
        assert!(!run.stdout.contains(PASSWORD) && !run.stderr.contains(PASSWORD), "the password showed: {run:?}");
        run
    }

    fn appender(&self, url: &str, go: &Path) -> (KillOnDrop, Receiver<String>) {
        let mut cmd = Command::new(std::env::current_exe().expect("test binary"));
        cmd.args(["--exact", "host_appender", "--nocapture"]).env(CHILD_GO, go);
        self.env(&mut cmd, url);
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn host");
        let lines = line_reader(child.stdout.take().expect("stdout"));
        (KillOnDrop(child), lines)
    }
}

/// `appended <seq> <note>` → (seq, note).
fn acknowledged(line: &str) -> Option<(u64, String)> {
    let rest = line.strip_prefix("appended ")?;
    let (seq, note) = rest.split_once(' ')?;
    Some((seq.parse().ok()?, note.to_string()))
}

#[test]
fn two_hosts_append_through_kill_9_and_keep_one_chain() {
    let pg = Postgres::start();
    let url = pg.url_with_password(PASSWORD);
    let hosts = [OpsHost::new("alice@bastion-1", ""), OpsHost::new("bob@bastion-2", "")];
    let signals = tempfile::tempdir().unwrap();
    let mut acks: Vec<(u64, String)> = Vec::new();
    for round in 0..2 {
        let go = signals.path().join(format!("go-{round}"));
        let children: Vec<_> = hosts.iter().map(|h| h.appender(&url, &go)).collect();
        std::fs::write(&go, "").unwrap();
        for (_, lines) in &children {
            for _ in 0..APPENDS_PER_ROUND {
                let line = wait_for_line(lines, Duration::from_secs(60), "an append", |l| l.starts_with("appended "));
                acks.extend(acknowledged(&line));
            }
        }
        // Both are still appending: SIGKILL lands mid-append or between appends.
        for (mut child, lines) in children {
            child.0.kill().expect("kill -9");
            child.0.wait().expect("reap");
            loop {
                match lines.recv_timeout(Duration::from_secs(5)) {
                    Ok(line) => acks.extend(acknowledged(&line)),
                    Err(RecvTimeoutError::Disconnected) => break,
                    Err(RecvTimeoutError::Timeout) => panic!("the killed host's output did not close"),
                }
            }
        }
    }

    // Nothing lost: every append that returned is in the journal, at the seq it was given.
    let journal = Journal::inspect(&Location::Postgres(Secret::new(url.clone()))).expect("open");
    let entries = journal.read_all().expect("read");
    assert!(acks.len() >= 4 * APPENDS_PER_ROUND, "{}", acks.len());
    for (seq, note) in &acks {
        let entry = entries.get(*seq as usize - 1).unwrap_or_else(|| panic!("entry {seq} is missing"));
        assert_eq!((entry.seq, &entry.note), (*seq, note), "acknowledged entry {seq}");
    }
    for host in &hosts {
        assert!(entries.iter().any(|e| e.author == host.author), "no entry from {}", host.author);
    }
    // Nothing forked: one row per seq, 1..N without a gap, and the chain verifies from both.
    let rows = pg.psql("SELECT count(*), min(seq), max(seq), count(DISTINCT seq) FROM modeldeck_journal");
    let n = entries.len();
    assert_eq!(rows, format!("{n}|1|{n}|{n}"));
    let raw = journal.raw().unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains(PASSWORD));
    for host in &hosts {
        let verify = host.journal(&url, &["verify"]);
        assert_eq!(verify.code, Some(0), "{verify:?}");
        assert!(verify.stdout.contains(&format!("{n} entries, chain intact")), "{verify:?}");
        // Each host's witness holds the head after its own last append: earlier or equal.
        assert!(verify.stdout.contains("nothing missing at the end: checked against the witness"), "{verify:?}");
        assert!(host.witness().exists());
    }
    let last_line = raw.split(|b| *b == b'\n').rfind(|l| !l.is_empty()).unwrap();
    let head = format!("{n} {}\n", sha256_hex(last_line));
    assert_eq!(hosts[0].journal(&url, &["head"]).stdout, head);
    assert_eq!(hosts[1].journal(&url, &["head"]).stdout, head);
}

#[test]
fn each_host_follows_the_others_entries() {
    let pg = Postgres::start();
    let url = pg.url_with_password(PASSWORD);
    let (alice, bob) = (OpsHost::new("alice@bastion-1", ""), OpsHost::new("bob@bastion-2", ""));
    assert_eq!(alice.journal(&url, &["note", "first, from alice"]).code, Some(0));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_modeldeck"));
    cmd.args(["journal", "tail", "-n", "5"]);
    bob.env(&mut cmd, &url);
    let mut tail = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn tail");
    let lines = line_reader(tail.stdout.take().unwrap());
    let _tail = KillOnDrop(tail);
    wait_for_line(&lines, Duration::from_secs(30), "alice's first note", |l| {
        l.contains("alice@bastion-1") && l.contains("first, from alice")
    });
    assert_eq!(alice.journal(&url, &["note", "--model", "fraud-detector", "second"]).code, Some(0));
    let followed = wait_for_line(&lines, Duration::from_secs(30), "alice's second note", |l| l.contains("second"));
    assert!(followed.contains("alice@bastion-1") && followed.contains("fraud-detector"), "{followed}");
    assert!(!followed.contains(PASSWORD));

    let export = bob.journal(&url, &["export", "--format", "json"]);
    assert_eq!(export.code, Some(0), "{export:?}");
    let doc: serde_json::Value = serde_json::from_str(&export.stdout).expect("json");
    assert_eq!(doc["entries"].as_array().map(Vec::len), Some(2), "{doc}");
    assert_eq!(doc["journal"], format!("postgres://modeldeck@127.0.0.1:{}/postgres", pg.port));
}

#[test]
fn migrate_copies_a_file_journal_and_a_witness_catches_a_cut_table() {
    let pg = Postgres::start();
    let url = pg.url_with_password(PASSWORD);
    let fx = Fixture::new();
    fx.notes(5);
    let file_head = fx.run(&["head"]).stdout;
    let host = OpsHost::new("alice@bastion-1", &format!("path = \"{}\"\n", fx.journal.display()));

    let migrate = host.journal(&url, &["migrate"]);
    assert_eq!(migrate.code, Some(0), "{migrate:?}");
    assert!(migrate.stdout.contains("migrated 5 entries") && migrate.stdout.contains("5 entries, chain intact"));
    // Byte for byte: the same hashes, so the head recorded for the file still holds.
    assert_eq!(pg.psql("SELECT line FROM modeldeck_journal ORDER BY seq"), fx.lines().join("\n"));
    assert_eq!(host.journal(&url, &["head"]).stdout, file_head);
    let (count, hash) = file_head.trim().split_once(' ').unwrap();
    assert_eq!(host.journal(&url, &["verify", "--expect-count", count, "--expect-head", hash]).code, Some(0));

    let again = host.journal(&url, &["migrate"]);
    assert_eq!(again.code, Some(2), "{again:?}");
    assert!(again.stderr.contains("already holds 5 entries"), "{again:?}");

    let note = host.journal(&url, &["note", "after the move"]);
    assert_eq!(note.stdout.trim(), "appended entry 6", "{note:?}");
    assert_eq!(std::fs::read_to_string(host.witness()).unwrap(), host.journal(&url, &["head"]).stdout);
    assert_eq!(host.journal(&url, &["verify"]).code, Some(0));

    pg.psql("DELETE FROM modeldeck_journal WHERE seq = (SELECT max(seq) FROM modeldeck_journal)");
    let cut = host.journal(&url, &["verify"]);
    assert_eq!(cut.code, Some(1), "{cut:?}");
    assert!(cut.stdout.contains("entry 6 is missing at the end"), "{cut:?}");
}

#[test]
fn an_unreachable_database_fails_cleanly_without_showing_the_password() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("postgres://modeldeck:{PASSWORD}@127.0.0.1:{closed}/postgres");
    let host = OpsHost::new("alice@bastion-1", "");
    for args in [&["verify"][..], &["note", "lost?"], &["head"]] {
        let run = host.journal(&url, args);
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        assert!(run.stderr.contains(&format!("127.0.0.1:{closed}")), "{run:?}");
    }
}

/// A shell action journals through the same store: `modeldeck ack` against a real
/// Alertmanager (its alert from a real Prometheus rule), with the journal in PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shell_ack_is_journaled_in_postgres() {
    let stack = harness::Stack::start().await;
    let body = harness::metrics_text(&[("fraud", "3", 0.71)]);
    stack.push("model-eval", "eval-1", &body).await;
    let alerts = format!("{}/api/v2/alerts", stack.alertmanager_url);
    harness::wait_for("the fraud alert active", Duration::from_secs(30), || {
        let alerts = alerts.clone();
        async move {
            let text = reqwest::get(&alerts).await.unwrap().text().await.unwrap();
            text.contains("ModelAccuracyLow") && text.contains("\"active\"")
        }
    })
    .await;
    let pg = Postgres::start();
    let url = pg.url_with_password(PASSWORD);
    let environment = format!(
        "[[environment]]\nname = \"it\"\nprometheus = {{ url = \"{}\" }}\nalertmanagers = [\"{}\"]\n",
        stack.prometheus_url, stack.alertmanager_url
    );
    let host = OpsHost::new("alice@bastion-1", &environment);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_modeldeck"));
    cmd.args(["ack", "--model", "fraud", "--alert", "ModelAccuracyLow", "--for", "1h"]).args([
        "--comment",
        "retraining fraud v4",
        "--yes",
        "--json",
    ]);
    host.env(&mut cmd, &url);
    let ack = Run::from(tokio::task::spawn_blocking(move || cmd.output()).await.unwrap().expect("run ack"));
    assert_eq!(ack.code, Some(0), "{ack:?}");
    assert!(!ack.stdout.contains(PASSWORD) && !ack.stderr.contains(PASSWORD), "{ack:?}");
    let doc: serde_json::Value = serde_json::from_str(&ack.stdout).expect("json");
    assert_eq!(doc["result"], "ok", "{doc}");

    let journal = Journal::inspect(&Location::Postgres(Secret::new(url.clone()))).expect("open");
    let entries = journal.read_all().unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    assert_eq!(doc["journal"]["hash"], entry.hash.as_str());
    assert_eq!(entry.kind, modeldeck::journal::Kind::Ack);
    assert_eq!(entry.author, "alice@bastion-1");
    assert_eq!(entry.request.as_ref().unwrap()["via"], "cli");
    // The action fed the witness like any append.
    assert_eq!(std::fs::read_to_string(host.witness()).unwrap(), format!("{}\n", journal.head().unwrap().line()));
    assert_eq!(host.journal(&url, &["verify"]).code, Some(0));
}

/// The table made by an administrator, the operators' role allowed only SELECT and INSERT:
/// they append and verify, and cannot delete a row.
#[test]
fn an_append_only_role_appends_and_verifies_but_cannot_delete() {
    let pg = Postgres::start();
    let admin = OpsHost::new("admin@db", "");
    assert_eq!(admin.journal(&pg.url_with_password(PASSWORD), &["note", "table made"]).code, Some(0));
    pg.psql("CREATE ROLE ops LOGIN; GRANT SELECT, INSERT ON modeldeck_journal TO ops");
    let url = pg.url_as("ops", PASSWORD);
    let host = OpsHost::new("alice@bastion-1", "");
    let note = host.journal(&url, &["note", "from the ops role"]);
    assert_eq!(note.stdout.trim(), "appended entry 2", "{note:?}");
    let verify = host.journal(&url, &["verify"]);
    assert_eq!(verify.code, Some(0), "{verify:?}");
    assert!(verify.stdout.contains("2 entries, chain intact"), "{verify:?}");
    let denied = pg.psql_as("ops", "DELETE FROM modeldeck_journal WHERE seq = 2").expect_err("ops may not delete");
    assert!(denied.contains("permission denied"), "{denied}");
}
