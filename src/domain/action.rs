//! Actions as the app asks for them and as they come back: the confirmed request (a silence,
//! an expiry, a rollback plan, a retraining order), and the report with its outcome.

use jiff::Timestamp;
use serde_json::json;

use super::team::{Claim, InFlight};
use super::{Alert, Entry, Outcome, RollbackSpec, RunState, Silence, SilenceRequest, TriggerRequest};

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
    Rollback(Box<RollbackPlan>),
    /// Trigger a retraining pipeline.
    Retrain(Box<RetrainOrder>),
    /// Record the end of a followed retraining run (nothing is sent).
    RunEnded(Box<RunEnd>),
    /// Record an automatic action held back by its rate limit (nothing is sent).
    Suppressed(Box<Suppressed>),
    /// An automatic rule's action (or its suppression), done only if the journal shows no
    /// console has claimed the same alert occurrence; the claim is made under the
    /// journal's lock before anything is sent.
    /// `held` is what is journaled instead when the rule's rate limit, counted across
    /// consoles, holds the action back.
    Automatic { claim: Claim, action: Box<ActionRequest>, held: Box<Suppressed> },
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
            Outcome::Started => ActionOutcome::Unknown,
            Outcome::Failed { .. } => ActionOutcome::Failed,
            Outcome::Unknown { .. } => ActionOutcome::Unknown,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActionReport {
    pub kind: ReportKind,
    /// A retraining run to follow, when a trigger started one.
    pub started: Option<StartedRun>,
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

/// What the operator confirmed.
#[derive(Debug, Clone, PartialEq)]
pub struct RollbackPlan {
    pub model: String,
    pub current: Option<String>,
    pub target: String,
    pub spec: RollbackSpec,
    /// The request lines the confirmation showed.
    pub request: Vec<String>,
    /// The target's validation tag, as read.
    pub validation: Option<String>,
    pub validated: bool,
    /// The data the target was trained on, `name@digest (context)` each, raw; empty when
    /// unknown (no run, none logged, or a registry that keeps no lineage).
    pub target_data: Vec<String>,
    /// An unvalidated target confirmed with the override (allowed by config).
    pub override_validation: bool,
    pub note: String,
    /// Another operator's action on the model that was in flight, taken over with the
    /// explicit override (journaled).
    pub take_over: Option<InFlight>,
}

impl RollbackPlan {
    pub fn request_json(&self) -> serde_json::Value {
        json!({
            "backend": self.spec.label(),
            "registered_model": self.spec.registered_model,
            "target": self.target,
            "steps": self.request,
            "validation_override": self.override_validation,
        })
    }
}

/// How a rollback ended: ok, failed (nothing changed), or unknown (a request was sent and
/// its answer lost), with what was done and sent on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct RollbackResult {
    pub outcome: Outcome,
    /// The live version afterwards, as read back (or the command's target on success).
    pub after: Option<String>,
    /// What was done and seen, in order.
    pub steps: Vec<String>,
    /// A command hook's captured output.
    pub output: Option<String>,
    /// Every request that went out and was not a read, in order, as the journal records it
    /// (method, URL and body, or a command's argv).
    pub sent: Vec<serde_json::Value>,
}

impl RollbackResult {
    pub fn failed(steps: Vec<String>, error: impl Into<String>, after: Option<String>) -> RollbackResult {
        RollbackResult {
            outcome: Outcome::Failed { error: error.into() },
            after,
            steps,
            output: None,
            sent: Vec::new(),
        }
    }

    pub fn unknown(steps: Vec<String>, reason: String) -> RollbackResult {
        RollbackResult { outcome: Outcome::Unknown { reason }, after: None, steps, output: None, sent: Vec::new() }
    }

    pub fn done(steps: Vec<String>, version: String) -> RollbackResult {
        RollbackResult { outcome: Outcome::Ok, after: Some(version), steps, output: None, sent: Vec::new() }
    }
}

/// A confirmed (or automatic) trigger.
#[derive(Debug, Clone)]
pub struct RetrainOrder {
    pub request: TriggerRequest,
    /// `Some(rule)` when a runbook rule started it without a person.
    pub automatic: Option<String>,
    /// The alert that prompted it, if any.
    pub alert: Option<String>,
    /// Another operator's action on the model that was in flight, taken over with the
    /// explicit override (journaled).
    pub take_over: Option<InFlight>,
}

// Orders are compared by what they would do; targets carry no equality of their own.
impl PartialEq for RetrainOrder {
    fn eq(&self, other: &Self) -> bool {
        self.request.model == other.request.model
            && self.request.target.name == other.request.target.name
            && self.request.params == other.request.params
            && self.request.note == other.request.note
            && self.request.at == other.request.at
            && self.automatic == other.automatic
            && self.take_over == other.take_over
    }
}

/// A run the app should follow.
#[derive(Debug, Clone, PartialEq)]
pub struct StartedRun {
    pub model: String,
    pub target: String,
    pub run_id: Option<String>,
    pub url: Option<String>,
    pub pollable: bool,
    pub automatic: bool,
}

/// A followed run reached its end.
#[derive(Debug, Clone, PartialEq)]
pub struct RunEnd {
    pub model: String,
    pub target: String,
    pub run_id: String,
    pub state: RunState,
    pub started: Timestamp,
}

/// An automatic action the rate limit held back.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppressed {
    pub model: String,
    pub alertname: String,
    pub rule: String,
    pub action: String,
    pub until: Timestamp,
}

/// Why nothing was sent in read-only mode: the same words from the console and from the
/// action runner.
pub fn read_only_refusal(what: &str) -> String {
    format!("read-only: {what} is disabled (no change was made)")
}

/// Whether `typed` names `model`: what a production change needs before it is sent (typed in
/// the console's form, or given as `--confirm-model` from a shell).
pub fn confirms_model(model: &str, typed: &str) -> bool {
    typed.trim() == model
}
