//! Integration-test harness: a real Prometheus, one or more Alertmanagers
//! and a Pushgateway on 127.0.0.1, optionally with MLServer and with
//! backfilled history.
//!
//! Test files include it with `mod harness;`. Each [`Stack`] gets its own
//! free ports and its own temporary directory (configs, data, logs), so tests
//! in the same binary can run in parallel. Every process is killed and reaped
//! when the `Stack` is dropped, also when a test panics.
//!
//! The binaries come from the Debian packages `prometheus`,
//! `prometheus-alertmanager` and `prometheus-pushgateway`; `scripts/test`
//! installs them, and MLServer's virtualenv.
//!
//! Layout: this file holds the [`Stack`] API and [`wait_for`];
//! `alertmanagers` starts, stops and reads the Alertmanagers, `process`
//! spawns, stops and kills the servers, `ready` waits for them, `config`
//! writes their configuration files and `exposition` reads and writes the
//! Prometheus text format. `mlserver` runs MLServer and `backfill` writes
//! history into Prometheus's data directory before it starts. `mlflow` runs an
//! MLflow registry of its own, apart from any [`Stack`]; `victoria` a
//! VictoriaMetrics (Debian `victoria-metrics`); `postgres` a temporary
//! PostgreSQL cluster, also apart; and `kubeflow` a stand-in Kubeflow Model Registry that
//! checks every exchange against the registry's OpenAPI spec.
#![allow(dead_code, unused_imports)]

mod airflow;
mod alertmanagers;
mod backfill;
mod config;
mod exposition;
mod kubeflow;
mod mlflow;
mod mlserver;
mod postgres;
mod process;
mod ready;
mod victoria;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tempfile::TempDir;

pub use airflow::Airflow;
pub use backfill::{Backfill, backfilled_accuracy, backfilled_drift, backfilled_model, backfilled_version};
pub use exposition::metrics_text;
use exposition::sum_query_requests;
pub use kubeflow::{KubeflowRegistry, TOKEN as KUBEFLOW_TOKEN};
pub use mlflow::Mlflow;
pub use postgres::Postgres;
use process::{Role, Server, free_ports, http_client, require_binary};
pub use victoria::VictoriaMetrics;

const PROMETHEUS_BIN: &str = "prometheus";
const ALERTMANAGER_BIN: &str = "prometheus-alertmanager";
const PUSHGATEWAY_BIN: &str = "prometheus-pushgateway";

/// How long a server may take to answer `/-/ready`. Generous, because the
/// tests often share two cores with a running `cargo build`.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `stop_prometheus` waits for a graceful exit before SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// A Prometheus, one or more Alertmanagers and a Pushgateway, started for
/// one test.
///
/// Prometheus scrapes the Pushgateway every second (`honor_labels: true`),
/// evaluates the rules below every second and sends alerts to every
/// Alertmanager:
///
/// * `ModelAccuracyLow`: `model_accuracy < 0.9`, for 0s, severity critical;
/// * `ModelDriftHigh`: `model_drift_score > 0.25`, for 0s, severity warning;
/// * `ModelErrorsSlowBurn`: `model_error_probe > 0`, for 1h, severity warning
///   (stays pending).
///
/// Several Alertmanagers do not gossip (no cluster): each keeps its own
/// silences, as two peers of a cluster would during a network split. With
/// `StackOptions::cluster` they gossip as one HA cluster on loopback instead.
pub struct Stack {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub prometheus_url: String,
    /// The first Alertmanager, `alertmanager_urls[0]`.
    pub alertmanager_url: String,
    /// Every Alertmanager, `http://127.0.0.1:PORT`, no trailing slash.
    pub alertmanager_urls: Vec<String>,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub pushgateway_url: String,
    /// MLServer's REST API, `http://127.0.0.1:PORT`, with `StackOptions::mlserver`.
    pub mlserver_url: Option<String>,
    /// MLServer's metrics, `http://127.0.0.1:PORT/metrics`, with `StackOptions::mlserver`.
    pub mlserver_metrics_url: Option<String>,
    client: reqwest::Client,
    prometheus_port: u16,
    alertmanager_ports: Vec<u16>,
    /// The Alertmanagers' gossip ports with `StackOptions::cluster`; empty without.
    cluster_ports: Vec<u16>,
    pushgateway_port: u16,
    prometheus: Option<Server>,
    /// One slot per Alertmanager; `None` while it is stopped.
    alertmanagers: Vec<Option<Server>>,
    pushgateway: Option<Server>,
    mlserver: Option<Server>,
    mlserver_ports: Option<mlserver::MlserverPorts>,
    backfill_end: Option<Timestamp>,
    // Declared last: fields drop in order, and the servers are killed in
    // `Drop::drop` before any field, so the directory outlives them.
    dir: TempDir,
}

