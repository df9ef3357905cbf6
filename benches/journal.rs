//! Journal costs: one durable append, and verifying a large journal. Run with
//! `cargo bench --bench journal`.

use divan::counter::{BytesCount, ItemsCount};
use modeldeck::journal::{Draft, Durability, Journal, Subject, verify_file};

fn main() {
    divan::main();
}

fn draft(i: usize) -> Draft {
    let subject =
        Subject { model: Some(format!("model-{:03}", i % 200)), version: Some("7".into()), ..Subject::default() };
    Draft::note("alice@ops-host", "prod", subject, &format!("checked drift after the retrain, entry {i}; all good"))
}

/// A temp dir on the target's disk (not a tmpfs), so fsync costs what it costs for real.
fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("journal-bench").tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir")
}

/// One `Journal::append` as the console does it: lock, read the tail, write, fsync.
#[divan::bench(sample_count = 200)]
fn append_with_fsync(bencher: divan::Bencher) {
    let dir = tempdir();
    let (journal, _) = Journal::open(&dir.path().join("journal.jsonl")).expect("open");
    let journal = journal.with_durability(Durability::Fsync);
    let note = draft(1);
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| journal.append(note.clone()).expect("append"));
}

/// `verify_file` over 100,000 entries (built once, without fsync).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn verify_100k(bencher: divan::Bencher) {
    const ENTRIES: usize = 100_000;
    let dir = tempdir();
    let path = dir.path().join("journal.jsonl");
    let (journal, _) = Journal::open(&path).expect("open");
    let journal = journal.with_durability(Durability::NoSync);
    for i in 0..ENTRIES {
        journal.append(draft(i)).expect("append");
    }
    let bytes = std::fs::metadata(&path).expect("stat").len() as usize;
    bencher.counter(ItemsCount::new(ENTRIES)).counter(BytesCount::new(bytes)).bench_local(|| {
        let v = verify_file(&path).expect("read");
        assert!(v.ok() && v.entries == ENTRIES, "{}", v.summary());
        v
    });
}
