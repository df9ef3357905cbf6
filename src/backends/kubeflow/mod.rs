//! The Kubeflow Model Registry (REST API v1alpha3, `/api/model_registry/v1alpha3`): its
//! client, the parser of its answers, and the environment registry built on them.
//!
//! A model's versions are the `ModelVersion`s of its `RegisteredModel`; which one is live is
//! what its `InferenceService` record names (`modelVersionId`, else the newest version),
//! and a rollback re-points that record, which the platform's controller reconciles into
//! KServe. Versions are shown and chosen by name; ids stay inside this folder.

pub mod live;
pub mod parse;
mod registry;
mod rollback;

pub use registry::KubeflowRegistry;

use reqwest::{Client, Method};
use serde_json::{Value, json};

use self::parse::{InferenceService, Model, Page, Version};
use crate::backends::budget::Budget;
use crate::backends::call::{CallError, SentLog, http_error_text, is_success, path_segment, shown_url};
use crate::backends::http::{self, Budgeted};
use crate::domain::Endpoint;

pub const API: &str = "api/model_registry/v1alpha3";
/// Entities per list page.
const PAGE_SIZE: &str = "100";
/// At most this many pages of one list are read; a server that keeps handing out new
/// tokens is stopped here.
const MAX_PAGES: usize = 500;

pub struct KubeflowClient {
    client: Client,
    endpoint: Endpoint,
    sent: SentLog,
    /// What the answers of one poll may hold at once; unlimited outside pollers.
    budget: Budget,
}

impl KubeflowClient {
    /// A client for `endpoint` over `client`, the run's shared one (its timeout and TLS).
    pub fn new(endpoint: Endpoint, client: Client) -> Self {
        KubeflowClient { client, endpoint, sent: SentLog::default(), budget: Budget::unlimited() }
    }

    /// The same, each answer counted against `budget` while it is read (a poller's).
    pub fn within(endpoint: Endpoint, client: Client, budget: Budget) -> Self {
        KubeflowClient { budget, ..KubeflowClient::new(endpoint, client) }
    }

    /// Every registered model.
    pub async fn registered_models(&self) -> Result<Vec<Model>, CallError> {
        self.list("registered_models", parse::parse_models).await
    }

    /// Every version of every registered model.
    pub async fn all_versions(&self) -> Result<Vec<Version>, CallError> {
        self.list("model_versions", parse::parse_versions).await
    }

    /// The registered model named `name`.
    pub async fn registered_model(&self, name: &str) -> Result<Model, CallError> {
        let answer = self.call(Method::GET, "registered_model", &[("name", name)], None).await?;
        parse::parse_model(&answer.body).map_err(unexpected)
    }

    /// Every version of the registered model `model_id`, in the registry's order.
    pub async fn versions(&self, model_id: &str) -> Result<Vec<Version>, CallError> {
        let path = format!("registered_models/{}/versions", path_segment(model_id));
        self.list(&path, parse::parse_versions).await
    }

    /// The id of the serving environment named `name`.
    pub async fn serving_environment(&self, name: &str) -> Result<String, CallError> {
        let answer = self.call(Method::GET, "serving_environment", &[("name", name)], None).await?;
        parse::parse_id(&answer.body).map_err(unexpected)
    }

    /// The id of the named ServingEnvironment (its absence is not applied, and says which),
    /// or `None` when no name is configured: every environment's records count.
    pub async fn serving_environment_id(&self, name: Option<&str>) -> Result<Option<String>, CallError> {
        let Some(name) = name else { return Ok(None) };
        self.serving_environment(name)
            .await
            .map(Some)
            .map_err(|e| CallError::NotApplied(format!("serving environment `{name}`: {}", e.message())))
    }

    /// The InferenceService records of one serving environment, or of all.
    pub async fn inference_services(&self, environment_id: Option<&str>) -> Result<Vec<InferenceService>, CallError> {
        let path = match environment_id {
            Some(id) => format!("serving_environments/{}/inference_services", path_segment(id)),
            None => "inference_services".to_string(),
        };
        self.list(&path, parse::parse_inference_services).await
    }

