//! Airflow 3 (`/api/v2`; Airflow 2's `/api/v1` is gone).
//!
//! Trigger: `POST /api/v2/dags/{dag_id}/dagRuns` with `TriggerDAGRunPostBody`, a strict
//! model that rejects unknown fields (Airflow 2's `execution_date` is a 422). `logical_date`
//! is required but nullable and must carry a time zone; `dag_run_id`, `conf` and `note` are
//! optional. The answer is a `DAGRunResponse` with `dag_run_id` and `state` (queued, running,
//! success, failed); its field set grows across 3.x, so it is read leniently.
//! Follow: `GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}`.
//! Auth: `Authorization: Bearer <JWT>`. With a username and password the JWT comes from
//! `POST /auth/token` `{"username", "password"}` → `{"access_token"}` (any 2xx), fetched per
//! call because tokens expire. Errors are FastAPI `{"detail": …}`: 404 unknown DAG, 409
//! duplicate `dag_run_id`, 403 missing permission, 422 validation.

use crate::domain::Airflow;
use reqwest::{Client, Method};
use serde_json::{Value, json};

use super::send::{self, HttpCall, field};
use super::{RunState, TriggerError, TriggerRequest, Triggered, Values, provenance, template::segment};
use crate::domain::sanitize;
use crate::domain::{Auth, Endpoint, Secret};

pub fn build(target: &Airflow, request: &TriggerRequest, values: &Values) -> Result<HttpCall, String> {
    let body = json!({
        "dag_run_id": run_id(request),
        "logical_date": request.at.to_string(),
        "conf": values.params_object(),
        "note": provenance(request),
    });
    Ok(HttpCall::new(Method::POST, format!("api/v2/dags/{}/dagRuns", segment(&target.dag_id)), Some(body)))
}

/// Fixed by the request, so that sending the same confirmed request again after an unknown
/// outcome gets a 409 instead of starting a second run. Characters outside Airflow's default
/// `allowed_run_id_pattern` (`^[A-Za-z0-9_.~:+-]+$`) become `_`.
pub fn run_id(request: &TriggerRequest) -> String {
    let model: String = request
        .model
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "_.~:+-".contains(c) { c } else { '_' })
        .collect();
    format!("modeldeck__{model}__{}", request.at)
}

/// The call as the operator will confirm it, with the login step when there is one.
pub fn describe(target: &Airflow, call: &HttpCall) -> String {
    match &target.endpoint.auth {
        Auth::Basic { username, .. } => {
            let shown = Endpoint { auth: Auth::Bearer(Secret::new("")), ..target.endpoint.clone() };
            format!(
                "POST {} (as {username}; its access_token is the bearer token below)\n{}",
                target.endpoint.join("auth/token"),
                call.describe(&shown)
            )
        }
        _ => call.describe(&target.endpoint),
    }
}

pub async fn trigger(client: &Client, target: &Airflow, call: &HttpCall) -> Result<Triggered, TriggerError> {
    let endpoint = authorised(client, &target.endpoint).await.map_err(TriggerError::rejected)?;
    let answer = call.send(client, &endpoint).await.map_err(|mut e| {
        if e.message.starts_with("HTTP 409") {
            e.message.push_str(" (this exact request was sent before: check the DAG's runs before retrying)");
        }
        e
    })?;
    let run = send::created_object(&answer, "an Airflow DAG run")?;
    let run_id = field(&run, "/dag_run_id");
    let url = run_id
        .as_ref()
        .map(|id| target.endpoint.join(&format!("dags/{}/runs/{}", segment(&target.dag_id), segment(id))));
    let detail = match (&run_id, field(&run, "/state")) {
        (Some(id), Some(state)) => format!("Airflow DAG run {id} created ({state})"),
        (Some(id), None) => format!("Airflow DAG run {id} created"),
        (None, _) => format!("Airflow accepted the run (HTTP {}) but named no dag_run_id", answer.status),
    };
    Ok(Triggered { pollable: run_id.is_some(), run_id, url, detail })
}

pub fn state(run: &Value) -> RunState {
    match field(run, "/state").as_deref() {
        None | Some("queued") => RunState::Queued,
        Some("running") => RunState::Running,
        Some("success") => RunState::Succeeded,
        Some("failed") => RunState::Failed(String::new()),
        Some(other) => RunState::Unknown(other.to_string()),
    }
}

pub async fn poll(client: &Client, target: &Airflow, run_id: &str) -> Result<RunState, String> {
    let endpoint = authorised(client, &target.endpoint).await?;
    let path = format!("api/v2/dags/{}/dagRuns/{}", segment(&target.dag_id), segment(run_id));
    Ok(state(&send::get_json(client, &endpoint, &path).await?))
}

/// The endpoint with a bearer token: as configured, or fresh from `/auth/token`.
pub(super) async fn authorised(client: &Client, endpoint: &Endpoint) -> Result<Endpoint, String> {
    let Auth::Basic { username, password } = &endpoint.auth else {
        return Ok(endpoint.clone());
    };
    let login = Endpoint { auth: Auth::None, ..endpoint.clone() };
    let body = json!({ "username": username, "password": password.expose() });
    let call = HttpCall::new(Method::POST, "auth/token".into(), Some(body));
    let answer =
        call.send(client, &login).await.map_err(|e| password.redact(&format!("Airflow login: {}", e.message)))?;
    let token = access_token(&answer.body).ok_or("Airflow login: the answer carried no access_token")?;
    Ok(Endpoint { auth: Auth::Bearer(Secret::new(token)), ..endpoint.clone() })
}

fn access_token(body: &[u8]) -> Option<String> {
    let value = send::json_or_null(body);
    let token = value.get("access_token")?.as_str()?.trim();
    // A header value cannot hold control characters; such a token is no token.
    (!token.is_empty() && sanitize::sanitize(token) == token).then(|| token.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_tokens() {
        assert_eq!(state(&json!({"state": "queued"})), RunState::Queued);
        assert_eq!(state(&json!({"state": "running"})), RunState::Running);
        assert_eq!(state(&json!({"state": "success"})), RunState::Succeeded);
        assert_eq!(state(&json!({"state": "failed"})), RunState::Failed(String::new()));
        assert_eq!(state(&json!({"state": "up_for_retry"})), RunState::Unknown("up_for_retry".into()));
        assert_eq!(state(&json!([1])), RunState::Queued);
        assert_eq!(access_token(br#"{"access_token":"eyJ.a.b"}"#).as_deref(), Some("eyJ.a.b"));
        assert_eq!(access_token(br#"{"access_token":"a\nb"}"#), None);
        assert_eq!(access_token(b"\xff"), None);
    }
}
