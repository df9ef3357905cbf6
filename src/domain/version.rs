//! Model versions: what a registry lists, which one is live, the governance facts read from
//! its tags, and how a rollback would be done (a secret-free description of the backend).

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelVersion {
    pub version: String,
    pub created: Option<jiff::Timestamp>,
    pub source: String,
    pub run_id: String,
    pub description: String,
    pub status: String,
    /// Sorted by key.
    pub tags: Vec<(String, String)>,
    pub aliases: Vec<String>,
    /// The data the version was trained on, as its run logged it.
    pub lineage: Lineage,
}

/// What is known of the data a version was trained on.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Lineage {
    /// Not read: no run, past the cap of runs read per load, or the read failed.
    #[default]
    Unread,
    /// The registry keeps no lineage (the Kubeflow Model Registry).
    NotRecorded,
    /// The run's dataset inputs; empty when the run logged none.
    Datasets(Vec<DatasetInput>),
}

/// One dataset input of a training run (MLflow `run.inputs.dataset_inputs[]`), raw as read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DatasetInput {
    pub name: String,
    pub digest: String,
    pub source_type: String,
    pub source: String,
    /// The `mlflow.data.context` tag: training, evaluation…; empty when not tagged.
    pub context: String,
}

impl DatasetInput {
    /// `name@digest`, raw (views clean it).
    pub fn label(&self) -> String {
        if self.digest.is_empty() { self.name.clone() } else { format!("{}@{}", self.name, self.digest) }
    }
}

impl Lineage {
    /// `name@digest (context)` for each dataset, e.g. for the rollback confirmation and journal.
    pub fn summary(&self) -> Vec<String> {
        match self {
            Lineage::Datasets(sets) => sets
                .iter()
                .map(|d| if d.context.is_empty() { d.label() } else { format!("{} ({})", d.label(), d.context) })
                .collect(),
            Lineage::Unread | Lineage::NotRecorded => Vec::new(),
        }
    }
}

impl ModelVersion {
    pub fn tag(&self, key: &str) -> Option<&str> {
        find(&self.tags, key)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RegisteredModel {
    pub name: String,
    pub description: String,
    /// Sorted by key.
    pub tags: Vec<(String, String)>,
    /// `(alias, version)`, sorted by alias.
    pub aliases: Vec<(String, String)>,
    /// Newest first by numeric version.
    pub versions: Vec<ModelVersion>,
}

impl RegisteredModel {
    /// The version `alias` points at.
    pub fn alias(&self, alias: &str) -> Option<&str> {
        find(&self.aliases, alias)
    }

    pub fn tag(&self, key: &str) -> Option<&str> {
        find(&self.tags, key)
    }

    pub fn version(&self, v: &str) -> Option<&ModelVersion> {
        self.versions.iter().find(|m| m.version == v)
    }
}

fn find<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

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
    /// `PATCH <registry>/api/model_registry/v1alpha3/inference_services/{id}` with the
    /// target's `modelVersionId`, then a read-back (the Kubeflow Model Registry).
    Kubeflow {
        registry: String,
        /// The InferenceService record to re-point, `(id, name)`; `None` when none or
        /// several serve the model (the screen's warnings say which).
        inference_service: Option<(String, String)>,
        /// `(version name, ModelVersion id)` of every version.
        version_ids: Vec<(String, String)>,
    },
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
            SpecBackend::Kubeflow { .. } => "Kubeflow InferenceService record",
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
}
