//! The journal as the app sees it: entries newest first, a filter, a selection, and when
//! each model last changed.

use std::collections::HashMap;

use jiff::Timestamp;

use super::Cursor;
use crate::journal::Entry;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct JournalView {
    /// Newest first.
    pub entries: Vec<Entry>,
    /// Indices into `entries` that pass the filter.
    pub visible: Vec<usize>,
    /// The entry under the cursor, by its hash.
    pub cursor: Cursor<String>,
    pub filter_text: String,
    pub loaded: bool,
    pub error: Option<String>,
    /// Model name → time of its newest entry.
    pub last_change: HashMap<String, Timestamp>,
}

impl JournalView {
    /// Replaces everything with a fresh read of the file (oldest first, as stored).
    pub fn load(&mut self, mut entries: Vec<Entry>) {
        entries.reverse();
        self.entries = entries;
        self.loaded = true;
        self.error = None;
        self.reindex();
    }

    /// An entry this console wrote; skipped when the follower brought it first.
    pub fn push(&mut self, entry: Entry) {
        if self.holds(&entry) {
            return;
        }
        self.entries.insert(0, entry);
        self.reindex();
    }

    /// Whether `entry` is among the newest ones held: a new entry can only be near the top.
    pub fn holds(&self, entry: &Entry) -> bool {
        self.entries.iter().take(256).any(|known| known.hash == entry.hash)
    }

    /// Entries appended elsewhere, oldest first as read, indexed once.
    pub fn extend(&mut self, entries: Vec<Entry>) {
        self.entries.splice(0..0, entries.into_iter().rev());
        self.reindex();
    }

    pub fn set_filter(&mut self, text: &str) {
        self.filter_text = text.to_string();
        self.reindex();
    }

    /// The entry under the cursor, by identity.
    pub fn selected_entry(&self) -> Option<&Entry> {
        let key = self.cursor.key()?;
        self.visible.get(self.cursor.index()).and_then(|i| self.entries.get(*i)).filter(|e| &e.hash == key)
    }

    /// The highlighted row.
    pub fn selected(&self) -> usize {
        self.cursor.index()
    }

    pub fn step(&mut self, delta: isize) {
        let (entries, visible) = (&self.entries, &self.visible);
        self.cursor.step(delta, visible.len(), |i| visible.get(i).and_then(|at| entries.get(*at)).map(|e| &e.hash));
    }

    pub fn find(&self, seq: u64) -> Option<&Entry> {
        self.entries.iter().find(|e| e.seq == seq)
    }

    fn reindex(&mut self) {
        let terms: Vec<String> = self.filter_text.split_whitespace().map(str::to_ascii_lowercase).collect();
        self.visible = (0..self.entries.len()).filter(|i| matches(&self.entries[*i], &terms)).collect();
        let (entries, visible) = (&self.entries, &self.visible);
        self.cursor.resolve(visible.len(), |i| visible.get(i).and_then(|at| entries.get(*at)).map(|e| &e.hash));
        self.last_change.clear();
        for entry in self.entries.iter().rev() {
            if let (Some(model), Ok(ts)) = (&entry.subject.model, entry.ts.parse::<Timestamp>()) {
                self.last_change.insert(model.clone(), ts);
            }
        }
    }
}

/// `model=`, `kind=` and `author=` match those fields exactly (author by prefix, so
/// `author=alice` matches `alice@ops-1`); other words search note, subject and author.
fn matches(entry: &Entry, terms: &[String]) -> bool {
    terms.iter().all(|term| match term.split_once('=') {
        Some(("model", v)) => entry.subject.model.as_deref().is_some_and(|m| m.to_ascii_lowercase() == v),
        Some(("kind", v)) => entry.kind.label() == v,
        Some(("author", v)) => entry.author.to_ascii_lowercase().starts_with(v),
        _ => {
            let hay = format!("{} {} {} {}", entry.note, entry.subject.describe(), entry.author, entry.kind.label());
            hay.to_ascii_lowercase().contains(term.as_str())
        }
    })
}
