//! A model's versions as the versions screen shows them: the registry's list, which version
//! is live, the governance facts read from registry tags, and how a rollback would be done
//! (a secret-free description, so that the pure update can show the exact request).

pub mod live;

use std::time::Duration;

use crate::config::rollback::Governance;
use crate::registry::{ModelVersion, RegisteredModel};

/// One load of the versions screen.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VersionsSnapshot {
    pub model: String,
    /// The registry's view; `None` when the environment has no registry.
    pub registered: Option<RegisteredModel>,
    /// The live version (behind the alias, or as the serving side reports it).
    pub live: Option<String>,
    /// How a rollback is done; `None` when none is configured.
    pub spec: Option<RollbackSpec>,
    pub governance: GovernanceFacts,
    /// Per-version accuracy and latency from Prometheus, where it has the version label.
    pub figures: Vec<VersionFigures>,
    /// Problems that did not stop the load (the serving side down, say).
    pub warnings: Vec<String>,
}

impl VersionsSnapshot {
    pub fn versions(&self) -> &[ModelVersion] {
        self.registered.as_ref().map_or(&[], |r| &r.versions)
    }

    pub fn figures(&self, version: &str) -> Option<&VersionFigures> {
        self.figures.iter().find(|f| f.version == version)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct VersionFigures {
    pub version: String,
    pub accuracy: Option<f64>,
    /// Seconds.
    pub latency: Option<f64>,
}

/// Owner, description, data sources, PII and validation of the model, from registry tags.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GovernanceFacts {
    pub owner: Option<String>,
    pub description: Option<String>,
    pub data_sources: Option<String>,
    pub pii: Option<String>,
    /// The live version's validation tag and date.
    pub validation: Option<String>,
    pub validated_at: Option<String>,
}

impl GovernanceFacts {
    /// Model-level tags first; a version's own tag wins for validation.
    pub fn read(model: &RegisteredModel, live: Option<&ModelVersion>, g: &Governance) -> GovernanceFacts {
        let tag = |key: &str| live.and_then(|v| v.tag(key)).or_else(|| model.tag(key)).map(str::to_string);
        GovernanceFacts {
            owner: tag(&g.owner_tag),
            description: Some(model.description.clone()).filter(|d| !d.trim().is_empty()),
            data_sources: tag(&g.data_sources_tag),
            pii: tag(&g.pii_tag),
            validation: live.and_then(|v| v.tag(&g.validation_tag)).map(str::to_string),
            validated_at: live.and_then(|v| v.tag(&g.validated_at_tag)).map(str::to_string),
        }
    }
}

/// How a rollback will be done, with nothing secret in it.
#[derive(Debug, Clone, PartialEq)]
pub struct RollbackSpec {
    pub backend: SpecBackend,
    pub registered_model: String,
    pub alias: String,
    pub validation_tag: String,
    pub validated_values: Vec<String>,
    pub allow_override: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SpecBackend {
    /// `POST <registry>/api/2.0/mlflow/registered-models/alias`.
    Mlflow { registry: String },
    /// Load through the repository API, wait until ready, check an inference, then move the
    /// alias when there is a registry.
    Oip { url: String, verify: bool, ready_timeout: Duration, registry: Option<String> },
    /// An argv template and its extra values.
    Command { argv: Vec<String>, vars: Vec<(String, String)>, timeout: Duration },
    /// The demo's simulated registry.
    Demo,
}

impl RollbackSpec {
    pub fn label(&self) -> &'static str {
        match self.backend {
            SpecBackend::Mlflow { .. } => "MLflow registry alias",
            SpecBackend::Oip { .. } => "Open Inference Protocol repository",
            SpecBackend::Command { .. } => "command hook",
            SpecBackend::Demo => "demo registry",
        }
    }

    /// An empty validation tag means there is nothing to gate on (no registry).
    pub fn is_validated(&self, status: Option<&str>) -> bool {
        self.validation_tag.is_empty()
            || status.is_some_and(|s| self.validated_values.iter().any(|v| v.eq_ignore_ascii_case(s.trim())))
    }

    /// The values a command template may use.
    pub fn values(&self, model: &str, environment: &str, current: Option<&str>, target: &str) -> Vec<(String, String)> {
        let mut values = vec![
            ("model".to_string(), model.to_string()),
            ("registered_model".into(), self.registered_model.clone()),
            ("environment".into(), environment.to_string()),
            ("current".into(), current.unwrap_or("").to_string()),
            ("target".into(), target.to_string()),
            ("alias".into(), self.alias.clone()),
        ];
        if let SpecBackend::Command { vars, .. } = &self.backend {
            values.extend(vars.iter().cloned());
        }
        values
    }

    /// The exact requests or command, one line each, as the confirmation shows them.
    pub fn describe(&self, model: &str, environment: &str, current: Option<&str>, target: &str) -> Vec<String> {
        let alias_body = serde_json::json!({ "name": self.registered_model, "alias": self.alias, "version": target });
        let set_alias = |registry: &str| {
            format!("POST {}/api/2.0/mlflow/registered-models/alias {alias_body}", registry.trim_end_matches('/'))
        };
        match &self.backend {
            SpecBackend::Mlflow { registry } => vec![
                set_alias(registry),
                format!(
                    "then read back: GET …/registered-models/alias?name={}&alias={}",
                    self.registered_model, self.alias
                ),
            ],
            SpecBackend::Oip { url, verify, ready_timeout, registry } => {
                let base = url.trim_end_matches('/');
                let mut lines = vec![
                    format!("POST {base}/v2/repository/models/{model}/load"),
                    format!(
                        "wait up to {} for GET {base}/v2/models/{model}/versions/{target}/ready",
                        crate::config::duration::format(*ready_timeout)
                    ),
                ];
                if *verify {
                    lines.push(format!("POST {base}/v2/models/{model}/versions/{target}/infer (the configured check)"));
                }
                match registry {
                    Some(r) => lines.push(set_alias(r)),
                    None => lines.push("no registry: the alias is not moved".into()),
                }
                lines.push("the other versions stay loaded (MLServer's unload would remove every version)".into());
                lines
            }
            SpecBackend::Command { argv, timeout, .. } => {
                let values = self.values(model, environment, current, target);
                let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                match crate::actions::hook::render(argv, &pairs) {
                    Ok(argv) => vec![
                        format!("run (no shell): {}", crate::actions::hook::display(&argv)),
                        format!("timeout {}; exit code 0 means done", crate::config::duration::format(*timeout)),
                    ],
                    Err(e) => vec![format!("the command template is broken: {e}")],
                }
            }
            SpecBackend::Demo => vec![format!(
                "demo: point `{}` of {} at version {target} in the simulated registry",
                self.alias, self.registered_model
            )],
        }
    }
}
