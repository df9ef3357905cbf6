//! What other operators sharing the journal are doing, read from its entries alone: recent
//! actions on a model, actions still in flight, and whether an automatic rule's alert
//! occurrence is already claimed. The journal is the only state consoles share, so every
//! answer here comes from entries, never from one process's memory.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::journal::{Entry, Kind, Outcome};

/// A `started` entry with no result after this long is taken as abandoned (its process was
/// killed): it stops blocking others, and the journal still shows it.
pub const IN_FLIGHT_FOR: SignedDuration = SignedDuration::from_mins(15);

/// How far back a confirmation looks for actions on the same model.
pub const RECENT_FOR: SignedDuration = SignedDuration::from_hours(24);

/// At most this many recent actions are listed in a confirmation.
pub const RECENT_MAX: usize = 5;

/// An action another process has started and not yet finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    /// The `started` entry's id; an override names it.
    pub id: String,
    pub author: String,
    pub since: Timestamp,
    /// "rollback of fraud 3 → 2".
    pub what: String,
}

impl InFlight {
    pub fn describe(&self, now: Timestamp) -> String {
        format!("{}'s {} is in flight (started {})", self.author, self.what, ago(self.since, now))
    }

    /// What the `started` entry of an action that overrides this one records.
    pub fn override_json(&self) -> Value {
        json!({ "started": self.id, "author": self.author, "what": self.what })
    }
}

/// New entries read from the journal since the last read, by any process.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Followed {
    pub entries: Vec<Entry>,
    /// The journal was cut or replaced: `entries` are all of it, not an addition.
    pub reset: bool,
}

/// What a confirmation shows of other operators' work on its model.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TeamContext {
    /// Actions on the model by others, not finished: acting needs the take-over key.
    pub in_flight: Vec<InFlight>,
    /// "bob@ops-2 rolled back fraud 3 → 2, 2 min ago", newest first.
    pub recent: Vec<String>,
}

/// One automatic rule's claim on one alert occurrence, kept in the `request.claim` of the
/// entry that acts on it (or records its suppression).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// Rule, alert fingerprint and start: the same for every console seeing the alert.
    pub occurrence: String,
    /// The rule, as its rate limit counts it.
    pub rule: String,
    pub model: String,
    /// The rule's rate limit; zero when it has none.
    pub rate_limit: SignedDuration,
}

impl Claim {
    pub fn to_json(&self) -> Value {
        json!({ "occurrence": self.occurrence, "rule": self.rule, "model": self.model })
    }
}

/// What the journal says about a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimDecision {
    /// Nobody has acted on this occurrence: act, and record the claim.
    Free,
    /// Another console (or this one before a restart) already did.
    Claimed { by: String },
    /// The rule acted on this model within its rate limit: record a suppression.
    Limited { until: Timestamp },
}

fn request_str<'a>(entry: &'a Entry, path: &[&str]) -> Option<&'a str> {
    let mut value = entry.request.as_ref()?;
    for key in path {
        value = value.get(key)?;
    }
    value.as_str()
}

fn ts(entry: &Entry) -> Option<Timestamp> {
    entry.ts.parse().ok()
}

/// Decides a claim against every entry (in any order) of the environment.
pub fn claim_decision<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
    claim: &Claim,
    environment: &str,
    now: Timestamp,
) -> ClaimDecision {
    let mut limited: Option<Timestamp> = None;
    for entry in entries.into_iter().filter(|e| e.environment == environment) {
        if request_str(entry, &["claim", "occurrence"]) == Some(claim.occurrence.as_str()) {
            return ClaimDecision::Claimed { by: entry.author.clone() };
        }
        let same_rule = request_str(entry, &["claim", "rule"]) == Some(claim.rule.as_str())
            && request_str(entry, &["claim", "model"]) == Some(claim.model.as_str());
        // Only an action taken counts against the limit, not a recorded suppression.
        if same_rule
            && entry.result == Outcome::Started
            && claim.rate_limit > SignedDuration::ZERO
            && let Some(until) = ts(entry).and_then(|t| t.checked_add(claim.rate_limit).ok())
            && until > now
        {
            limited = Some(limited.map_or(until, |u| u.max(until)));
        }
    }
    match limited {
        Some(until) => ClaimDecision::Limited { until },
        None => ClaimDecision::Free,
    }
}

