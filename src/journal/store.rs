//! The journal as every caller sees it, over one of two stores: the file (the default) or a
//! PostgreSQL table shared by several ops hosts. Both keep the same lines in the same hash
//! chain; this front seals entries, redacts them, marks demo ones and feeds the witness.

use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;

use super::file::{Durability, FileStore, OpenReport};
use super::postgres::PgStore;
use super::witness::{Head, Witness};
use crate::domain::team::Followed;
use crate::domain::{Draft, Entry, GENESIS, Redactor, SCHEMA_VERSION, Secret, sha256_hex};

/// Seals the next entry given the store's last line (none for an empty journal): called by
/// the store with its append lock held, so the chain cannot fork.
pub type Sealer = Box<dyn FnOnce(Option<&[u8]>) -> Result<(Entry, String), String> + Send>;

/// Given every stored line (JSON Lines) and the last one, under the store's append lock:
/// the next entry sealed, or `None` to append nothing. A check-then-claim made with it is
/// atomic across every process sharing the journal.
pub type Decider = Box<dyn FnOnce(&[u8], Option<&[u8]>) -> Option<Result<(Entry, String), String>> + Send>;

/// What a journal backend provides. Lines are kept byte for byte, so the chain verifies the
/// same wherever they are stored.
pub trait Store: Send + Sync {
    /// Under the store's append lock: reads the last line, seals the next entry with it and
    /// makes that line durable. Returns the entry and the new head.
    fn append(&self, seal: Sealer) -> Result<(Entry, Head), String>;
    /// As `append`, with every line read under the same lock and given to `decide` first.
    fn append_if(&self, decide: Decider) -> Result<Option<(Entry, Head)>, String>;
    /// The lines whose `seq` is above `after`, oldest first, as JSON Lines; `after = 0` is
    /// the whole journal exactly as stored (what `verify` checks). Cheap for a follower.
    fn read_after(&self, after: u64) -> Result<Vec<u8>, String>;
    /// The last entry's `seq` and line hash, without reading the whole journal.
    fn head(&self) -> Result<Head, String>;
    /// Where the journal is, for people: a path, or a PostgreSQL address without password.
    fn location(&self) -> String;
}

/// Where a journal lives, as the config resolves it.
#[derive(Debug, Clone)]
pub enum Location {
    File(std::path::PathBuf),
    /// A connection URL (`postgres://user:pass@host:port/db`): a secret.
    Postgres(Secret),
}

#[derive(Debug, Clone)]
enum Backend {
    File(FileStore),
    Postgres(Arc<PgStore>),
}

#[derive(Debug, Clone)]
pub struct Journal {
    backend: Backend,
    demo: bool,
    redactor: Redactor,
    witness: Option<Witness>,
}

impl Journal {
    /// Opens a file journal (creating the file and its directory if needed) and repairs a
    /// torn tail.
    pub fn open(path: &Path) -> Result<(Journal, OpenReport), String> {
        let (store, report) = FileStore::open(path)?;
        Ok((Journal::over(Backend::File(store)), report))
    }

    /// Opens the journal at `location`; a PostgreSQL journal connects and creates its table.
    pub fn connect(location: &Location) -> Result<(Journal, OpenReport), String> {
        match location {
            Location::File(path) => Journal::open(path),
            Location::Postgres(url) => {
                let store = PgStore::connect(url)?;
                Ok((Journal::over(Backend::Postgres(Arc::new(store))), OpenReport::default()))
            }
        }
    }

    /// Opens for reading only: a file is neither created nor repaired, so `verify` sees it
    /// as it is.
    pub fn inspect(location: &Location) -> Result<Journal, String> {
        match location {
            Location::File(path) => Ok(Journal::over(Backend::File(FileStore::at(path)))),
            Location::Postgres(_) => Journal::connect(location).map(|(journal, _)| journal),
        }
    }

    fn over(backend: Backend) -> Journal {
        Journal { backend, demo: false, redactor: Redactor::default(), witness: None }
    }

    /// Only the file store has a choice; a PostgreSQL commit is always durable.
    pub fn with_durability(mut self, durability: Durability) -> Journal {
        if let Backend::File(store) = &mut self.backend {
            store.set_durability(durability);
        }
        self
    }

    /// Marks every entry this journal writes as a demo entry.
    pub fn demo(mut self) -> Journal {
        self.demo = true;
        self
    }

    pub fn with_redactor(mut self, redactor: Redactor) -> Journal {
        self.redactor = redactor;
        self
    }

    /// Records the head in `witness` after every append.
    pub fn with_witness(mut self, witness: Option<Witness>) -> Journal {
        self.witness = witness;
        self
    }

    pub fn witness(&self) -> Option<&Witness> {
        self.witness.as_ref()
    }

    fn store(&self) -> &dyn Store {
        match &self.backend {
            Backend::File(store) => store,
            Backend::Postgres(store) => store.as_ref(),
        }
    }

    /// The file of a file journal.
    pub fn path(&self) -> Option<&Path> {
        match &self.backend {
            Backend::File(store) => Some(store.path()),
            Backend::Postgres(_) => None,
        }
    }

