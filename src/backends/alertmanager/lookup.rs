//! After a silence write whose answer was lost: is the silence there? Every peer is asked at
//! once (`GET /api/v2/silences`, each within the client's timeout, all within
//! [`LOOKUP_LIMIT`]) for a silence that is not expired and has the request's matchers (in
//! any order), comment, author and end. The end tells this silence from an earlier one with
//! the same words, and an extension from the silence it extends.
//!
//! Strings are compared exactly as Alertmanager stored them, before any cleaning for display.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use reqwest::{Client, Method};
use serde_json::Value;
use tokio::task::JoinSet;

use super::silences::{peer_label, peer_url};

use crate::backends::http;
use crate::domain::Endpoint;
use crate::domain::SilenceRequest;

/// The most a lookup takes, whatever the client's timeout.
pub const LOOKUP_LIMIT: Duration = Duration::from_secs(30);

/// How far Alertmanager's `endsAt` may be from the one sent: it keeps milliseconds.
const END_TOLERANCE: SignedDuration = SignedDuration::from_secs(1);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The silence's id and the URL of the peer that lists it.
    Found { id: String, peer: String },
    /// No peer that answered lists it; `unchecked` names the peers that did not answer.
    NotFound { unchecked: Vec<String> },
}

/// Asks every peer; the first (in configured order) that lists the silence wins.
pub async fn find(client: &Client, peers: &[Endpoint], req: &SilenceRequest) -> Lookup {
    let mut asks = JoinSet::new();
    for (index, peer) in peers.iter().enumerate() {
        let (client, peer) = (client.clone(), peer.clone());
        asks.spawn(async move {
            let answer = http::request(&client, &peer, Method::GET, "api/v2/silences", &[], None).await;
            (index, answer)
        });
    }
    let mut found: Vec<Option<Result<Option<String>, String>>> = vec![None; peers.len()];
    let deadline = tokio::time::Instant::now() + LOOKUP_LIMIT;
    while let Ok(Some(joined)) = tokio::time::timeout_at(deadline, asks.join_next()).await {
        let Ok((index, answer)) = joined else { continue };
        let listed = match answer {
            Ok(answer) if (200..300).contains(&answer.status) => matching(&answer.body, req, Timestamp::now()),
            Ok(answer) => Err(format!("HTTP {}", answer.status)),
            Err(reason) => Err(reason),
        };
        found[index] = Some(listed);
    }
    asks.abort_all();
    let mut unchecked = Vec::new();
    for (peer, listed) in peers.iter().zip(found) {
        match listed {
            Some(Ok(Some(id))) => return Lookup::Found { id, peer: peer_url(peer) },
            Some(Ok(None)) => {}
            Some(Err(reason)) => unchecked.push(format!("{}: {reason}", peer_label(peer))),
            None => unchecked.push(format!("{}: no answer in time", peer_label(peer))),
        }
    }
    Lookup::NotFound { unchecked }
}

/// The id of the first silence in a `GET /api/v2/silences` body that `req` would have made.
pub fn matching(body: &[u8], req: &SilenceRequest, now: Timestamp) -> Result<Option<String>, String> {
    let Ok(Value::Array(silences)) = serde_json::from_slice::<Value>(body) else {
        return Err("the answer is not a list of silences".into());
    };
    let wanted = matcher_set(req.matchers.iter().map(|m| (m.name.as_str(), m.value.as_str(), m.is_regex, m.is_equal)));
    Ok(silences.iter().find(|s| is_match(s, req, &wanted, now)).and_then(|s| text(s, "id")).map(str::to_string))
}

fn is_match(silence: &Value, req: &SilenceRequest, wanted: &[(&str, &str, bool, bool)], now: Timestamp) -> bool {
    let ends_at = text(silence, "endsAt").and_then(|t| t.parse::<Timestamp>().ok());
    let live = match silence.pointer("/status/state").and_then(Value::as_str) {
        Some(state) => state != "expired",
        None => ends_at.is_some_and(|end| end > now),
    };
    let same_end = ends_at.is_some_and(|end| end.duration_since(req.ends_at).abs() <= END_TOLERANCE);
    live && same_end
        && text(silence, "comment") == Some(req.comment.as_str())
        && text(silence, "createdBy") == Some(req.created_by.as_str())
        && stored_matchers(silence).is_some_and(|stored| stored == wanted)
}

/// The matchers of a stored silence as a sorted set; `None` when one is malformed.
fn stored_matchers(silence: &Value) -> Option<Vec<(&str, &str, bool, bool)>> {
    let list = silence.get("matchers")?.as_array()?;
    let mut matchers = Vec::with_capacity(list.len());
    for m in list {
        let flag = |key: &str, default: bool| m.get(key).and_then(Value::as_bool).unwrap_or(default);
        matchers.push((text(m, "name")?, text(m, "value")?, flag("isRegex", false), flag("isEqual", true)));
    }
    Some(matcher_set(matchers.into_iter()))
}

