//! `[[model]]` blocks: a model's own serving endpoint, scraped directly so that its live
//! figures stay on screen when Prometheus is down.

use std::path::PathBuf;

use super::error::{self, Scope};
use super::file::FileModel;
use super::{ConfigError, Endpoint, is_label_name};

/// Which server exposes the metrics; decides the metric names and the model label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServingKind {
    /// MLServer (and KServe's Open Inference Protocol metric names).
    Mlserver,
    /// NVIDIA Triton Inference Server.
    Triton,
    /// vLLM's OpenAI-compatible server.
    Vllm,
    /// Unknown server: the first of the known metric sets that it exposes.
    Generic,
}

impl ServingKind {
    pub const ALL: [ServingKind; 4] =
        [ServingKind::Mlserver, ServingKind::Triton, ServingKind::Vllm, ServingKind::Generic];

    pub fn from_key(key: &str) -> Option<ServingKind> {
        ServingKind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// The word used in the config file.
    pub fn key(self) -> &'static str {
        match self {
            ServingKind::Mlserver => "mlserver",
            ServingKind::Triton => "triton",
            ServingKind::Vllm => "vllm",
            ServingKind::Generic => "generic",
        }
    }

    /// The label that names the model on this server's per-model metrics.
    pub fn default_model_label(self) -> &'static str {
        match self {
            ServingKind::Vllm => "model_name",
            ServingKind::Mlserver | ServingKind::Triton | ServingKind::Generic => "model",
        }
    }
}

/// One configured model and where its server is.
#[derive(Debug, Clone)]
pub struct ModelServing {
    /// The model's name: the label value on its metrics and the name in OIP paths.
    pub name: String,
    pub kind: ServingKind,
    /// The full URL of the `/metrics` page.
    pub metrics: Endpoint,
    /// The Open Inference Protocol base URL, for the readiness check.
    pub url: Option<Endpoint>,
    /// The label carrying `name` on the per-model metrics.
    pub model_label: String,
    /// The version whose readiness is checked; unset checks the model as a whole.
    pub version: Option<String>,
}

/// Resolves every `[[model]]` block; errors point at the block's line for the key.
pub(super) fn resolve(
    raw: &[FileModel],
    text: &str,
    origin: Option<PathBuf>,
) -> Result<Vec<ModelServing>, ConfigError> {
    let mut models: Vec<ModelServing> = Vec::new();
    for (n, model) in raw.iter().enumerate() {
        let at = |key: &str, message: String| at_model(text, origin.clone(), n, key, message);
        let name = model.name.clone();
        if name.trim().is_empty() {
            return Err(at("name", "model name must not be empty".into()));
        }
        if raw[..n].iter().any(|m| m.name == name) {
            return Err(at("name", format!("model `{name}` is defined twice")));
        }
        let Some(serving) = &model.serving else { continue };
        let kind = ServingKind::from_key(&serving.kind).ok_or_else(|| {
            let known: Vec<_> = ServingKind::ALL.iter().map(|k| k.key()).collect();
            at("kind", format!("unknown serving kind `{}`, expected one of {}", serving.kind, known.join(", ")))
        })?;
        let metrics = Endpoint::plain(&serving.metrics).map_err(|m| at("metrics", format!("model `{name}`: {m}")))?;
        let url = match serving.url.as_deref() {
            Some(u) => Some(Endpoint::plain(u).map_err(|m| at("url", format!("model `{name}`: {m}")))?),
            None => None,
        };
        let model_label = serving.model_label.clone().unwrap_or_else(|| kind.default_model_label().to_string());
        if !is_label_name(&model_label) {
            return Err(at("model_label", format!("`{model_label}` is not a valid Prometheus label name")));
        }
        let version = serving.version.clone();
        if version.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(at("version", "version must not be empty; leave it out to check the model as a whole".into()));
        }
        models.push(ModelServing { name, kind, metrics, url, model_label, version });
    }
    Ok(models)
}

/// An error about the `n`-th `[[model]]` block (0-based), at the line that sets `key` in
/// it (inline `serving = { … }` and `[model.serving]` tables included), else at its header.
pub(super) fn at_model(text: &str, path: Option<PathBuf>, n: usize, key: &str, message: String) -> ConfigError {
    let lines: Vec<&str> = text.lines().collect();
    let Some(header) = lines.iter().enumerate().filter(|(_, l)| l.trim() == "[[model]]").nth(n).map(|(i, _)| i) else {
        return error::at_key(text, path, Scope::Top, key, message);
    };
    let end = lines[header + 1..]
        .iter()
        .position(|l| {
            let t = l.trim_start();
            t.starts_with('[') && !t.starts_with("[model.")
        })
        .map_or(lines.len(), |p| header + 1 + p);
    let block = lines[header..end].join("\n");
    let mut err = error::at_key(&block, path, Scope::Top, key, message);
    if let ConfigError::Invalid { line, .. } = &mut err {
        *line = Some(line.map_or(header + 1, |l| l + header));
    }
    err
}
