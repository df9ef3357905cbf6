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
pub mod airflow_schedule;
pub mod argo;
pub mod argo_schedule;
pub mod command;
pub mod github;
pub mod github_schedule;
pub mod kfp;
pub mod kfp_schedule;
mod record;
mod send;
mod template;
pub mod webhook;

#[cfg(test)]
mod sent_tests;
#[cfg(test)]
mod tests;

use jiff::Timestamp;
use reqwest::Client;

use crate::domain::ports::{BoxFuture, Pipelines};
use crate::domain::schedule::ScheduleRead;

pub use crate::domain::{
    Airflow, Argo, Command, Github, Kfp, Param, ParamKind, RetrainTarget, RunState, TargetKind, TriggerError,
    TriggerRequest, Triggered, Webhook,
};
pub use record::journal_fields;
pub use send::{HttpCall, server_message};
pub use template::{BUILT_IN, Values};

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
        (kind, Prepared::Http(call)) => kind.endpoint().map(|e| call.describe(e)).unwrap_or_default(),
        (_, Prepared::Command(invocation)) => invocation.describe(),
        (_, Prepared::Demo(text)) => text.clone(),
    }
}

/// The configured pipelines, reached over HTTP or run as local commands.
#[derive(Clone)]
pub struct PipelineClient {
    client: Client,
}

impl PipelineClient {
    pub fn new(client: Client) -> PipelineClient {
        PipelineClient { client }
    }
}

impl Pipelines for PipelineClient {
    fn trigger<'a>(&'a self, request: &'a TriggerRequest) -> BoxFuture<'a, Result<Triggered, TriggerError>> {
        Box::pin(trigger(&self.client, request))
    }

    fn poll<'a>(&'a self, target: &'a RetrainTarget, run_id: &'a str) -> BoxFuture<'a, Result<RunState, String>> {
        Box::pin(poll(&self.client, target, run_id))
    }

    fn schedule<'a>(
        &'a self,
        target: &'a RetrainTarget,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<ScheduleRead, String>> {
        Box::pin(schedule(&self.client, target, now))
    }
}

/// The pipeline's schedule where the console reads one: Airflow's DAG and newest runs,
/// Argo's CronWorkflow for the template, KFP's recurring run and newest runs, the GitHub
/// workflow file's crons and newest runs. Airflow keeps its next run; for the others it is
/// computed from the cron, strictly after `now`.
pub async fn schedule(client: &Client, target: &RetrainTarget, now: Timestamp) -> Result<ScheduleRead, String> {
    match &target.kind {
        TargetKind::Airflow(t) => airflow_schedule::read(client, t).await.map(ScheduleRead::Read),
        TargetKind::Argo(t) => argo_schedule::read(client, t, now).await.map(ScheduleRead::Read),
        TargetKind::Kfp(t) => kfp_schedule::read(client, t, now).await.map(ScheduleRead::Read),
        TargetKind::Github(t) => github_schedule::read(client, t, now).await.map(ScheduleRead::Read),
        TargetKind::Webhook(_) | TargetKind::Command(_) | TargetKind::Demo => Ok(ScheduleRead::NotKnown),
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
