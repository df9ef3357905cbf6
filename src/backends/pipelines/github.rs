//! GitHub Actions `workflow_dispatch`.
//!
//! Dispatch: `POST /repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches` (the
//! workflow's numeric id or file name) with `{"ref": …, "inputs": {…}}`; input values are
//! strings and must be declared in that ref's workflow file. Headers: `Accept:
//! application/vnd.github+json`, `X-GitHub-Api-Version: 2022-11-28`, a bearer token with
//! Actions: write, and a User-Agent (the shared client sends one).
//! By default the answer is 204 without a body and without a run id. Since 2026-02 the body
//! field `return_run_details: true` makes it 200 with `workflow_run_id`, `run_url` and
//! `html_url`; GitHub Enterprise Server 3.20 and older reject that unknown field with a 400,
//! hence `run_details = false`. Both answers are accepted.
//! Follow: `GET /repos/{owner}/{repo}/actions/runs/{id}`, `status` (queued, requested,
//! waiting, pending, in_progress, completed) and, once completed, `conclusion`.
//! Errors: `{"message": …, "documentation_url": …}`; 422 for a workflow without
//! `workflow_dispatch` or bad inputs, 404 for an unknown or hidden repository or workflow.

use crate::domain::Github;
use reqwest::{Client, Method};
use serde_json::{Map, Value, json};

use super::send::{self, HttpCall, field};
use super::{RunState, TriggerError, Triggered, Values, template::segment};
use crate::backends::http::Answer;

pub const DEFAULT_API: &str = "https://api.github.com";

const HEADERS: [(&str, &str); 2] = [("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", "2022-11-28")];

fn repo_path(target: &Github) -> String {
    format!("repos/{}/{}", segment(&target.owner), segment(&target.repo))
}

pub fn build(target: &Github, values: &Values) -> Result<HttpCall, String> {
    let inputs: Map<String, Value> = values.params_text().into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    let mut body = json!({ "ref": values.text(&target.git_ref)?, "inputs": inputs });
    if let (true, Some(object)) = (target.run_details, body.as_object_mut()) {
        object.insert("return_run_details".into(), Value::Bool(true));
    }
    let path = format!("{}/actions/workflows/{}/dispatches", repo_path(target), segment(&target.workflow));
    let mut call = HttpCall::new(Method::POST, path, Some(body));
    call.headers = HEADERS.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Ok(call)
}

pub fn created(target: &Github, answer: &Answer) -> Result<Triggered, TriggerError> {
    let run = send::json_or_null(&answer.body);
    let run_id = field(&run, "/workflow_run_id");
    let url = field(&run, "/html_url").filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    let detail = match &run_id {
        Some(id) => format!("GitHub workflow run {id} dispatched"),
        None => format!("GitHub accepted the dispatch (HTTP {}) without a run id", answer.status),
    };
    let url = url.or_else(|| run_id.is_none().then(|| workflow_page(target)).flatten());
    Ok(Triggered { pollable: run_id.is_some(), run_id, url, detail })
}

/// The workflow's runs page, known only for github.com.
fn workflow_page(target: &Github) -> Option<String> {
    (target.endpoint.url.host_str() == Some("api.github.com")).then(|| {
        format!(
            "https://github.com/{}/actions/workflows/{}",
            repo_path(target).trim_start_matches("repos/"),
            segment(&target.workflow)
        )
    })
}

/// Explains the one rejection that a setting fixes.
pub fn hint(target: &Github, mut error: TriggerError) -> TriggerError {
    if target.run_details && error.message.starts_with("HTTP 400") {
        error
            .message
            .push_str(" (GitHub Enterprise Server 3.20 and older reject return_run_details: set run_details = false)");
    }
    error
}

pub fn state(run: &Value) -> RunState {
    match field(run, "/status").as_deref() {
        None | Some("queued") | Some("requested") | Some("waiting") | Some("pending") => RunState::Queued,
        Some("in_progress") => RunState::Running,
        Some("completed") => match field(run, "/conclusion").as_deref() {
            Some("success") | Some("neutral") => RunState::Succeeded,
            Some(other) => RunState::Failed(other.to_string()),
            None => RunState::Failed(String::new()),
        },
        Some(other) => RunState::Unknown(other.to_string()),
    }
}

pub async fn poll(client: &Client, target: &Github, run_id: &str) -> Result<RunState, String> {
    let mut endpoint = target.endpoint.clone();
    endpoint.headers.extend(HEADERS.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let path = format!("{}/actions/runs/{}", repo_path(target), segment(run_id));
    Ok(state(&send::get_json(client, &endpoint, &path).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_conclusions() {
        assert_eq!(state(&json!({"status": "queued"})), RunState::Queued);
        assert_eq!(state(&json!({"status": "in_progress"})), RunState::Running);
        assert_eq!(state(&json!({"status": "completed", "conclusion": "success"})), RunState::Succeeded);
        let failed = json!({"status": "completed", "conclusion": "failure"});
        assert_eq!(state(&failed), RunState::Failed("failure".into()));
        assert_eq!(state(&json!({"status": "completed"})), RunState::Failed(String::new()));
        assert_eq!(state(&json!("x")), RunState::Queued);
    }
}
