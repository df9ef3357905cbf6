//! Kubeflow Pipelines v2 (`/apis/v2beta1`, API server port 8888, or `/pipeline` behind the
//! central dashboard).
//!
//! Create: `POST /apis/v2beta1/runs` whose body is the Run itself, in the proto's snake_case
//! names: `display_name` (required), `pipeline_version_reference { pipeline_id,
//! pipeline_version_id }` (no version id = the latest), `runtime_config.parameters` (plain
//! JSON values, type-checked against the pipeline's inputs), optional `experiment_id` and
//! `service_account`. The answer is the created Run with `run_id` and `state`.
//! Follow: `GET /apis/v2beta1/runs/{run_id}`, `state` one of RUNTIME_STATE_UNSPECIFIED,
//! PENDING, RUNNING, SUCCEEDED, SKIPPED, FAILED, CANCELING, CANCELED, PAUSED; `error` is a
//! google.rpc.Status. Errors are grpc-gateway `{"code": n, "message": "…"}`.

use crate::domain::Kfp;
use reqwest::{Client, Method};
use serde_json::{Map, Value, json};

use super::send::{self, HttpCall, field};
use super::{RunState, TriggerError, TriggerRequest, Triggered, Values, provenance, template::segment};
use crate::backends::http::Answer;

pub fn build(target: &Kfp, request: &TriggerRequest, values: &Values) -> Result<HttpCall, String> {
    let mut reference = Map::new();
    reference.insert("pipeline_id".into(), json!(target.pipeline_id));
    if let Some(version) = &target.pipeline_version_id {
        reference.insert("pipeline_version_id".into(), json!(version));
    }
    let mut body = json!({
        "display_name": display_name(request),
        "description": provenance(request),
        "pipeline_version_reference": reference,
        "runtime_config": { "parameters": values.params_object() },
    });
    if let Some(object) = body.as_object_mut() {
        if let Some(experiment) = &target.experiment_id {
            object.insert("experiment_id".into(), json!(experiment));
        }
        if let Some(account) = &target.service_account {
            object.insert("service_account".into(), json!(account));
        }
    }
    Ok(HttpCall::new(Method::POST, "apis/v2beta1/runs".into(), Some(body)))
}

fn display_name(request: &TriggerRequest) -> String {
    match request.reason.trim() {
        "" => format!("retrain {}", request.model),
        reason => format!("retrain {} ({reason})", request.model),
    }
}

pub fn created(answer: &Answer) -> Result<Triggered, TriggerError> {
    let run = send::created_object(answer, "a KFP Run")?;
    let run_id = field(&run, "/run_id");
    let detail = match (&run_id, field(&run, "/state")) {
        (Some(id), Some(state)) => format!("KFP run {id} created ({state})"),
        (Some(id), None) => format!("KFP run {id} created"),
        (None, _) => format!("KFP accepted the run (HTTP {}) but named no run_id", answer.status),
    };
    Ok(Triggered { pollable: run_id.is_some(), run_id, url: None, detail })
}

pub fn state(run: &Value) -> RunState {
    let error = || field(run, "/error/message").unwrap_or_default();
    match field(run, "/state").as_deref() {
        None | Some("RUNTIME_STATE_UNSPECIFIED") | Some("PENDING") => RunState::Queued,
        Some("RUNNING") | Some("CANCELING") => RunState::Running,
        Some("SUCCEEDED") => RunState::Succeeded,
        Some("FAILED") => RunState::Failed(error()),
        Some("CANCELED") => RunState::Failed("canceled".into()),
        // A skipped run trained nothing; calling it a success would mislead.
        Some("SKIPPED") => RunState::Failed("skipped".into()),
        Some(other) => RunState::Unknown(other.to_string()),
    }
}

pub async fn poll(client: &Client, target: &Kfp, run_id: &str) -> Result<RunState, String> {
    let path = format!("apis/v2beta1/runs/{}", segment(run_id));
    Ok(state(&send::get_json(client, &target.endpoint, &path).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_map_and_odd_documents_do_not_panic() {
        assert_eq!(state(&json!({"state": "PENDING"})), RunState::Queued);
        assert_eq!(state(&json!({"state": "RUNNING"})), RunState::Running);
        assert_eq!(state(&json!({"state": "SUCCEEDED"})), RunState::Succeeded);
        let failed = json!({"state": "FAILED", "error": {"code": 2, "message": "step train: OOMKilled"}});
        assert_eq!(state(&failed), RunState::Failed("step train: OOMKilled".into()));
        assert_eq!(state(&json!({"state": "PAUSED"})), RunState::Unknown("PAUSED".into()));
        assert_eq!(state(&json!(null)), RunState::Queued);
        assert_eq!(state(&json!({"state": 7})), RunState::Unknown("7".into()));
        assert_eq!(state(&json!({"state": "\u{1b}[2J"})), RunState::Unknown("\x1b[2J".into()));
    }

    #[test]
    fn created_without_an_id_is_still_triggered() {
        let t = created(&Answer { status: 200, body: b"{}".to_vec() }).unwrap();
        assert!(!t.pollable && t.run_id.is_none());
        assert!(created(&Answer { status: 200, body: b"<html>".to_vec() }).unwrap_err().unknown);
        let t = created(&Answer { status: 200, body: br#"{"run_id":"r-1","state":"PENDING"}"#.to_vec() }).unwrap();
        assert_eq!((t.run_id.as_deref(), t.pollable), (Some("r-1"), true));
    }
}
