//! The live model registry of an environment, composed from what its settings name: the
//! MLflow registry (versions, aliases, governance tags), an Open Inference Protocol server
//! (what is served), a command hook (how to roll back without either), and Prometheus (each
//! version's figures).

mod describe;
mod rollback;

use reqwest::Client;

use crate::backends::mlflow::MlflowClient;
use crate::backends::serving::oip::OipClient;
use crate::config::Config;
use crate::config::rollback::{Resolved, RollbackKind};
use crate::domain::ports::{BoxFuture, Registry};
use crate::domain::{ModelVersion, RegisteredModel, RollbackPlan, RollbackResult};
use crate::domain::{RollbackSpec, SpecBackend, VersionFigures, VersionsSnapshot};

pub struct LiveRegistry {
    config: Config,
    environment: usize,
    client: Client,
}

impl Registry for LiveRegistry {
    fn load<'a>(&'a self, model: &'a str) -> BoxFuture<'a, Result<VersionsSnapshot, String>> {
        Box::pin(LiveRegistry::load(self, model))
    }

    fn rollback<'a>(&'a self, plan: &'a RollbackPlan) -> BoxFuture<'a, RollbackResult> {
        Box::pin(rollback::execute(plan, self))
    }
}

impl LiveRegistry {
    pub fn new(config: &Config, environment: usize, client: Client) -> LiveRegistry {
        LiveRegistry { config: config.clone(), environment, client }
    }

    /// The environment's name, as a command hook's `{environment}` receives it.
    fn environment_name(&self) -> &str {
        &self.config.environment(self.environment).name
    }

    fn spec(&self, resolved: &Resolved) -> RollbackSpec {
        let g = &self.config.governance;
        let registry = resolved.registry.as_ref().map(|r| r.url.as_str().trim_end_matches('/').to_string());
        let backend = match &resolved.kind {
            RollbackKind::Mlflow => SpecBackend::Mlflow { registry: registry.unwrap_or_default() },
            RollbackKind::Oip { url, verify_input, ready_timeout } => SpecBackend::Oip {
                url: url.url.as_str().trim_end_matches('/').to_string(),
                verify: verify_input.is_some(),
                ready_timeout: *ready_timeout,
                registry,
            },
            RollbackKind::Command { argv, timeout } => {
                SpecBackend::Command { argv: argv.clone(), vars: resolved.vars.clone(), timeout: *timeout }
            }
        };
        RollbackSpec {
            backend,
            registered_model: resolved.registered_model.clone(),
            alias: g.alias.clone(),
            validation_tag: g.validation_tag.clone(),
            validated_values: g.validated_values.clone(),
            allow_override: g.allow_override,
        }
    }

    async fn load(&self, model: &str) -> Result<VersionsSnapshot, String> {
        let g = &self.config.governance;
        let resolved = self.config.rollback_for(self.environment, model);
        let mut snapshot = VersionsSnapshot { model: model.into(), ..Default::default() };
        let Some(resolved) = resolved else {
            snapshot.warnings.push("no registry and no rollback are configured for this model".into());
            return Ok(snapshot);
        };
        snapshot.spec = Some(self.spec(&resolved));
        if let Some(registry) = &resolved.registry {
            let client = MlflowClient::new(registry.clone(), self.client.clone());
            let mut registered =
                client.model(&resolved.registered_model).await.map_err(|e| format!("registry: {e}"))?;
            snapshot.live = registered.alias(&g.alias).map(str::to_string);
            let live = snapshot.live.as_deref().and_then(|v| registered.version(v));
            snapshot.governance = g.facts(&registered, live);
            read_lineage(&client, &mut registered.versions, &mut snapshot.warnings).await;
            snapshot.registered = Some(registered);
        }
        if let RollbackKind::Oip { url, .. } = &resolved.kind {
            match OipClient::new(url.clone(), self.client.clone()).index().await {
                Ok(index) => {
                    let served: Vec<_> = index.into_iter().filter(|m| m.name == model).collect();
                    match snapshot.registered.as_mut() {
                        // The serving state of each registry version, where the server has it.
                        Some(registered) => {
                            for v in &mut registered.versions {
                                if let Some(s) = served.iter().find(|s| s.version.as_deref() == Some(&v.version)) {
                                    v.status = format!("{} / served: {}", v.status, s.state);
                                }
                            }
                        }
                        None => {
                            let versions = served
                                .iter()
                                .map(|s| ModelVersion {
                                    version: s.version.clone().unwrap_or_default(),
                                    status: s.state.clone(),
                                    description: s.reason.clone(),
                                    ..Default::default()
                                })
                                .collect();
                            snapshot.registered =
                                Some(RegisteredModel { name: model.into(), versions, ..Default::default() });
                        }
                    }
                }
                Err(e) => snapshot.warnings.push(format!("serving repository: {e}")),
            }
        }
        if snapshot.registered.is_none() && matches!(resolved.kind, RollbackKind::Command { .. }) {
            // Without a registry the command decides what "back" means (the previous
            // rollout, the previous Helm revision): one target stands for it.
            let previous = ModelVersion {
                version: "previous".into(),
                description: "whatever the command rolls back to (no registry to list versions)".into(),
                status: "command".into(),
                ..Default::default()
            };
            snapshot.registered =
                Some(RegisteredModel { name: model.into(), versions: vec![previous], ..Default::default() });
        }
        if resolved.registry.is_none()
            && let Some(spec) = snapshot.spec.as_mut()
        {
            // No registry, no validation tags: the gate has nothing to read.
            spec.validation_tag.clear();
            snapshot.warnings.push("no registry: versions are not validated here".into());
        }
        snapshot.figures = version_figures(&self.config, self.environment, &self.client, model).await;
        Ok(snapshot)
    }
}

