//! Checks the whole chain and names the first broken link by line number.

use serde_json::Value;

use crate::domain::{GENESIS, SCHEMA_VERSION, canonical_without_hash, sha256_hex};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line number in the file.
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub entries: usize,
    /// SHA-256 of the last line: record it elsewhere to detect a rewritten history later.
    pub head: Option<String>,
    pub problem: Option<Problem>,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }

    pub fn summary(&self) -> String {
        match &self.problem {
            None => format!(
                "journal verified: {} entries, chain intact, head {}",
                self.entries,
                self.head.as_deref().map_or("(empty)", |h| &h[..16])
            ),
            Some(p) => format!("journal BROKEN at line {}: {}", p.line, p.message),
        }
    }
}

/// What the journal's end should be, from a recorded head: `verify` fails when entries are
/// missing at the end, which the chain alone cannot see.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expect {
    /// At least this many entries.
    pub count: Option<u64>,
    /// The hash of some line (of line `count`, when both are given).
    pub head: Option<String>,
    /// Where the expectation comes from, for the message (`--expect-head`, the witness).
    pub source: String,
}

impl Expect {
    pub fn is_empty(&self) -> bool {
        self.count.is_none() && self.head.is_none()
    }
}

pub fn verify_bytes(bytes: &[u8]) -> Verification {
    verify_expecting(bytes, &Expect::default())
}

/// The chain check, then the expectation on its end.
pub fn verify_expecting(bytes: &[u8], expect: &Expect) -> Verification {
    let mut seen_head_at = None;
    let mut hash_at_count = None;
    let mut verification = verify_chain(bytes, |seq, hash| {
        if expect.head.as_deref() == Some(hash) && seen_head_at.is_none() {
            seen_head_at = Some(seq);
        }
        if expect.count == Some(seq) {
            hash_at_count = Some(hash.to_string());
        }
    });
    if verification.problem.is_some() || expect.is_empty() {
        return verification;
    }
    let entries = verification.entries as u64;
    let missing_from = verification.entries + 1;
    let message = match (expect.count, &expect.head) {
        // The head of an empty journal: nothing can be missing.
        _ if expect.count == Some(0) || expect.head.as_deref() == Some(GENESIS) => None,
        (Some(count), _) if entries < count => Some(format!(
            "{} missing at the end: {} says {count} entries, the journal has {entries} (lines cut from its end?)",
            if count == entries + 1 {
                format!("entry {count} is")
            } else {
                format!("entries {}–{count} are", entries + 1)
            },
            expect.source
        )),
        (Some(count), Some(_)) if hash_at_count.as_deref() != expect.head.as_deref() => Some(format!(
            "entry {count} does not hash to the head {} recorded: the journal was rewritten from there on",
            expect.source
        )),
        (None, Some(head)) if seen_head_at.is_none() => Some(format!(
            "the head {}… from {} is not in the journal: entries were cut from its end, or it was rewritten",
            &head[..head.len().min(16)],
            expect.source
        )),
        _ => None,
    };
    if let Some(message) = message {
        verification.problem = Some(Problem { line: missing_from, message });
    }
    verification
}

