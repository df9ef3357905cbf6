//! The silence actions (acknowledge, un-acknowledge, extend) and their journal entries: the
//! request with the method and URL it went to, and an outcome that never calls a write
//! that may have been applied `failed`.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::run::{ActionContext, alert_subject, hhmm, silence_subject};
use crate::domain::Alert;
use crate::domain::{ActionError, Written};
use crate::domain::{Silence, SilenceRequest};
use crate::journal::{Draft, Kind, Outcome};

/// What the operator is told to do when a silence write may or may not have landed.
const CHECK: &str = "check the silences (M) before acknowledging again";

/// The journal's `request` of a silence write: method, the URL it went to (none when no
/// peer took it) and the body as sent.
fn sent(method: &str, url: Option<&str>, body: Value) -> Value {
    json!({ "method": method, "url": url, "body": body })
}

/// The URL a write reached: the peer that took it, or the one whose answer was lost.
fn reached<T>(result: &Result<Written<T>, ActionError>) -> Option<&str> {
    match result {
        Ok(written) => Some(&written.url),
        Err(ActionError::Unknown { url, .. }) => Some(url),
        Err(_) => None,
    }
}

pub(super) async fn create(request: SilenceRequest, alert: &Alert, ctx: &ActionContext) -> (Draft, String) {
    let result = ctx.silences.create(&request).await;
    let url = reached(&result).map(str::to_string);
    let (outcome, after, message) = match result {
        Ok(written) => {
            let mut after =
                json!({ "silence_id": written.value, "peer": written.peer, "ends_at": request.ends_at.to_string() });
            let mut message =
                format!("acknowledged {}: silence {} until {}", alert.title(), written.value, hhmm(request.ends_at));
            if let Some(lost) = &written.found_by_lookup {
                after["confirmed_by"] = json!("lookup");
                after["lost_answer"] = json!(lost);
                message.push_str(&format!(" (its answer was lost; found on {})", written.peer));
            }
            (Outcome::Ok, Some(after), message)
        }
        Err(ActionError::Unknown { reason, .. }) => {
            let message = format!("acknowledge UNKNOWN: {}; {CHECK}", one_line(&reason));
            (Outcome::Unknown { reason }, None, message)
        }
        Err(e) => (Outcome::Failed { error: e.to_string() }, None, format!("acknowledge FAILED: {e}")),
    };
    let draft = Draft::by(&ctx.author, &ctx.environment, Kind::Ack, alert_subject(alert), request.comment.clone())
        .request(sent("POST", url.as_deref(), request.body()))
        .before(Some(json!({ "state": alert.state.label(), "silenced_by": alert.silenced_by })))
        .after(after)
        .result(outcome);
    (draft, message)
}

pub(super) async fn expire(
    ids: &[String],
    alert: Option<&Alert>,
    silence: Option<&Silence>,
    ctx: &ActionContext,
) -> (Draft, String) {
    let (mut failures, mut unknowns, mut requests) = (Vec::new(), Vec::new(), Vec::new());
    for id in ids {
        let result = ctx.silences.expire(id).await;
        if let Some(url) = reached(&result) {
            requests.push(json!({ "method": "DELETE", "url": url }));
        }
        match result {
            Ok(_) => {}
            Err(ActionError::Unknown { reason, .. }) => unknowns.push(format!("{id}: {reason}")),
            Err(e) => failures.push(format!("{id}: {e}")),
        }
    }
    let subject = match (alert, silence) {
        (Some(a), _) => alert_subject(a),
        (None, Some(s)) => silence_subject(s),
        (None, None) => Default::default(),
    };
    let what = alert.map_or_else(|| format!("silence {}", ids.join(", ")), |a| a.title());
    let problems: Vec<String> = unknowns.iter().chain(&failures).cloned().collect();
    let (result, message) = if !unknowns.is_empty() {
        let message = format!("expire UNKNOWN: {}; check the silences (M)", one_line(&problems.join("; ")));
        (Outcome::Unknown { reason: problems.join("; ") }, message)
    } else if !failures.is_empty() {
        (Outcome::Failed { error: failures.join("; ") }, format!("expire FAILED: {}", failures.join("; ")))
    } else {
        (Outcome::Ok, format!("expired {} silence(s) for {what}", ids.len()))
    };
    let draft = Draft::by(
        &ctx.author,
        &ctx.environment,
        Kind::Unack,
        subject,
        format!("expired silence(s) {}", ids.join(", ")),
    )
    .request(json!({ "expire": ids, "sent": requests }))
    .before(silence.map(|s| json!({ "ends_at": s.ends_at.to_string(), "comment": s.comment })))
    .result(result);
    (draft, message)
}

pub(super) async fn extend(
    silence: &Silence,
    ends_at: Timestamp,
    author: String,
    ctx: &ActionContext,
) -> (Draft, String) {
    let request = SilenceRequest {
        id: Some(silence.id.clone()),
        matchers: silence.matchers.clone(),
        starts_at: silence.starts_at,
        ends_at,
        created_by: author,
        comment: silence.comment.clone(),
    };
    let result = ctx.silences.create(&request).await;
    let url = reached(&result).map(str::to_string);
    let (outcome, after, message) = match result {
        Ok(written) => {
            let id = &written.value;
            let mut after = json!({ "silence_id": id, "ends_at": ends_at.to_string() });
            let mut message = if *id == silence.id {
                format!("extended silence {id} until {}", hhmm(ends_at))
            } else {
                format!("extended: silence {} replaced by {id} until {}", silence.id, hhmm(ends_at))
            };
            if let Some(lost) = &written.found_by_lookup {
                after["confirmed_by"] = json!("lookup");
                after["lost_answer"] = json!(lost);
                message.push_str(&format!(" (its answer was lost; found on {})", written.peer));
            }
            (Outcome::Ok, Some(after), message)
        }
        Err(ActionError::Unknown { reason, .. }) => {
            let message = format!("extend UNKNOWN: {}; check the silences (M)", one_line(&reason));
            (Outcome::Unknown { reason }, None, message)
        }
        Err(e) => (Outcome::Failed { error: e.to_string() }, None, format!("extend FAILED: {e}")),
    };
    let draft = Draft::by(
        &ctx.author,
        &ctx.environment,
        Kind::Other("extend".into()),
        silence_subject(silence),
        format!("extended silence {} (\"{}\")", silence.id, silence.comment),
    )
    .request(sent("POST", url.as_deref(), request.body()))
    .before(Some(json!({ "silence_id": silence.id, "ends_at": silence.ends_at.to_string() })))
    .after(after)
    .result(outcome);
    (draft, message)
}

/// A reason on one line for the status bar, cleaned of control characters.
fn one_line(text: &str) -> String {
    crate::domain::sanitize::clean(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}
