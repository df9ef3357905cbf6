//! Which version every model serves according to a Kubeflow Model Registry: the version
//! its InferenceService record names, read with three lists per refresh (registered
//! models, InferenceService records, model versions), never one request per model.

use std::collections::HashMap;

use super::KubeflowClient;
use super::parse::{InferenceService, Model, Version};
use crate::backends::call::CallError;

/// Registered model name → the version name its record serves, for the records of the
/// serving environment `environment` (all records when `None`). `named` holds
/// `(registered model, record name)` for models whose record is chosen by name.
pub async fn live_versions(
    client: &KubeflowClient,
    environment: Option<&str>,
    named: &[(String, String)],
) -> Result<HashMap<String, String>, CallError> {
    let environment_id = client.serving_environment_id(environment).await?;
    let services = client.inference_services(environment_id.as_deref()).await?;
    if services.is_empty() {
        return Ok(HashMap::new());
    }
    let models = client.registered_models().await?;
    let versions = client.all_versions().await?;
    Ok(served(&models, &versions, &services, named))
}

/// The pure part of [`live_versions`]. A model counts when `named` picks its record, or
/// when it has exactly one deployed record; several, and VER keeps Prometheus's version.
/// A record without `modelVersionId` serves the model's newest version.
pub fn served(
    models: &[Model],
    versions: &[Version],
    services: &[InferenceService],
    named: &[(String, String)],
) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for model in models {
        let own: Vec<&InferenceService> = services.iter().filter(|s| s.registered_model_id == model.id).collect();
        let record = match named.iter().find(|(m, _)| m == &model.name) {
            Some((_, name)) => own.iter().find(|s| &s.name == name).copied(),
            None => {
                let mut deployed = own.iter().filter(|s| !s.desired_state.eq_ignore_ascii_case("UNDEPLOYED"));
                match (deployed.next(), deployed.next()) {
                    (Some(one), None) => Some(*one),
                    _ => None,
                }
            }
        };
        let Some(record) = record else { continue };
        let version = match &record.model_version_id {
            Some(id) => versions.iter().find(|v| &v.id == id && v.registered_model_id == model.id),
            None => versions
                .iter()
                .filter(|v| v.registered_model_id == model.id)
                .max_by_key(|v| (v.created_ms, v.id.parse::<u64>().ok())),
        };
        if let Some(v) = version {
            out.insert(model.name.clone(), v.name.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(id: &str, name: &str) -> Model {
        Model { id: id.into(), name: name.into(), ..Default::default() }
    }

    fn version(id: &str, model: &str, name: &str, created: i64) -> Version {
        Version {
            id: id.into(),
            registered_model_id: model.into(),
            name: name.into(),
            created_ms: Some(created),
            ..Default::default()
        }
    }

    fn record(name: &str, model: &str, version: Option<&str>, state: &str) -> InferenceService {
        InferenceService {
            id: format!("{name}-id"),
            name: name.into(),
            registered_model_id: model.into(),
            model_version_id: version.map(str::to_string),
            desired_state: state.into(),
            ..Default::default()
        }
    }

    #[test]
    fn each_model_serves_what_its_one_record_names() {
        let models = [model("1", "fraud"), model("2", "churn"), model("3", "search"), model("4", "ranker")];
        let versions = [
            version("10", "1", "v1", 100),
            version("11", "1", "v2", 200),
            version("20", "2", "a", 100),
            version("21", "2", "b", 300),
            version("30", "3", "x", 100),
        ];
        let records = [
            record("fraud-prod", "1", Some("10"), "DEPLOYED"),
            record("fraud-old", "1", Some("11"), "UNDEPLOYED"),
            record("churn-prod", "2", None, ""),
            record("search-blue", "3", Some("30"), "DEPLOYED"),
            record("search-green", "3", Some("30"), "DEPLOYED"),
            record("ranker", "4", Some("20"), "DEPLOYED"),
        ];
        let live = served(&models, &versions, &records, &[]);
        assert_eq!(live.get("fraud").map(String::as_str), Some("v1"), "the undeployed record does not count");
        assert_eq!(live.get("churn").map(String::as_str), Some("b"), "no modelVersionId: the newest");
        assert_eq!(live.get("search"), None, "two deployed records and none named");
        assert_eq!(live.get("ranker"), None, "a version of another model is never taken");
        let named = [("search".to_string(), "search-green".to_string())];
        assert_eq!(served(&models, &versions, &records, &named).get("search").map(String::as_str), Some("x"));
    }
}
