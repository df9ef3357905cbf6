//! The Alertmanagers of a [`Stack`]: starting, stopping and reading them.
//!
//! Each has its own port, data directory (`alertmanager-data`,
//! `alertmanager-2-data`, ...) and log (`alertmanager.log`,
//! `alertmanager-2.log`, ...) and shares `alertmanager.yml`. Gossip is off,
//! so silences created on one are not seen by another, unless the stack was
//! started with `StackOptions::cluster`: then each also has a gossip port on
//! 127.0.0.1 and names every other peer's as `--cluster.peer`.

use super::process::{self, Role};
use super::{ALERTMANAGER_BIN, READY_TIMEOUT, STOP_TIMEOUT, Stack, wait_for};

impl Stack {
    /// Starts Alertmanager `i` (0-based) without waiting for it.
    pub(super) fn spawn_alertmanager(&mut self, i: usize) {
        let port = self.alertmanager_port(i);
        let data = self.path(&Self::alertmanager_data(i));
        let server = process::spawn(
            self.dir(),
            &Role::Alertmanager(i).name(),
            ALERTMANAGER_BIN,
            &[
                format!("--config.file={}", self.path("alertmanager.yml").display()),
                format!("--storage.path={}", data.display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
                format!("--web.external-url=http://127.0.0.1:{port}/"),
            ]
            .into_iter()
            .chain(self.cluster_args(i))
            .collect::<Vec<_>>(),
        );
        self.alertmanagers[i] = Some(server);
    }

    /// Gossip on loopback with every other peer, or, without a cluster, none at all (an
    /// empty listen address; the default listens on 0.0.0.0:9094). A peer started before
    /// the others logs failed joins and keeps retrying until they are up.
    fn cluster_args(&self, i: usize) -> Vec<String> {
        if self.cluster_ports.is_empty() {
            return vec!["--cluster.listen-address=".to_string()];
        }
        let mut args = vec![format!("--cluster.listen-address=127.0.0.1:{}", self.cluster_ports[i])];
        for (j, port) in self.cluster_ports.iter().enumerate() {
            if j != i {
                args.push(format!("--cluster.peer=127.0.0.1:{port}"));
            }
        }
        args
    }

    /// Waits until every running Alertmanager's `GET /api/v2/status` lists all running
    /// peers in its cluster and says `ready`: before that a silence may not reach them all.
    pub async fn wait_clustered(&self) {
        let running: Vec<usize> = (0..self.alertmanagers.len()).filter(|&i| self.alertmanagers[i].is_some()).collect();
        wait_for("the Alertmanager cluster to settle", READY_TIMEOUT, || async {
            let mut all = true;
            for &i in &running {
                let url = format!("http://127.0.0.1:{}/api/v2/status", self.alertmanager_port(i));
                let status = self.get_json_quiet(&url).await.unwrap_or_default();
                let peers = status["cluster"]["peers"].as_array().map_or(0, Vec::len);
                all &= status["cluster"]["status"] == "ready" && peers == running.len();
            }
            all
        })
        .await;
    }

    /// Kills Alertmanager `i` at once (SIGKILL, no goodbye to its cluster peers) and reaps
    /// it; its port then refuses connections.
    pub fn kill_alertmanager(&mut self, i: usize) {
        self.alertmanager_port(i);
        if let Some(server) = self.alertmanagers[i].take() {
            server.kill();
        }
    }

    /// `GET /api/v2/silences` on Alertmanager `i`: the bare array, expired ones included.
    pub async fn am_silences_at(&self, i: usize) -> serde_json::Value {
        let url = format!("http://127.0.0.1:{}/api/v2/silences", self.alertmanager_port(i));
        let text = self.get_text(&url).await;
        let value: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {url}: bad JSON: {e}: {text}"));
        assert!(value.is_array(), "GET {url}: expected an array: {value}");
        value
    }

    /// The data directory of Alertmanager `i`, relative to the stack's.
    pub(super) fn alertmanager_data(i: usize) -> String {
        match i {
            0 => "alertmanager-data".to_string(),
            i => format!("alertmanager-{}-data", i + 1),
        }
    }

    pub(super) fn alertmanager_port(&self, i: usize) -> u16 {
        *self
            .alertmanager_ports
            .get(i)
            .unwrap_or_else(|| panic!("the stack has {} alertmanager(s), not {}", self.alertmanager_ports.len(), i + 1))
    }

    /// Stops Alertmanager `i` (SIGTERM, then SIGKILL after a while) and
    /// reaps it; its port then refuses connections. Its port and data
    /// directory are kept for [`Stack::start_alertmanager`]. Prometheus
    /// keeps trying to send to it.
    pub async fn stop_alertmanager(&mut self, i: usize) {
        self.alertmanager_port(i);
        if let Some(server) = self.alertmanagers[i].take() {
            server.stop(STOP_TIMEOUT).await;
        }
    }

    /// Freezes Alertmanager `i` with SIGSTOP. The kernel still completes connections to its
    /// port and buffers what is sent, but nothing is answered until
    /// [`Stack::resume_alertmanager`]: a request whose answer never comes.
    pub fn pause_alertmanager(&mut self, i: usize) {
        self.alertmanager_port(i);
        if let Some(server) = self.alertmanagers[i].as_mut() {
            server.signal("STOP");
        }
    }

    /// Lets a paused Alertmanager `i` run again (SIGCONT); it then reads what was buffered.
    pub fn resume_alertmanager(&mut self, i: usize) {
        self.alertmanager_port(i);
        if let Some(server) = self.alertmanagers[i].as_mut() {
            server.signal("CONT");
        }
    }

    /// Starts Alertmanager `i` again on its port with its data directory
    /// and waits until it is ready. Does nothing if it is running. Alerts come back with
    /// Prometheus's next resend (up to a minute), not at once.
    pub async fn start_alertmanager(&mut self, i: usize) {
        self.alertmanager_port(i);
        if self.alertmanagers[i].is_some() {
            return;
        }
        self.spawn_alertmanager(i);
        self.wait_ready(Role::Alertmanager(i)).await;
    }

    /// `GET /api/v2/alerts` on the first Alertmanager: the bare array of
    /// alerts.
    pub async fn am_alerts(&self) -> serde_json::Value {
        self.am_alerts_at(0).await
    }

    /// `GET /api/v2/alerts` on Alertmanager `i`: the bare array of alerts.
    pub async fn am_alerts_at(&self, i: usize) -> serde_json::Value {
        let url = format!("http://127.0.0.1:{}/api/v2/alerts", self.alertmanager_port(i));
        let text = self.get_text(&url).await;
        let value: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {url}: bad JSON: {e}: {text}"));
        assert!(value.is_array(), "GET {url}: expected an array: {value}");
        value
    }
}