/// What [`Stack::start_with`] starts; build it with `..Default::default()`.
#[derive(Debug, Clone, Copy)]
pub struct StackOptions {
    /// How many Alertmanagers (at least 1).
    pub alertmanagers: usize,
    /// The Alertmanagers gossip as one HA cluster (silences made on one reach
    /// the others); [`Stack::start_with`] then also waits until every peer
    /// sees all the others.
    pub cluster: bool,
    /// Also run MLServer with the `iris` model, scraped by Prometheus.
    pub mlserver: bool,
    /// MLServer infers in its own process (`parallel_workers` 0) and serves the default
    /// registry's metrics, with its `process_*` series (labelled `model="iris"` by the
    /// scrape config), instead of the worker processes' set.
    pub mlserver_in_process: bool,
    /// History to write into Prometheus's data directory before it starts.
    pub backfill: Option<Backfill>,
    /// Series a test recorded, written like `backfill`: OpenMetrics text (without `# EOF`)
    /// for a history that ends at the given Unix second.
    pub recorded: Option<fn(i64) -> String>,
}

impl Default for StackOptions {
    fn default() -> Self {
        StackOptions {
            alertmanagers: 1,
            cluster: false,
            mlserver: false,
            mlserver_in_process: false,
            backfill: None,
            recorded: None,
        }
    }
}

impl Stack {
    /// Starts the three servers and waits until each answers `/-/ready`,
    /// then until Prometheus has scraped the Pushgateway and found the
    /// Alertmanager (about 5 s: Prometheus applies discovered targets on a
    /// fixed 5 s tick). After that, a push shows up in queries within about
    /// 1 s and a `for: 0s` alert reaches the Alertmanager within about 2 s.
    ///
    /// Panics if a binary is missing (run `scripts/test`) or a server does
    /// not become ready in time (the message includes the end of its log).
    pub async fn start() -> Stack {
        Stack::start_with(StackOptions::default()).await
    }

    /// As [`Stack::start`], with `options.alertmanagers` Alertmanagers;
    /// Prometheus waits until it knows all of them. With `options.mlserver`
    /// it also waits for MLServer (about 10 s) and Prometheus's first scrape
    /// of it; `options.backfill` runs `promtool` first (a few seconds).
    pub async fn start_with(options: StackOptions) -> Stack {
        assert!(options.alertmanagers >= 1, "a stack needs at least one Alertmanager");
        for bin in [PUSHGATEWAY_BIN, ALERTMANAGER_BIN, PROMETHEUS_BIN] {
            require_binary(bin);
        }
        let dir = tempfile::Builder::new()
            .prefix("modeldeck-it-")
            .tempdir()
            .expect("create a temporary directory for the test stack");
        let mlserver_ports = if options.mlserver { 3 } else { 0 };
        let cluster_ports = if options.cluster { options.alertmanagers } else { 0 };
        let ports = free_ports(2 + mlserver_ports + options.alertmanagers + cluster_ports);
        let (prometheus_port, pushgateway_port) = (ports[0], ports[1]);
        let first_alertmanager = 2 + mlserver_ports;
        let alertmanager_ports = ports[first_alertmanager..first_alertmanager + options.alertmanagers].to_vec();
        let cluster_ports = ports[first_alertmanager + options.alertmanagers..].to_vec();
        let alertmanager_urls: Vec<String> =
            alertmanager_ports.iter().map(|port| format!("http://127.0.0.1:{port}")).collect();

        // The Stack exists before the first child does, so a panic anywhere
        // below still kills whatever was already started.
        let mut stack = Stack {
            prometheus_url: format!("http://127.0.0.1:{prometheus_port}"),
            alertmanager_url: alertmanager_urls[0].clone(),
            alertmanager_urls,
            pushgateway_url: format!("http://127.0.0.1:{pushgateway_port}"),
            mlserver_url: None,
            mlserver_metrics_url: None,
            client: http_client(),
            prometheus_port,
            alertmanagers: alertmanager_ports.iter().map(|_| None).collect(),
            alertmanager_ports,
            cluster_ports,
            pushgateway_port,
            prometheus: None,
            pushgateway: None,
            mlserver: None,
            mlserver_ports: None,
            backfill_end: None,
            dir,
        };
        if options.mlserver {
            // First: it takes longest to become ready.
            let ports = mlserver::MlserverPorts { http: ports[2], grpc: ports[3], metrics: ports[4] };
            stack.spawn_mlserver(ports, if options.mlserver_in_process { 0 } else { 1 });
        }
        stack.write_configs();
        if let Some(backfill) = &options.backfill {
            let data = stack.path("prometheus-data");
            stack.backfill_end = Some(backfill::create_blocks(stack.dir(), &data, backfill));
        }
        if let Some(recorded) = options.recorded {
            let data = stack.path("prometheus-data");
            stack.backfill_end = Some(backfill::create_recorded_blocks(stack.dir(), &data, recorded));
        }

        let pushgateway = process::spawn(
            stack.dir(),
            &Role::Pushgateway.name(),
            PUSHGATEWAY_BIN,
            &[
                format!("--web.listen-address=127.0.0.1:{pushgateway_port}"),
                "--web.enable-admin-api".to_string(),
                // Empty: memory only. Debian's default file would persist
                // groups across runs and share them between stacks.
                "--persistence.file=".to_string(),
            ],
        );
        stack.pushgateway = Some(pushgateway);
        for i in 0..options.alertmanagers {
            stack.spawn_alertmanager(i);
        }

        stack.wait_ready(Role::Pushgateway).await;
        for i in 0..options.alertmanagers {
            stack.wait_ready(Role::Alertmanager(i)).await;
        }
        if options.cluster {
            stack.wait_clustered().await;
        }
        if options.mlserver {
            stack.wait_mlserver_ready().await;
        }
        stack.start_prometheus().await;
        stack
    }

