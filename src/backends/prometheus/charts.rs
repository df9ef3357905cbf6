//! The model screen's charts from Prometheus: the configured panels, one range query each.

use reqwest::Client;

use super::panels::panels;
use crate::config::Config;
use crate::config::Discovery;
use crate::config::detail::DetailConfig;
use crate::domain::ports::{BoxFuture, Charts};
use crate::domain::{DetailSnapshot, Endpoint};

/// One environment's Prometheus, as the model screen reads it.
#[derive(Clone)]
pub struct PrometheusCharts {
    client: Client,
    endpoint: Endpoint,
    discovery: Discovery,
    detail: DetailConfig,
}

impl PrometheusCharts {
    pub fn new(config: &Config, environment: usize, client: Client) -> PrometheusCharts {
        PrometheusCharts {
            client,
            endpoint: config.environment(environment).prometheus.clone(),
            discovery: config.discovery.clone(),
            detail: config.detail.clone(),
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
}
