//! The model screen's charts from Prometheus: the configured panels, one range query each.

use reqwest::Client;

use super::panels::panels;
use crate::config::Config;
use crate::config::Discovery;
use crate::config::detail::DetailConfig;
use crate::domain::ports::{BoxFuture, Charts};
use crate::domain::{DetailSnapshot, Endpoint, WindowComparison};

/// One environment's Prometheus, as the model screen reads it.
#[derive(Clone)]
pub struct PrometheusCharts {
    client: Client,
    endpoint: Endpoint,
    discovery: Discovery,
    detail: DetailConfig,
    compare: crate::config::rollback::CompareSettings,
}

impl PrometheusCharts {
    pub fn new(config: &Config, environment: usize, client: Client) -> PrometheusCharts {
        PrometheusCharts {
            client,
            endpoint: config.environment(environment).prometheus.clone(),
            discovery: config.discovery.clone(),
            detail: config.detail.clone(),
            compare: config.governance.compare.clone(),
        }
    }
}

impl Charts for PrometheusCharts {
    fn load<'a>(&'a self, model: &'a str, bounds: (f64, f64, f64)) -> BoxFuture<'a, Result<DetailSnapshot, String>> {
        Box::pin(async move {
            let panels = panels(model, &self.discovery, &self.detail);
            super::range::load(&self.client, &self.endpoint, model, &panels, bounds).await
        })
    }

    fn compare<'a>(
        &'a self,
        model: &'a str,
        window: std::time::Duration,
    ) -> BoxFuture<'a, Result<WindowComparison, String>> {
        Box::pin(async move {
            let accuracy = self.detail.quality.first().map(String::as_str);
            let queries = super::compare::queries(model, &self.discovery, &self.compare, accuracy, window);
            let label = &self.discovery.version_label;
            super::compare::load(&self.client, &self.endpoint, model, window, label, queries).await
        })
    }
}
