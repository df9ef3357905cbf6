//! `modeldeck journal migrate`: a file journal copied, line for line, into the PostgreSQL
//! journal, then read back and verified. The lines keep their bytes, so every hash, and the
//! head recorded anywhere, stays valid.

use std::path::Path;
use std::process::ExitCode;

use super::{Journal, verify_bytes, verify_file};

/// Exit status: 0 copied and verified, 1 the file's chain is broken or the copy differs,
/// 2 the file or the database cannot be used.
pub(super) fn migrate(from: &Path, journal: &Journal) -> ExitCode {
    let Some(store) = journal.postgres() else {
        eprintln!(
            "modeldeck: migrate copies into PostgreSQL: set [journal] backend = \"postgres\" and its url_env or url_file"
        );
        return ExitCode::from(2);
    };
    let source = match verify_file(from) {
        Ok(verification) => verification,
        Err(e) => {
            eprintln!("modeldeck: {e}");
            return ExitCode::from(2);
        }
    };
    if !source.ok() {
        println!("not migrated: {}: {}", from.display(), source.summary());
        return ExitCode::from(1);
    }
    let bytes = match std::fs::read(from) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("modeldeck: cannot read {}: {e}", from.display());
            return ExitCode::from(2);
        }
    };
    // Split on '\n' only: each line keeps exactly the bytes its successor's `prev` hashed.
    let lines: Vec<String> =
        String::from_utf8_lossy(&bytes).split('\n').filter(|l| !l.is_empty()).map(String::from).collect();
    let copied = match store.import(lines) {
        Ok(copied) => copied,
        Err(e) => {
            eprintln!("modeldeck: not migrated: {e}");
            return ExitCode::from(2);
        }
    };
    // Read back through the same path every reader uses, and compare byte for byte.
    let stored = match journal.raw() {
        Ok(stored) => stored,
        Err(e) => {
            eprintln!("modeldeck: copied {copied} entries but cannot read them back: {e}");
            return ExitCode::from(2);
        }
    };
    let copy = verify_bytes(&stored);
    if !copy.ok() || stored != bytes || copy.head != source.head {
        println!("migrated {copied} entries but the copy does not match {}: {}", from.display(), copy.summary());
        return ExitCode::from(1);
    }
    if let (Some(witness), Ok(head)) = (journal.witness(), journal.head())
        && let Err(e) = witness.record(&head)
    {
        eprintln!("modeldeck: warning: the witness was not updated: {e}");
    }
    println!("migrated {copied} entries from {} to {}", from.display(), journal.location());
    println!("{}", copy.summary());
    ExitCode::SUCCESS
}
