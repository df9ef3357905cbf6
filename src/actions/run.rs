//! Runs a confirmed action off the UI thread: the outside change first, then its journal
//! entry with who, when, why and the result. A failed change is journaled as failed, never
//! as done.

use std::sync::Arc;

use jiff::Timestamp;
use serde_json::json;

use super::silence::{ActionError, Silence, SilenceClient, SilenceRequest};
use crate::demo::DemoSilences;
use crate::domain::Alert;
use crate::journal::{Draft, Entry, Journal, Kind, Outcome, Subject};

/// Where silences are written: a real Alertmanager cluster, or the demo's simulation.
#[derive(Clone)]
pub enum SilenceBackend {
    Live(SilenceClient),
    Demo(DemoSilences),
}

impl SilenceBackend {
    pub async fn create(&self, request: &SilenceRequest) -> Result<(String, String), ActionError> {
        match self {
            SilenceBackend::Live(c) => c.create(request).await.map(|w| (w.value, w.peer)),
            SilenceBackend::Demo(d) => Ok((d.create(request), "demo".into())),
        }
    }

    pub async fn expire(&self, id: &str) -> Result<String, ActionError> {
        match self {
            SilenceBackend::Live(c) => c.expire(id).await.map(|w| w.peer),
            SilenceBackend::Demo(d) => d.expire(id).map(|()| "demo".to_string()),
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

#[derive(Debug, Clone, PartialEq)]
pub struct ActionReport {
    pub kind: ReportKind,
    /// A retraining run to follow, when a trigger started one.
    pub started: Option<super::retrain::StartedRun>,
    pub ok: bool,
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
        return ActionReport { kind, started: None, ok: false, message, entry: None, read_back: None };
    }
    let mut started = None;
    let mut read_back = None;
    let (draft, message, ok) = match request {
        ActionRequest::CreateSilence { request, alert } => {
            let result = ctx.backend.create(&request).await;
            let ok = result.is_ok();
            let (outcome, after, message) = match result {
                Ok((id, peer)) => (
                    Outcome::Ok,
                    Some(json!({ "silence_id": id, "peer": peer, "ends_at": request.ends_at.to_string() })),
                    format!("acknowledged {}: silence {id} until {}", alert.name, hhmm(request.ends_at)),
                ),
                Err(e) => (Outcome::Failed { error: e.to_string() }, None, format!("acknowledge FAILED: {e}")),
            };
            let draft = Draft {
                author: ctx.author.clone(),
                environment: ctx.environment.clone(),
                kind: Kind::Ack,
                subject: alert_subject(&alert),
                note: request.comment.clone(),
                request: Some(request.body()),
                before: Some(json!({ "state": alert.state.label(), "silenced_by": alert.silenced_by })),
                after,
                result: outcome,
            };
            (draft, message, ok)
        }
        ActionRequest::ExpireSilences { ids, alert, silence } => {
            let mut failures = Vec::new();
            for id in &ids {
                if let Err(e) = ctx.backend.expire(id).await {
                    failures.push(format!("{id}: {e}"));
                }
            }
            let ok = failures.is_empty();
            let subject = match (&alert, &silence) {
                (Some(a), _) => alert_subject(a),
                (None, Some(s)) => silence_subject(s),
                (None, None) => Subject::default(),
            };
            let what = alert.as_ref().map_or_else(|| format!("silence {}", ids.join(", ")), |a| a.name.clone());
            let message = if ok {
                format!("expired {} silence(s) for {what}", ids.len())
            } else {
                format!("expire FAILED: {}", failures.join("; "))
            };
            let draft = Draft {
                author: ctx.author.clone(),
                environment: ctx.environment.clone(),
                kind: Kind::Unack,
                subject,
                note: format!("expired silence(s) {}", ids.join(", ")),
                request: Some(json!({ "expire": ids })),
                before: silence.as_ref().map(|s| json!({ "ends_at": s.ends_at.to_string(), "comment": s.comment })),
                after: None,
                result: if ok { Outcome::Ok } else { Outcome::Failed { error: failures.join("; ") } },
            };
            (draft, message, ok)
        }
        ActionRequest::ExtendSilence { silence, ends_at, author } => {
            let request = SilenceRequest {
                id: Some(silence.id.clone()),
                matchers: silence.matchers.clone(),
                starts_at: silence.starts_at,
                ends_at,
                created_by: author,
                comment: silence.comment.clone(),
            };
            let result = ctx.backend.create(&request).await;
            let ok = result.is_ok();
            let (outcome, after, message) = match result {
                Ok((id, _)) => (
                    Outcome::Ok,
                    Some(json!({ "silence_id": id, "ends_at": ends_at.to_string() })),
                    if id == silence.id {
                        format!("extended silence {id} until {}", hhmm(ends_at))
                    } else {
                        format!("extended: silence {} replaced by {id} until {}", silence.id, hhmm(ends_at))
                    },
                ),
                Err(e) => (Outcome::Failed { error: e.to_string() }, None, format!("extend FAILED: {e}")),
            };
            let draft = Draft {
                author: ctx.author.clone(),
                environment: ctx.environment.clone(),
                kind: Kind::Other("extend".into()),
                subject: silence_subject(&silence),
                note: format!("extended silence {} (\"{}\")", silence.id, silence.comment),
                request: Some(request.body()),
                before: Some(json!({ "silence_id": silence.id, "ends_at": silence.ends_at.to_string() })),
                after,
                result: outcome,
            };
            (draft, message, ok)
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
            let (draft, message, ok, run) =
                super::retrain::trigger(&order, &ctx.retrain, &ctx.author, &ctx.environment).await;
            started = run;
            (draft, message, ok)
        }
        ActionRequest::RunEnded(end) => super::retrain::run_end(&end, &ctx.author, &ctx.environment),
        ActionRequest::Suppressed(s) => super::retrain::suppressed(&s, &ctx.author, &ctx.environment),
    };
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
                    return ActionReport { kind, started, ok, message, entry: None, read_back };
                }
            }
        }
        None => None,
    };
    ActionReport { kind, started, ok, message, entry, read_back }
}

fn hhmm(t: Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::UTC).strftime("%H:%M UTC").to_string()
}

fn alert_subject(alert: &Alert) -> Subject {
    Subject {
        model: alert.model.clone(),
        version: alert.labels.get("version").cloned(),
        alert: Some(alert.fingerprint.clone()),
        alertname: Some(alert.name.clone()),
    }
}

fn silence_subject(silence: &Silence) -> Subject {
    let get = |name: &str| silence.matchers.iter().find(|m| m.name == name && !m.is_regex).map(|m| m.value.clone());
    Subject { model: get("model"), version: get("version"), alert: None, alertname: get("alertname") }
}
