//! Runs a confirmed action off the UI thread: the outside change first, then its journal
//! entry with who, when, why and the result. A failed change is journaled as failed, never
//! as done; a change whose request may have been applied without an answer is journaled as
//! unknown, never as failed.

use std::sync::Arc;

use jiff::Timestamp;

use super::silence::{ActionError, Silence, SilenceClient, SilenceRequest, Written};
use crate::demo::DemoSilences;
use crate::domain::Alert;
use crate::journal::{Entry, Journal, Outcome, Subject};

/// Where silences are written: a real Alertmanager cluster, or the demo's simulation.
#[derive(Clone)]
pub enum SilenceBackend {
    Live(SilenceClient),
    Demo(DemoSilences),
}

impl SilenceBackend {
    pub async fn create(&self, request: &SilenceRequest) -> Result<Written<String>, ActionError> {
        match self {
            SilenceBackend::Live(c) => c.create(request).await,
            SilenceBackend::Demo(d) => Ok(demo_written(d.create(request))),
        }
    }

    pub async fn expire(&self, id: &str) -> Result<Written<()>, ActionError> {
        match self {
            SilenceBackend::Live(c) => c.expire(id).await,
            SilenceBackend::Demo(d) => d.expire(id).map(demo_written),
        }
    }

    pub async fn preview(
        &self,
        matchers: &[super::silence::Matcher],
        model_label: &str,
    ) -> Result<Vec<Alert>, ActionError> {
        match self {
            SilenceBackend::Live(c) => c.preview(matchers, model_label).await,
            SilenceBackend::Demo(d) => Ok(d.preview(matchers)),
        }
    }
}

fn demo_written<T>(value: T) -> Written<T> {
    Written { value, peer: "demo".into(), url: "demo".into(), found_by_lookup: None }
}

/// A confirmed request, as the confirmation showed it.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionRequest {
    /// Acknowledge: create a silence.
    CreateSilence { request: SilenceRequest, alert: Box<Alert> },
    /// Un-acknowledge: expire every silence muting the alert (or one from the inventory).
    ExpireSilences { ids: Vec<String>, alert: Option<Box<Alert>>, silence: Option<Box<Silence>> },
    /// Move a silence's end; Alertmanager may answer with a new id.
    ExtendSilence { silence: Box<Silence>, ends_at: Timestamp, author: String },
    /// Roll a model back to an earlier version.
    Rollback(Box<super::rollback::RollbackPlan>),
    /// Trigger a retraining pipeline.
    Retrain(Box<super::retrain::RetrainOrder>),
    /// Record the end of a followed retraining run (nothing is sent).
    RunEnded(Box<super::retrain::RunEnd>),
    /// Record an automatic action held back by its rate limit (nothing is sent).
    Suppressed(Box<super::retrain::Suppressed>),
}

/// Which kind of request a report answers: a form waits for exactly its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Acknowledgement,
    Rollback,
    Retrain,
    Other,
}

/// How an action ended, for the app: `Unknown` when a request may have been applied but no
/// answer says so, which the console must not present as a failure to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionOutcome {
    /// Done (or, for records such as a suppressed automatic action, recorded).
    Ok,
    /// Nothing was changed.
    Failed,
    /// It may or may not have been changed.
    Unknown,
}

impl ActionOutcome {
    pub fn of(result: &Outcome) -> ActionOutcome {
        match result {
            Outcome::Ok | Outcome::Suppressed { .. } => ActionOutcome::Ok,
            Outcome::Failed { .. } => ActionOutcome::Failed,
            Outcome::Unknown { .. } => ActionOutcome::Unknown,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActionReport {
    pub kind: ReportKind,
    /// A retraining run to follow, when a trigger started one.
    pub started: Option<super::retrain::StartedRun>,
    /// `outcome == ActionOutcome::Ok`.
    pub ok: bool,
    pub outcome: ActionOutcome,
    /// One line for the status bar.
    pub message: String,
    pub entry: Option<Entry>,
    /// What a verified rollback read back as live.
    pub read_back: Option<ReadBack>,
}

/// The version a registry (or the serving side) said is live after a rollback.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadBack {
    pub environment: String,
    pub model: String,
    pub version: String,
    /// After the read-back: a registry poll that began later has seen the change.
    pub at: Timestamp,
}

#[derive(Clone)]
pub struct ActionContext {
    pub backend: SilenceBackend,
    pub registry: crate::versions::live::RegistryAccess,
    pub retrain: super::retrain::RetrainAccess,
    pub journal: Option<Arc<Journal>>,
    pub author: String,
    pub environment: String,
    pub read_only: bool,
}

pub async fn run(request: ActionRequest, ctx: &ActionContext) -> ActionReport {
    let kind = match request {
        ActionRequest::CreateSilence { .. } => ReportKind::Acknowledgement,
        ActionRequest::Rollback(_) => ReportKind::Rollback,
        ActionRequest::Retrain(_) => ReportKind::Retrain,
        _ => ReportKind::Other,
    };
    // Recording what already happened is not a change: read-only still journals it.
    let records = matches!(request, ActionRequest::RunEnded(_) | ActionRequest::Suppressed(_));
    if ctx.read_only && !records {
        let message = "read-only: nothing was changed".into();
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
            let result = super::rollback::execute(&plan, &ctx.registry, &ctx.environment).await;
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
                super::retrain::trigger(&order, &ctx.retrain, &ctx.author, &ctx.environment).await;
            started = run;
            (draft, message)
        }
        ActionRequest::RunEnded(end) => super::retrain::run_end(&end, &ctx.author, &ctx.environment),
        ActionRequest::Suppressed(s) => super::retrain::suppressed(&s, &ctx.author, &ctx.environment),
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
