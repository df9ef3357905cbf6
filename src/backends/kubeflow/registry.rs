//! An environment's Kubeflow Model Registry behind the `Registry` port: a model's versions
//! with their custom properties, the live one from its InferenceService record, and the
//! rollback that re-points that record.

use reqwest::Client;

use super::KubeflowClient;
use super::parse::{InferenceService, Model, Version};
use crate::backends::call::CallError;
use crate::config::Config;
use crate::config::registry::RegistryKind;
use crate::domain::ports::{BoxFuture, Registry};
use crate::domain::{Endpoint, Lineage, ModelVersion, RegisteredModel, RollbackPlan, RollbackResult};
use crate::domain::{RollbackSpec, SpecBackend, VersionsSnapshot};

pub struct KubeflowRegistry {
    pub(super) config: Config,
    pub(super) environment: usize,
    pub(super) client: Client,
}

impl Registry for KubeflowRegistry {
    fn load<'a>(&'a self, model: &'a str) -> BoxFuture<'a, Result<VersionsSnapshot, String>> {
        Box::pin(KubeflowRegistry::load(self, model))
    }

    fn rollback<'a>(&'a self, plan: &'a RollbackPlan) -> BoxFuture<'a, RollbackResult> {
        Box::pin(super::rollback::execute(plan, self))
    }
}

/// Where one modeldeck model lives in the registry.
pub(super) struct Target {
    pub registered_model: String,
    /// The InferenceService record by name, from `[[model]] inference_service`.
    pub inference_service: Option<String>,
    pub serving_environment: Option<String>,
}

/// A model as the registry holds it now: the registered model, its versions, and the
/// InferenceService records that serve it (in the serving environment, when one is named).
pub(super) struct Located {
    pub model: Model,
    pub versions: Vec<Version>,
    pub services: Vec<InferenceService>,
}

impl Located {
    /// The one record a rollback re-points, or why there is none.
    pub fn service(&self, target: &Target, model: &str) -> Result<&InferenceService, String> {
        let place = match &target.serving_environment {
            Some(env) => format!("serving environment `{env}`"),
            None => "the registry".to_string(),
        };
        if let Some(name) = &target.inference_service {
            return self
                .services
                .iter()
                .find(|s| &s.name == name)
                .ok_or_else(|| format!("no InferenceService record `{name}` serves {model} in {place}"));
        }
        let deployed: Vec<&InferenceService> =
            self.services.iter().filter(|s| !s.desired_state.eq_ignore_ascii_case("UNDEPLOYED")).collect();
        match deployed.as_slice() {
            [one] => Ok(one),
            [] => Err(format!("no deployed InferenceService record serves {model} in {place}")),
            several => {
                let names: Vec<&str> = several.iter().map(|s| s.name.as_str()).collect();
                Err(format!(
                    "{} InferenceService records serve {model} in {place} ({}): name one with `inference_service` in its [[model]] block",
                    several.len(),
                    names.join(", ")
                ))
            }
        }
    }

    /// The version `service` serves: its `modelVersionId`, else (as the API defines it) the
    /// latest version by creation order.
    pub fn served(&self, service: &InferenceService) -> Option<&Version> {
        match &service.model_version_id {
            Some(id) => self.versions.iter().find(|v| &v.id == id),
            None => self.versions.iter().max_by_key(|v| (v.created_ms, v.id.parse::<u64>().ok())),
        }
    }
}

impl KubeflowRegistry {
    pub fn new(config: &Config, environment: usize, client: Client) -> KubeflowRegistry {
        KubeflowRegistry { config: config.clone(), environment, client }
    }

    pub(super) fn endpoint(&self) -> Option<Endpoint> {
        self.config.environment(self.environment).registry.clone()
    }

    pub(super) fn target(&self, model: &str) -> Target {
        let own = self.config.rollbacks.iter().find(|r| r.model == model);
        let serving_environment = match &self.config.environment(self.environment).registry_kind {
            RegistryKind::Kubeflow { serving_environment } => serving_environment.clone(),
            RegistryKind::Mlflow => None,
        };
        Target {
            registered_model: own.map_or_else(|| model.to_string(), |r| r.registered_model.clone()),
            inference_service: own.and_then(|r| r.inference_service.clone()),
            serving_environment,
        }
    }