/// Runs read per load for lineage: the newest versions, about a screen's worth; older ones
/// stay unread rather than one load costing a request per version ever registered.
pub const LINEAGE_RUNS: usize = 20;

/// The dataset inputs of the newest [`LINEAGE_RUNS`] versions that name a run, one
/// `runs/get` each; a failed read leaves that version unread and says so once.
async fn read_lineage(client: &MlflowClient, versions: &mut [ModelVersion], warnings: &mut Vec<String>) {
    let mut failed = None;
    for version in versions.iter_mut().filter(|v| !v.run_id.is_empty()).take(LINEAGE_RUNS) {
        match client.run_datasets(&version.run_id).await {
            Ok(sets) => version.lineage = crate::domain::Lineage::Datasets(sets),
            Err(e) => failed = failed.or(Some(format!("lineage of version {}: {e}", version.version))),
        }
    }
    warnings.extend(failed);
}

/// Accuracy and p95 latency per version of `model` in environment `environment`, one query
/// each; empty where Prometheus has no version label on them. Every registry shows these.
pub async fn version_figures(config: &Config, environment: usize, client: &Client, model: &str) -> Vec<VersionFigures> {
    let d = &config.discovery;
    let endpoint = &config.environment(environment).prometheus;
    let selector = crate::backends::prometheus::promql::label_equals(&d.model_label, model);
    let v = &d.version_label;
    let accuracy = config.detail.quality.first().map(|m| format!("max by ({v}) ({m}{{{selector}}})"));
    let latency = format!(
        "histogram_quantile(0.95, sum by ({v}, le) (rate(model_infer_request_duration_bucket{{{selector}}}[5m])))"
    );
    let query = |promql: String| async move {
        let answer = crate::backends::http::get(client, endpoint, "api/v1/query", &[("query", &promql)]).await;
        answer
            .ok()
            .and_then(|a| crate::backends::prometheus::parse::parse_vector(a.status, &a.body, v).ok())
            .unwrap_or_default()
    };
    let accuracy = match accuracy {
        Some(q) => query(q).await,
        None => Default::default(),
    };
    let latency = query(latency).await;
    let mut versions: Vec<&String> = accuracy.keys().chain(latency.keys()).collect();
    versions.sort();
    versions.dedup();
    versions
        .into_iter()
        .map(|version| VersionFigures {
            version: version.clone(),
            accuracy: accuracy.get(version).copied().filter(|x| x.is_finite()),
            latency: latency.get(version).copied().filter(|x| x.is_finite()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::test_server::{TestServer, response};
    use crate::domain::Lineage;
    use std::time::Duration;

    /// Versions 1..=n, newest first; every third has no run.
    fn versions(n: usize) -> Vec<ModelVersion> {
        (1..=n)
            .rev()
            .map(|i| ModelVersion {
                version: i.to_string(),
                run_id: if i % 3 == 0 { String::new() } else { format!("run{i}") },
                ..Default::default()
            })
            .collect()
    }

    #[tokio::test]
    async fn lineage_is_read_for_the_newest_runs_only() {
        let server = TestServer::start(|line| {
            let body = if line.contains("run_id=run38") {
                r#"{"run": {"info": {}}}"#.to_string()
            } else {
                r#"{"run": {"inputs": {"dataset_inputs": [{"dataset": {"name": "tx", "digest": "d"}}]}}}"#.into()
            };
            Some(response("200 OK", "application/json", &body))
        })
        .await;
        let client =
            MlflowClient::new(server.endpoint(), crate::backends::http::client(Duration::from_secs(5)).unwrap());
        let mut read = versions(40);
        let mut warnings = Vec::new();
        read_lineage(&client, &mut read, &mut warnings).await;
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(server.count("GET"), LINEAGE_RUNS);
        let with_run: Vec<&ModelVersion> = read.iter().filter(|v| !v.run_id.is_empty()).collect();
        assert!(with_run[..LINEAGE_RUNS].iter().all(|v| matches!(&v.lineage, Lineage::Datasets(_))));
        assert!(with_run[LINEAGE_RUNS..].iter().all(|v| v.lineage == Lineage::Unread));
        assert!(read.iter().filter(|v| v.run_id.is_empty()).all(|v| v.lineage == Lineage::Unread));
        assert_eq!(read.iter().find(|v| v.version == "38").unwrap().lineage, Lineage::Datasets(Vec::new()));
        assert_eq!(read[0].lineage.summary(), ["tx@d"]);
    }

    #[tokio::test]
    async fn a_failed_read_leaves_the_version_unread_and_warns_once() {
        let server = TestServer::start(|_| Some(response("500 Internal Server Error", "text/plain", "boom"))).await;
        let client =
            MlflowClient::new(server.endpoint(), crate::backends::http::client(Duration::from_secs(5)).unwrap());
        let mut read = versions(2);
        let mut warnings = Vec::new();
        read_lineage(&client, &mut read, &mut warnings).await;
        assert!(read.iter().all(|v| v.lineage == Lineage::Unread));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].starts_with("lineage of version 2:"), "{warnings:?}");
    }
}
