//! Retraining: start an organisation's training pipeline for a model, then follow the run.
//!
//! A [`RetrainTarget`] is one configured pipeline (Kubeflow Pipelines, Airflow, Argo
//! Workflows, GitHub Actions, a generic webhook or a local command). The operator fills a
//! [`TriggerRequest`] (parameters, reason, note), sees [`describe`]'s exact request, confirms,
//! and [`trigger`] sends it once. Each preset keeps its request builder pure, so the shapes
//! are unit-tested without a server, and its answer parsers total, so hostile or truncated
//! answers become messages rather than panics.
//!
//! An answer that never came ([`TriggerError::unknown`]) is not a failure: the pipeline may
//! be running. The console must say so rather than invite a second trigger.

pub mod airflow;
pub mod argo;
pub mod command;
pub mod config;
pub mod github;
pub mod kfp;
mod record;
pub mod runbook;
mod send;
mod template;
pub mod webhook;

#[cfg(test)]
mod sent_tests;
#[cfg(test)]
mod tests;

use std::fmt;

use jiff::Timestamp;
use reqwest::Client;

pub use record::journal_fields;
pub use send::{HttpCall, server_message};
pub use template::{BUILT_IN, Values};

/// One configured retraining pipeline.
#[derive(Debug, Clone)]
pub struct RetrainTarget {
    /// What runbook rules and the journal call it.
    pub name: String,
    /// What the operator reads, e.g. `Airflow DAG retrain_fraud`.
    pub label: String,
    pub kind: TargetKind,
    /// Default parameters; the operator may edit the values before confirming.
    pub params: Vec<Param>,
}

#[derive(Debug, Clone)]
pub enum TargetKind {
    Kfp(kfp::Kfp),
    Airflow(airflow::Airflow),
    Argo(argo::Argo),
    Github(github::Github),
    Webhook(webhook::Webhook),
    Command(command::Command),
    /// The demo's simulated pipeline: runs in the demo launcher, never leaves the process.
    Demo,
}

impl RetrainTarget {
    /// The endpoint it talks to (for the list of secrets to redact); none for a command.
    pub fn endpoint(&self) -> Option<&crate::config::Endpoint> {
        endpoint(&self.kind)
    }

    /// The demo's simulated pipeline.
    pub fn demo() -> RetrainTarget {
        RetrainTarget {
            name: "demo".into(),
            label: "demo pipeline (simulated)".into(),
            kind: TargetKind::Demo,
            params: vec![
                Param::text("model_name", "{model}"),
                Param { name: "lookback_days".into(), value: "30".into(), kind: ParamKind::Number },
            ],
        }
    }
}

impl TargetKind {
    /// The word used for this kind in the config file.
    pub fn key(&self) -> &'static str {
        match self {
            TargetKind::Kfp(_) => "kfp",
            TargetKind::Airflow(_) => "airflow",
            TargetKind::Argo(_) => "argo",
            TargetKind::Github(_) => "github",
            TargetKind::Webhook(_) => "webhook",
            TargetKind::Command(_) => "command",
            TargetKind::Demo => "demo",
        }
    }
}

/// One pipeline parameter. The value is a template (`{model}` works) and is always edited as
/// text; the kind comes from the config file's TOML type and decides how typed back ends
/// (KFP parameters, Airflow `conf`, whole-placeholder webhook strings) receive it, since
/// both check declared parameter types and reject `"30"` for an integer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub value: String,
    pub kind: ParamKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Text,
    Number,
    Bool,
}

impl Param {
    pub fn text(name: &str, value: &str) -> Param {
        Param { name: name.into(), value: value.into(), kind: ParamKind::Text }
    }
}

/// A confirmed (or about to be confirmed) trigger: everything needed to build the request.
#[derive(Debug, Clone)]
pub struct TriggerRequest {
    pub target: RetrainTarget,
    pub model: String,
    pub environment: String,
    /// The final parameters, as the operator left them in the form.
    pub params: Vec<Param>,
    pub note: String,
    pub author: String,
    pub reason: String,
    /// When the form was filled. Fixed here rather than read at sending so that the
    /// confirmation shows the exact body (Airflow's `logical_date` and run id use it).
    pub at: Timestamp,
}

/// A trigger the pipeline accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Triggered {
    pub run_id: Option<String>,
    /// Where a person can follow the run, when the back end says or the URL is known.
    pub url: Option<String>,
    /// Whether [`poll`] can follow this run.
    pub pollable: bool,
    /// One line for the status bar and the journal.
    pub detail: String,
}

/// A trigger that did not happen, or whose outcome is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerError {
    /// The server's own message (sanitised), or what went wrong on the way.
    pub message: String,
    /// The request may have been taken but no answer came: check the pipeline before
    /// triggering again.
    pub unknown: bool,
}

impl fmt::Display for TriggerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.unknown {
            write!(f, "outcome unknown (the pipeline may have started): {}", self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

impl std::error::Error for TriggerError {}

impl TriggerError {
    fn rejected(message: impl Into<String>) -> TriggerError {
        TriggerError { message: message.into(), unknown: false }
    }
}

/// A run's state as its back end reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunState {
    Queued,
    Running,
    Succeeded,
    /// Failed, cancelled or errored, with the back end's reason when it gives one.
    Failed(String),
    /// A state this console does not know; polling goes on.
    Unknown(String),
}

impl RunState {
    pub fn is_final(&self) -> bool {
        matches!(self, RunState::Succeeded | RunState::Failed(_))
    }
}

impl fmt::Display for RunState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunState::Queued => f.write_str("queued"),
            RunState::Running => f.write_str("running"),
            RunState::Succeeded => f.write_str("succeeded"),
            RunState::Failed(why) if why.is_empty() => f.write_str("failed"),
            RunState::Failed(why) => write!(f, "failed: {why}"),
            RunState::Unknown(state) => write!(f, "unknown state {state}"),
        }
    }
}

