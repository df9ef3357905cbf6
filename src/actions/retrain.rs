//! Retraining as an action: the trigger sent once, the run's end recorded when polling
//! sees it, and automatic triggers that a rate limit held back. Each becomes a journal
//! entry; the trigger's report also tells the app which run to follow.

use serde_json::json;

use crate::backends::pipelines;
use crate::domain::RetrainOrder;
use crate::domain::RunEnd;
use crate::domain::RunState;
use crate::domain::StartedRun;
use crate::domain::Suppressed;
use crate::domain::ports::Pipelines;
use crate::journal::{Draft, Kind, Outcome, Subject};

/// The journal's `request` of a trigger: the target, the resolved parameters, the request as
/// sent, the reason and whether a rule started it.
pub fn journal_request(order: &RetrainOrder) -> serde_json::Value {
    let r = &order.request;
    let mut fields = pipelines::journal_fields(r);
    fields.insert("target".into(), json!(r.target.name));
    fields.insert("backend".into(), json!(r.target.label));
    fields.insert("reason".into(), json!(r.reason));
    fields.insert("automatic".into(), json!(order.automatic));
    serde_json::Value::Object(fields)
}

/// Sends the trigger once and describes it for the journal.
pub async fn trigger(
    order: &RetrainOrder,
    pipelines: &dyn Pipelines,
    author: &str,
    environment: &str,
) -> (Draft, String, Option<StartedRun>) {
    let r = &order.request;
    let result = pipelines.trigger(r).await;
    let who = if order.automatic.is_some() { "automatic retrain" } else { "retrain" };
    let (outcome, after, message, started) = match result {
        Ok(t) => {
            let run = t.run_id.clone().unwrap_or_else(|| "(no run id)".into());
            let message = match &t.url {
                Some(url) => format!("{who} of {} started: run {run} — {url}", r.model),
                None => format!("{who} of {} started: run {run}", r.model),
            };
            let started = StartedRun {
                model: r.model.clone(),
                target: r.target.name.clone(),
                run_id: t.run_id.clone(),
                url: t.url.clone(),
                pollable: t.pollable && t.run_id.is_some(),
                automatic: order.automatic.is_some(),
            };
            (Outcome::Ok, json!({ "run_id": t.run_id, "url": t.url, "detail": t.detail }), message, Some(started))
        }
        Err(e) if e.unknown => (
            Outcome::Unknown { reason: e.message.clone() },
            json!(null),
            format!("{who} of {} UNKNOWN: {e} — check the pipeline before triggering again", r.model),
            None,
        ),
        Err(e) => (
            Outcome::Failed { error: e.message.clone() },
            json!(null),
            format!("{who} of {} FAILED: {}", r.model, e.message),
            None,
        ),
    };
    let draft = Draft::by(
        author,
        environment,
        Kind::Retrain,
        Subject { model: Some(r.model.clone()), alertname: order.alert.clone(), ..Subject::default() },
        r.note.clone(),
    )
    .request(journal_request(order))
    .after(Some(after))
    .result(outcome);
    (draft, message, started)
}

pub fn run_end(end: &RunEnd, author: &str, environment: &str) -> (Draft, String) {
    let message = format!("retrain run {} of {} {}", end.run_id, end.model, end.state);
    let draft = Draft::by(
        author,
        environment,
        Kind::Retrain,
        Subject { model: Some(end.model.clone()), ..Subject::default() },
        format!("run {} ended: {}", end.run_id, end.state),
    )
    .request(json!({ "target": end.target, "run_id": end.run_id, "started": end.started.to_string() }))
    .after(Some(json!({ "state": end.state.to_string() })))
    .result(match &end.state {
        RunState::Succeeded => Outcome::Ok,
        other => Outcome::Failed { error: other.to_string() },
    });
    (draft, message)
}

pub fn suppressed(s: &Suppressed, author: &str, environment: &str) -> (Draft, String) {
    let until = s.until.to_zoned(jiff::tz::TimeZone::UTC).strftime("%H:%M UTC").to_string();
    let reason = format!("rate limit of {}: the next automatic {} is allowed at {until}", s.rule, s.action);
    let draft = Draft::by(
        author,
        environment,
        if s.action == "retrain" { Kind::Retrain } else { Kind::Other(s.action.clone()) },
        Subject { model: Some(s.model.clone()), alertname: Some(s.alertname.clone()), ..Subject::default() },
        format!("automatic {} for {} suppressed ({})", s.action, s.alertname, s.rule),
    )
    .request(json!({ "automatic": s.rule, "action": s.action }))
    .result(Outcome::Suppressed { reason: reason.clone() });
    (draft, format!("automatic {} of {} suppressed: {reason}", s.action, s.model))
}
