//! Retraining pipelines as configured (Kubeflow Pipelines, Airflow, Argo Workflows, GitHub
//! Actions, a webhook, a command), a trigger the operator fills in, and a run's state. The
//! request builders and clients for each kind live with the backends.

use std::fmt;
use std::time::Duration;

use jiff::Timestamp;
use reqwest::Method;
use serde_json::Value;

use super::Endpoint;

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
    Kfp(Kfp),
    Airflow(Airflow),
    Argo(Argo),
    Github(Github),
    Webhook(Webhook),
    Command(Command),
    /// The demo's simulated pipeline: runs in the demo launcher, never leaves the process.
    Demo,
}

impl RetrainTarget {
    /// The endpoint it talks to (for the list of secrets to redact); none for a command.
    pub fn endpoint(&self) -> Option<&Endpoint> {
        self.kind.endpoint()
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
    pub fn rejected(message: impl Into<String>) -> TriggerError {
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

#[derive(Debug, Clone)]
pub struct Kfp {
    pub endpoint: Endpoint,
    pub pipeline_id: String,
    /// None runs the pipeline's latest version.
    pub pipeline_version_id: Option<String>,
    pub experiment_id: Option<String>,
    pub service_account: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Airflow {
    /// `Auth::Bearer` is sent as is; `Auth::Basic` is exchanged at `/auth/token` first.
    pub endpoint: Endpoint,
    pub dag_id: String,
}

#[derive(Debug, Clone)]
pub struct Argo {
    pub endpoint: Endpoint,
    pub namespace: String,
    pub template: String,
    /// Submit from a ClusterWorkflowTemplate rather than a namespaced WorkflowTemplate.
    pub cluster_template: bool,
}

#[derive(Debug, Clone)]
pub struct Github {
    /// `https://api.github.com`, or `https://HOST/api/v3` for Enterprise Server.
    pub endpoint: Endpoint,
    pub owner: String,
    pub repo: String,
    pub workflow: String,
    /// Branch or tag; a template, so a parameter may choose it.
    pub git_ref: String,
    /// Ask for the run id (`return_run_details`).
    pub run_details: bool,
}

#[derive(Debug, Clone)]
pub struct Webhook {
    pub method: Method,
    /// The URL's origin with its auth; `path` and `query` are the rest of the URL, kept
    /// apart because the shared client appends paths to an endpoint.
    pub endpoint: Endpoint,
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Header values are templates.
    pub headers: Vec<(String, String)>,
    /// A JSON template; `None` sends no body.
    pub body: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct Command {
    /// Program and arguments, each a template.
    pub argv: Vec<String>,
    pub timeout: Duration,
}

impl TargetKind {
    /// The endpoint this kind talks to; none for a command or the demo.
    pub fn endpoint(&self) -> Option<&Endpoint> {
        let kind = self;
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
}