    async fn load(&self, model: &str) -> Result<VersionsSnapshot, String> {
        let g = &self.config.governance;
        let mut snapshot = VersionsSnapshot { model: model.into(), ..Default::default() };
        let Some(endpoint) = self.endpoint() else {
            snapshot.warnings.push("no registry is configured for this environment".into());
            return Ok(snapshot);
        };
        if let Some(kind) = self.config.rollbacks.iter().find(|r| r.model == model).and_then(|r| r.kind.as_ref()) {
            snapshot.warnings.push(format!(
                "the [[model]] rollback ({}) is not used with a Kubeflow registry: its InferenceService record is re-pointed",
                kind.label()
            ));
        }
        let target = self.target(model);
        let client = KubeflowClient::new(endpoint.clone(), self.client.clone());
        let located = locate(&client, &target).await.map_err(|e| format!("registry: {e}"))?;
        let service = located.service(&target, model);
        let live = service.as_ref().ok().and_then(|s| located.served(s));
        snapshot.live = live.map(|v| v.name.clone());
        match &service {
            Ok(s) if live.is_none() => snapshot.warnings.push(format!(
                "InferenceService record `{}` names ModelVersion {}, which is not a version of {}",
                s.name,
                s.model_version_id.as_deref().unwrap_or("(none)"),
                target.registered_model
            )),
            Ok(_) => {}
            Err(why) => snapshot.warnings.push(why.clone()),
        }
        let registered = registered_model(&located, &g.owner_tag);
        let live_version = snapshot.live.as_deref().and_then(|v| registered.version(v));
        snapshot.governance = g.facts(&registered, live_version);
        snapshot.spec = Some(RollbackSpec {
            backend: SpecBackend::Kubeflow {
                registry: super::shown_base(&endpoint),
                inference_service: service.ok().map(|s| (s.id.clone(), s.name.clone())),
                version_ids: located.versions.iter().map(|v| (v.name.clone(), v.id.clone())).collect(),
            },
            registered_model: target.registered_model.clone(),
            alias: g.alias.clone(),
            validation_tag: g.validation_tag.clone(),
            validated_values: g.validated_values.clone(),
            allow_override: g.allow_override,
        });
        snapshot.registered = Some(registered);
        snapshot.figures =
            crate::backends::registry::version_figures(&self.config, self.environment, &self.client, model).await;
        Ok(snapshot)
    }
}

/// Reads the model, its versions and its InferenceService records.
pub(super) async fn locate(client: &KubeflowClient, target: &Target) -> Result<Located, CallError> {
    let model = client.registered_model(&target.registered_model).await?;
    let versions = client.versions(&model.id).await?;
    let environment = client.serving_environment_id(target.serving_environment.as_deref()).await?;
    let mut services = client.inference_services(environment.as_deref()).await?;
    services.retain(|s| s.registered_model_id == model.id);
    Ok(Located { model, versions, services })
}

/// The registry's view in the console's terms: custom properties are the tags (the
/// model's `owner` field stands in for an owner property it lacks), a version's author is
/// its `author` tag, and each InferenceService record is an alias of the version it serves.
fn registered_model(located: &Located, owner_tag: &str) -> RegisteredModel {
    let m = &located.model;
    let mut tags = m.properties.clone();
    if let Some(owner) = &m.owner
        && !tags.iter().any(|(k, _)| k == owner_tag)
    {
        tags.push((owner_tag.to_string(), owner.clone()));
        tags.sort();
    }
    let served: Vec<(String, String)> =
        located.services.iter().filter_map(|s| Some((s.name.clone(), located.served(s)?.name.clone()))).collect();
    // Newest first, by creation time, as the other registries list them.
    let mut newest_first: Vec<&Version> = located.versions.iter().collect();
    newest_first.sort_by_key(|v| std::cmp::Reverse((v.created_ms, v.id.parse::<u64>().ok())));
    let versions = newest_first
        .into_iter()
        .map(|v| {
            let mut tags = v.properties.clone();
            if !v.author.is_empty() && !tags.iter().any(|(k, _)| k == "author") {
                tags.push(("author".into(), v.author.clone()));
                tags.sort();
            }
            ModelVersion {
                version: v.name.clone(),
                created: v.created(),
                description: v.description.clone(),
                status: v.state.clone(),
                tags,
                aliases: served.iter().filter(|(_, name)| name == &v.name).map(|(s, _)| s.clone()).collect(),
                lineage: Lineage::NotRecorded,
                ..Default::default()
            }
        })
        .collect();
    let mut aliases = served;
    aliases.sort();
    RegisteredModel { name: m.name.clone(), description: m.description.clone(), tags, aliases, versions }
}
