//! The config-file shape of a retraining target, e.g. inside a `[[model]]` block:
//! `retrain = { kind = "airflow", url = "https://airflow.example", dag = "retrain_fraud",
//! token_env = "AIRFLOW_TOKEN", params = { model_name = "{model}", lookback_days = 30 } }`.
//! Unknown keys are rejected by serde; keys of another kind and missing keys are rejected
//! here, each error naming its key. Templates (parameter values, `argv`, webhook `body`
//! strings and header values, GitHub `ref`) use `{name}`; `{{` and `}}` are literal braces.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use jiff::Timestamp;
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use crate::backends::pipelines::prepare;
use crate::domain::duration::deserialize_opt;
use crate::domain::{
    Airflow, Argo, Command, Github, Kfp, Param, ParamKind, RetrainTarget, TargetKind, TriggerRequest, Webhook,
};
use crate::domain::{Auth, Endpoint, Secret};

pub const KINDS: [&str; 6] = ["kfp", "airflow", "argo", "github", "webhook", "command"];

/// A trigger command only starts a pipeline; one that takes longer is probably stuck.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRetrain {
    /// Checked during resolution, so that an unknown kind is reported at the `kind` key.
    pub kind: String,
    pub name: Option<String>,
    pub label: Option<String>,
    pub url: Option<String>,
    pub token_env: Option<String>,
    pub token_file: Option<PathBuf>,
    pub username: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    pub pipeline_id: Option<String>,
    pub pipeline_version_id: Option<String>,
    pub experiment_id: Option<String>,
    pub service_account: Option<String>,
    #[serde(alias = "dag_id")]
    pub dag: Option<String>,
    pub namespace: Option<String>,
    pub template: Option<String>,
    pub cluster_template: Option<bool>,
    pub owner: Option<String>,
    pub repo: Option<String>,
    pub workflow: Option<String>,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    pub run_details: Option<bool>,
    pub method: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub body: Option<toml::Value>,
    pub argv: Option<Vec<String>>,
    #[serde(default, deserialize_with = "deserialize_opt")]
    pub timeout: Option<Duration>,
    #[serde(default)]
    pub params: BTreeMap<String, toml::Value>,
}

/// An error and the key it is about.
pub type KeyError = (&'static str, String);

/// Resolves a target; `lookup` reads environment variables (injectable for tests).
pub fn resolve(raw: &FileRetrain, lookup: &dyn Fn(&str) -> Option<String>) -> Result<RetrainTarget, KeyError> {
    let kind = raw.kind.as_str();
    if !KINDS.contains(&kind) {
        return Err(("kind", format!("unknown retrain kind `{kind}`, expected one of {}", KINDS.join(", "))));
    }
    check_keys(raw)?;
    let need = |key: &'static str, value: &Option<String>| -> Result<String, KeyError> {
        match value.as_deref().map(str::trim) {
            Some(v) if !v.is_empty() => Ok(v.to_string()),
            _ => Err((key, format!("retrain kind `{kind}` needs `{key}`"))),
        }
    };
    let params = params(&raw.params)?;
    let (target_kind, label) = match kind {
        "kfp" => {
            let pipeline_id = need("pipeline_id", &raw.pipeline_id)?;
            let label = format!("KFP pipeline {pipeline_id}");
            let kfp = Kfp {
                endpoint: endpoint(raw, need("url", &raw.url)?, lookup)?,
                pipeline_id,
                pipeline_version_id: raw.pipeline_version_id.clone(),
                experiment_id: raw.experiment_id.clone(),
                service_account: raw.service_account.clone(),
            };
            (TargetKind::Kfp(kfp), label)
        }
        "airflow" => {
            let dag_id = need("dag", &raw.dag)?;
            let endpoint = endpoint(raw, need("url", &raw.url)?, lookup)?;
            (TargetKind::Airflow(Airflow { endpoint, dag_id: dag_id.clone() }), format!("Airflow DAG {dag_id}"))
        }
        "argo" => {
            let template = need("template", &raw.template)?;
            let mut endpoint = endpoint(raw, need("url", &raw.url)?, lookup)?;
            // argo's own CLI wants the `Bearer ` prefix inside ARGO_TOKEN; the same variable
            // must work here, where the prefix is added.
            if let Auth::Bearer(token) = &endpoint.auth
                && let Some(bare) = token.expose().strip_prefix("Bearer ")
            {
                endpoint.auth = Auth::Bearer(Secret::new(bare.trim()));
            }
            let argo = Argo {
                endpoint,
                namespace: need("namespace", &raw.namespace)?,
                template: template.clone(),
                cluster_template: raw.cluster_template.unwrap_or(false),
            };
            (TargetKind::Argo(argo), format!("Argo template {template}"))
        }
        "github" => {
            let url = raw.url.clone().unwrap_or_else(|| crate::backends::pipelines::github::DEFAULT_API.into());
            let (owner, repo) = (need("owner", &raw.owner)?, need("repo", &raw.repo)?);
            let workflow = need("workflow", &raw.workflow)?;
            let label = format!("GitHub {owner}/{repo} {workflow}");
            let github = Github {
                endpoint: endpoint(raw, url, lookup)?,
                owner,
                repo,
                workflow,
                git_ref: need("ref", &raw.git_ref)?,
                run_details: raw.run_details.unwrap_or(true),
            };
            (TargetKind::Github(github), label)
        }
        "webhook" => webhook(raw, need("url", &raw.url)?, lookup)?,
        _ => {
            let argv = raw.argv.clone().unwrap_or_default();
            if argv.first().is_none_or(|p| p.trim().is_empty()) {
                return Err(("argv", "retrain kind `command` needs `argv`, a non-empty list".into()));
            }
            let timeout = raw.timeout.unwrap_or(DEFAULT_COMMAND_TIMEOUT);
            if timeout.is_zero() || timeout > Duration::from_secs(3600) {
                return Err(("timeout", "must be more than 0 and at most 1h".into()));
            }
            let label = format!("command {}", argv[0]);
            (TargetKind::Command(Command { argv, timeout }), label)
        }
    };
    let target = RetrainTarget {
        name: raw.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| kind.to_string()),
        label: raw.label.clone().filter(|l| !l.trim().is_empty()).unwrap_or(label),
        kind: target_kind,
        params,
    };
    check_templates(&target)?;
    Ok(target)
}

