//! Configuration: built-in defaults < config file < command line. The file is TOML with
//! unknown keys rejected; every error names the file, the line and the key.

mod columns;
pub mod detail;
pub mod endpoint;
mod error;
pub mod exposure;
mod file;
pub mod journal;
pub mod print;
pub mod registry;
pub mod resources;
pub mod retrain;
pub mod rollback;
pub mod runbook;
pub mod secret;
mod serving;
pub mod size;
pub mod tls;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use crate::domain::{Auth, Endpoint, Secret};
pub use columns::{ColumnSpec, DEFAULT_TREND_RANGE};
pub use error::ConfigError;
use error::Scope;
pub use file::KeyList;
pub use serving::{ModelServing, ServingKind};

use crate::domain::ColumnId;
use endpoint::{endpoint, local_environment};
use file::{AlertmanagerEntry, FileConfig};

pub const DEFAULT_REFRESH: Duration = Duration::from_secs(5);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(4);
/// What the answers of one poll may hold at once (see `sources::budget`).
pub const DEFAULT_POLL_BUDGET: usize = 64 * size::MIB;
pub const CONFIG_ENV: &str = "MODELDECK_CONFIG";
pub const DEFAULT_SILENCE: Duration = Duration::from_secs(3600);
/// Labels that change when a model is rolled back or its pods restart: a silence that
/// matched them would stop muting the alert once it fires again with new values. The
/// `[discovery] version_label` is added to these.
pub const DEFAULT_SILENCE_IGNORE: [&str; 7] =
    ["model_version", "revision", "instance", "pod", "pod_name", "pod_template_hash", "container_id"];

#[derive(Debug, Clone)]
pub struct Config {
    pub refresh: Duration,
    pub timeout: Duration,
    /// Bytes the answers of one poll may hold at once, across all its requests.
    pub poll_budget: usize,
    pub theme: Option<String>,
    pub author: Option<String>,
    pub read_only: bool,
    /// `[ui] low_bandwidth`, or `--low-bandwidth`: draw as few bytes as the console can.
    pub low_bandwidth: bool,
    pub discovery: Discovery,
    pub environments: Vec<Environment>,
    /// Index into `environments` to start with.
    pub start_environment: usize,
    pub columns: Vec<ColumnSpec>,
    /// Key overrides, action name -> keys; validated by the keymap.
    pub keys: BTreeMap<String, Vec<String>>,
    pub log_level: String,
    pub log_file: Option<PathBuf>,
    /// What the model screen charts (`[detail]`).
    pub detail: detail::DetailConfig,
    /// The acknowledge form's default silence duration (`[alerts] silence_duration`).
    pub silence_duration: Duration,
    /// Labels the acknowledge form leaves out of its default matchers
    /// (`[alerts] silence_ignore_labels`).
    pub silence_ignore_labels: Vec<String>,
    /// The journal file (`[journal] path`), else the platform data dir.
    pub journal_path: Option<PathBuf>,
    /// `[journal] backend`, its URL and the witness.
    pub journal: journal::JournalSettings,
    /// `[[model]]` blocks: serving endpoints scraped directly, whatever the environment.
    pub models: Vec<ModelServing>,
    /// Registry tags and the validation gate.
    pub governance: rollback::Governance,
    /// Per-model rollback settings from `[[model]]` blocks.
    pub rollbacks: Vec<rollback::ModelRollback>,
    /// Per-model retraining pipelines from `[[model]]` blocks: (model, target).
    pub retrain: Vec<(String, crate::backends::pipelines::RetrainTarget)>,
    /// `[[runbook]]` rules, first match wins.
    pub runbook: Vec<crate::config::runbook::Rule>,
    /// Trusted CAs and the insecure switch (`[tls]`, each endpoint's `ca_file`).
    pub tls: tls::TlsSettings,
    /// The secret files and header values the config references, for the permission check.
    pub secret_refs: exposure::SecretRefs,
    /// The file this came from, if any.
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Discovery {
    pub model_label: String,
    pub version_label: String,
    pub gpu_label: String,
}

#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub production: bool,
    pub read_only: bool,
    pub prometheus: Endpoint,
    pub alertmanagers: Vec<Endpoint>,
    /// The registry of this environment's models, if any.
    pub registry: Option<Endpoint>,
    /// Which API `registry` speaks.
    pub registry_kind: registry::RegistryKind,
}

impl Config {
    pub fn environment(&self, index: usize) -> &Environment {
        &self.environments[index.min(self.environments.len() - 1)]
    }