    /// The PostgreSQL store, for `journal migrate`.
    pub(super) fn postgres(&self) -> Option<&PgStore> {
        match &self.backend {
            Backend::Postgres(store) => Some(store),
            Backend::File(_) => None,
        }
    }

    pub fn location(&self) -> String {
        self.store().location()
    }

    pub fn is_demo(&self) -> bool {
        self.demo
    }

    /// Appends one entry; returns only once it is durable (with `Durability::Fsync`, or
    /// committed), and after the witness, if any, holds the new head.
    pub fn append(&self, draft: Draft) -> Result<Entry, String> {
        let draft = self.redactor.draft(draft);
        let demo = self.demo;
        let (entry, head) = self.store().append(Box::new(move |last| seal_next(draft, last, demo)))?;
        if let Some(witness) = &self.witness
            && let Err(e) = witness.record(&head)
        {
            // The entry is durable; a stale witness only weakens the next check, it lies not.
            tracing::warn!(error = %e, "the journal witness was not updated");
        }
        Ok(entry)
    }

    /// Reads every entry and appends what `decide` makes of them, all under the store's
    /// append lock (the file's lock, or the PostgreSQL advisory lock): no other process can
    /// append in between. `None` appends nothing.
    pub fn append_if(
        &self,
        decide: impl FnOnce(&[Entry]) -> Option<Draft> + Send + 'static,
    ) -> Result<Option<Entry>, String> {
        let (redactor, demo) = (self.redactor.clone(), self.demo);
        let decider: Decider = Box::new(move |lines: &[u8], last: Option<&[u8]>| {
            let draft = decide(&parse_lines(lines))?;
            Some(seal_next(redactor.draft(draft), last, demo))
        });
        let Some((entry, head)) = self.store().append_if(decider)? else { return Ok(None) };
        if let Some(witness) = &self.witness
            && let Err(e) = witness.record(&head)
        {
            tracing::warn!(error = %e, "the journal witness was not updated");
        }
        Ok(Some(entry))
    }

    /// Every entry that parses, oldest first (use `verify` to check the chain).
    pub fn read_all(&self) -> Result<Vec<Entry>, String> {
        self.read_after(0)
    }

    /// The entries after `seq`, oldest first: what a follower asks for on each poll.
    pub fn read_after(&self, seq: u64) -> Result<Vec<Entry>, String> {
        Ok(parse_lines(&self.store().read_after(seq)?))
    }

    /// The whole journal as stored, as JSON Lines: what `verify` and `export` read.
    pub fn raw(&self) -> Result<Vec<u8>, String> {
        self.store().read_after(0)
    }

    /// The raw lines after `seq`, for `journal tail --json`.
    pub fn raw_after(&self, seq: u64) -> Result<Vec<u8>, String> {
        self.store().read_after(seq)
    }

    pub fn head(&self) -> Result<Head, String> {
        self.store().head()
    }

    /// What a follower that has seen up to `seen` learns, and the head it has seen then:
    /// nothing when the head has not moved (one read of the head, so polling is cheap), the
    /// entries after it when the journal grew on from it, and everything again (`reset`)
    /// when it was cut, rewritten or replaced.
    pub fn follow(&self, seen: &Head) -> Result<(Followed, Head), String> {
        let head = self.head()?;
        if head == *seen {
            return Ok((Followed::default(), head));
        }
        if head.count > seen.count {
            // Entries appended after the head was read wait for the next poll, so the head
            // returned is exactly that of the last entry returned.
            let mut entries = self.read_after(seen.count)?;
            entries.retain(|e| e.seq <= head.count);
            let continues = seen.count == 0 || entries.first().is_some_and(|e| e.prev == seen.hash);
            if continues && entries.last().is_some_and(|e| e.seq == head.count) {
                return Ok((Followed { entries, reset: false }, head));
            }
        }
        let entries = self.read_all()?;
        Ok((Followed { entries, reset: true }, head))
    }
}

/// Every line that parses as an entry.
fn parse_lines(bytes: &[u8]) -> Vec<Entry> {
    bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()).filter_map(|l| serde_json::from_slice(l).ok()).collect()
}

/// The `seq` of a stored line, if it is an entry.
pub(super) fn seq_of(line: &[u8]) -> Option<u64> {
    serde_json::from_slice::<serde_json::Value>(line).ok()?.get("seq")?.as_u64()
}

/// The entry that follows `last` in the chain, and its line (no newline).
fn seal_next(draft: Draft, last: Option<&[u8]>, demo: bool) -> Result<(Entry, String), String> {
    let (prev, seq) = match last {
        Some(line) => {
            let seq = seq_of(line).ok_or("the last line is not a journal entry")?;
            (sha256_hex(line), seq + 1)
        }
        None => (GENESIS.to_string(), 1),
    };
    let now = Timestamp::now();
    let id = sha256_hex(format!("{prev}{now}{}{seq}", std::process::id()).as_bytes())[..16].to_string();
    let entry = Entry {
        v: SCHEMA_VERSION,
        seq,
        id,
        ts: now.to_string(),
        author: draft.author,
        environment: draft.environment,
        kind: draft.kind,
        subject: draft.subject,
        note: draft.note,
        request: draft.request,
        before: draft.before,
        after: draft.after,
        result: draft.result,
        demo,
        prev,
        hash: String::new(),
    };
    entry.seal()
}