/// Keys that belong to each kind, besides the common ones.
fn allowed(kind: &str) -> &'static [&'static str] {
    match kind {
        "kfp" => &[
            "url",
            "token_env",
            "token_file",
            "pipeline_id",
            "pipeline_version_id",
            "experiment_id",
            "service_account",
        ],
        "airflow" => &["url", "token_env", "token_file", "username", "password_env", "password_file", "dag"],
        "argo" => &["url", "token_env", "token_file", "namespace", "template", "cluster_template"],
        "github" => &["url", "token_env", "token_file", "owner", "repo", "workflow", "ref", "run_details"],
        "webhook" => &[
            "url",
            "token_env",
            "token_file",
            "username",
            "password_env",
            "password_file",
            "method",
            "headers",
            "body",
        ],
        _ => &["argv", "timeout"],
    }
}

fn check_keys(raw: &FileRetrain) -> Result<(), KeyError> {
    let set: [(&'static str, bool); 24] = [
        ("url", raw.url.is_some()),
        ("token_env", raw.token_env.is_some()),
        ("token_file", raw.token_file.is_some()),
        ("username", raw.username.is_some()),
        ("password_env", raw.password_env.is_some()),
        ("password_file", raw.password_file.is_some()),
        ("pipeline_id", raw.pipeline_id.is_some()),
        ("pipeline_version_id", raw.pipeline_version_id.is_some()),
        ("experiment_id", raw.experiment_id.is_some()),
        ("service_account", raw.service_account.is_some()),
        ("dag", raw.dag.is_some()),
        ("namespace", raw.namespace.is_some()),
        ("template", raw.template.is_some()),
        ("cluster_template", raw.cluster_template.is_some()),
        ("owner", raw.owner.is_some()),
        ("repo", raw.repo.is_some()),
        ("workflow", raw.workflow.is_some()),
        ("ref", raw.git_ref.is_some()),
        ("run_details", raw.run_details.is_some()),
        ("method", raw.method.is_some()),
        ("headers", !raw.headers.is_empty()),
        ("body", raw.body.is_some()),
        ("argv", raw.argv.is_some()),
        ("timeout", raw.timeout.is_some()),
    ];
    let allowed = allowed(&raw.kind);
    match set.iter().find(|(key, is_set)| *is_set && !allowed.contains(key)) {
        Some((key, _)) => Err((key, format!("`{key}` does not apply to retrain kind `{}`", raw.kind))),
        None => Ok(()),
    }
}

/// The URL with its credentials from `token_*` or `username` + `password_*`.
fn endpoint(raw: &FileRetrain, url: String, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Endpoint, KeyError> {
    let mut endpoint = Endpoint::plain(&url).map_err(|m| ("url", m))?;
    endpoint.auth = crate::config::endpoint::Credentials {
        token_env: raw.token_env.as_deref(),
        token_file: raw.token_file.as_deref(),
        username: raw.username.as_deref(),
        password_env: raw.password_env.as_deref(),
        password_file: raw.password_file.as_deref(),
    }
    .resolve(lookup)?;
    Ok(endpoint)
}

fn webhook(
    raw: &FileRetrain,
    url: String,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(TargetKind, String), KeyError> {
    let full = endpoint(raw, url, lookup)?;
    let method_text = raw.method.as_deref().unwrap_or("POST").to_ascii_uppercase();
    let method = match method_text.as_str() {
        "GET" => Method::GET,
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "PATCH" => Method::PATCH,
        "DELETE" => Method::DELETE,
        other => return Err(("method", format!("`{other}` is not one of GET, POST, PUT, PATCH, DELETE"))),
    };
    let mut headers = Vec::new();
    for (name, value) in &raw.headers {
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(("headers", format!("`{name}` is not a valid header name")));
        }
        if name.eq_ignore_ascii_case("authorization") {
            return Err(("headers", "put credentials in `token_env` or `token_file`, not in `headers`".into()));
        }
        headers.push((name.clone(), value.clone()));
    }
    let body = match &raw.body {
        None => None,
        Some(toml::Value::String(text)) => {
            Some(serde_json::from_str(text).map_err(|e| ("body", format!("`body` is not JSON: {e}")))?)
        }
        Some(value @ toml::Value::Table(_)) => Some(json_of(value).map_err(|m| ("body", m))?),
        Some(other) => return Err(("body", format!("`body` is a table or a JSON string, not a {}", other.type_str()))),
    };
    if body.is_some() && matches!(method, Method::GET | Method::DELETE) {
        return Err(("body", format!("a {method} webhook sends no body")));
    }
    let path = full.url.path().to_string();
    let query = full.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let mut origin = full.clone();
    origin.url.set_path("/");
    origin.url.set_query(None);
    let label = format!("webhook {method} {}", origin.url.host_str().unwrap_or("?"));
    Ok((TargetKind::Webhook(Webhook { method, endpoint: origin, path, query, headers, body }), label))
}

/// A TOML table as JSON; dates have no JSON form and are refused.
fn json_of(value: &toml::Value) -> Result<Value, String> {
    Ok(match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => {
            serde_json::Number::from_f64(*f).map(Value::Number).ok_or("`body` holds a non-finite number")?
        }
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(_) => return Err("`body` holds a date; write it as a string".into()),
        toml::Value::Array(items) => Value::Array(items.iter().map(json_of).collect::<Result<_, _>>()?),
        toml::Value::Table(table) => {
            Value::Object(table.iter().map(|(k, v)| Ok((k.clone(), json_of(v)?))).collect::<Result<_, String>>()?)
        }
    })
}

fn params(raw: &BTreeMap<String, toml::Value>) -> Result<Vec<Param>, KeyError> {
    let mut out = Vec::new();
    for (name, value) in raw {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(("params", format!("parameter name `{name}` may hold only letters, digits, `_` and `-`")));
        }
        let (value, kind) = match value {
            toml::Value::String(s) => (s.clone(), ParamKind::Text),
            toml::Value::Integer(i) => (i.to_string(), ParamKind::Number),
            toml::Value::Float(f) if f.is_finite() => (f.to_string(), ParamKind::Number),
            toml::Value::Boolean(b) => (b.to_string(), ParamKind::Bool),
            other => {
                return Err((
                    "params",
                    format!("parameter `{name}` must be a string, number or boolean, not a {}", other.type_str()),
                ));
            }
        };
        out.push(Param { name: name.clone(), value, kind });
    }
    Ok(out)
}

/// Builds a request with sample values, so that an unknown placeholder or a parameter of
/// the wrong type stops the start instead of the first trigger.
fn check_templates(target: &RetrainTarget) -> Result<(), KeyError> {
    let sample = TriggerRequest {
        target: target.clone(),
        model: "model".into(),
        environment: "environment".into(),
        params: target.params.clone(),
        note: "note".into(),
        author: "author".into(),
        reason: "reason".into(),
        at: Timestamp::UNIX_EPOCH,
    };
    let key = match &target.kind {
        _ if prepare(&TriggerRequest { params: Vec::new(), ..sample.clone() }).is_ok() => "params",
        TargetKind::Webhook(_) => "body",
        TargetKind::Command(_) => "argv",
        TargetKind::Github(_) => "ref",
        _ => "params",
    };
    prepare(&sample).map(|_| ()).map_err(|m| (key, m))
}