    pub fn environment_index(&self, name: &str) -> Option<usize> {
        self.environments.iter().position(|e| e.name == name)
    }

    pub fn column(&self, id: ColumnId) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.id == id)
    }

    /// Every resolved credential, so that the journal and logs can strip them.
    pub fn secrets(&self) -> Vec<String> {
        let endpoints = self
            .environments
            .iter()
            .flat_map(|e| std::iter::once(&e.prometheus).chain(e.alertmanagers.iter()).chain(e.registry.iter()))
            .chain(self.retrain.iter().filter_map(|(_, t)| t.endpoint()));
        endpoints
            .filter_map(|ep| match &ep.auth {
                Auth::None => None,
                Auth::Bearer(s) | Auth::Basic { password: s, .. } => Some(s.expose().to_string()),
            })
            .chain(self.journal.postgres.iter().map(|url| url.expose().to_string()))
            .chain(self.journal.postgres.as_ref().and_then(journal::url_password))
            .collect()
    }

    /// How `model` is rolled back in environment `env`: its `[[model]]` setting, else the
    /// registry alias when the environment has a registry; `None` when neither applies.
    pub fn rollback_for(&self, env: usize, model: &str) -> Option<rollback::Resolved> {
        let own = self.rollbacks.iter().find(|r| r.model == model);
        let registry = self.environment(env).registry.clone();
        let kind = match own.and_then(|r| r.kind.clone()) {
            Some(kind) => kind,
            None if registry.is_some() => rollback::RollbackKind::Mlflow,
            None => return None,
        };
        Some(rollback::Resolved {
            kind,
            registry,
            registered_model: own.map_or_else(|| model.to_string(), |r| r.registered_model.clone()),
            vars: own.map(|r| r.vars.clone()).unwrap_or_default(),
            inference_service: own.and_then(|r| r.inference_service.clone()),
        })
    }

    /// Secret files, and this config when it references secrets, that others can read.
    pub fn exposures(&self) -> Vec<exposure::Exposure> {
        exposure::check(self.path.as_deref(), &self.secret_refs)
    }

    /// The author written into the journal: `author` from the config, else `$USER@host`.
    pub fn author_name(&self) -> String {
        self.author.clone().unwrap_or_else(crate::journal::default_author)
    }
}

/// Where the config comes from: an explicit path, `$MODELDECK_CONFIG`, or the platform
/// config dir (`~/.config/modeldeck/config.toml` on Linux). `None` when nothing exists at
/// the default place: modeldeck then runs with built-in defaults.
pub fn locate(explicit: Option<&Path>, env_value: Option<String>) -> Result<Option<PathBuf>, ConfigError> {
    if let Some(path) = explicit {
        return Ok(Some(path.to_path_buf()));
    }
    if let Some(path) = env_value.filter(|v| !v.is_empty()) {
        return Ok(Some(PathBuf::from(path)));
    }
    let default = default_path();
    Ok(default.filter(|p| p.exists()))
}

pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "modeldeck").map(|d| d.config_dir().join("config.toml"))
}

/// Reads and resolves a config file; `None` gives the built-in defaults.
pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
    let Some(path) = path else {
        return from_str("", None, &|k| std::env::var(k).ok());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::Io { path: path.to_path_buf(), message: e.to_string() })?;
    from_str(&text, Some(path), &|k| std::env::var(k).ok())
}

