//! Firing alerts and silences from Alertmanager API v2. With several peers (an HA cluster)
//! every peer's health is checked each poll, and the first healthy one is read.

use std::sync::Arc;

use reqwest::Client;

use super::Source;
use crate::backends::alertmanager::feed::AlertFeed;
use crate::backends::alertmanager::parse;
use crate::backends::alertmanager::silences::SilenceClient;
use crate::backends::budget::Budget;
use crate::backends::http;
use crate::backends::streamed as http_stream;
use crate::domain::Endpoint;
use crate::domain::{Alert, AlertSnapshot, PeerHealth, SourceData, SourceId};

#[derive(Clone)]
pub struct AlertmanagerSource {
    client: Client,
    peers: Arc<Vec<Endpoint>>,
    model_label: Arc<str>,
    /// Bytes the answers of one poll (alerts, then silences) may hold at once.
    budget: usize,
    /// The alerts of the last answer, by fingerprint: the ones that come back unchanged are
    /// shared with the list the console still shows instead of held twice.
    previous: Vec<Arc<Alert>>,
}

impl AlertmanagerSource {
    pub fn new(client: Client, peers: Vec<Endpoint>, model_label: &str, budget: usize) -> Self {
        AlertmanagerSource {
            client,
            peers: Arc::new(peers),
            model_label: model_label.into(),
            budget,
            previous: Vec::new(),
        }
    }

    pub async fn snapshot(&self) -> Result<AlertSnapshot, String> {
        self.snapshot_reusing(&[]).await
    }

    /// As [`Self::snapshot`], an alert equal to one of `previous` (sorted by fingerprint)
    /// being that one.
    async fn snapshot_reusing(&self, previous: &[Arc<Alert>]) -> Result<AlertSnapshot, String> {
        if self.peers.is_empty() {
            return Err("no alertmanager configured".into());
        }
        let budget = Budget::new(self.budget);
        // Peers are read in order; the ones after the first healthy one only get a probe,
        // so the header can still say which are down.
        let mut peers = Vec::new();
        let mut answer = None;
        for peer in self.peers.iter() {
            if answer.is_some() {
                let error = match http::get_within(&self.client, peer, "-/healthy", &[], &budget).await {
                    Ok(a) if (200..300).contains(&a.status) => None,
                    Ok(a) => Some(format!("HTTP {}", a.status)),
                    Err(e) => Some(e),
                };
                peers.push(PeerHealth { url: peer.url.to_string(), error });
                continue;
            }
            // The silences are asked for at the same time, from the same peer: one round
            // trip instead of two. A peer whose alerts fail has its silences dropped.
            // Read as it arrives: the whole answer is never held.
            let alerts = async {
                let mut feed = AlertFeed::new(&self.model_label, previous);
                http_stream::get_streamed(&self.client, peer, "api/v2/alerts", &[], &budget, &mut feed).await?;
                feed.finish().map_err(|e| e.to_string())
            };
            let silences = SilenceClient::new(self.client.clone(), vec![peer.clone()]).within(budget.clone());
            let (result, silences) = tokio::join!(alerts, silences.list());
            match result {
                Ok(alerts) => {
                    peers.push(PeerHealth { url: peer.url.to_string(), error: None });
                    answer = Some((alerts, silences, peer.clone()));
                }
                Err(e) => peers.push(PeerHealth { url: peer.url.to_string(), error: Some(e) }),
            }
        }
        let Some((alerts, silences, peer)) = answer else {
            let reasons: Vec<String> =
                peers.iter().map(|p| format!("{}: {}", p.name(), p.error.as_deref().unwrap_or("?"))).collect();
            return Err(if self.peers.len() == 1 {
                peers[0].error.clone().unwrap_or_default()
            } else {
                reasons.join("; ")
            });
        };
        let silences = silences.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "silences unavailable");
            Vec::new()
        });
        Ok(AlertSnapshot { alerts, peer: peer.url.to_string(), silences, peers })
    }
}

impl Source for AlertmanagerSource {
    fn id(&self) -> SourceId {
        SourceId::Alertmanager
    }

    async fn fetch(&mut self) -> Result<SourceData, String> {
        // A peer may quote the token it was sent: masked before it is logged or shown.
        let peers = self.peers.clone();
        let previous = std::mem::take(&mut self.previous);
        let snapshot = self.snapshot_reusing(&previous).await;
        self.previous = match &snapshot {
            Ok(snapshot) => {
                let mut kept = snapshot.alerts.clone();
                parse::by_fingerprint(&mut kept);
                kept
            }
            Err(_) => previous,
        };
        snapshot.map(SourceData::Alerts).map_err(|e| peers.iter().fold(e, |text, peer| peer.redact(&text)))
    }
}
