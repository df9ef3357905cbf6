//! The outside systems a run talks to, as the ports the core uses: picked once, at start,
//! live from the config or the demo's simulation. A new outside system is a folder under
//! `backends/` that implements its port, and one line in [`Backends::live`].

use crate::domain::Redactor;
use std::sync::Arc;

use reqwest::Client;

use crate::backends::alertmanager::silences::SilenceClient;
use crate::backends::kubeflow::KubeflowRegistry;
use crate::backends::pipelines::PipelineClient;
use crate::backends::prometheus::charts::PrometheusCharts;
use crate::backends::registry::LiveRegistry;
use crate::config::Config;
use crate::config::registry::RegistryKind;
use crate::domain::ports::{Charts, Pipelines, Registry, Silences, SourceStarter};
use crate::sources::launch::LiveSources;

/// Everything the executor reaches outside the console.
pub struct Backends {
    /// Starts an environment's pollers.
    pub sources: Box<dyn SourceStarter>,
    pub pipelines: Arc<dyn Pipelines>,
    /// The label that names the model, for silence previews.
    pub model_label: String,
    /// The run's credentials, masked in every event that comes back (see `Event::redacted`).
    pub redactor: Redactor,
    /// One per configured environment, in order; never empty.
    environments: Vec<EnvironmentBackends>,
}

/// What one environment writes to and reads from.
#[derive(Clone)]
pub struct EnvironmentBackends {
    pub silences: Arc<dyn Silences>,
    pub registry: Arc<dyn Registry>,
    pub charts: Arc<dyn Charts>,
}

impl Backends {
    /// `environments` holds at least one entry (a config always has an environment).
    pub fn new(
        sources: Box<dyn SourceStarter>,
        pipelines: Arc<dyn Pipelines>,
        model_label: String,
        environments: Vec<EnvironmentBackends>,
    ) -> Backends {
        assert!(!environments.is_empty(), "backends for at least one environment");
        Backends { sources, pipelines, model_label, redactor: Redactor::default(), environments }
    }

    /// The configured servers, each reached through `client`.
    pub fn live(config: &Config, client: &Client) -> Backends {
        let environments = (0..config.environments.len())
            .map(|i| EnvironmentBackends {
                silences: Arc::new(SilenceClient::new(client.clone(), config.environment(i).alertmanagers.clone())),
                registry: match config.environment(i).registry_kind {
                    RegistryKind::Mlflow => Arc::new(LiveRegistry::new(config, i, client.clone())),
                    RegistryKind::Kubeflow { .. } => Arc::new(KubeflowRegistry::new(config, i, client.clone())),
                },
                charts: Arc::new(PrometheusCharts::new(config, i, client.clone())),
            })
            .collect();
        let sources = LiveSources { config: config.clone(), client: client.clone() };
        let pipelines = PipelineClient::new(client.clone());
        let mut backends =
            Backends::new(Box::new(sources), Arc::new(pipelines), config.discovery.model_label.clone(), environments);
        backends.redactor = Redactor::new(config.secrets());
        backends
    }

    /// Environment `index`'s backends; an index past the end means the last environment, as
    /// in the config.
    pub fn environment(&self, index: usize) -> &EnvironmentBackends {
        &self.environments[index.min(self.environments.len() - 1)]
    }
}