fn matcher_set<'a>(
    matchers: impl Iterator<Item = (&'a str, &'a str, bool, bool)>,
) -> Vec<(&'a str, &'a str, bool, bool)> {
    let mut set: Vec<_> = matchers.collect();
    set.sort_unstable();
    set.dedup();
    set
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::Matcher;

    fn request() -> SilenceRequest {
        SilenceRequest {
            id: None,
            matchers: vec![
                Matcher::equal("alertname", "ModelAccuracyLow"),
                Matcher { name: "model".into(), value: "fr\u{1b}aud.*".into(), is_regex: true, is_equal: true },
            ],
            starts_at: "2026-11-25T12:00:00Z".parse().unwrap(),
            ends_at: "2026-11-25T13:00:00.123456789Z".parse().unwrap(),
            created_by: "alice@ops".into(),
            comment: "ack: retraining".into(),
        }
    }

    fn now() -> Timestamp {
        "2026-11-25T12:00:05Z".parse().unwrap()
    }

    /// What Alertmanager lists for `request()`: matchers in another order, `isEqual` left out,
    /// the end cut to milliseconds.
    fn stored() -> Value {
        json!({
            "id": "8e03850e",
            "status": {"state": "active"},
            "matchers": [
                {"name": "model", "value": "fr\u{1b}aud.*", "isRegex": true},
                {"name": "alertname", "value": "ModelAccuracyLow", "isRegex": false, "isEqual": true},
            ],
            "startsAt": "2026-11-25T12:00:01.000Z",
            "endsAt": "2026-11-25T13:00:00.123Z",
            "createdBy": "alice@ops",
            "comment": "ack: retraining",
        })
    }

    fn find_in(silences: &[Value]) -> Option<String> {
        matching(&serde_json::to_vec(silences).unwrap(), &request(), now()).unwrap()
    }

    #[test]
    fn finds_the_silence_whatever_the_matcher_order() {
        assert_eq!(find_in(&[stored()]), Some("8e03850e".into()));
        let mut other = stored();
        other["id"] = json!("other");
        other["comment"] = json!("something else");
        assert_eq!(find_in(&[other, stored()]), Some("8e03850e".into()));
    }

    #[test]
    fn each_difference_rules_a_silence_out() {
        let changes: [(&str, Value); 7] = [
            ("/comment", json!("ack: retraining ")),
            ("/createdBy", json!("bob@ops")),
            ("/status/state", json!("expired")),
            ("/endsAt", json!("2026-11-25T14:00:00.123Z")),
            ("/matchers/0/isRegex", json!(false)),
            ("/matchers/1/isEqual", json!(false)),
            ("/matchers/0/value", json!("fr␛aud.*")),
        ];
        for (pointer, value) in changes {
            let mut silence = stored();
            *silence.pointer_mut(pointer).unwrap() = value;
            assert_eq!(find_in(&[silence]), None, "{pointer}");
        }
        let mut fewer = stored();
        fewer["matchers"].as_array_mut().unwrap().pop();
        assert_eq!(find_in(&[fewer]), None, "a subset of the matchers");
        let mut more = stored();
        more["matchers"].as_array_mut().unwrap().push(json!({"name": "env", "value": "prod", "isRegex": false}));
        assert_eq!(find_in(&[more]), None, "a superset of the matchers");
    }

    #[test]
    fn without_a_state_the_end_decides() {
        let mut silence = stored();
        silence.as_object_mut().unwrap().remove("status");
        assert_eq!(find_in(std::slice::from_ref(&silence)), Some("8e03850e".into()));
        let later: Timestamp = "2026-11-25T13:30:00Z".parse().unwrap();
        assert_eq!(matching(&serde_json::to_vec(&[silence]).unwrap(), &request(), later).unwrap(), None);
    }

    #[test]
    fn odd_answers_are_errors_or_misses_not_panics() {
        for body in [&b""[..], b"{}", b"null", b"<html>", b"\xff"] {
            assert!(matching(body, &request(), now()).is_err(), "{body:?}");
        }
        for silence in [json!(1), json!({"id": 7}), json!({"matchers": "x"}), json!({"matchers": [{"name": 1}]})] {
            assert_eq!(find_in(&[silence]), None);
        }
        let mut no_id = stored();
        no_id.as_object_mut().unwrap().remove("id");
        assert_eq!(find_in(&[no_id]), None);
    }
}
