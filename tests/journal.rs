//! The operator journal end to end: the library's append/verify/repair guarantees, the
//! `modeldeck journal` commands, and the crash and concurrency promises with real processes.

mod journal_fixtures;

use std::collections::HashSet;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use journal_fixtures::{Fixture, KillOnDrop, entry, line_reader, note, wait_for_line, wait_with_deadline, write_chain};
use modeldeck::journal::{Draft, Journal, Outcome, Redactor, Subject, sha256_hex, verify_file};

const CHILD_JOURNAL: &str = "MODELDECK_TEST_CHILD_JOURNAL";
const CHILD_COUNT: &str = "MODELDECK_TEST_CHILD_COUNT";
const CHILD_TAG: &str = "MODELDECK_TEST_CHILD_TAG";
const CHILD_GO: &str = "MODELDECK_TEST_CHILD_GO";

/// Not a test on its own: when the parent tests below run this binary with the variables
/// set, it appends `child-<tag>-<i>` notes with fsync (0 = until killed) and prints
/// `appended <seq>` after each append has returned. Without them it does nothing.
#[test]
fn child_appender() {
    let Some(path) = std::env::var_os(CHILD_JOURNAL) else { return };
    let count: u64 = std::env::var(CHILD_COUNT).expect("count").parse().expect("count is a number");
    let tag = std::env::var(CHILD_TAG).expect("tag");
    if let Some(go) = std::env::var_os(CHILD_GO) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !std::path::Path::new(&go).exists() {
            assert!(Instant::now() < deadline, "no start signal");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let (journal, _) = Journal::open(std::path::Path::new(&path)).expect("open");
    let mut out = std::io::stdout().lock();
    let mut i = 0;
    while count == 0 || i < count {
        let e = journal.append(note(Some(&tag), &format!("child-{tag}-{i}"))).expect("append");
        writeln!(out, "appended {}", e.seq).and_then(|()| out.flush()).expect("stdout");
        i += 1;
    }
}

fn child(path: &std::path::Path, tag: &str, count: u64) -> Command {
    let mut cmd = Command::new(std::env::current_exe().expect("test binary"));
    cmd.args(["--exact", "child_appender", "--nocapture"])
        .env(CHILD_JOURNAL, path)
        .env(CHILD_COUNT, count.to_string())
        .env(CHILD_TAG, tag);
    cmd
}

#[test]
fn appends_verify_and_read_back_in_order() {
    let fx = Fixture::new();
    let (journal, report) = Journal::open(&fx.journal).unwrap();
    assert_eq!(report.torn, None);
    let written: Vec<_> = (1..=3).map(|i| journal.append(note(Some("m"), &format!("n{i}"))).unwrap()).collect();
    assert_eq!(written.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);

    let v = verify_file(&fx.journal).unwrap();
    assert!(v.ok(), "{}", v.summary());
    assert_eq!(v.entries, 3);
    assert_eq!(v.head.as_deref(), Some(sha256_hex(fx.lines()[2].as_bytes()).as_str()));
    assert_eq!(written[1].prev, sha256_hex(fx.lines()[0].as_bytes()));

    let read = journal.read_all().unwrap();
    assert_eq!(read, written);
    assert_eq!(read.iter().map(|e| e.note.as_str()).collect::<Vec<_>>(), ["n1", "n2", "n3"]);
}

#[test]
fn secrets_never_reach_the_file() {
    let fx = Fixture::new();
    let (journal, _) = Journal::open(&fx.journal).unwrap();
    let journal = journal.with_redactor(Redactor::new(vec!["s3cr3t-value-42".into()]));
    let draft = Draft {
        kind: modeldeck::journal::Kind::Rollback,
        request: Some(serde_json::json!({"url": "https://x/rollback", "headers": {"Authorization": "Bearer xyz"}})),
        result: Outcome::Failed { error: "401 from proxy: Bearer xyz rejected (key s3cr3t-value-42)".into() },
        ..note(Some("m"), "rolling back with s3cr3t-value-42")
    };
    let e = journal.append(draft).unwrap();
    let text = std::fs::read_to_string(&fx.journal).unwrap();
    assert!(!text.contains("s3cr3t-value-42") && !text.contains("xyz"), "{text}");
    assert_eq!(
        e.result,
        Outcome::Failed { error: "401 from proxy: Bearer <redacted> rejected (key <redacted>)".into() }
    );
    assert!(verify_file(&fx.journal).unwrap().ok());
}

#[test]
fn cli_note_redacts_the_configured_credentials_and_verifies() {
    let fx = Fixture::new();
    let token = fx.dir.path().join("token");
    std::fs::write(&token, "tok-0123456789\n").unwrap();
    let mut config = std::fs::read_to_string(&fx.config).unwrap();
    config += &format!(
        "[[environment]]\nname = \"prod\"\nprometheus = {{ url = \"http://127.0.0.1:1\", token_file = \"{}\" }}\n",
        token.display()
    );
    std::fs::write(&fx.config, config).unwrap();
    let run = fx.run(&["note", "--model", "fraud-detector", "--version", "7", "pasted tok-0123456789 by mistake"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout.trim(), "appended entry 1");
    let text = std::fs::read_to_string(&fx.journal).unwrap();
    assert!(!text.contains("tok-0123456789") && text.contains("pasted <redacted> by mistake"), "{text}");

    let second = fx.run(&["note", "second"]);
    assert_eq!(second.stdout.trim(), "appended entry 2", "{second:?}");
    let verify = fx.run(&["verify"]);
    assert_eq!(verify.code, Some(0), "{verify:?}");
    assert!(verify.stdout.contains("2 entries, chain intact"), "{verify:?}");
    let entries = Journal::open(&fx.journal).unwrap().0.read_all().unwrap();
    assert_eq!(entries[0].environment, "prod");
    assert_eq!(
        entries[0].subject,
        Subject { model: Some("fraud-detector".into()), version: Some("7".into()), ..Subject::default() }
    );
}

#[test]
fn verify_names_the_line_of_an_edited_entry() {
    let fx = Fixture::new();
    fx.notes(5);
    let mut lines = fx.lines();
    assert!(lines[2].contains(r#""note":"entry 3""#));
    lines[2] = lines[2].replace(r#""note":"entry 3""#, r#""note":"entry 3, nothing to see""#);
    fx.write_lines(&lines);
    let run = fx.run(&["verify"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stdout.contains("BROKEN at line 3:") && run.stdout.contains("modified"), "{run:?}");
}

#[test]
fn verify_names_the_line_of_a_deleted_entry() {
    let fx = Fixture::new();
    fx.notes(5);
    let mut lines = fx.lines();
    lines.remove(2);
    fx.write_lines(&lines);
    let run = fx.run(&["verify"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stdout.contains("BROKEN at line 3:") && run.stdout.contains("missing"), "{run:?}");
}

#[test]
fn verify_names_the_first_of_two_swapped_lines() {
    let fx = Fixture::new();
    fx.notes(5);
    let mut lines = fx.lines();
    lines.swap(1, 2);
    fx.write_lines(&lines);
    let run = fx.run(&["verify"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stdout.contains("BROKEN at line 2:") && run.stdout.contains("swapped"), "{run:?}");
}

#[test]
fn verify_of_a_missing_journal_exits_2() {
    let fx = Fixture::new();
    let run = fx.run(&["verify"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("no journal at"), "{run:?}");
}

#[test]
fn a_torn_last_line_is_moved_aside_and_the_chain_continues() {
    let fx = Fixture::new();
    fx.notes(5);
    let bytes = std::fs::read(&fx.journal).unwrap();
    let last_start = bytes[..bytes.len() - 1].iter().rposition(|b| *b == b'\n').unwrap() + 1;
    let cut = last_start + (bytes.len() - last_start) / 2;
    std::fs::write(&fx.journal, &bytes[..cut]).unwrap();
    let before = fx.run(&["verify"]);
    assert_eq!(before.code, Some(1), "a torn line is reported until repaired: {before:?}");
    assert!(before.stdout.contains("line 5"), "{before:?}");

    let (journal, report) = Journal::open(&fx.journal).unwrap();
    let torn = report.torn.expect("the torn line is reported");
    assert_eq!(torn.bytes, cut - last_start);
    assert_eq!(torn.moved_to.parent(), fx.journal.parent());
    assert_eq!(std::fs::read(&torn.moved_to).unwrap(), &bytes[last_start..cut]);
    assert_eq!(std::fs::read(&fx.journal).unwrap(), &bytes[..last_start]);
    let v = verify_file(&fx.journal).unwrap();
    assert!(v.ok() && v.entries == 4, "{}", v.summary());

    assert_eq!(journal.append(note(None, "after the crash")).unwrap().seq, 5);
    let run = fx.run(&["verify"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("5 entries, chain intact"), "{run:?}");
}

/// DONE-WHEN: two processes appending 5,000 entries each at once leave 10,000 entries and a
/// chain that verifies.
#[test]
fn two_processes_appending_concurrently_keep_every_entry_and_the_chain() {
    const EACH: u64 = 5_000;
    let fx = Fixture::new();
    let go = fx.dir.path().join("go");
    let started = Instant::now();
    let spawn = |tag: &str| {
        let mut cmd = child(&fx.journal, tag, EACH);
        cmd.env(CHILD_GO, &go).stdout(Stdio::null()).stderr(Stdio::piped());
        KillOnDrop(cmd.spawn().expect("spawn child"))
    };
    let mut a = spawn("A");
    let mut b = spawn("B");
    std::fs::write(&go, "").unwrap();
    for (tag, c) in [("A", &mut a), ("B", &mut b)] {
        let status = wait_with_deadline(&mut c.0, Duration::from_secs(600), &format!("child {tag}"));
        let mut err = String::new();
        std::io::Read::read_to_string(c.0.stderr.as_mut().unwrap(), &mut err).unwrap();
        assert!(status.success(), "child {tag} failed: {err}");
    }
    let elapsed = started.elapsed();

    let v = verify_file(&fx.journal).unwrap();
    assert!(v.ok(), "{}", v.summary());
    assert_eq!(v.entries, 2 * EACH as usize);
    let entries = Journal::open(&fx.journal).unwrap().0.read_all().unwrap();
    let notes: HashSet<&str> = entries.iter().map(|e| e.note.as_str()).collect();
    for tag in ["A", "B"] {
        let missing: Vec<u64> = (0..EACH).filter(|i| !notes.contains(format!("child-{tag}-{i}").as_str())).collect();
        assert!(
            missing.is_empty(),
            "child {tag} lost {} entries, e.g. {:?}",
            missing.len(),
            &missing[..5.min(missing.len())]
        );
    }
    // Both really wrote at the same time: their entries interleave.
    let switches = entries.windows(2).filter(|w| w[0].subject.model != w[1].subject.model).count();
    assert!(switches > 1, "the children did not overlap (switches: {switches})");
    eprintln!("2 x {EACH} fsynced appends from two processes: {elapsed:.2?} ({switches} writer switches)");
}

/// DONE-WHEN: a writer SIGKILLed while appending loses no entry whose append had returned.
#[test]
fn a_killed_writer_loses_no_returned_append() {
    let fx = Fixture::new();
    let mut cmd = child(&fx.journal, "K", 0);
    cmd.stdout(Stdio::piped()).stderr(Stdio::null());
    let mut writer = KillOnDrop(cmd.spawn().expect("spawn writer"));
    let lines = line_reader(writer.0.stdout.take().unwrap());
    let appended = |line: &str| line.strip_prefix("appended ").and_then(|s| s.trim().parse::<u64>().ok());
    let mut returned = Vec::new();
    while returned.len() < 200 {
        let line = wait_for_line(&lines, Duration::from_secs(60), "an append", |l| appended(l).is_some());
        returned.push(appended(&line).unwrap());
    }
    writer.0.kill().expect("SIGKILL");
    writer.0.wait().unwrap();
    // Appends that returned between the 200th and the kill count too: drain to EOF.
    returned.extend(lines.iter().filter_map(|l| appended(&l)));

    let (journal, report) = Journal::open(&fx.journal).unwrap();
    if let Some(torn) = &report.torn {
        eprintln!("the kill tore a line: {} bytes moved to {}", torn.bytes, torn.moved_to.display());
    }
    let v = verify_file(&fx.journal).unwrap();
    assert!(v.ok(), "{}", v.summary());
    let seqs: HashSet<u64> = journal.read_all().unwrap().iter().map(|e| e.seq).collect();
    let lost: Vec<_> = returned.iter().filter(|s| !seqs.contains(s)).collect();
    assert!(lost.is_empty(), "returned appends missing from the file: {lost:?}");
    assert_eq!(returned, (1..=returned.len() as u64).collect::<Vec<_>>(), "one writer appends 1, 2, 3…");

    // Second phase, deterministic: a line cut short by hand, as a crash mid-write leaves it.
    let fragment = br#"{"v":1,"seq":999,"note":"cut sh"#;
    std::fs::OpenOptions::new().append(true).open(&fx.journal).unwrap().write_all(fragment).unwrap();
    let (journal, report) = Journal::open(&fx.journal).unwrap();
    let torn = report.torn.expect("open reports the torn line");
    assert_eq!(torn.bytes, fragment.len());
    assert_eq!(std::fs::read(&torn.moved_to).unwrap(), fragment);
    let v = verify_file(&fx.journal).unwrap();
    assert!(v.ok() && v.entries == seqs.len(), "{}", v.summary());
    assert_eq!(journal.append(note(None, "after")).unwrap().seq, seqs.len() as u64 + 1);
}

fn export_fixture() -> Fixture {
    let fx = Fixture::new();
    let mut failed = entry("2026-11-01T09:30:00Z", Some("fraud-detector"), "# rolled back\nsecond line");
    failed.kind = modeldeck::journal::Kind::Rollback;
    failed.result = Outcome::Failed { error: "registry said 503".into() };
    failed.request = Some(serde_json::json!({"to_version": "6"}));
    let mut demo = entry("2026-11-03T12:00:00Z", None, "demo poke");
    demo.demo = true;
    write_chain(
        &fx.journal,
        vec![
            entry("2026-10-15T08:00:00Z", Some("fraud-detector"), "october note"),
            entry("2026-10-20T08:00:00Z", Some("churn-predictor"), "churn retrained"),
            failed,
            entry("2026-11-02T10:00:00Z", Some("churn-predictor"), "churn looks fine"),
            demo,
        ],
    );
    fx
}

#[test]
fn markdown_export_puts_verification_first_and_groups_by_model() {
    let fx = export_fixture();
    let run = fx.run(&["export", "--format", "md"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let md = &run.stdout;
    let verdict = md.find("✅ **Chain intact:** 5 entries verified").expect("verification line");
    let fraud = md.find("\n## fraud-detector\n").expect("model heading");
    let churn = md.find("\n## churn-predictor\n").expect("model heading");
    let none = md.find("\n## (no model)\n").expect("no-model heading");
    assert!(verdict < churn && churn < fraud && fraud < none, "{md}");
    let fraud_section = &md[fraud..none];
    assert!(fraud_section.contains("> october note"), "{md}");
    // A note starting with `#` stays inside its quote, not a heading; its lines are kept.
    assert!(fraud_section.contains("> \\# rolled back\\\n> second line\n"), "{md}");
    assert!(fraud_section.contains("**Result:** failed: registry said 503"), "{md}");
    assert!(fraud_section.contains("```json\n{\n  \"to_version\": \"6\"\n}\n```"), "{md}");
    assert!(md[none..].contains("(demo)") && !md[..none].contains("(demo)"), "{md}");
    assert!(md.contains("**Filter:** none (all entries)"), "{md}");
}

#[test]
fn json_export_filters_by_model_and_time() {
    let fx = export_fixture();
    let out = fx.dir.path().join("report.json");
    let run = fx.run(&[
        "export",
        "--format",
        "json",
        "--model",
        "churn-predictor",
        "--since",
        "2026-11-01",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.is_empty(), "the report goes to the file: {run:?}");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["journal"], fx.journal.display().to_string());
    assert_eq!(doc["verification"]["ok"], true);
    assert_eq!(doc["verification"]["entries"], 5);
    assert_eq!(doc["verification"]["problem"], serde_json::Value::Null);
    let notes: Vec<_> = doc["entries"].as_array().unwrap().iter().map(|e| e["note"].as_str().unwrap()).collect();
    assert_eq!(notes, ["churn looks fine"]);

    let run = fx.run(&["export", "--format", "json", "--since", "2026-11-01T09:30:00Z", "--until", "2026-11-03"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let seqs: Vec<_> = doc["entries"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [3, 4], "since is inclusive, until exclusive");

    let bad = fx.run(&["export", "--since", "last tuesday"]);
    assert_eq!(bad.code, Some(2), "{bad:?}");
    assert!(bad.stderr.contains("--since"), "{bad:?}");
}

#[test]
fn export_of_a_broken_journal_says_so_and_still_succeeds() {
    let fx = export_fixture();
    let mut lines = fx.lines();
    lines.remove(2);
    fx.write_lines(&lines);
    let md = fx.run(&["export"]);
    assert_eq!(md.code, Some(0), "{md:?}");
    assert!(md.stdout.starts_with("# modeldeck journal export\n\n❌ **Chain BROKEN at line 3:**"), "{md:?}");
    assert!(md.stderr.contains("warning: journal BROKEN at line 3"), "{md:?}");
    let json = fx.run(&["export", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["verification"]["ok"], false);
    assert_eq!(doc["verification"]["problem"]["line"], 3);
    assert_eq!(doc["entries"].as_array().unwrap().len(), 4);
}

#[test]
fn tail_prints_recent_entries_then_follows_appends() {
    let fx = Fixture::new();
    let journal = fx.notes(3);
    let mut tail = fx.command(&["tail", "-n", "2"]);
    tail.stdout(Stdio::piped()).stderr(Stdio::null());
    let mut tail = KillOnDrop(tail.spawn().unwrap());
    let out = line_reader(tail.0.stdout.take().unwrap());
    let first = wait_for_line(&out, Duration::from_secs(20), "history", |_| true);
    assert!(first.ends_with("alice@ops prod note fraud-detector ok — entry 2"), "{first}");
    let second = wait_for_line(&out, Duration::from_secs(20), "history", |_| true);
    assert!(second.ends_with("— entry 3"), "{second}");

    journal.append(note(Some("churn-predictor"), "seen by tail\nnot this line")).unwrap();
    let line = wait_for_line(&out, Duration::from_secs(20), "the new entry", |l| l.contains("seen by tail"));
    assert!(line.contains(" churn-predictor ok — seen by tail") && !line.contains("not this line"), "{line}");
    tail.0.kill().unwrap();
}

#[test]
fn tail_json_waits_for_the_file_and_survives_truncation() {
    let fx = Fixture::new();
    let mut tail = fx.command(&["tail", "--json"]);
    tail.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut tail = KillOnDrop(tail.spawn().unwrap());
    let out = line_reader(tail.0.stdout.take().unwrap());
    let err = line_reader(tail.0.stderr.take().unwrap());
    wait_for_line(&err, Duration::from_secs(20), "the waiting notice", |l| l.contains("waiting"));

    let journal = fx.journal();
    journal.append(note(None, "first")).unwrap();
    let line = wait_for_line(&out, Duration::from_secs(20), "the first entry", |_| true);
    let value: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!((value["seq"].as_u64(), value["note"].as_str()), (Some(1), Some("first")));

    std::fs::OpenOptions::new().write(true).open(&fx.journal).unwrap().set_len(0).unwrap();
    wait_for_line(&err, Duration::from_secs(20), "the truncation notice", |l| l.contains("truncated"));
    journal.append(note(None, "after truncation")).unwrap();
    let line = wait_for_line(&out, Duration::from_secs(20), "the entry after truncation", |_| true);
    assert!(line.contains(r#""note":"after truncation""#), "{line}");
    tail.0.kill().unwrap();
}
