//! Which version every model serves according to the environment's registry: in MLflow
//! the version its alias (`[governance] alias`) points at, one `registered-models/search`
//! call per 1,000 models; in a Kubeflow Model Registry the version its InferenceService
//! record names, three paged lists per refresh. Never one request per model.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use reqwest::Client;

use super::Source;
use crate::backends::budget::Budget;
use crate::backends::call::http_error_text;
use crate::backends::http;
use crate::backends::kubeflow::KubeflowClient;
use crate::backends::mlflow::aliases::{AliasPage, parse_alias_page};
use crate::backends::mlflow::parse as mlflow_parse;
use crate::config::Config;
use crate::config::registry::RegistryKind;
use crate::domain::Endpoint;
use crate::domain::{RegistrySnapshot, SourceData, SourceId};

const SEARCH: &str = "api/2.0/mlflow/registered-models/search";
/// The most MLflow gives in one page.
const PAGE_SIZE: &str = "1000";
/// 100,000 models. A server that keeps handing out new page tokens is stopped here.
const MAX_PAGES: usize = 100;

/// What the registry is asked.
#[derive(Clone)]
enum Reads {
    /// MLflow: every model's alias.
    Alias(Arc<str>),
    /// Kubeflow: the InferenceService records of one serving environment (all when `None`),
    /// with the records `[[model]]` blocks name, as `(registered model, record)`.
    Records { serving_environment: Option<String>, named: Arc<Vec<(String, String)>> },
}

#[derive(Clone)]
pub struct RegistrySource {
    client: Client,
    endpoint: Arc<Endpoint>,
    reads: Reads,
    /// `(model, registered_model)` for every `[[model]]` whose registry name differs.
    renamed: Arc<Vec<(String, String)>>,
    /// Bytes the pages of one refresh may hold at once.
    budget: usize,
}

impl RegistrySource {
    /// The source of environment `environment`, or `None` when it has no registry.
    pub fn for_environment(client: Client, config: &Config, environment: usize) -> Option<RegistrySource> {
        let env = config.environment(environment);
        let endpoint = env.registry.clone()?;
        let reads = match &env.registry_kind {
            RegistryKind::Mlflow => Reads::Alias(config.governance.alias.as_str().into()),
            RegistryKind::Kubeflow { serving_environment } => Reads::Records {
                serving_environment: serving_environment.clone(),
                named: Arc::new(
                    config
                        .rollbacks
                        .iter()
                        .filter_map(|r| Some((r.registered_model.clone(), r.inference_service.clone()?)))
                        .collect(),
                ),
            },
        };
        let renamed = config
            .rollbacks
            .iter()
            .filter(|r| r.registered_model != r.model)
            .map(|r| (r.model.clone(), r.registered_model.clone()))
            .collect();
        Some(RegistrySource {
            client,
            endpoint: Arc::new(endpoint),
            reads,
            renamed: Arc::new(renamed),
            budget: config.poll_budget,
        })
    }

    pub async fn snapshot(&self) -> Result<RegistrySnapshot, String> {
        let started = Timestamp::now();
        let budget = Budget::new(self.budget);
        let registered = match &self.reads {
            Reads::Alias(alias) => self.aliases(alias, &budget).await?,
            Reads::Records { serving_environment, named } => {
                let client = KubeflowClient::within((*self.endpoint).clone(), self.client.clone(), budget);
                crate::backends::kubeflow::live::live_versions(&client, serving_environment.as_deref(), named)
                    .await
                    .map_err(|e| e.message().to_string())?
            }
        };
        Ok(RegistrySnapshot { live: by_model(registered, &self.renamed), started })
    }

    /// Every MLflow model's alias, page by page.
    async fn aliases(&self, alias: &str, budget: &Budget) -> Result<HashMap<String, String>, String> {
        let mut registered = HashMap::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self.page(alias, token.as_deref(), budget).await?;
            registered.extend(page.live);
            match page.next_page_token {
                Some(next) if Some(&next) != token.as_ref() => token = Some(next),
                _ => return Ok(registered),
            }
        }
        Err(format!("still paging after {MAX_PAGES} pages of {PAGE_SIZE} models"))
    }

    async fn page(&self, alias: &str, token: Option<&str>, budget: &Budget) -> Result<AliasPage, String> {
        let mut query = vec![("max_results", PAGE_SIZE)];
        query.extend(token.map(|t| ("page_token", t)));
        let answer = http::get_within(&self.client, &self.endpoint, SEARCH, &query, budget).await?;
        if !(200..300).contains(&answer.status) {
            return Err(
                mlflow_parse::parse_error(&answer.body).unwrap_or_else(|| http_error_text(answer.status, &answer.body))
            );
        }
        parse_alias_page(&answer.body, alias).map_err(|e| format!("unexpected answer from MLflow: {e}"))
    }
}

/// Registry names to fleet names: a `[[model]]` whose `registered_model` differs reads that
/// name's alias, and never a registered model that happens to share its fleet name.
fn by_model(mut live: HashMap<String, String>, renamed: &[(String, String)]) -> HashMap<String, String> {
    let moved: Vec<(&String, Option<String>)> =
        renamed.iter().map(|(model, registered)| (model, live.get(registered).cloned())).collect();
    for (model, version) in moved {
        match version {
            Some(version) => live.insert(model.clone(), version),
            None => live.remove(model),
        };
    }
    live
}

impl Source for RegistrySource {
    fn id(&self) -> SourceId {
        SourceId::Registry
    }

    async fn fetch(&mut self) -> Result<SourceData, String> {
        // The registry may quote the token it was sent: masked before it is logged or shown.
        self.snapshot().await.map(SourceData::Registry).map_err(|e| self.endpoint.redact(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renamed_models_read_their_registry_name() {
        let live: HashMap<String, String> =
            [("fraud", "3"), ("fraud-detector", "9"), ("churn", "7")].map(|(m, v)| (m.into(), v.into())).into();
        let renamed = [("fraud-detector".into(), "fraud".into()), ("search".into(), "not-registered".into())];
        let by = by_model(live, &renamed);
        assert_eq!(by.get("fraud-detector").map(String::as_str), Some("3"));
        assert_eq!(by.get("churn").map(String::as_str), Some("7"));
        assert_eq!(by.get("search"), None);
        let swapped = [("a".to_string(), "b".to_string()), ("b".to_string(), "a".to_string())];
        let by = by_model([("a", "1"), ("b", "2")].map(|(m, v)| (m.into(), v.into())).into(), &swapped);
        assert_eq!((by["a"].as_str(), by["b"].as_str()), ("2", "1"));
    }
}
