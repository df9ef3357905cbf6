//! The MLflow model-registry REST client (`/api/2.0/mlflow`, MLflow 3.x).
//!
//! Transport rules the server enforces: GET takes query parameters; POST and DELETE take a
//! JSON body with `Content-Type: application/json` (query parameters on DELETE are ignored).
//! The 3.x security middleware answers 403 in plain text to a foreign `Host` or `Origin`
//! header, so no `Origin` is ever sent; a remote server needs `--allowed-hosts`.

pub mod aliases;
pub mod lineage;
pub mod parse;

use reqwest::{Client, Method};
use serde_json::{Value, json};

use self::parse::VersionPage;
use crate::backends::call::{CallError, RegisteredModel, SentLog, http_error_text, is_success, shown_url};
use crate::backends::http::{self, Answer};
use crate::domain::Endpoint;

const API: &str = "api/2.0/mlflow";
/// Versions per search page; MLflow allows up to 200,000 but a page is held in memory.
const PAGE_SIZE: &str = "500";
/// At most this many pages (5,000 versions) are read, newest first; older ones are left out
/// rather than letting one screen load run unbounded.
const MAX_PAGES: usize = 10;

pub struct MlflowClient {
    client: Client,
    endpoint: Endpoint,
    sent: SentLog,
}

impl MlflowClient {
    /// A client for `endpoint` over `client`, the run's shared one (its timeout and TLS).
    pub fn new(endpoint: Endpoint, client: Client) -> Self {
        MlflowClient { client, endpoint, sent: SentLog::default() }
    }

    /// The model with its description, tags and aliases, and all its versions newest first
    /// (up to [`MAX_PAGES`] pages), each carrying the aliases that point at it.
    pub async fn model(&self, name: &str) -> Result<RegisteredModel, CallError> {
        let answer = self.call(Method::GET, "registered-models/get", &[("name", name)], None).await?;
        let mut model = parse::parse_registered_model(&ok_body(&answer)?).map_err(unexpected)?;

        let filter = name_filter(name);
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query =
                vec![("filter", filter.as_str()), ("order_by", "version_number DESC"), ("max_results", PAGE_SIZE)];
            if let Some(t) = &token {
                query.push(("page_token", t.as_str()));
            }
            let answer = self.call(Method::GET, "model-versions/search", &query, None).await?;
            let VersionPage { versions, next_page_token } =
                parse::parse_version_page(&ok_body(&answer)?, name).map_err(unexpected)?;
            model.versions.extend(versions);
            match next_page_token {
                Some(next) if Some(&next) != token.as_ref() => token = Some(next),
                _ => break,
            }
        }
        parse::sort_newest_first(&mut model.versions);
        model.versions.dedup_by(|a, b| a.version == b.version);
        // Search answers carry no aliases; the registered model has them all.
        for version in &mut model.versions {
            version.aliases =
                model.aliases.iter().filter(|(_, v)| *v == version.version).map(|(a, _)| a.clone()).collect();
        }
        Ok(model)
    }

    /// The version `alias` points at; `None` when the alias is not set.
    pub async fn alias(&self, name: &str, alias: &str) -> Result<Option<String>, CallError> {
        let answer =
            self.call(Method::GET, "registered-models/alias", &[("name", name), ("alias", alias)], None).await?;
        if parse::is_alias_not_found(answer.status, &answer.body) {
            return Ok(None);
        }
        let version = parse::parse_model_version(&ok_body(&answer)?).map_err(unexpected)?;
        Ok(Some(version.version))
    }

    /// The dataset inputs the run `run_id` logged (its training data, and what else it read).
    pub async fn run_datasets(&self, run_id: &str) -> Result<Vec<crate::domain::DatasetInput>, CallError> {
        let answer = self.call(Method::GET, "runs/get", &[("run_id", run_id)], None).await?;
        lineage::parse_run_datasets(&ok_body(&answer)?).map_err(unexpected)
    }

    /// Points `alias` at `version`; MLflow moves an alias atomically and keeps no history.
    pub async fn set_alias(&self, name: &str, alias: &str, version: &str) -> Result<(), CallError> {
        let body = json!({"name": name, "alias": alias, "version": version});
        let answer = self.call(Method::POST, "registered-models/alias", &[], Some(&body)).await?;
        write_outcome(&answer)
    }

    pub async fn set_version_tag(&self, name: &str, version: &str, key: &str, value: &str) -> Result<(), CallError> {
        let body = json!({"name": name, "version": version, "key": key, "value": value});
        let answer = self.call(Method::POST, "model-versions/set-tag", &[], Some(&body)).await?;
        write_outcome(&answer)
    }

    /// The writes sent so far (method, URL, body), for the journal; the log is emptied.
    pub fn take_sent(&self) -> Vec<Value> {
        self.sent.take()
    }

    /// The request [`MlflowClient::set_alias`] sends, for a confirmation screen, e.g.
    /// `POST http://host:5000/api/2.0/mlflow/registered-models/alias {"name":"fraud","alias":"champion","version":"2"}`.
    /// Headers (where credentials live) are not shown.
    pub fn describe_set_alias(&self, name: &str, alias: &str, version: &str) -> String {
        let url = shown_url(&self.endpoint, &format!("{API}/registered-models/alias"));
        let body = ordered_json(&[("name", name), ("alias", alias), ("version", version)]);
        crate::domain::sanitize::clean(&format!("POST {url} {body}"))
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Answer, CallError> {
        let path = format!("{API}/{path}");
        let result = http::request_checked(&self.client, &self.endpoint, method.clone(), &path, query, body).await;
        self.sent.record(&self.endpoint, &method, &path, body, &result);
        let answer = result?;
        if is_success(&answer) || parse::is_alias_not_found(answer.status, &answer.body) {
            return Ok(answer);
        }
        let message = parse::parse_error(&answer.body).unwrap_or_else(|| http_error_text(answer.status, &answer.body));
        Err(CallError::NotApplied(message))
    }
}

