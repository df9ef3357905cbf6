//! Argo Workflows (argo-server, port 2746, TLS by default).
//!
//! Submit: `POST /api/v1/workflows/{namespace}/submit` with `resourceKind`
//! (`WorkflowTemplate` or `ClusterWorkflowTemplate`), `resourceName` and `submitOptions`,
//! whose `parameters` is an array of `"name=value"` strings and whose `labels` is one
//! comma-separated `k=v` string, not an object. The answer is the created Workflow;
//! `status.phase` may still be empty.
//! Follow: `GET /api/v1/workflows/{namespace}/{name}`, `status.phase` one of Pending,
//! Running, Succeeded, Failed, Error, with `status.message` on failure.
//! Auth (`--auth-mode=client`): `Authorization: Bearer <Kubernetes token>`. Errors are
//! grpc-gateway `{"code": n, "message": "…"}`.

use crate::domain::Argo;
use reqwest::{Client, Method};
use serde_json::{Value, json};

use super::send::{self, HttpCall, field};
use super::{RunState, TriggerError, TriggerRequest, Triggered, Values, template::segment};
use crate::backends::http::Answer;

pub fn build(target: &Argo, request: &TriggerRequest, values: &Values) -> Result<HttpCall, String> {
    let parameters: Vec<String> = values.params_text().into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut labels = "triggered-by=modeldeck".to_string();
    // The labels string is split on commas and `=`; a model name that is not a valid label
    // value would make the whole submission fail, so it is left out instead.
    if is_label_value(&request.model) {
        labels.push_str(&format!(",model={}", request.model));
    }
    let body = json!({
        "namespace": target.namespace,
        "resourceKind": if target.cluster_template { "ClusterWorkflowTemplate" } else { "WorkflowTemplate" },
        "resourceName": target.template,
        "submitOptions": {
            "generateName": format!("{}-", target.template),
            "parameters": parameters,
            "labels": labels,
        },
    });
    Ok(HttpCall::new(Method::POST, format!("api/v1/workflows/{}/submit", segment(&target.namespace)), Some(body)))
}

/// Kubernetes label values: at most 63 of `[A-Za-z0-9._-]`, alphanumeric at both ends.
fn is_label_value(text: &str) -> bool {
    let ends = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    text.len() <= 63
        && ends(text.chars().next())
        && ends(text.chars().last())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

pub fn created(target: &Argo, answer: &Answer) -> Result<Triggered, TriggerError> {
    let workflow = send::created_object(answer, "an Argo Workflow")?;
    let name = field(&workflow, "/metadata/name");
    let url = name
        .as_ref()
        .map(|n| target.endpoint.join(&format!("workflows/{}/{}", segment(&target.namespace), segment(n))));
    let detail = match &name {
        Some(name) => format!("Argo workflow {name} submitted"),
        None => format!("Argo accepted the submission (HTTP {}) but named no workflow", answer.status),
    };
    Ok(Triggered { pollable: name.is_some(), run_id: name, url, detail })
}

pub fn state(workflow: &Value) -> RunState {
    let message = || field(workflow, "/status/message").unwrap_or_default();
    match field(workflow, "/status/phase").as_deref() {
        None | Some("Pending") => RunState::Queued,
        Some("Running") => RunState::Running,
        Some("Succeeded") => RunState::Succeeded,
        Some("Failed") | Some("Error") => RunState::Failed(message()),
        Some(other) => RunState::Unknown(other.to_string()),
    }
}

pub async fn poll(client: &Client, target: &Argo, name: &str) -> Result<RunState, String> {
    let path = format!("api/v1/workflows/{}/{}", segment(&target.namespace), segment(name));
    Ok(state(&send::get_json(client, &target.endpoint, &path).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_map() {
        assert_eq!(state(&json!({"metadata": {"name": "w"}})), RunState::Queued);
        assert_eq!(state(&json!({"status": {"phase": "Running"}})), RunState::Running);
        assert_eq!(state(&json!({"status": {"phase": "Succeeded"}})), RunState::Succeeded);
        let error = json!({"status": {"phase": "Error", "message": "pod deleted"}});
        assert_eq!(state(&error), RunState::Failed("pod deleted".into()));
        assert_eq!(state(&json!({"status": "x"})), RunState::Queued);
    }

    #[test]
    fn label_values() {
        assert!(is_label_value("fraud-detector"));
        assert!(!is_label_value("fraud detector"));
        assert!(!is_label_value("a,b=c"));
        assert!(!is_label_value(""));
        assert!(!is_label_value(&"x".repeat(64)));
    }
}