/// Actions on `model` started by someone other than `me` and not finished yet.
pub fn in_flight<'a>(
    entries: impl IntoIterator<Item = &'a Entry> + Clone,
    environment: &str,
    model: &str,
    me: &str,
    now: Timestamp,
) -> Vec<InFlight> {
    let ended: std::collections::HashSet<&str> =
        entries.clone().into_iter().filter_map(|e| request_str(e, &["started"])).collect();
    let mut found: Vec<InFlight> = entries
        .into_iter()
        .filter(|e| e.result == Outcome::Started && e.environment == environment && e.author != me)
        .filter(|e| e.subject.model.as_deref() == Some(model) && !ended.contains(e.id.as_str()))
        .filter_map(|e| {
            let since = ts(e)?;
            (now.duration_since(since) < IN_FLIGHT_FOR).then(|| InFlight {
                id: e.id.clone(),
                author: e.author.clone(),
                since,
                what: action_words(e),
            })
        })
        .collect();
    found.sort_by_key(|f| f.since);
    found
}

/// "rolled back fraud 3 → 2, 2 min ago" lines for a confirmation, newest first: the actions
/// on `model` in `environment` from anyone within [`RECENT_FOR`].
pub fn recent_actions<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
    environment: &str,
    model: &str,
    now: Timestamp,
) -> Vec<String> {
    let mut recent: Vec<(Timestamp, String)> = entries
        .into_iter()
        .filter(|e| e.environment == environment && e.subject.model.as_deref() == Some(model))
        .filter(|e| matches!(e.kind, Kind::Ack | Kind::Unack | Kind::Rollback | Kind::Retrain))
        .filter(|e| !matches!(e.result, Outcome::Suppressed { .. }))
        .filter_map(|e| {
            let at = ts(e)?;
            (now.duration_since(at) < RECENT_FOR).then(|| (at, format!("{}, {}", describe(e), ago(at, now))))
        })
        .collect();
    recent.sort_by_key(|r| std::cmp::Reverse(r.0));
    recent.into_iter().take(RECENT_MAX).map(|r| r.1).collect()
}

/// "bob@ops-2 rolled back fraud 3 → 2": who did what, from the entry alone.
pub fn describe(entry: &Entry) -> String {
    let verb = match (&entry.kind, &entry.result) {
        (_, Outcome::Started) => format!("started a {}", action_words(entry)),
        (Kind::Rollback, Outcome::Ok) => format!("rolled back {}", rollback_words(entry)),
        (Kind::Retrain, Outcome::Ok) => format!("triggered retraining of {}", model_of(entry)),
        (Kind::Ack, Outcome::Ok) => format!("silenced {}", alert_words(entry)),
        (Kind::Unack, Outcome::Ok) => format!("unsilenced {}", alert_words(entry)),
        (_, Outcome::Unknown { .. }) => {
            return format!("{}'s {} has an unknown outcome", entry.author, action_words(entry));
        }
        (_, result) => return format!("{}'s {} {}", entry.author, action_words(entry), result.label()),
    };
    format!("{} {verb}", entry.author)
}

/// "rollback of fraud 3 → 2", "retraining of fraud", "silence of DriftHigh on fraud".
fn action_words(entry: &Entry) -> String {
    match entry.kind {
        Kind::Rollback => format!("rollback of {}", rollback_words(entry)),
        Kind::Retrain => format!("retraining of {}", model_of(entry)),
        Kind::Ack => format!("silence of {}", alert_words(entry)),
        Kind::Unack => format!("unsilence of {}", alert_words(entry)),
        _ => format!("{} on {}", entry.kind.label(), model_of(entry)),
    }
}

fn model_of(entry: &Entry) -> &str {
    entry.subject.model.as_deref().unwrap_or("?")
}

fn rollback_words(entry: &Entry) -> String {
    let from = entry.before.as_ref().and_then(|b| b.get("version")).and_then(Value::as_str).unwrap_or("?");
    let to = entry.subject.version.as_deref().unwrap_or("?");
    format!("{} {from} → {to}", model_of(entry))
}

fn alert_words(entry: &Entry) -> String {
    match &entry.subject.alertname {
        Some(alert) => format!("{alert} on {}", model_of(entry)),
        None => model_of(entry).to_string(),
    }
}

/// "40 s ago", "2 min ago", "3 h ago".
pub fn ago(at: Timestamp, now: Timestamp) -> String {
    let secs = now.duration_since(at).as_secs().max(0);
    match secs {
        0..60 => format!("{secs} s ago"),
        60..3600 => format!("{} min ago", secs / 60),
        _ => format!("{} h ago", secs / 3600),
    }
}