/// The search filter for one model name. MLflow's filter strings have no escape: it strips
/// the outer quotes and compares the rest literally (`'o''brien'` and `'o\'brien'` match
/// nothing). So a name with a single quote goes in double quotes, and a name with both
/// kinds becomes a LIKE pattern with `_` for each quote; the parser drops what else it matches.
fn name_filter(name: &str) -> String {
    if !name.contains('\'') {
        format!("name='{name}'")
    } else if !name.contains('"') {
        format!("name=\"{name}\"")
    } else {
        format!("name LIKE '{}'", name.replace(['\'', '"'], "_"))
    }
}

/// The body of a 2xx answer; anything else reached here only for the alias lookup.
fn ok_body(answer: &Answer) -> Result<Vec<u8>, CallError> {
    if is_success(answer) {
        Ok(answer.body.clone())
    } else {
        Err(CallError::NotApplied(http_error_text(answer.status, &answer.body)))
    }
}

/// A 2xx answer to a write is MLflow's `{}`. Anything that is not a JSON object (a proxy's
/// login page with status 200) did not come from MLflow, so whether the write happened is
/// unknown.
fn write_outcome(answer: &Answer) -> Result<(), CallError> {
    match serde_json::from_slice::<Value>(&answer.body) {
        Ok(Value::Object(_)) => Ok(()),
        _ => Err(CallError::Unknown(format!(
            "the answer was not MLflow's ({}); check whether the change was made",
            http_error_text(answer.status, &answer.body)
        ))),
    }
}

/// A read answered 2xx with something we cannot read: nothing was changed.
fn unexpected(message: String) -> CallError {
    CallError::NotApplied(format!("unexpected answer from MLflow: {message}"))
}

/// A JSON object with keys in the given order (serde_json's map would sort them).
fn ordered_json(pairs: &[(&str, &str)]) -> String {
    let fields: Vec<String> = pairs.iter().map(|(k, v)| format!("{}:{}", Value::from(*k), Value::from(*v))).collect();
    format!("{{{}}}", fields.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_quote_names_without_an_escape() {
        assert_eq!(name_filter("fraud-detector"), "name='fraud-detector'");
        assert_eq!(name_filter("o'brien"), "name=\"o'brien\"");
        assert_eq!(name_filter("a\"b'c"), "name LIKE 'a_b_c'");
    }

    #[test]
    fn the_described_request_is_exact_and_has_no_credentials() {
        let mut endpoint = Endpoint::plain("http://mlflow.internal:5000/").unwrap();
        endpoint.auth = crate::domain::Auth::Bearer(crate::domain::Secret::new("s3cret"));
        let client =
            MlflowClient::new(endpoint, crate::backends::http::client(std::time::Duration::from_secs(1)).unwrap());
        assert_eq!(
            client.describe_set_alias("fraud", "champion", "2"),
            r#"POST http://mlflow.internal:5000/api/2.0/mlflow/registered-models/alias {"name":"fraud","alias":"champion","version":"2"}"#
        );
        let odd = client.describe_set_alias("a\"b\u{1b}", "c", "1");
        assert!(odd.contains(r#""name":"a\"b\u001b""#), "{odd}");
    }

    #[test]
    fn writes_need_mlflow_json() {
        let answer = |status, body: &str| Answer { status, body: body.as_bytes().to_vec() };
        assert_eq!(write_outcome(&answer(200, "{}")), Ok(()));
        let page = write_outcome(&answer(200, "<html><title>Sign in</title></html>")).unwrap_err();
        assert!(matches!(&page, CallError::Unknown(m) if m.contains("HTTP 200: Sign in")), "{page:?}");
    }
}