/// Who asked and why, for the back ends' free-text fields (KFP description, Airflow note).
fn provenance(request: &TriggerRequest) -> String {
    let mut text = format!("triggered from modeldeck by {} in {}", request.author, request.environment);
    for (what, value) in [("reason", &request.reason), ("note", &request.note)] {
        if !value.trim().is_empty() {
            text.push_str(&format!("; {what}: {}", value.trim()));
        }
    }
    text
}

/// What a trigger will do, built without any I/O.
#[derive(Debug, Clone, PartialEq)]
pub enum Prepared {
    Http(HttpCall),
    Command(command::Invocation),
    /// The demo pipeline: what it would be asked, as text.
    Demo(String),
}

/// Builds the request for `request` (pure): placeholders filled, parameters typed.
pub fn prepare(request: &TriggerRequest) -> Result<Prepared, String> {
    let values = Values::of(request)?;
    Ok(match &request.target.kind {
        TargetKind::Kfp(t) => Prepared::Http(kfp::build(t, request, &values)?),
        TargetKind::Airflow(t) => Prepared::Http(airflow::build(t, request, &values)?),
        TargetKind::Argo(t) => Prepared::Http(argo::build(t, request, &values)?),
        TargetKind::Github(t) => Prepared::Http(github::build(t, &values)?),
        TargetKind::Webhook(t) => Prepared::Http(webhook::build(t, &values)?),
        TargetKind::Command(t) => Prepared::Command(command::build(t, &values)?),
        TargetKind::Demo => Prepared::Demo(format!(
            "demo: start a simulated training run for {} with {}",
            request.model,
            values.params_text().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
        )),
    })
}

/// The exact request for the confirmation screen: method, URL, headers with secrets shown
/// only by kind, and the JSON body; for a command, its argv and time limit.
pub fn describe(request: &TriggerRequest) -> String {
    let prepared = match prepare(request) {
        Ok(p) => p,
        Err(e) => return format!("cannot build the request: {e}"),
    };
    match (&request.target.kind, &prepared) {
        (TargetKind::Airflow(t), Prepared::Http(call)) => airflow::describe(t, call),
        (kind, Prepared::Http(call)) => endpoint(kind).map(|e| call.describe(e)).unwrap_or_default(),
        (_, Prepared::Command(invocation)) => invocation.describe(),
        (_, Prepared::Demo(text)) => text.clone(),
    }
}

fn endpoint(kind: &TargetKind) -> Option<&crate::config::Endpoint> {
    match kind {
        TargetKind::Kfp(t) => Some(&t.endpoint),
        TargetKind::Airflow(t) => Some(&t.endpoint),
        TargetKind::Argo(t) => Some(&t.endpoint),
        TargetKind::Github(t) => Some(&t.endpoint),
        TargetKind::Webhook(t) => Some(&t.endpoint),
        TargetKind::Command(_) => None,
        TargetKind::Demo => None,
    }
}

/// Sends the trigger once. Never retried here: a second attempt could start a second run.
pub async fn trigger(client: &Client, request: &TriggerRequest) -> Result<Triggered, TriggerError> {
    let prepared = prepare(request).map_err(TriggerError::rejected)?;
    let call = match prepared {
        Prepared::Command(invocation) => return command::run(&invocation).await,
        Prepared::Demo(_) => return Err(TriggerError::rejected("the demo pipeline runs only in --demo")),
        Prepared::Http(call) => call,
    };
    match &request.target.kind {
        TargetKind::Kfp(t) => kfp::created(&call.send(client, &t.endpoint).await?),
        TargetKind::Airflow(t) => airflow::trigger(client, t, &call).await,
        TargetKind::Argo(t) => argo::created(t, &call.send(client, &t.endpoint).await?),
        TargetKind::Github(t) => {
            github::created(t, &call.send(client, &t.endpoint).await.map_err(|e| github::hint(t, e))?)
        }
        TargetKind::Webhook(t) => webhook::created(&call.send(client, &t.endpoint).await?),
        // `prepare` gives a command target an invocation, handled above.
        TargetKind::Command(_) | TargetKind::Demo => {
            Err(TriggerError::rejected("a command target sends no HTTP request"))
        }
    }
}

/// The state of a run started by [`trigger`]; only for targets whose runs are pollable.
pub async fn poll(client: &Client, target: &RetrainTarget, run_id: &str) -> Result<RunState, String> {
    match &target.kind {
        TargetKind::Kfp(t) => kfp::poll(client, t, run_id).await,
        TargetKind::Airflow(t) => airflow::poll(client, t, run_id).await,
        TargetKind::Argo(t) => argo::poll(client, t, run_id).await,
        TargetKind::Github(t) => github::poll(client, t, run_id).await,
        TargetKind::Webhook(_) | TargetKind::Command(_) | TargetKind::Demo => {
            Err(format!("{} targets have no run status to follow", target.kind.key()))
        }
    }
}
