//! Lines cut from the journal's end: the chain alone cannot see them (what is left is a
//! valid chain), a recorded head can (`journal head`, `verify --expect-head/--expect-count`),
//! and so can the `[journal] witness` file that every append updates.

mod journal_fixtures;

use std::path::{Path, PathBuf};
use std::process::Command;

use journal_fixtures::{Fixture, note};
use modeldeck::journal::sha256_hex;

/// `sed -i '$d' FILE`, as the truncation would be done by hand.
fn delete_last_line(path: &Path) {
    let status = Command::new("sed").args(["-i", "$d"]).arg(path).status().expect("run sed");
    assert!(status.success());
}

/// The fixture with `[journal] witness` set.
fn with_witness(fx: &Fixture) -> PathBuf {
    let witness = fx.dir.path().join("elsewhere").join("journal.head");
    let mut config = std::fs::read_to_string(&fx.config).unwrap();
    config += &format!("witness = \"{}\"\n", witness.display());
    std::fs::write(&fx.config, config).unwrap();
    witness
}

#[test]
fn head_prints_the_count_and_the_last_lines_hash() {
    let fx = Fixture::new();
    let empty = fx.run(&["head"]);
    assert_eq!(empty.code, Some(2), "no journal yet: {empty:?}");
    fx.notes(3);
    let run = fx.run(&["head"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, format!("3 {}\n", sha256_hex(fx.lines()[2].as_bytes())));
}

#[test]
fn without_a_witness_only_a_recorded_head_finds_a_cut_end() {
    let fx = Fixture::new();
    fx.notes(3);
    let head = fx.run(&["head"]).stdout;
    let (count, hash) = head.trim().split_once(' ').unwrap();
    let second = sha256_hex(fx.lines()[1].as_bytes());

    delete_last_line(&fx.journal);
    // What the chain cannot see, and the README says so: the rest is a valid chain.
    let plain = fx.run(&["verify"]);
    assert_eq!(plain.code, Some(0), "{plain:?}");
    assert!(plain.stdout.contains("2 entries, chain intact"), "{plain:?}");

    let by_hash = fx.run(&["verify", "--expect-head", hash]);
    assert_eq!(by_hash.code, Some(1), "{by_hash:?}");
    assert!(
        by_hash.stdout.contains("BROKEN at line 3") && by_hash.stdout.contains("is not in the journal"),
        "{by_hash:?}"
    );
    let by_count = fx.run(&["verify", "--expect-count", count]);
    assert_eq!(by_count.code, Some(1), "{by_count:?}");
    assert!(by_count.stdout.contains("entry 3 is missing at the end"), "{by_count:?}");

    // A head recorded earlier still holds: entries after it are not missing ones.
    let earlier = fx.run(&["verify", "--expect-count", "2", "--expect-head", &second]);
    assert_eq!(earlier.code, Some(0), "{earlier:?}");
    assert!(earlier.stdout.contains("nothing missing at the end"), "{earlier:?}");

    // Cut and appended again: three entries, but not the third that was recorded.
    fx.journal().append(note(None, "a different third")).unwrap();
    let rewritten = fx.run(&["verify", "--expect-count", count, "--expect-head", hash]);
    assert_eq!(rewritten.code, Some(1), "{rewritten:?}");
    assert!(rewritten.stdout.contains("entry 3 does not hash to the head"), "{rewritten:?}");

    let bad = fx.run(&["verify", "--expect-head", "not-a-hash"]);
    assert_eq!(bad.code, Some(2), "{bad:?}");
}

#[test]
fn a_witness_catches_a_cut_end_without_being_told() {
    let fx = Fixture::new();
    let witness = with_witness(&fx);
    for i in 1..=3 {
        let run = fx.run(&["note", &format!("note {i}")]);
        assert_eq!(run.code, Some(0), "{run:?}");
        // The witness holds exactly what `journal head` prints, after every append.
        assert_eq!(std::fs::read_to_string(&witness).unwrap(), fx.run(&["head"]).stdout);
    }
    let intact = fx.run(&["verify"]);
    assert_eq!(intact.code, Some(0), "{intact:?}");
    assert!(intact.stdout.contains("nothing missing at the end: checked against the witness"), "{intact:?}");

    delete_last_line(&fx.journal);
    let cut = fx.run(&["verify"]);
    assert_eq!(cut.code, Some(1), "{cut:?}");
    assert!(cut.stdout.contains("entry 3 is missing at the end"), "{cut:?}");
    assert!(cut.stdout.contains(&witness.display().to_string()), "{cut:?}");

    // Deleting the witness too is not a way out.
    std::fs::remove_file(&witness).unwrap();
    let gone = fx.run(&["verify"]);
    assert_eq!(gone.code, Some(1), "{gone:?}");
    assert!(gone.stdout.contains("witness") && gone.stdout.contains("is missing"), "{gone:?}");

    // A witness that is not a head is reported, not trusted.
    std::fs::write(&witness, "garbage\n").unwrap();
    let garbage = fx.run(&["verify"]);
    assert_eq!(garbage.code, Some(1), "{garbage:?}");
    assert!(garbage.stdout.contains("COUNT HASH"), "{garbage:?}");
}

#[test]
fn a_new_journal_needs_no_witness_yet() {
    let fx = Fixture::new();
    let witness = with_witness(&fx);
    std::fs::write(&fx.journal, "").unwrap();
    let run = fx.run(&["verify"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(!witness.exists());
}
