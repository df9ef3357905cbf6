//! Runs a confirmed action off the UI thread: the outside change first, then its journal
//! entry with who, when, why and the result. A failed change is journaled as failed, never
//! as done; a change whose request may have been applied without an answer is journaled as
//! unknown, never as failed.

use std::sync::Arc;

use jiff::Timestamp;

use crate::domain::ActionOutcome;
use crate::domain::ActionReport;
use crate::domain::ActionRequest;
use crate::domain::Alert;
use crate::domain::ReadBack;
use crate::domain::ReportKind;
use crate::domain::Silence;
use crate::domain::ports::{Pipelines, Registry, Silences};
use crate::journal::{Draft, Journal, Outcome, Subject};

/// Where one environment's actions go, and who they are journaled as.
#[derive(Clone)]
pub struct ActionContext {
    pub silences: Arc<dyn Silences>,
    pub registry: Arc<dyn Registry>,
    pub pipelines: Arc<dyn Pipelines>,
    pub journal: Option<Arc<Journal>>,
    pub author: String,
    pub environment: String,
    pub read_only: bool,
}

pub async fn run(request: ActionRequest, ctx: &ActionContext) -> ActionReport {
    run_via(request, ctx, None).await
}

/// As [`run`], for a request that came from elsewhere than the console (`via`: `"cli"` from
/// a shell command): its journal entry says so in `request.via`.
pub async fn run_via(request: ActionRequest, ctx: &ActionContext, via: Option<&str>) -> ActionReport {
    match request {
        ActionRequest::Automatic { claim, action, held } if ctx.journal.is_some() && !ctx.read_only => {
            automatic(claim, *action, &held, ctx, via).await
        }
        ActionRequest::Automatic { action, .. } => run_once(*action, ctx, via, None).await,
        request => run_once(request, ctx, via, None).await,
    }
}

/// An automatic rule's action: claimed in the journal first, then run only by the console
/// that holds the claim.
async fn automatic(
    claim: crate::domain::team::Claim,
    action: ActionRequest,
    held: &crate::domain::Suppressed,
    ctx: &ActionContext,
    via: Option<&str>,
) -> ActionReport {
    let kind = report_kind(&action);
    let report = |outcome: ActionOutcome, message: String, entry: Option<crate::journal::Entry>| ActionReport {
        kind,
        started: None,
        ok: outcome == ActionOutcome::Ok,
        outcome,
        message,
        entry,
        read_back: None,
    };
    match super::started::claim(claim, &action, held, ctx).await {
        Ok(super::started::Claimed::Act { started }) => run_once(action, ctx, via, Some(started)).await,
        Ok(super::started::Claimed::Held { entry, message }) => report(ActionOutcome::Ok, message, Some(entry)),
        Ok(super::started::Claimed::Taken { by }) => {
            report(ActionOutcome::Ok, format!("{} was already handled by {by}", held.rule), None)
        }
        Err(e) => {
            report(ActionOutcome::Failed, format!("{}: the journal failed, nothing was sent: {e}", held.rule), None)
        }
    }
}

fn report_kind(request: &ActionRequest) -> ReportKind {
    match request {
        ActionRequest::CreateSilence { .. } => ReportKind::Acknowledgement,
        ActionRequest::Rollback(_) => ReportKind::Rollback,
        ActionRequest::Retrain(_) => ReportKind::Retrain,
        ActionRequest::Automatic { action, .. } => report_kind(action),
        _ => ReportKind::Other,
    }
}

