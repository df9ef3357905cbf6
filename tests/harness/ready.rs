//! Waiting for the servers of a [`Stack`]: `/-/ready`, then Prometheus
//! wired to the Pushgateway and the Alertmanager.

use std::time::{Duration, Instant};

use super::process::{Role, Server, log_tail};
use super::{READY_TIMEOUT, Stack};

impl Stack {
    /// Waits until Prometheus has scraped the Pushgateway (and a running
    /// MLServer) once and knows every Alertmanager. Prometheus hands
    /// discovered targets to its scrape and notify loops only every 5 s, so
    /// without this the first push after a (re)start would take about 6 s to
    /// show up instead of about 1 s.
    ///
    /// Reads `/api/v1/targets` and `/api/v1/alertmanagers`, which do not count
    /// in [`Stack::query_request_count`].
    pub(super) async fn wait_wired(&mut self) {
        let targets_url = format!("{}/api/v1/targets?state=active", self.prometheus_url);
        let alertmanagers_url = format!("{}/api/v1/alertmanagers", self.prometheus_url);
        let alertmanagers: Vec<String> = self.alertmanager_ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let started = Instant::now();
        let deadline = started + READY_TIMEOUT;
        loop {
            // MLServer too, while it runs, so its metrics are queryable at once.
            let pools: &[&str] = if self.mlserver.is_some() { &["pushgateway", "mlserver"] } else { &["pushgateway"] };
            let scraped = self.get_json_quiet(&targets_url).await.is_some_and(|body| {
                body["data"]["activeTargets"].as_array().is_some_and(|targets| {
                    pools.iter().all(|pool| targets.iter().any(|t| t["scrapePool"] == *pool && t["health"] == "up"))
                })
            });
            let notifying = scraped
                && self.get_json_quiet(&alertmanagers_url).await.is_some_and(|body| {
                    body["data"]["activeAlertmanagers"].as_array().is_some_and(|ams| {
                        alertmanagers.iter().all(|address| {
                            ams.iter().any(|am| am["url"].as_str().is_some_and(|u| u.contains(address.as_str())))
                        })
                    })
                });
            if notifying {
                return;
            }
            let server = self.server_mut(Role::Prometheus);
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!(
                    "prometheus exited ({status}) before it scraped the pushgateway; end of {}:\n{}",
                    server.log.display(),
                    log_tail(&server.log)
                );
            }
            if Instant::now() >= deadline {
                panic!(
                    "prometheus did not scrape the pushgateway and find every alertmanager \
                     within {:?}; end of {}:\n{}",
                    READY_TIMEOUT,
                    server.log.display(),
                    log_tail(&server.log)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn server_mut(&mut self, role: Role) -> &mut Server {
        let server = match role {
            Role::Prometheus => self.prometheus.as_mut(),
            Role::Pushgateway => self.pushgateway.as_mut(),
            Role::Alertmanager(i) => self.alertmanagers.get_mut(i).and_then(Option::as_mut),
        };
        server.unwrap_or_else(|| panic!("{} is not running", role.name()))
    }

    /// Polls `GET /-/ready` until it answers 200. Panics with the end of the
    /// server's log on timeout or if the process exits.
    pub(super) async fn wait_ready(&mut self, role: Role) {
        let name = role.name();
        let port = match role {
            Role::Prometheus => self.prometheus_port,
            Role::Pushgateway => self.pushgateway_port,
            Role::Alertmanager(i) => self.alertmanager_port(i),
        };
        let url = format!("http://127.0.0.1:{port}/-/ready");
        let started = Instant::now();
        let deadline = started + READY_TIMEOUT;
        loop {
            let ready = match self.client.get(&url).timeout(Duration::from_secs(2)).send().await {
                Ok(response) => response.status().is_success(),
                Err(_) => false,
            };
            if ready {
                return;
            }
            let server = self.server_mut(role);
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!(
                    "{name} exited ({status}) before {url} was ready; end of {}:\n{}",
                    server.log.display(),
                    log_tail(&server.log)
                );
            }
            if Instant::now() >= deadline {
                panic!(
                    "{name} was not ready at {url} after {:?}; end of {}:\n{}",
                    READY_TIMEOUT,
                    server.log.display(),
                    log_tail(&server.log)
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
