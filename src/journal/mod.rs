//! The operator journal: an append-only, hash-chained record of every note and every
//! action with who, when, what, why and the result. JSON Lines in a file by default, or the
//! same lines in a PostgreSQL table shared by several ops hosts.
//!
//! Other systems of record (a silence comment, a registry tag) can mirror entries through
//! [`Mirror`]; the journal stays the source of truth and a mirror failure never blocks it.

pub mod cli;
pub mod export;

mod file;
mod migrate;
mod postgres;
mod store;
mod tail;
mod verify;
mod witness;

pub use crate::domain::team::Followed;
pub use crate::domain::{Draft, Entry, GENESIS, Kind, Outcome, Redactor, SCHEMA_VERSION, Subject, sha256_hex};
pub use file::{Durability, OpenReport, TornLine};
pub use store::{Decider, Journal, Location, Sealer, Store};
pub use verify::{Expect, Problem, Verification, verify_bytes, verify_expecting, verify_file};
pub use witness::{Head, Witness};

use std::path::PathBuf;

/// Copies an entry into another system of record (an Alertmanager silence comment, a model
/// registry tag). Called after the entry is durable; errors are reported, not fatal.
pub trait Mirror: Send + Sync {
    fn name(&self) -> &str;
    fn mirror(&self, entry: &Entry) -> Result<(), String>;
}

/// The default journal: `~/.local/share/modeldeck/journal.jsonl` on Linux.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "modeldeck").map(|d| d.data_dir().join("journal.jsonl"))
}

/// A fresh journal for `--demo`, in a temporary directory, never mixed with real ones.
pub fn demo_path() -> PathBuf {
    std::env::temp_dir().join(format!("modeldeck-demo-{}", std::process::id())).join("demo-journal.jsonl")
}

/// `$USER@host`, the author when the config names none.
pub fn default_author() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into());
    format!("{user}@{host}")
}
