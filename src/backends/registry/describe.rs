//! What a rollback through each backend sends, in order, as the confirmation shows it.

use crate::domain::{RollbackSpec, SpecBackend};

impl RollbackSpec {
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
                        crate::domain::duration::format(*ready_timeout)
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
            SpecBackend::Kubeflow { registry, inference_service, version_ids } => {
                let target_id = version_ids.iter().find(|(name, _)| name == target).map(|(_, id)| id.as_str());
                match (inference_service, target_id) {
                    (Some((id, name)), Some(version_id)) => vec![
                        crate::backends::kubeflow::describe_patch(registry, id, version_id),
                        format!("(InferenceService record `{name}`; version {target} is ModelVersion {version_id})"),
                        format!("then read back: GET …/inference_services/{id}"),
                    ],
                    (None, _) => vec!["no InferenceService record to re-point (see the warnings)".into()],
                    (Some(_), None) => vec![format!("the registry has no version {target}")],
                }
            }
            SpecBackend::Command { argv, timeout, .. } => {
                let values = self.values(model, environment, current, target);
                let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                match crate::backends::hook::render(argv, &pairs) {
                    Ok(argv) => vec![
                        format!("run (no shell): {}", crate::backends::hook::display(&argv)),
                        format!("timeout {}; exit code 0 means done", crate::domain::duration::format(*timeout)),
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