    /// Pushes `body` (Prometheus text format, with `# TYPE` lines) to the
    /// group `job`/`instance` with POST, which replaces only the metric names
    /// present in the body. Asserts a 2xx answer. A missing trailing newline
    /// is added.
    pub async fn push(&self, job: &str, instance: &str, body: &str) {
        let mut body = body.to_string();
        if !body.ends_with('\n') {
            body.push('\n');
        }
        let url = self.group_url(job, instance);
        let response =
            self.client.post(url.clone()).body(body.clone()).send().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "POST {url} answered {status}: {text}\nbody:\n{body}");
    }

    /// Deletes the group `job`/`instance` from the Pushgateway.
    pub async fn delete_group(&self, job: &str, instance: &str) {
        let url = self.group_url(job, instance);
        let response = self.client.delete(url.clone()).send().await.unwrap_or_else(|e| panic!("DELETE {url}: {e}"));
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "DELETE {url} answered {status}: {text}");
    }

    /// Stops Prometheus (SIGTERM, then SIGKILL after a while) and reaps it.
    /// Its port and data directory are kept for [`Stack::start_prometheus`].
    pub async fn stop_prometheus(&mut self) {
        if let Some(server) = self.prometheus.take() {
            server.stop(STOP_TIMEOUT).await;
        }
    }

    /// Starts Prometheus on the stack's port with the stack's data directory
    /// and waits until it is ready and has scraped the Pushgateway once
    /// (about 5 s). Does nothing if it is running.
    pub async fn start_prometheus(&mut self) {
        if self.prometheus.is_some() {
            return;
        }
        let port = self.prometheus_port;
        let server = process::spawn(
            self.dir(),
            &Role::Prometheus.name(),
            PROMETHEUS_BIN,
            &[
                format!("--config.file={}", self.path("prometheus.yml").display()),
                format!("--storage.tsdb.path={}", self.path("prometheus-data").display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
                format!("--web.external-url=http://127.0.0.1:{port}/"),
                // Above any backfilled history, which would otherwise go
                // once it is older than the default 15 days.
                "--storage.tsdb.retention.time=30d".to_string(),
                "--web.enable-lifecycle".to_string(),
                "--web.enable-admin-api".to_string(),
            ],
        );
        self.prometheus = Some(server);
        self.wait_ready(Role::Prometheus).await;
        self.wait_wired().await;
    }

    /// GET and parse JSON; `None` on any failure (for polling loops).
    async fn get_json_quiet(&self, url: &str) -> Option<serde_json::Value> {
        let response = self.client.get(url).send().await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.json().await.ok()
    }

    /// The number of requests Prometheus has served on `/api/v1/query` and
    /// `/api/v1/query_range`, read from its own `/metrics` text (reading it
    /// does not count as a query).
    pub async fn query_request_count(&self) -> f64 {
        let url = format!("{}/metrics", self.prometheus_url);
        let text = self.get_text(&url).await;
        sum_query_requests(&text)
    }

    /// Runs an instant query and returns `data.result`.
    pub async fn prom_instant(&self, promql: &str) -> serde_json::Value {
        self.prom_api("query", &[("query", promql)]).await
    }

    /// The stack's temporary directory (configs, data, `*.log`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn group_url(&self, job: &str, instance: &str) -> reqwest::Url {
        assert!(
            !job.is_empty() && !instance.is_empty() && !job.contains('/') && !instance.contains('/'),
            "job and instance must be non-empty and contain no '/': {job:?}, {instance:?}"
        );
        let mut url = reqwest::Url::parse(&self.pushgateway_url).expect("pushgateway URL");
        url.path_segments_mut()
            .expect("pushgateway URL has a path")
            .pop_if_empty()
            .extend(["metrics", "job", job, "instance", instance]);
        url
    }

    async fn get_text(&self, url: &str) -> String {
        let response = self.client.get(url).send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = response.status();
        let text = response.text().await.unwrap_or_else(|e| panic!("GET {url}: reading the body: {e}"));
        assert!(status.is_success(), "GET {url} answered {status}: {text}");
        text
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        // Prometheus first, so it does not log failed sends and scrapes
        // while the other two go away.
        let alertmanagers: Vec<Option<Server>> = self.alertmanagers.iter_mut().map(Option::take).collect();
        let servers = std::iter::once(self.prometheus.take())
            .chain(alertmanagers)
            .chain([self.pushgateway.take(), self.mlserver.take()]);
        for server in servers.flatten() {
            server.kill();
        }
    }
}

/// Polls `f` every 100 ms until it returns true; panics with `what` if it
/// has not after `timeout`. `f` runs at least once.
pub async fn wait_for<F, Fut>(what: &str, timeout: Duration, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if f().await {
            return;
        }
        if started.elapsed() >= timeout {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
