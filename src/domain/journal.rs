//! One journal line. The schema is versioned; fields added later must be optional so old
//! journals keep verifying.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const SCHEMA_VERSION: u32 = 1;

/// What happened. New action kinds are added by later features; readers keep unknown ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Note,
    Ack,
    Unack,
    Rollback,
    Retrain,
    #[serde(untagged)]
    Other(String),
}

impl Kind {
    pub fn label(&self) -> &str {
        match self {
            Kind::Note => "note",
            Kind::Ack => "ack",
            Kind::Unack => "unack",
            Kind::Rollback => "rollback",
            Kind::Retrain => "retrain",
            Kind::Other(s) => s,
        }
    }

    pub fn parse(text: &str) -> Kind {
        match text {
            "note" => Kind::Note,
            "ack" => Kind::Ack,
            "unack" => Kind::Unack,
            "rollback" => Kind::Rollback,
            "retrain" => Kind::Retrain,
            other => Kind::Other(other.to_string()),
        }
    }
}

/// What an entry is about; any part may be absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Alert fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alertname: Option<String>,
}

impl Subject {
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(m) = &self.model {
            parts.push(match &self.version {
                Some(v) => format!("{m} v{v}"),
                None => m.clone(),
            });
        }
        if let Some(a) = &self.alertname {
            parts.push(a.clone());
        } else if let Some(fp) = &self.alert {
            parts.push(format!("alert {fp}"));
        }
        if parts.is_empty() { "–".into() } else { parts.join(" · ") }
    }
}

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Failed {
        error: String,
    },
    /// The request was sent but its effect could not be learned (a dropped connection, a
    /// killed session).
    Unknown {
        reason: String,
    },
    /// An automatic action that a rule would have taken, held back by its rate limit.
    Suppressed {
        reason: String,
    },
    /// Written before a rollback or retraining is sent, so that other consoles sharing the
    /// journal see it in flight; the entry with the result names it in `request.started`.
    Started,
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed { .. } => "failed",
            Outcome::Unknown { .. } => "unknown",
            Outcome::Suppressed { .. } => "suppressed",
            Outcome::Started => "started",
        }
    }
}

/// What a caller supplies; the journal fills in sequence, time, id and the chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Draft {
    pub author: String,
    pub environment: String,
    pub kind: Kind,
    pub subject: Subject,
    pub note: String,
    pub request: Option<Value>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub result: Outcome,
}

impl Draft {
    /// The one way a draft starts: who, where, what kind, about what, and why; the request,
    /// the state before and after and the result are added as the action learns them.
    pub fn by(author: &str, environment: &str, kind: Kind, subject: Subject, note: impl Into<String>) -> Draft {
        Draft {
            author: author.into(),
            environment: environment.into(),
            kind,
            subject,
            note: note.into(),
            request: None,
            before: None,
            after: None,
            result: Outcome::Ok,
        }
    }

    pub fn note(author: &str, environment: &str, subject: Subject, text: &str) -> Draft {
        Draft::by(author, environment, Kind::Note, subject, text)
    }

    pub fn request(self, request: Value) -> Draft {
        Draft { request: Some(request), ..self }
    }

    pub fn before(self, before: Option<Value>) -> Draft {
        Draft { before, ..self }
    }

    pub fn after(self, after: Option<Value>) -> Draft {
        Draft { after, ..self }
    }

    pub fn result(self, result: Outcome) -> Draft {
        Draft { result, ..self }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Schema version.
    pub v: u32,
    /// 1 for the first entry, then +1 per line: a gap or a repeat shows a deleted or moved line.
    pub seq: u64,
    pub id: String,
    /// UTC, RFC 3339.
    pub ts: String,
    pub author: String,
    pub environment: String,
    pub kind: Kind,
    #[serde(default)]
    pub subject: Subject,
    #[serde(default)]
    pub note: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    pub result: Outcome,
    /// Entries written by `--demo`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub demo: bool,
    /// SHA-256 (hex) of the previous line's bytes; 64 zeros for the first entry.
    pub prev: String,
    /// SHA-256 (hex) of this entry's canonical JSON without `hash`: an edited line no
    /// longer matches its own hash.
    pub hash: String,
}

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The canonical form that `hash` covers: the entry as JSON without `hash`, keys sorted at
/// every level (explicitly, so a serde_json feature elsewhere cannot change the hash).
pub fn canonical_without_hash(value: &Value) -> Option<String> {
    let mut out = String::new();
    write_object(value.as_object()?, Some("hash"), &mut out);
    Some(out)
}

/// An object with its keys sorted, leaving out `skip`.
fn write_object(map: &serde_json::Map<String, Value>, skip: Option<&str>, out: &mut String) {
    out.push('{');
    let mut keys: Vec<&String> = map.keys().filter(|k| Some(k.as_str()) != skip).collect();
    keys.sort();
    for (i, key) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(key.as_str()).unwrap_or_default());
        out.push(':');
        write_canonical(&map[key], out);
    }
    out.push('}');
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => write_object(map, None, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&serde_json::to_string(scalar).unwrap_or_default()),
    }
}

impl Entry {
    /// Serialises to one line (no newline) with `hash` computed.
    pub fn seal(mut self) -> Result<(Entry, String), String> {
        self.hash = String::new();
        let value = serde_json::to_value(&self).map_err(|e| e.to_string())?;
        let canonical = canonical_without_hash(&value).ok_or("entry is not an object")?;
        self.hash = sha256_hex(canonical.as_bytes());
        let mut value = value;
        if let Some(map) = value.as_object_mut() {
            map.insert("hash".into(), Value::String(self.hash.clone()));
        }
        let line = serde_json::to_string(&value).map_err(|e| e.to_string())?;
        Ok((self, line))
    }

    /// The first line of the note, for lists.
    pub fn headline(&self) -> &str {
        self.note.lines().next().unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed() -> Entry {
        Entry {
            v: 1,
            seq: 1,
            id: "0123456789abcdef".into(),
            ts: "2026-11-25T12:00:00Z".into(),
            author: "alice@ops-1".into(),
            environment: "prod-eu".into(),
            kind: Kind::Note,
            subject: Subject { model: Some("fraud-detector".into()), version: Some("3".into()), ..Subject::default() },
            note: "paged: accuracy dip".into(),
            request: Some(serde_json::json!({"z": 1, "a": {"y": [1, 2], "b": "x"}})),
            before: None,
            after: None,
            result: Outcome::Ok,
            demo: false,
            prev: GENESIS.into(),
            hash: String::new(),
        }
    }

    /// Journals written by one build must verify in every later build: the canonical form
    /// (and so this hash) may never change.
    #[test]
    fn the_hash_of_a_fixed_entry_is_pinned() {
        let (entry, line) = fixed().seal().unwrap();
        assert_eq!(entry.hash, PINNED);
        let value: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(sha256_hex(canonical_without_hash(&value).unwrap().as_bytes()), PINNED);
        assert!(canonical_without_hash(&value).unwrap().contains(r#""request":{"a":{"b":"x","y":[1,2]},"z":1}"#));
    }

    const PINNED: &str = "b70bb51f37ddb519243bba6d102a83fb7cd944c61b393d59ec3967102af650f4";

    #[test]
    fn unknown_kinds_round_trip() {
        let kind: Kind = serde_json::from_str("\"promote\"").unwrap();
        assert_eq!(kind, Kind::Other("promote".into()));
        assert_eq!(serde_json::to_string(&Kind::Rollback).unwrap(), "\"rollback\"");
    }
}
