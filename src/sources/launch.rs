//! Starts the real sources of an environment, one poller task each.

use std::sync::Arc;

use reqwest::Client;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use super::alertmanager::AlertmanagerSource;
use super::poller::{self, Schedule};
use super::prometheus::PrometheusSource;
use super::registry::RegistrySource;
use super::scrape::{self, ScrapeSource};
use crate::config::Config;
use crate::domain::Event;
use crate::domain::ports::SourceStarter;

/// The pollers of the configured Prometheus, Alertmanagers, registry and model endpoints.
pub struct LiveSources {
    pub config: Config,
    pub client: Client,
}

impl LiveSources {
    pub fn sources(&self, environment: usize) -> (PrometheusSource, AlertmanagerSource) {
        let env = self.config.environment(environment);
        let d = &self.config.discovery;
        (
            PrometheusSource::new(
                self.client.clone(),
                env.prometheus.clone(),
                self.config.columns.clone(),
                &d.model_label,
                &d.version_label,
                self.config.poll_budget,
            ),
            AlertmanagerSource::new(
                self.client.clone(),
                env.alertmanagers.clone(),
                &d.model_label,
                self.config.poll_budget,
            ),
        )
    }

    /// The registry's live versions, where the environment has a registry.
    pub fn registry_source(&self, environment: usize) -> Option<RegistrySource> {
        RegistrySource::for_environment(self.client.clone(), &self.config, environment)
    }
}

impl SourceStarter for LiveSources {
    fn start(
        &self,
        environment: usize,
        generation: u64,
        tx: &mpsc::UnboundedSender<Event>,
        refresh: &Arc<Notify>,
    ) -> Vec<JoinHandle<()>> {
        let schedule = Schedule::new(self.config.refresh, self.config.timeout);
        let (prometheus, alertmanager) = self.sources(environment);
        let mut tasks = vec![
            tokio::spawn(poller::run(prometheus, schedule, generation, tx.clone(), refresh.clone())),
            tokio::spawn(poller::run(alertmanager, schedule, generation, tx.clone(), refresh.clone())),
        ];
        if let Some(registry) = self.registry_source(environment) {
            tasks.push(tokio::spawn(poller::run(registry, schedule, generation, tx.clone(), refresh.clone())));
        }
        // The models' own endpoints, scraped whether or not Prometheus answers.
        for model in &self.config.models {
            let source = ScrapeSource::new(self.client.clone(), model.clone());
            tasks.push(tokio::spawn(scrape::run(source, schedule, tx.clone(), refresh.clone())));
        }
        tasks
    }
}
