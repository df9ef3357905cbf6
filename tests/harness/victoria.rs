//! A real single-node VictoriaMetrics (Debian `victoria-metrics`, `/usr/bin/victoria-metrics`)
//! on 127.0.0.1 with its data in a temporary directory: a second implementation of the
//! Prometheus HTTP API, under `/api/v1/…` and again under `/prometheus/api/v1/…` (the shape
//! of the cluster version's `vmselect` paths, so a `path_prefix` can be tried against it).
//!
//! Samples go in through `/api/v1/import/prometheus` (text format, optional millisecond
//! timestamps). `-search.latencyOffset=0s` makes fresh points visible at once; the default
//! hides the last 30 s, and a push-then-query test would see nothing.

use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::process::{self, Server, free_ports, http_client, log_tail, require_binary};
use super::{READY_TIMEOUT, wait_for};

const VICTORIA_METRICS_BIN: &str = "victoria-metrics";

pub struct VictoriaMetrics {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    client: reqwest::Client,
    server: Option<Server>,
    // Declared last: the server is killed in `Drop::drop` before the directory goes.
    dir: TempDir,
}

impl VictoriaMetrics {
    /// Starts it and waits until `/health` answers; a second or less.
    pub async fn start() -> VictoriaMetrics {
        require_binary(VICTORIA_METRICS_BIN);
        let dir = tempfile::Builder::new().prefix("modeldeck-vm-").tempdir().expect("create a temporary directory");
        let port = free_ports(1)[0];
        let server = process::spawn(
            dir.path(),
            "victoria-metrics",
            VICTORIA_METRICS_BIN,
            &[
                format!("-httpListenAddr=127.0.0.1:{port}"),
                format!("-storageDataPath={}", dir.path().join("data").display()),
                "-retentionPeriod=1d".to_string(),
                "-search.latencyOffset=0s".to_string(),
            ],
        );
        let mut vm = VictoriaMetrics {
            url: format!("http://127.0.0.1:{port}"),
            client: http_client(),
            server: Some(server),
            dir,
        };
        vm.wait_healthy().await;
        vm
    }

    async fn wait_healthy(&mut self) {
        let url = format!("{}/health", self.url);
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(response) = self.client.get(&url).timeout(Duration::from_secs(2)).send().await
                && response.status().is_success()
            {
                return;
            }
            let server = self.server.as_mut().expect("running");
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("victoria-metrics exited ({status}); end of its log:\n{}", log_tail(&server.log));
            }
            if Instant::now() >= deadline {
                panic!("victoria-metrics not healthy after {READY_TIMEOUT:?}:\n{}", log_tail(&server.log));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Imports `text` (Prometheus text format; a sample may carry a millisecond timestamp,
    /// else it is stamped now). Asserts a 2xx answer.
    pub async fn import(&self, text: &str) {
        let url = format!("{}/api/v1/import/prometheus", self.url);
        let response =
            self.client.post(&url).body(text.to_string()).send().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "POST {url} answered {status}: {body}");
    }

    /// Waits until an instant query for `selector` at now returns `series` series: imported
    /// samples become searchable within about a second.
    pub async fn wait_series(&self, selector: &str, series: usize) {
        let url = format!("{}/api/v1/query", self.url);
        wait_for(&format!("{series} series of {selector} in VictoriaMetrics"), READY_TIMEOUT, || async {
            let Ok(response) = self.client.get(&url).query(&[("query", selector)]).send().await else {
                return false;
            };
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            body["data"]["result"].as_array().is_some_and(|r| r.len() == series)
        })
        .await;
    }
}

impl Drop for VictoriaMetrics {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.kill();
        }
    }
}
