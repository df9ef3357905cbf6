//! A client for a serving server's Open Inference Protocol REST API and its model-repository
//! extension (MLServer, Triton in explicit model-control mode).
//!
//! Load and unload act on a model name, never on one version. MLServer's load (re)loads
//! every version it finds in its model repository, and its unload removes every version of
//! the name. So a rollback loads and then checks the target version; it must never unload
//! after loading the target, which would take the target down with the rest.
//!
//! Readiness is the status code alone: MLServer and Triton answer `ready` with an empty
//! body (200, or 400/404 when not ready or unknown).

use reqwest::{Client, Method};
use serde_json::{Value, json};

use super::oip_parse;
pub use super::oip_parse::{InferAnswer, RepositoryModel};
use crate::backends::call::{CallError, SentLog, http_error_text, is_success, path_segment, shown_url};
use crate::backends::http::{self, Answer};
use crate::domain::Endpoint;

pub struct OipClient {
    client: Client,
    endpoint: Endpoint,
    sent: SentLog,
}

impl OipClient {
    /// A client for `endpoint` over `client`, the run's shared one (its timeout and TLS).
    pub fn new(endpoint: Endpoint, client: Client) -> Self {
        OipClient { client, endpoint, sent: SentLog::default() }
    }

    /// Every model version the server knows, loaded or not.
    pub async fn index(&self) -> Result<Vec<RepositoryModel>, CallError> {
        // MLServer answers 422 to an index request without a JSON body.
        let answer = self.call(Method::POST, "v2/repository/index", Some(&json!({}))).await?;
        oip_parse::parse_index(&answer.body).map_err(unexpected)
    }

    /// Loads (or reloads) every version of `model` found in the repository.
    pub async fn load(&self, model: &str) -> Result<(), CallError> {
        self.call(Method::POST, &repository_path(model, "load"), Some(&json!({}))).await.map(drop)
    }

    /// Unloads every version of `model`.
    pub async fn unload(&self, model: &str) -> Result<(), CallError> {
        self.call(Method::POST, &repository_path(model, "unload"), Some(&json!({}))).await.map(drop)
    }

    /// Whether `version` of `model` is loaded and ready: 200 is ready, 400 and 404 are not.
    pub async fn version_ready(&self, model: &str, version: &str) -> Result<bool, CallError> {
        let path = format!("{}/ready", model_path(model, Some(version)));
        let answer = http::request_checked(&self.client, &self.endpoint, Method::GET, &path, &[], None).await?;
        match answer.status {
            200..=299 => Ok(true),
            400 | 404 => Ok(false),
            _ => Err(CallError::NotApplied(error_message(&answer))),
        }
    }

    /// One inference call, to `version` or (without one) to the server's default version.
    pub async fn infer(&self, model: &str, version: Option<&str>, request: &Value) -> Result<InferAnswer, CallError> {
        let path = format!("{}/infer", model_path(model, version));
        let answer = self.call(Method::POST, &path, Some(request)).await?;
        oip_parse::parse_infer(&answer.body).map_err(unexpected)
    }

    /// The request [`OipClient::load`] sends, for a confirmation screen:
    /// `POST http://host:8080/v2/repository/models/iris/load {}`.
    pub fn describe_load(&self, model: &str) -> String {
        let url = shown_url(&self.endpoint, &repository_path(model, "load"));
        crate::domain::sanitize::clean(&format!("POST {url} {{}}"))
    }

    /// The writes sent so far (method, URL, body), for the journal; the log is emptied.
    pub fn take_sent(&self) -> Vec<Value> {
        self.sent.take()
    }

    async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Answer, CallError> {
        let result = http::request_checked(&self.client, &self.endpoint, method.clone(), path, &[], body).await;
        self.sent.record(&self.endpoint, &method, path, body, &result);
        let answer = result?;
        if is_success(&answer) { Ok(answer) } else { Err(CallError::NotApplied(error_message(&answer))) }
    }
}

/// `HTTP 404: Model nope not found` from either error dialect, or the body's first line.
fn error_message(answer: &Answer) -> String {
    match oip_parse::parse_error(&answer.body) {
        Some(message) => format!("HTTP {}: {message}", answer.status),
        None => http_error_text(answer.status, &answer.body),
    }
}

fn unexpected(message: String) -> CallError {
    CallError::NotApplied(format!("unexpected answer from the server: {message}"))
}

fn repository_path(model: &str, action: &str) -> String {
    format!("v2/repository/models/{}/{action}", path_segment(model))
}

fn model_path(model: &str, version: Option<&str>) -> String {
    match version {
        Some(v) => format!("v2/models/{}/versions/{}", path_segment(model), path_segment(v)),
        None => format!("v2/models/{}", path_segment(model)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_the_described_load() {
        assert_eq!(model_path("iris", Some("v1")), "v2/models/iris/versions/v1");
        assert_eq!(model_path("a/b", None), "v2/models/a%2Fb");
        let client = OipClient::new(
            Endpoint::plain("http://127.0.0.1:8080").unwrap(),
            crate::backends::http::client(std::time::Duration::from_secs(1)).unwrap(),
        );
        assert_eq!(client.describe_load("iris"), "POST http://127.0.0.1:8080/v2/repository/models/iris/load {}");
    }

    #[test]
    fn error_messages_keep_the_status() {
        let answer = |status, body: &str| Answer { status, body: body.as_bytes().to_vec() };
        assert_eq!(
            error_message(&answer(404, r#"{"error":"Model nope not found"}"#)),
            "HTTP 404: Model nope not found"
        );
        assert_eq!(error_message(&answer(502, "bad gateway\n")), "HTTP 502: bad gateway");
    }
}