/// Runs one action; `claimed` is the `started` entry an automatic claim already wrote.
async fn run_once(
    request: ActionRequest,
    ctx: &ActionContext,
    via: Option<&str>,
    claimed: Option<crate::journal::Entry>,
) -> ActionReport {
    let kind = match request {
        ActionRequest::CreateSilence { .. } => ReportKind::Acknowledgement,
        ActionRequest::Rollback(_) => ReportKind::Rollback,
        ActionRequest::Retrain(_) => ReportKind::Retrain,
        _ => ReportKind::Other,
    };
    // Recording what already happened is not a change: read-only still journals it.
    let records = matches!(request, ActionRequest::RunEnded(_) | ActionRequest::Suppressed(_));
    if ctx.read_only && !records {
        let message = crate::domain::read_only_refusal("this action");
        return ActionReport {
            kind,
            started: None,
            ok: false,
            outcome: ActionOutcome::Failed,
            message,
            entry: None,
            read_back: None,
        };
    }
    // The `started` entry goes in before anything is sent: if the journal cannot take it,
    // nothing is sent at all.
    let wanted =
        super::started::wants_started(&request).then(|| super::started::started_draft(&request, ctx)).flatten();
    let started_id = match (claimed, &ctx.journal, wanted) {
        (Some(entry), _, _) => Some(entry.id),
        (None, Some(journal), Some(draft)) => {
            let draft = match via {
                Some(via) => marked(draft, via),
                None => draft,
            };
            let journal = journal.clone();
            match tokio::task::spawn_blocking(move || journal.append(draft)).await.map_err(|e| e.to_string()) {
                Ok(Ok(entry)) => Some(entry.id),
                Ok(Err(e)) | Err(e) => {
                    let message = format!("the journal failed, nothing was sent: {e}");
                    let outcome = ActionOutcome::Failed;
                    return ActionReport {
                        kind,
                        started: None,
                        ok: false,
                        outcome,
                        message,
                        entry: None,
                        read_back: None,
                    };
                }
            }
        }
        _ => None,
    };
    let mut started = None;
    let mut read_back = None;
    let (draft, message) = match request {
        ActionRequest::CreateSilence { request, alert } => super::silence_action::create(request, &alert, ctx).await,
        ActionRequest::ExpireSilences { ids, alert, silence } => {
            super::silence_action::expire(&ids, alert.as_deref(), silence.as_deref(), ctx).await
        }
        ActionRequest::ExtendSilence { silence, ends_at, author } => {
            super::silence_action::extend(&silence, ends_at, author, ctx).await
        }
        ActionRequest::Rollback(plan) => {
            let result = ctx.registry.rollback(&plan).await;
            if result.outcome == Outcome::Ok
                && let Some(version) = result.after.clone()
            {
                let (environment, model, at) = (ctx.environment.clone(), plan.model.clone(), Timestamp::now());
                read_back = Some(ReadBack { environment, model, version, at });
            }
            super::rollback::draft(&plan, result, &ctx.author, &ctx.environment)
        }
        ActionRequest::Retrain(order) => {
            let (draft, message, run) =
                super::retrain::trigger(&order, ctx.pipelines.as_ref(), &ctx.author, &ctx.environment).await;
            started = run;
            (draft, message)
        }
        ActionRequest::RunEnded(end) => super::retrain::run_end(&end, &ctx.author, &ctx.environment),
        ActionRequest::Suppressed(s) => super::retrain::suppressed(&s, &ctx.author, &ctx.environment),
        ActionRequest::Automatic { action, .. } => return Box::pin(run_once(*action, ctx, via, None)).await,
    };
    let draft = match via {
        Some(via) => marked(draft, via),
        None => draft,
    };
    let draft = match started_id {
        Some(id) => super::started::with_field(draft, "started", serde_json::Value::String(id)),
        None => draft,
    };
    let outcome = ActionOutcome::of(&draft.result);
    let ok = outcome == ActionOutcome::Ok;
    let entry = match &ctx.journal {
        Some(journal) => {
            let journal = journal.clone();
            let appended = match tokio::task::spawn_blocking(move || journal.append(draft)).await {
                Ok(result) => result,
                Err(e) => Err(e.to_string()),
            };
            match appended {
                Ok(entry) => Some(entry),
                Err(e) => {
                    let message = format!("{message} — but the journal failed: {e}");
                    return ActionReport { kind, started, ok, outcome, message, entry: None, read_back };
                }
            }
        }
        None => None,
    };
    ActionReport { kind, started, ok, outcome, message, entry, read_back }
}

/// `draft` with `"via": via` in its request: where the request came from, inside a field
/// every journal reader already keeps, so the entry format does not change.
pub fn marked(mut draft: Draft, via: &str) -> Draft {
    let mut request = draft.request.take().unwrap_or_else(|| serde_json::json!({}));
    if let Some(fields) = request.as_object_mut() {
        fields.insert("via".into(), serde_json::Value::String(via.to_string()));
    }
    draft.request(request)
}

pub(super) fn hhmm(t: Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::UTC).strftime("%H:%M UTC").to_string()
}

pub(super) fn alert_subject(alert: &Alert) -> Subject {
    Subject {
        model: alert.model.clone(),
        version: alert.labels.get("version").cloned(),
        alert: Some(alert.fingerprint.clone()),
        alertname: Some(alert.name.clone()),
    }
}

pub(super) fn silence_subject(silence: &Silence) -> Subject {
    let get = |name: &str| silence.matchers.iter().find(|m| m.name == name && !m.is_regex).map(|m| m.value.clone());
    Subject { model: get("model"), version: get("version"), alert: None, alertname: get("alertname") }
}
