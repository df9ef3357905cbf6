//! Rollback and governance settings: which registry holds an environment's model versions,
//! how a model is rolled back (registry alias, Open Inference Protocol repository, or a
//! command hook), and which registry tags say who owns a model and whether a version was
//! validated.

use crate::domain::{GovernanceFacts, ModelVersion, RegisteredModel};
use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::Endpoint;
use crate::domain::duration::deserialize_opt;

/// How long a command hook may run unless the config says otherwise.
pub const DEFAULT_HOOK_TIMEOUT: Duration = Duration::from_secs(120);
/// How long an OIP rollback waits for the target version to become ready.
pub const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(120);

/// `[governance]`: the registry tags the console reads and the validation gate.
#[derive(Debug, Clone, PartialEq)]
pub struct Governance {
    /// The registry alias that marks the live version.
    pub alias: String,
    pub validation_tag: String,
    /// Tag values (compared case-insensitively) that count as validated.
    pub validated_values: Vec<String>,
    /// Whether an unvalidated target may be rolled back to with an explicit override.
    pub allow_override: bool,
    pub validated_at_tag: String,
    pub owner_tag: String,
    pub data_sources_tag: String,
    pub pii_tag: String,
    /// Model-version tag that receives the change note after a rollback; `None` = off.
    pub note_tag: Option<String>,
    /// `[compare]`: the evidence shown before one version takes over from another.
    pub compare: CompareSettings,
}

/// `[compare]`: the champion-and-challenger comparison on the versions screen.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareSettings {
    /// Both versions are read over this same window, ending now.
    pub window: Duration,
    /// Counters of correct and of all labelled predictions, by model and version: with
    /// both, the accuracy difference gets a significance test.
    pub correct_metric: String,
    pub predictions_metric: String,
}