/// Parses config text. `lookup` reads environment variables (injectable for tests).
pub fn from_str(
    text: &str,
    path: Option<&Path>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let origin = path.map(Path::to_path_buf);
    let raw: FileConfig = toml::from_str(text).map_err(|e| error::from_toml(&e, text, origin.clone()))?;
    let at = |key: &str, message: String| error::at_key(text, origin.clone(), Scope::Top, key, message);
    let at_env =
        |n: usize, key: &str, message: String| error::at_key(text, origin.clone(), Scope::Environment(n), key, message);

    let refresh = raw.refresh.unwrap_or(DEFAULT_REFRESH);
    if refresh < Duration::from_millis(200) {
        return Err(at("refresh", "must be at least 200ms".into()));
    }
    let timeout = raw.timeout.unwrap_or(DEFAULT_TIMEOUT);
    if timeout.is_zero() {
        return Err(at("timeout", "must be more than 0".into()));
    }
    let poll_budget = raw.poll_budget.unwrap_or(DEFAULT_POLL_BUDGET);
    if poll_budget < size::MIB {
        return Err(at("poll_budget", "must be at least 1MiB".into()));
    }
    let mut detail = detail::resolve(&raw.detail).map_err(|(key, m)| at(key, m))?;
    detail.resources = resources::resolve(&raw.resources).map_err(|(key, m)| at(key, m))?;
    let silence_duration = raw.alerts.silence_duration.unwrap_or(DEFAULT_SILENCE);
    if silence_duration < Duration::from_secs(60) || silence_duration > Duration::from_secs(30 * 86_400) {
        return Err(at("silence_duration", "must be between 1m and 30d".into()));
    }
    let discovery = Discovery {
        model_label: raw.discovery.model_label.clone().unwrap_or_else(|| "model".into()),
        version_label: raw.discovery.version_label.clone().unwrap_or_else(|| "version".into()),
        gpu_label: raw.discovery.gpu_label.clone().unwrap_or_else(|| "container".into()),
    };
    let silence_ignore_labels = match &raw.alerts.silence_ignore_labels {
        Some(labels) => {
            if labels.iter().any(|l| l == "alertname") {
                return Err(at("silence_ignore_labels", "`alertname` cannot be left out of a silence".into()));
            }
            labels.clone()
        }
        None => std::iter::once(discovery.version_label.clone())
            .chain(DEFAULT_SILENCE_IGNORE.iter().map(|l| l.to_string()))
            .collect(),
    };
    for (key, value) in [
        ("model_label", &discovery.model_label),
        ("version_label", &discovery.version_label),
        ("gpu_label", &discovery.gpu_label),
    ] {
        if !is_label_name(value) {
            return Err(at(key, format!("`{value}` is not a valid Prometheus label name")));
        }
    }

    let mut tls =
        tls::TlsSettings { insecure_requested: raw.tls.insecure_skip_verify.unwrap_or(false), ..Default::default() };
    if let Some(ca) = &raw.tls.ca_file {
        tls.add_ca(ca).map_err(|m| error::at_key(text, origin.clone(), Scope::Table("tls"), "ca_file", m))?;
    }
    let mut secret_refs = exposure::SecretRefs::default();
    let mut environments = Vec::new();
    for (n, env) in raw.environments.iter().enumerate() {
        if env.name.trim().is_empty() {
            return Err(at_env(n, "name", "environment name must not be empty".into()));
        }
        if environments.iter().any(|e: &Environment| e.name == env.name) {
            return Err(at_env(n, "name", format!("environment `{}` is defined twice", env.name)));
        }
        let prometheus = endpoint(&env.prometheus, lookup)
            .map_err(|(key, m)| at_env(n, key, format!("environment `{}` prometheus: {m}", env.name)))?;
        let mut alertmanagers = Vec::new();
        for am in &env.alertmanagers {
            let resolved = match am {
                AlertmanagerEntry::Url(u) => Endpoint::plain(u).map_err(|m| ("alertmanagers", m)),
                AlertmanagerEntry::Endpoint(e) => endpoint(e, lookup),
            };
            alertmanagers.push(
                resolved.map_err(|(key, m)| at_env(n, key, format!("environment `{}` alertmanager: {m}", env.name)))?,
            );
        }
        let at_registry =
            |(key, m): (&'static str, String)| at_env(n, key, format!("environment `{}` registry: {m}", env.name));
        let (registry, registry_kind) = match &env.registry {
            Some(r) => {
                (Some(endpoint(&r.endpoint, lookup).map_err(at_registry)?), registry::kind(r).map_err(at_registry)?)
            }
            None => (None, registry::RegistryKind::default()),
        };
        let tables = std::iter::once(&env.prometheus)
            .chain(env.alertmanagers.iter().filter_map(|am| match am {
                AlertmanagerEntry::Endpoint(e) => Some(&**e),
                AlertmanagerEntry::Url(_) => None,
            }))
            .chain(env.registry.iter().map(|r| &r.endpoint));
        for table in tables {
            if let Some(ca) = &table.ca_file {
                tls.add_ca(ca).map_err(|m| at_env(n, "ca_file", format!("environment `{}`: {m}", env.name)))?;
            }
            secret_refs.add_file(table.token_file.as_deref());
            secret_refs.add_file(table.password_file.as_deref());
        }
        environments.push(Environment {
            name: env.name.clone(),
            production: env.production,
            read_only: env.read_only,
            prometheus,
            alertmanagers,
            registry,
            registry_kind,
        });
    }
    if environments.is_empty() {
        environments.push(local_environment());
    }
    let start_environment = match &raw.default_environment {
        Some(name) => environments
            .iter()
            .position(|e| &e.name == name)
            .ok_or_else(|| at("default_environment", format!("no environment is named `{name}`")))?,
        None => 0,
    };

    let at_column =
        |id: &str, key: &str, message: String| error::at_key(text, origin.clone(), Scope::Column(id), key, message);
    let columns = columns::resolve(&raw, &discovery, &detail.resources, &at_column)?;
    let keys = raw.keys.iter().map(|(k, v)| (k.clone(), v.keys())).collect();
    let log_level = raw.log.level.clone().unwrap_or_else(|| "info".into());
    if !["error", "warn", "info", "debug", "trace"].contains(&log_level.as_str()) {
        return Err(at("level", format!("`{log_level}` is not one of error, warn, info, debug, trace")));
    }
    let models = serving::resolve(&raw.models, text, origin.clone())?;
    let governance = rollback::governance(&raw.governance, &raw.compare).map_err(|(key, m)| at(key, m))?;
    let mut rollbacks = Vec::new();
    for (n, model) in raw.models.iter().enumerate() {
        let serving_url = models.iter().find(|m| m.name == model.name).and_then(|m| m.url.as_ref());
        let resolved = rollback::model_rollback(
            &model.name,
            model.registered_model.as_deref(),
            model.inference_service.as_deref(),
            model.rollback.as_ref(),
            serving_url,
        )
        .map_err(|(key, m)| serving::at_model(text, origin.clone(), n, key, m))?;
        rollbacks.push(resolved);
    }
    let mut retrain = Vec::new();
    for (n, model) in raw.models.iter().enumerate() {
        if let Some(raw_target) = &model.retrain {
            secret_refs.add_file(raw_target.token_file.as_deref());
            secret_refs.add_file(raw_target.password_file.as_deref());
            secret_refs.header_values |=
                raw_target.headers.iter().any(|(name, value)| exposure::secret_header(name, value));
            let target = crate::config::retrain::resolve(raw_target, lookup).map_err(|(key, m)| {
                serving::at_model(text, origin.clone(), n, key, format!("model `{}` retrain: {m}", model.name))
            })?;
            retrain.push((model.name.clone(), target));
        }
    }
    let runbook = runbook_rules(&raw, &retrain, text, origin.as_deref())?;
    let journal = journal::resolve(&raw.journal, lookup)
        .map_err(|(key, m)| error::at_key(text, origin.clone(), Scope::Table("journal"), key, m))?;
    secret_refs.add_file(raw.journal.url_file.as_deref());
    Ok(Config {
        refresh,
        timeout,
        poll_budget,
        theme: raw.theme.clone(),
        author: raw.author.clone().filter(|a| !a.trim().is_empty()),
        read_only: raw.read_only.unwrap_or(false),
        low_bandwidth: raw.ui.low_bandwidth.unwrap_or(false),
        discovery,
        environments,
        start_environment,
        columns,
        keys,
        log_level,
        log_file: raw.log.file.as_deref().map(expand_home),
        journal_path: raw.journal.path.as_deref().map(expand_home),
        journal,
        silence_duration,
        silence_ignore_labels,
        detail,
        models,
        governance,
        rollbacks,
        retrain,
        runbook,
        tls,
        secret_refs,
        path: origin,
    })
}

/// Resolves `[[runbook]]` rules; a named retrain target must exist, and a rollback cannot
/// be automatic (a person picks the version).
fn runbook_rules(
    raw: &FileConfig,
    retrain: &[(String, crate::backends::pipelines::RetrainTarget)],
    text: &str,
    origin: Option<&Path>,
) -> Result<Vec<crate::config::runbook::Rule>, ConfigError> {
    use crate::config::runbook::{self, Suggestion};
    let mut rules = Vec::new();
    for (n, raw_rule) in raw.runbook.iter().enumerate() {
        let at = |key: &str, message: String| {
            error::at_key(text, origin.map(Path::to_path_buf), Scope::Runbook(n), key, message)
        };
        let rule = runbook::resolve(raw_rule).map_err(|(key, m)| at(key, format!("runbook rule {}: {m}", n + 1)))?;
        match &rule.suggest {
            Suggestion::Retrain { target: Some(name) } if !retrain.iter().any(|(_, t)| &t.name == name) => {
                return Err(at(
                    "target",
                    format!("runbook rule {}: no `[[model]] retrain` target is named `{name}`", n + 1),
                ));
            }
            Suggestion::Rollback if rule.automatic => {
                return Err(at(
                    "automatic",
                    format!("runbook rule {}: a rollback cannot be automatic; a person confirms the version", n + 1),
                ));
            }
            _ => {}
        }
        rules.push(rule);
    }
    Ok(rules)
}

pub(crate) fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => path.to_path_buf(),
    }
}