    pub async fn inference_service(&self, id: &str) -> Result<InferenceService, CallError> {
        let path = format!("inference_services/{}", path_segment(id));
        let answer = self.call(Method::GET, &path, &[], None).await?;
        parse::parse_inference_service(&answer.body).map_err(unexpected)
    }

    /// Points the InferenceService record `id` at the ModelVersion `version_id`.
    pub async fn set_model_version(&self, id: &str, version_id: &str) -> Result<(), CallError> {
        let path = format!("inference_services/{}", path_segment(id));
        let body = json!({ "modelVersionId": version_id });
        let answer = self.call(Method::PATCH, &path, &[], Some(&body)).await?;
        // The registry answers with the record; anything else (a proxy's page with status
        // 200) did not come from it, so whether the change was made is unknown.
        match parse::parse_inference_service(&answer.body) {
            Ok(_) => Ok(()),
            Err(_) => Err(CallError::Unknown(format!(
                "the answer was not the registry's ({}); check whether the change was made",
                http_error_text(answer.status, &answer.body)
            ))),
        }
    }

    /// The writes sent so far (method, URL, body), for the journal; the log is emptied.
    pub fn take_sent(&self) -> Vec<Value> {
        self.sent.take()
    }

    async fn list<T>(&self, path: &str, parse: fn(&[u8]) -> Result<Page<T>, String>) -> Result<Vec<T>, CallError> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![("pageSize", PAGE_SIZE)];
            query.extend(token.as_deref().map(|t| ("nextPageToken", t)));
            let answer = self.call(Method::GET, path, &query, None).await?;
            let page = parse(&answer.body).map_err(unexpected)?;
            items.extend(page.items);
            match page.next_page_token {
                Some(next) if Some(&next) != token.as_ref() => token = Some(next),
                _ => return Ok(items),
            }
        }
        Err(CallError::NotApplied(format!("{path}: still paging after {MAX_PAGES} pages of {PAGE_SIZE}")))
    }

    /// One request; a 2xx answer is returned, anything else is an error. A write answered
    /// with a 5xx may still have been applied (a gateway that gave up waiting answers 502,
    /// 503 or 504 while the registry goes on), so it is unknown, never "not applied".
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Budgeted, CallError> {
        let path = format!("{API}/{path}");
        let result =
            http::request_within(&self.client, &self.endpoint, method.clone(), &path, query, body, &self.budget).await;
        self.sent.record(&self.endpoint, &method, &path, body, &result);
        let answer = result?;
        if is_success(&answer) {
            return Ok(answer);
        }
        let message = match parse::parse_error(&answer.body) {
            Some(m) => format!("HTTP {}: {m}", answer.status),
            None => http_error_text(answer.status, &answer.body),
        };
        let message = self.endpoint.redact(&message);
        if method != Method::GET && answer.status >= 500 {
            return Err(CallError::Unknown(format!("{message}; the change may have been made")));
        }
        Err(CallError::NotApplied(message))
    }
}

/// The confirmation's line for the write [`KubeflowClient::set_model_version`] sends, e.g.
/// `PATCH http://host:8080/api/model_registry/v1alpha3/inference_services/7 {"modelVersionId":"12"}`.
/// Headers (where credentials live) are not shown.
pub fn describe_patch(registry: &str, service_id: &str, version_id: &str) -> String {
    let url = format!("{}/{API}/inference_services/{}", registry.trim_end_matches('/'), path_segment(service_id));
    let body = json!({ "modelVersionId": version_id });
    crate::domain::sanitize::clean(&format!("PATCH {url} {body}"))
}

/// The URL of `endpoint` without credentials, as specs and journals show it.
pub fn shown_base(endpoint: &Endpoint) -> String {
    shown_url(endpoint, "").trim_end_matches('/').to_string()
}

/// A read answered 2xx with something we cannot read: nothing was changed.
fn unexpected(message: String) -> CallError {
    CallError::NotApplied(format!("unexpected answer from the Kubeflow registry: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_described_patch_is_exact() {
        assert_eq!(
            describe_patch("http://registry:8080/", "7", "12"),
            r#"PATCH http://registry:8080/api/model_registry/v1alpha3/inference_services/7 {"modelVersionId":"12"}"#
        );
        assert!(describe_patch("http://r", "7/../x", "1").contains("inference_services/7%2F..%2Fx"));
    }
}
