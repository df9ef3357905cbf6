//! The config file as written: every field optional, unknown keys rejected.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::domain::Direction;
use crate::domain::duration::deserialize_opt;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default, deserialize_with = "deserialize_opt")]
    pub refresh: Option<Duration>,
    #[serde(default, deserialize_with = "deserialize_opt")]
    pub timeout: Option<Duration>,
    #[serde(default, deserialize_with = "super::size::deserialize_opt")]
    pub poll_budget: Option<usize>,
    pub theme: Option<String>,
    pub author: Option<String>,
    pub default_environment: Option<String>,
    pub read_only: Option<bool>,
    #[serde(default)]
    pub discovery: FileDiscovery,
    #[serde(default, rename = "environment")]
    pub environments: Vec<FileEnvironment>,
    #[serde(default)]
    pub fleet: FileFleet,
    #[serde(default)]
    pub keys: BTreeMap<String, KeyList>,
    #[serde(default)]
    pub log: FileLog,
    #[serde(default)]
    pub journal: FileJournal,
    #[serde(default)]
    pub alerts: FileAlerts,
    #[serde(default)]
    pub detail: super::detail::FileDetail,
    /// `[resources]`: where the CPU and memory columns read from.
    #[serde(default)]
    pub resources: super::resources::FileResources,
    #[serde(default)]
    pub governance: super::rollback::FileGovernance,
    #[serde(default)]
    pub compare: super::rollback::FileCompare,
    /// `[[model]]` blocks: serving endpoints scraped directly, without Prometheus.
    #[serde(default, rename = "model")]
    pub models: Vec<FileModel>,
    /// `[[runbook]]` rules: which action an alert suggests.
    #[serde(default, rename = "runbook")]
    pub runbook: Vec<crate::config::runbook::FileRule>,
    #[serde(default)]
    pub tls: FileTls,
    #[serde(default)]
    pub ui: FileUi,
}

/// `[ui]`: how the console draws.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileUi {
    /// Fewer bytes per minute for slow links: no sparklines, no redraw per tick.
    pub low_bandwidth: Option<bool>,
}

/// `[tls]`: trust for every HTTPS connection of the run.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileTls {
    /// A PEM bundle of CA certificates added to the system's roots.
    pub ca_file: Option<PathBuf>,
    /// Turns verification off, but only together with `--insecure-tls`.
    pub insecure_skip_verify: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileModel {
    pub name: String,
    pub serving: Option<FileServing>,
    /// The model's name in the registry, when it differs.
    pub registered_model: Option<String>,
    /// Kubeflow registries: the InferenceService record that serves the model, by name,
    /// when the model has several in the serving environment.
    pub inference_service: Option<String>,
    pub rollback: Option<super::rollback::FileRollback>,
    /// The model's retraining pipeline.
    pub retrain: Option<crate::config::retrain::FileRetrain>,
}

/// `serving = { kind = "mlserver", metrics = "http://…/metrics", … }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileServing {
    /// Checked during resolution, so that an unknown kind is reported at the `kind` key.
    pub kind: String,
    pub metrics: String,
    pub url: Option<String>,
    pub model_label: Option<String>,
    pub version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileAlerts {
    /// The acknowledge form's default duration.
    #[serde(default, deserialize_with = "deserialize_opt")]
    pub silence_duration: Option<Duration>,
    /// Labels left out of the acknowledge form's default matchers.
    pub silence_ignore_labels: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileJournal {
    /// A shared path lets a team on one ops host keep one journal.
    pub path: Option<PathBuf>,
    /// `file` (the default) or `postgres`.
    pub backend: Option<String>,
    /// The PostgreSQL connection URL, from an environment variable or a file.
    pub url_env: Option<String>,
    pub url_file: Option<PathBuf>,
    /// A file that gets the head after every append.
    pub witness: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDiscovery {
    pub model_label: Option<String>,
    pub version_label: Option<String>,
    pub gpu_label: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEnvironment {
    pub name: String,
    #[serde(default)]
    pub production: bool,
    #[serde(default)]
    pub read_only: bool,
    pub prometheus: FileEndpoint,
    #[serde(default)]
    pub alertmanagers: Vec<AlertmanagerEntry>,
    /// The registry (MLflow or Kubeflow) that holds this environment's model versions.
    pub registry: Option<super::registry::FileRegistry>,
}

/// An Alertmanager is either a bare URL or a table with auth settings.
#[derive(Debug)]
pub enum AlertmanagerEntry {
    Url(String),
    Endpoint(Box<FileEndpoint>),
}

// Written by hand: serde's untagged enums hide the real problem ("data did not match any
// variant"); this way an unknown key inside the table is named.
impl<'de> Deserialize<'de> for AlertmanagerEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match toml::Value::deserialize(d)? {
            toml::Value::String(url) => Ok(AlertmanagerEntry::Url(url)),
            value @ toml::Value::Table(_) => value
                .try_into()
                .map(|e| AlertmanagerEntry::Endpoint(Box::new(e)))
                .map_err(|e: toml::de::Error| D::Error::custom(e.message())),
            other => Err(D::Error::custom(format!(
                "an alertmanager is a URL string or a table with `url`, not a {}",
                other.type_str()
            ))),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEndpoint {
    pub url: String,
    /// Prepended to every API path, e.g. `/prometheus` for Mimir.
    pub path_prefix: Option<String>,
    /// Sent as the tenant header (Mimir `X-Scope-OrgID`, Thanos `THANOS-TENANT`).
    pub tenant: Option<String>,
    pub tenant_header: Option<String>,
    pub token_env: Option<String>,
    pub token_file: Option<PathBuf>,
    pub username: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    /// A PEM bundle of the CA that signed this server's certificate.
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileFleet {
    #[serde(default)]
    pub columns: BTreeMap<String, FileColumn>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileColumn {
    pub title: Option<String>,
    pub query: Option<String>,
    pub direction: Option<Direction>,
    pub warn: Option<f64>,
    pub critical: Option<f64>,
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "deserialize_opt")]
    pub range: Option<Duration>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileLog {
    pub level: Option<String>,
    pub file: Option<PathBuf>,
}

/// A key binding: one key or several.
#[derive(Debug, Clone)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let expected = "a key such as \"q\" or a list of keys such as [\"q\", \"Ctrl-c\"]";
        match toml::Value::deserialize(d)? {
            toml::Value::String(key) => Ok(KeyList::One(key)),
            toml::Value::Array(items) => items
                .into_iter()
                .map(|v| match v {
                    toml::Value::String(k) => Ok(k),
                    _ => Err(D::Error::custom(format!("expected {expected}"))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(KeyList::Many),
            _ => Err(D::Error::custom(format!("expected {expected}"))),
        }
    }
}

impl KeyList {
    pub fn keys(&self) -> Vec<String> {
        match self {
            KeyList::One(k) => vec![k.clone()],
            KeyList::Many(ks) => ks.clone(),
        }
    }
}