impl Default for CompareSettings {
    fn default() -> Self {
        CompareSettings {
            window: Duration::from_secs(3600),
            correct_metric: "model_predictions_correct_total".into(),
            predictions_metric: "model_predictions_total".into(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileCompare {
    #[serde(default, deserialize_with = "deserialize_opt")]
    pub window: Option<Duration>,
    pub correct_metric: Option<String>,
    pub predictions_metric: Option<String>,
}

fn compare(raw: &FileCompare) -> Result<CompareSettings, (&'static str, String)> {
    let d = CompareSettings::default();
    let window = raw.window.unwrap_or(d.window);
    if window < Duration::from_secs(60) || window > Duration::from_secs(7 * 86_400) {
        return Err(("window", "must be between 1m and 7d".into()));
    }
    let metric = |key: &'static str, value: &Option<String>, default: String| match value {
        Some(v) if !super::detail::is_metric_name(v) => Err((key, format!("`{v}` is not a Prometheus metric name"))),
        Some(v) => Ok(v.clone()),
        None => Ok(default),
    };
    Ok(CompareSettings {
        window,
        correct_metric: metric("correct_metric", &raw.correct_metric, d.correct_metric)?,
        predictions_metric: metric("predictions_metric", &raw.predictions_metric, d.predictions_metric)?,
    })
}

impl Default for Governance {
    fn default() -> Self {
        Governance {
            alias: "champion".into(),
            validation_tag: "validation_status".into(),
            validated_values: vec!["approved".into(), "validated".into(), "passed".into()],
            allow_override: false,
            validated_at_tag: "validated_at".into(),
            owner_tag: "owner".into(),
            data_sources_tag: "data_sources".into(),
            pii_tag: "pii".into(),
            note_tag: Some("modeldeck.rollback_note".into()),
            compare: CompareSettings::default(),
        }
    }
}

impl Governance {
    pub fn is_validated(&self, status: Option<&str>) -> bool {
        status.is_some_and(|s| self.validated_values.iter().any(|v| v.eq_ignore_ascii_case(s.trim())))
    }
}

/// How one model is rolled back.
#[derive(Debug, Clone)]
pub enum RollbackKind {
    /// Re-point the registry alias (the environment's `registry`) at the target version.
    Mlflow,
    /// Load the target through the serving server's repository API and check it answers.
    Oip {
        url: Endpoint,
        /// An inference request sent to the target version to prove it serves.
        verify_input: Option<serde_json::Value>,
        ready_timeout: Duration,
    },
    /// Run an argv template without a shell.
    Command { argv: Vec<String>, timeout: Duration },
}

impl RollbackKind {
    pub fn label(&self) -> &'static str {
        match self {
            RollbackKind::Mlflow => "MLflow registry alias",
            RollbackKind::Oip { .. } => "Open Inference Protocol repository",
            RollbackKind::Command { .. } => "command hook",
        }
    }
}

/// A `[[model]]` block's rollback settings.
#[derive(Debug, Clone)]
pub struct ModelRollback {
    pub model: String,
    /// The name in the registry (default: the model's name).
    pub registered_model: String,
    /// `None`: the environment's registry alias, when it has a registry.
    pub kind: Option<RollbackKind>,
    /// Extra template values for command hooks, e.g. `namespace`.
    pub vars: Vec<(String, String)>,
    /// Kubeflow registries: the InferenceService record to read and re-point, by name.
    pub inference_service: Option<String>,
}

/// Everything needed to roll one model back in one environment.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub kind: RollbackKind,
    /// The environment's registry: versions, governance tags, the alias.
    pub registry: Option<Endpoint>,
    pub registered_model: String,
    pub vars: Vec<(String, String)>,
    /// Kubeflow registries: the InferenceService record by name (`None`: the model's only one).
    pub inference_service: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileGovernance {
    pub alias: Option<String>,
    pub validation_tag: Option<String>,
    pub validated_values: Option<Vec<String>>,
    pub allow_override: Option<bool>,
    pub validated_at_tag: Option<String>,
    pub owner_tag: Option<String>,
    pub data_sources_tag: Option<String>,
    pub pii_tag: Option<String>,
    pub note_tag: Option<String>,
}

/// `rollback = { kind = "mlflow" | "oip" | "command", … }` in a `[[model]]` block.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRollback {
    pub kind: String,
    /// `oip`: the serving server's base URL (default: the model's `serving.url`).
    pub url: Option<String>,
    /// `oip`: a JSON inference request that the target version must answer.
    pub verify_input: Option<String>,
    #[serde(default, deserialize_with = "deserialize_opt")]
    pub ready_timeout: Option<Duration>,
    /// `command`: the program and its arguments; `{model}`, `{target}` … are filled in.
    pub argv: Option<Vec<String>>,
    #[serde(default, deserialize_with = "deserialize_opt")]
    pub timeout: Option<Duration>,
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
}

pub(super) fn governance(
    raw: &FileGovernance,
    raw_compare: &FileCompare,
) -> Result<Governance, (&'static str, String)> {
    let d = Governance::default();
    let tag = |key: &'static str, value: &Option<String>, default: String| match value {
        Some(v) if v.trim().is_empty() => Err((key, format!("`{key}` must not be empty"))),
        Some(v) => Ok(v.clone()),
        None => Ok(default),
    };
    let validated_values = raw.validated_values.clone().unwrap_or(d.validated_values);
    if validated_values.iter().all(|v| v.trim().is_empty()) {
        return Err(("validated_values", "list at least one tag value that counts as validated".into()));
    }
    let alias = tag("alias", &raw.alias, d.alias)?;
    if alias == "latest" || (alias.starts_with('v') && alias[1..].chars().all(|c| c.is_ascii_digit())) {
        return Err(("alias", format!("`{alias}` is reserved by MLflow (`latest`, `v<number>`)")));
    }
    Ok(Governance {
        alias,
        validation_tag: tag("validation_tag", &raw.validation_tag, d.validation_tag)?,
        validated_values,
        allow_override: raw.allow_override.unwrap_or(false),
        validated_at_tag: tag("validated_at_tag", &raw.validated_at_tag, d.validated_at_tag)?,
        owner_tag: tag("owner_tag", &raw.owner_tag, d.owner_tag)?,
        data_sources_tag: tag("data_sources_tag", &raw.data_sources_tag, d.data_sources_tag)?,
        pii_tag: tag("pii_tag", &raw.pii_tag, d.pii_tag)?,
        // An empty note tag turns mirroring off.
        note_tag: match &raw.note_tag {
            Some(t) if t.trim().is_empty() => None,
            Some(t) => Some(t.clone()),
            None => d.note_tag,
        },
        compare: compare(raw_compare)?,
    })
}

/// Placeholders a rollback command may use besides its `vars`.
pub const HOOK_PLACEHOLDERS: [&str; 6] = ["model", "registered_model", "environment", "current", "target", "alias"];

