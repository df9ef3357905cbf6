//! Firing alerts from Alertmanager API v2. With several peers (an HA cluster) the first
//! healthy one answers; the others are tried in order when it fails.

use std::sync::Arc;

use reqwest::Client;

use super::Source;
use super::http;
use super::parse::alertmanager as parse;
use crate::config::Endpoint;
use crate::domain::{AlertSnapshot, SourceData, SourceId};

#[derive(Clone)]
pub struct AlertmanagerSource {
    client: Client,
    peers: Arc<Vec<Endpoint>>,
    model_label: Arc<str>,
}

impl AlertmanagerSource {
    pub fn new(client: Client, peers: Vec<Endpoint>, model_label: &str) -> Self {
        AlertmanagerSource { client, peers: Arc::new(peers), model_label: model_label.into() }
    }

    pub async fn snapshot(&self) -> Result<AlertSnapshot, String> {
        if self.peers.is_empty() {
            return Err("no alertmanager configured".into());
        }
        let mut failures = Vec::new();
        for peer in self.peers.iter() {
            let result = async {
                let answer = http::get(&self.client, peer, "api/v2/alerts", &[]).await?;
                parse::parse_alerts(answer.status, &answer.body, &self.model_label).map_err(|e| e.to_string())
            }
            .await;
            match result {
                Ok(alerts) => return Ok(AlertSnapshot { alerts, peer: peer.url.to_string() }),
                Err(e) if self.peers.len() == 1 => return Err(e),
                Err(e) => failures.push(format!("{}: {e}", peer.url.host_str().unwrap_or("?"))),
            }
        }
        Err(failures.join("; "))
    }
}

impl Source for AlertmanagerSource {
    fn id(&self) -> SourceId {
        SourceId::Alertmanager
    }

    async fn fetch(&mut self) -> Result<SourceData, String> {
        self.snapshot().await.map(SourceData::Alerts)
    }
}