/// Walks the chain; `line_hash(seq, hash)` sees each verified line's hash.
fn verify_chain(bytes: &[u8], mut line_hash: impl FnMut(u64, &str)) -> Verification {
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    let complete = bytes.last() == Some(&b'\n') || bytes.is_empty();
    if complete {
        lines.pop();
    }
    // Each line is parsed once; the next line's seq is needed to tell a swap from a gap.
    let values: Vec<Option<Value>> = lines.iter().map(|l| serde_json::from_slice::<Value>(l).ok()).collect();
    let seq_of = |i: usize| values.get(i).and_then(Option::as_ref).and_then(|v| v.get("seq")).and_then(Value::as_u64);
    let mut prev_hash = GENESIS.to_string();
    let mut entries = 0;
    let fail = |line: usize, message: String, entries: usize, head: Option<String>| Verification {
        entries,
        head,
        problem: Some(Problem { line, message }),
    };
    for (i, raw) in lines.iter().enumerate() {
        let n = i + 1;
        let head = (i > 0).then(|| prev_hash.clone());
        if i + 1 == lines.len() && !complete {
            return fail(n, "the last line is incomplete (a crash mid-write?)".into(), entries, head);
        }
        let Some(value) = &values[i] else {
            return fail(n, "not a valid JSON entry".into(), entries, head);
        };
        if value.get("v").and_then(Value::as_u64) != Some(u64::from(SCHEMA_VERSION)) {
            return fail(n, "unknown schema version".into(), entries, head);
        }
        let stored = value.get("hash").and_then(Value::as_str).unwrap_or_default();
        let computed = canonical_without_hash(value).map(|c| sha256_hex(c.as_bytes())).unwrap_or_default();
        if stored != computed {
            return fail(n, "entry was modified: its content does not match its hash".into(), entries, head);
        }
        let expected = i as u64 + 1;
        let seq = seq_of(i).unwrap_or(0);
        if seq != expected {
            let message = if seq_of(i + 1) == Some(expected) {
                format!("lines {n} and {} are swapped (seq {seq} comes before seq {expected})", n + 1)
            } else if seq > expected {
                let missing = if seq == expected + 1 {
                    format!("entry {expected} is")
                } else {
                    format!("entries {expected}–{} are", seq - 1)
                };
                format!("{missing} missing before this line (deleted?)")
            } else {
                format!("seq {seq} repeats or goes backwards (expected {expected})")
            };
            return fail(n, message, entries, head);
        }
        if value.get("prev").and_then(Value::as_str) != Some(prev_hash.as_str()) {
            let message = if n == 1 {
                "the first entry does not start the chain (lines removed from the start?)".to_string()
            } else {
                format!("chain broken: prev does not match line {}", n - 1)
            };
            return fail(n, message, entries, head);
        }
        prev_hash = sha256_hex(raw);
        entries += 1;
        line_hash(expected, &prev_hash);
    }
    Verification { entries, head: (entries > 0).then_some(prev_hash), problem: None }
}

pub fn verify_file(path: &std::path::Path) -> Result<Verification, String> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(verify_bytes(&bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!("no journal at {}", path.display())),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Draft, Entry, Kind, Subject};

    /// A valid chain of `n` notes, as JSON Lines.
    fn chain(n: u64) -> (Vec<u8>, Vec<String>) {
        let (mut bytes, mut hashes, mut prev) = (Vec::new(), Vec::new(), GENESIS.to_string());
        for seq in 1..=n {
            let d = Draft::by("a", "prod", Kind::Note, Subject::default(), format!("n{seq}"));
            let entry = Entry {
                v: SCHEMA_VERSION,
                seq,
                id: format!("{seq}"),
                ts: "2026-12-01T00:00:00Z".into(),
                author: d.author,
                environment: d.environment,
                kind: d.kind,
                subject: d.subject,
                note: d.note,
                request: None,
                before: None,
                after: None,
                result: d.result,
                demo: false,
                prev: prev.clone(),
                hash: String::new(),
            };
            let (_, line) = entry.seal().unwrap();
            prev = sha256_hex(line.as_bytes());
            hashes.push(prev.clone());
            bytes.extend_from_slice(line.as_bytes());
            bytes.push(b'\n');
        }
        (bytes, hashes)
    }

    fn expect(count: Option<u64>, head: Option<&str>) -> Expect {
        Expect { count, head: head.map(String::from), source: "test".into() }
    }

    #[test]
    fn an_expected_head_holds_for_the_same_or_a_longer_journal_only() {
        let (bytes, hashes) = chain(3);
        assert!(verify_expecting(&bytes, &expect(Some(3), Some(&hashes[2]))).ok());
        assert!(verify_expecting(&bytes, &expect(Some(2), Some(&hashes[1]))).ok(), "appended since");
        assert!(verify_expecting(&bytes, &expect(None, Some(&hashes[0]))).ok());
        let cut = verify_expecting(&bytes, &expect(Some(5), None));
        assert_eq!(
            cut.problem.unwrap().message,
            "entries 4–5 are missing at the end: test says 5 entries, the journal has 3 (lines cut from its end?)"
        );
        let other = verify_expecting(&bytes, &expect(Some(2), Some(&hashes[2])));
        assert_eq!(other.problem.unwrap().line, 4);
        assert!(!verify_expecting(&bytes, &expect(None, Some(&"ab".repeat(32)))).ok());
        // The head of an empty journal expects nothing.
        assert!(verify_expecting(b"", &expect(Some(0), Some(GENESIS))).ok());
        assert!(verify_expecting(&bytes, &expect(None, Some(GENESIS))).ok());
    }
}
