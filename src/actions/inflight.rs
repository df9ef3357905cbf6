//! Actions still running when the console stops (`q`, SIGTERM, or SIGHUP from a dropped
//! SSH session). The terminal is given back first; then each action gets a grace period to
//! finish and journal its own result. One that does not is stopped and journaled as
//! `unknown`, since its request may already have reached the outside system.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::task::JoinHandle;

use super::run::ActionContext;

use crate::domain::ActionRequest;
use crate::journal::{Draft, Journal, Kind, Outcome, Subject};

/// How long actions may run on after the console stops, unless `MODELDECK_ACTION_GRACE`
/// (seconds) says otherwise: longer than the default hook and readiness timeouts (2 min).
pub const GRACE: Duration = Duration::from_secs(150);

pub struct InFlight {
    pub handle: JoinHandle<()>,
    /// One line for stderr while waiting.
    pub what: String,
    /// The entry to write if it has to be stopped.
    pub interrupted: Option<Draft>,
    pub journal: Option<Arc<Journal>>,
}

impl InFlight {
    pub fn new(handle: JoinHandle<()>, request: &ActionRequest, ctx: &ActionContext) -> InFlight {
        let (what, interrupted) = describe(request, ctx);
        InFlight { handle, what, interrupted, journal: ctx.journal.clone() }
    }
}

pub fn grace() -> Duration {
    std::env::var("MODELDECK_ACTION_GRACE").ok().and_then(|s| s.parse::<u64>().ok()).map_or(GRACE, Duration::from_secs)
}

/// Waits for the actions, then stops and journals the ones still running.
pub async fn finish(actions: Vec<InFlight>, grace: Duration) {
    let running: Vec<InFlight> = actions.into_iter().filter(|a| !a.handle.is_finished()).collect();
    if running.is_empty() {
        return;
    }
    let names: Vec<&str> = running.iter().map(|a| a.what.as_str()).collect();
    // Not eprintln!: after SIGHUP stderr may be a dead terminal, and eprintln! panics on
    // a failed write.
    say(&format!("waiting up to {} s for {} to finish…", grace.as_secs(), names.join(", ")));
    tracing::info!(actions = ?names, "waiting for actions in flight");
    let deadline = tokio::time::Instant::now() + grace;
    for mut action in running {
        if tokio::time::timeout_at(deadline, &mut action.handle).await.is_ok() {
            continue;
        }
        action.handle.abort();
        tracing::warn!(action = %action.what, "stopped before it finished; journaled as unknown");
        say(&format!("{} did not finish; journaled as unknown", action.what));
        if let (Some(journal), Some(draft)) = (action.journal, action.interrupted) {
            let _ = tokio::task::spawn_blocking(move || journal.append(draft)).await;
        }
    }
}

fn say(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "modeldeck: {text}");
}

fn describe(request: &ActionRequest, ctx: &ActionContext) -> (String, Option<Draft>) {
    let result =
        Outcome::Unknown { reason: "modeldeck stopped before the action finished; check the outside system".into() };
    describe_as(request, ctx, result)
}

/// What `request` is in words, and its journal entry ending in `result` (none for records).
pub(super) fn describe_as(request: &ActionRequest, ctx: &ActionContext, result: Outcome) -> (String, Option<Draft>) {
    let draft = |kind: Kind, subject: Subject, note: String, request: serde_json::Value| {
        Draft::by(&ctx.author, &ctx.environment, kind, subject, note).request(request).result(result.clone())
    };
    match request {
        ActionRequest::Rollback(plan) => {
            let subject =
                Subject { model: Some(plan.model.clone()), version: Some(plan.target.clone()), ..Subject::default() };
            let mut d = draft(Kind::Rollback, subject, plan.note.clone(), plan.request_json());
            d.before = Some(json!({ "version": plan.current }));
            (format!("the rollback of {} to {}", plan.model, plan.target), Some(d))
        }
        ActionRequest::Retrain(order) => {
            let r = &order.request;
            let subject = Subject { model: Some(r.model.clone()), ..Subject::default() };
            let d = draft(Kind::Retrain, subject, r.note.clone(), super::retrain::journal_request(order));
            (format!("the retraining trigger for {}", r.model), Some(d))
        }
        ActionRequest::CreateSilence { request, alert } => {
            let subject =
                Subject { model: alert.model.clone(), alertname: Some(alert.name.clone()), ..Subject::default() };
            (
                format!("the acknowledgement of {}", alert.title()),
                Some(draft(
                    Kind::Ack,
                    subject,
                    request.comment.clone(),
                    json!({ "method": "POST", "body": request.body() }),
                )),
            )
        }
        ActionRequest::ExpireSilences { ids, .. } => {
            let note = format!("expire silence(s) {}", ids.join(", "));
            (note.clone(), Some(draft(Kind::Unack, Subject::default(), note, json!({ "expire": ids }))))
        }
        ActionRequest::ExtendSilence { silence, .. } => {
            let note = format!("extend silence {}", silence.id);
            (
                note.clone(),
                Some(draft(Kind::Other("extend".into()), Subject::default(), note, json!({ "silence": silence.id }))),
            )
        }
        // Records of what already happened: nothing outside can be left half-done.
        ActionRequest::RunEnded(_) | ActionRequest::Suppressed(_) => ("a journal record".into(), None),
        ActionRequest::Automatic { action, .. } => describe_as(action, ctx, result),
    }
}
