//! Silences for the demo fleet: kept in memory, applied to the demo's alerts, so that
//! acknowledge, expire and extend can be tried without an Alertmanager.

use std::sync::{Arc, Mutex};

use jiff::Timestamp;

use crate::domain::ports::{BoxFuture, Silences};
use crate::domain::{ActionError, Alert, AlertState, Labels, Written};
use crate::domain::{Matcher, Silence, SilenceRequest, SilenceState};

#[derive(Clone, Default)]
pub struct DemoSilences {
    inner: Arc<Mutex<Store>>,
}

#[derive(Default)]
struct Store {
    silences: Vec<Silence>,
    next: u64,
    /// The alerts of the last demo poll, for previews.
    alerts: Vec<Arc<Alert>>,
}

impl DemoSilences {
    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Creates a silence, or updates it in place when the request names an existing id.
    pub fn create(&self, request: &SilenceRequest) -> String {
        let mut store = self.store();
        if let Some(id) = &request.id
            && let Some(existing) = store.silences.iter_mut().find(|s| &s.id == id)
        {
            existing.ends_at = request.ends_at;
            existing.created_by = request.created_by.clone();
            existing.updated_at = Some(Timestamp::now());
            return id.clone();
        }
        store.next += 1;
        let id = format!("demo-silence-{}", store.next);
        store.silences.push(Silence {
            id: id.clone(),
            matchers: request.matchers.clone(),
            starts_at: request.starts_at,
            ends_at: request.ends_at,
            created_by: request.created_by.clone(),
            comment: request.comment.clone(),
            state: SilenceState::Active,
            updated_at: Some(Timestamp::now()),
        });
        id
    }

    pub fn expire(&self, id: &str) -> Result<(), ActionError> {
        let mut store = self.store();
        match store.silences.iter_mut().find(|s| s.id == id) {
            Some(s) => {
                s.state = SilenceState::Expired;
                s.ends_at = Timestamp::now();
                Ok(())
            }
            None => Err(ActionError::Rejected { status: 404, message: format!("silence {id} not found") }),
        }
    }

    pub fn list(&self, now: Timestamp) -> Vec<Silence> {
        let mut store = self.store();
        for s in &mut store.silences {
            if s.state == SilenceState::Active && s.ends_at <= now {
                s.state = SilenceState::Expired;
            }
        }
        store.silences.clone()
    }

    pub fn preview(&self, matchers: &[Matcher]) -> Vec<Alert> {
        self.store()
            .alerts
            .iter()
            .filter(|a| matchers.iter().all(|m| matches(m, &a.labels)))
            .map(|a| Alert::clone(a))
            .collect()
    }

    /// Marks the alerts that an active silence mutes, as Alertmanager would.
    pub fn apply(&self, alerts: &mut [Arc<Alert>], now: Timestamp) {
        let silences = self.list(now);
        for alert in alerts.iter_mut() {
            for s in silences.iter().filter(|s| s.state == SilenceState::Active) {
                if s.matchers.iter().all(|m| matches(m, &alert.labels)) {
                    let alert = Arc::make_mut(alert);
                    alert.state = AlertState::Silenced;
                    if !alert.silenced_by.contains(&s.id) {
                        alert.silenced_by.push(s.id.clone());
                    }
                }
            }
        }
        self.store().alerts = alerts.to_vec();
    }
}

impl Silences for DemoSilences {
    fn create<'a>(&'a self, request: &'a SilenceRequest) -> BoxFuture<'a, Result<Written<String>, ActionError>> {
        let id = DemoSilences::create(self, request);
        Box::pin(std::future::ready(Ok(written(id))))
    }

    fn expire<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Written<()>, ActionError>> {
        Box::pin(std::future::ready(DemoSilences::expire(self, id).map(written)))
    }

    fn preview<'a>(&'a self, matchers: &'a [Matcher], _: &'a str) -> BoxFuture<'a, Result<Vec<Alert>, ActionError>> {
        Box::pin(std::future::ready(Ok(DemoSilences::preview(self, matchers))))
    }
}

fn written<T>(value: T) -> Written<T> {
    Written { value, peer: "demo".into(), url: "demo".into(), found_by_lookup: None }
}

/// Matcher semantics for the demo. Regexes support the common operator forms only:
/// alternatives (`a|b`) and `.*` wildcards, anchored like Alertmanager's.
fn matches(m: &Matcher, labels: &Labels) -> bool {
    let value = labels.get(&m.name).map_or("", String::as_str);
    let hit = if m.is_regex { m.value.split('|').any(|alt| wildcard(alt, value)) } else { m.value == value };
    hit == m.is_equal
}

fn wildcard(pattern: &str, value: &str) -> bool {
    let parts: Vec<&str> = pattern.split(".*").collect();
    if parts.len() == 1 {
        return pattern == value;
    }
    let mut rest = value;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else { return false };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else { return false };
            rest = &rest[at + part.len()..];
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_subset_and_negation() {
        let labels: Labels = [("model", "fraud-detector")].into_iter().collect();
        let m =
            |value: &str, is_regex, is_equal| Matcher { name: "model".into(), value: value.into(), is_regex, is_equal };
        assert!(matches(&m("fraud-detector", false, true), &labels));
        assert!(matches(&m("fraud.*", true, true), &labels));
        assert!(matches(&m("churn|fraud-detector", true, true), &labels));
        assert!(!matches(&m("fraud", true, true), &labels), "anchored");
        assert!(matches(&m("churn", false, false), &labels));
    }
}