/// Resolves one model's `rollback` table; `serving_url` is its `serving.url`, if any.
pub(super) fn model_rollback(
    model: &str,
    registered: Option<&str>,
    inference_service: Option<&str>,
    raw: Option<&FileRollback>,
    serving_url: Option<&Endpoint>,
) -> Result<ModelRollback, (&'static str, String)> {
    let registered_model = registered.unwrap_or(model).to_string();
    if registered_model.trim().is_empty() {
        return Err(("registered_model", format!("model `{model}`: registered_model must not be empty")));
    }
    if inference_service.is_some_and(|s| s.trim().is_empty()) {
        return Err(("inference_service", format!("model `{model}`: inference_service must not be empty")));
    }
    let inference_service = inference_service.map(str::to_string);
    let Some(raw) = raw else {
        return Ok(ModelRollback {
            model: model.into(),
            registered_model,
            kind: None,
            vars: Vec::new(),
            inference_service,
        });
    };
    let unused = |key: &'static str, set: bool, kind: &str| {
        if set {
            Err((key, format!("model `{model}`: `{key}` does not apply to rollback kind `{kind}`")))
        } else {
            Ok(())
        }
    };
    let kind = match raw.kind.as_str() {
        "mlflow" => {
            unused("argv", raw.argv.is_some(), "mlflow")?;
            unused("url", raw.url.is_some(), "mlflow")?;
            RollbackKind::Mlflow
        }
        "oip" => {
            unused("argv", raw.argv.is_some(), "oip")?;
            let url = match (&raw.url, serving_url) {
                (Some(u), _) => Endpoint::plain(u).map_err(|m| ("url", format!("model `{model}`: {m}")))?,
                (None, Some(s)) => s.clone(),
                (None, None) => {
                    return Err(("url", format!("model `{model}`: an `oip` rollback needs `url` (or `serving.url`)")));
                }
            };
            let verify_input = match raw.verify_input.as_deref() {
                Some(text) => Some(
                    serde_json::from_str(text)
                        .map_err(|e| ("verify_input", format!("model `{model}`: verify_input is not JSON: {e}")))?,
                ),
                None => None,
            };
            RollbackKind::Oip { url, verify_input, ready_timeout: raw.ready_timeout.unwrap_or(DEFAULT_READY_TIMEOUT) }
        }
        "command" => {
            unused("url", raw.url.is_some(), "command")?;
            let argv = raw.argv.clone().unwrap_or_default();
            if argv.first().is_none_or(|p| p.trim().is_empty()) {
                return Err(("argv", format!("model `{model}`: a `command` rollback needs `argv` with a program")));
            }
            for element in &argv {
                for name in placeholders(element) {
                    if !HOOK_PLACEHOLDERS.contains(&name.as_str()) && !raw.vars.contains_key(&name) {
                        return Err((
                            "argv",
                            format!(
                                "model `{model}`: unknown placeholder `{{{name}}}` (known: {}, or define it in `vars`)",
                                HOOK_PLACEHOLDERS.join(", ")
                            ),
                        ));
                    }
                }
            }
            let timeout = raw.timeout.unwrap_or(DEFAULT_HOOK_TIMEOUT);
            if timeout.is_zero() {
                return Err(("timeout", format!("model `{model}`: timeout must be more than 0")));
            }
            RollbackKind::Command { argv, timeout }
        }
        other => {
            return Err((
                "kind",
                format!("model `{model}`: unknown rollback kind `{other}`, expected mlflow, oip or command"),
            ));
        }
    };
    Ok(ModelRollback {
        model: model.into(),
        registered_model,
        kind: Some(kind),
        vars: raw.vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        inference_service,
    })
}

/// The `{name}` placeholders in one template element (`{{` and `}}` are literal braces).
pub fn placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
            }
            '{' => {
                let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
                out.push(name);
            }
            _ => {}
        }
    }
    out
}

impl Governance {
    /// The facts its tags name: model-level tags first; a version's own tag wins for
    /// validation.
    pub fn facts(&self, model: &RegisteredModel, live: Option<&ModelVersion>) -> GovernanceFacts {
        let g = self;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_skip_escaped_braces() {
        assert_eq!(placeholders("deployment/{model}-{{x}}-{target}"), vec!["model", "target"]);
    }

    #[test]
    fn reserved_alias_is_refused() {
        let raw = FileGovernance { alias: Some("v3".into()), ..Default::default() };
        assert_eq!(governance(&raw, &FileCompare::default()).unwrap_err().0, "alias");
    }

    #[test]
    fn compare_window_and_metric_names_are_checked() {
        let half_hour = FileCompare { window: Some(Duration::from_secs(1800)), ..Default::default() };
        let settings = compare(&half_hour).unwrap();
        assert_eq!(settings.window, Duration::from_secs(1800));
        assert_eq!(settings.correct_metric, "model_predictions_correct_total");
        let short = FileCompare { window: Some(Duration::from_secs(10)), ..Default::default() };
        assert_eq!(compare(&short).unwrap_err().0, "window");
        let bad = FileCompare { correct_metric: Some("bad name".into()), ..Default::default() };
        assert_eq!(compare(&bad).unwrap_err().0, "correct_metric");
    }

    #[test]
    fn validation_is_case_insensitive() {
        let g = Governance::default();
        assert!(g.is_validated(Some("Approved")));
        assert!(!g.is_validated(Some("pending")));
        assert!(!g.is_validated(None));
    }
}
