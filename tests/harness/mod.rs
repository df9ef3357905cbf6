//! Integration-test harness: a real Prometheus + Alertmanager + Pushgateway
//! stack on 127.0.0.1.
//!
//! Test files include it with `mod harness;`. Each [`Stack`] gets its own
//! free ports and its own temporary directory (configs, data, logs), so tests
//! in the same binary can run in parallel. Every process is killed and reaped
//! when the `Stack` is dropped, also when a test panics.
//!
//! The binaries come from the Debian packages `prometheus`,
//! `prometheus-alertmanager` and `prometheus-pushgateway`; `scripts/test`
//! installs them.
#![allow(dead_code)]

use std::fs::{self, File, OpenOptions};
use std::future::Future;
use std::io::{Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

const PROMETHEUS_BIN: &str = "prometheus";
const ALERTMANAGER_BIN: &str = "prometheus-alertmanager";
const PUSHGATEWAY_BIN: &str = "prometheus-pushgateway";

/// How long a server may take to answer `/-/ready`. Generous, because the
/// tests often share two cores with a running `cargo build`.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `stop_prometheus` waits for a graceful exit before SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// How many bytes of a server log go into a panic message.
const LOG_TAIL_BYTES: u64 = 4096;

const ALERTMANAGER_YML: &str = "\
route:
  receiver: default
  group_by: ['alertname', 'model']
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: default
";

const RULES_YML: &str = "\
groups:
  - name: ml-model-health
    interval: 1s
    rules:
      - alert: ModelAccuracyLow
        expr: model_accuracy < 0.9
        for: 0s
        labels: {severity: critical}
        annotations: {summary: 'Accuracy of {{ $labels.model }} v{{ $labels.version }} is {{ $value }}'}
      - alert: ModelDriftHigh
        expr: model_drift_score > 0.25
        for: 0s
        labels: {severity: warning}
        annotations: {summary: 'Drift on {{ $labels.model }} is {{ $value }}'}
      - alert: ModelErrorsSlowBurn
        expr: model_error_probe > 0
        for: 1h
        labels: {severity: warning}
";

/// One running server: the child process (leader of its own process group)
/// and the log file that receives its stdout and stderr.
struct Server {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Server {
    /// Kills the whole process group and reaps the leader.
    fn kill(mut self) {
        kill_group(&mut self.child, "KILL");
        let _ = self.child.wait();
    }

    /// SIGTERM, wait up to `timeout`, then SIGKILL; always reaps.
    async fn stop(mut self, timeout: Duration) {
        kill_group(&mut self.child, "TERM");
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                _ => break,
            }
        }
        self.kill();
    }
}

/// Signals the process group led by `child`. The child has not been reaped
/// yet (at worst it is a zombie), so its pid, and with it the group id, cannot
/// have been reused by an unrelated process.
fn kill_group(child: &mut Child, signal: &str) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(format!("-{}", child.id()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !matches!(status, Ok(s) if s.success()) && signal == "KILL" {
        // No `kill` binary, or the group is already gone: at least the leader.
        let _ = child.kill();
    }
}

/// A Prometheus, an Alertmanager and a Pushgateway, started for one test.
///
/// Prometheus scrapes the Pushgateway every second (`honor_labels: true`),
/// evaluates the rules below every second and sends alerts to the
/// Alertmanager:
///
/// * `ModelAccuracyLow`: `model_accuracy < 0.9`, for 0s, severity critical;
/// * `ModelDriftHigh`: `model_drift_score > 0.25`, for 0s, severity warning;
/// * `ModelErrorsSlowBurn`: `model_error_probe > 0`, for 1h, severity warning
///   (stays pending).
pub struct Stack {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub prometheus_url: String,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub alertmanager_url: String,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub pushgateway_url: String,
    client: reqwest::Client,
    prometheus_port: u16,
    alertmanager_port: u16,
    pushgateway_port: u16,
    prometheus: Option<Server>,
    alertmanager: Option<Server>,
    pushgateway: Option<Server>,
    // Declared last: fields drop in order, and the servers are killed in
    // `Drop::drop` before any field, so the directory outlives them.
    dir: TempDir,
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
        for bin in [PUSHGATEWAY_BIN, ALERTMANAGER_BIN, PROMETHEUS_BIN] {
            require_binary(bin);
        }
        let dir = tempfile::Builder::new()
            .prefix("modeldeck-it-")
            .tempdir()
            .expect("create a temporary directory for the test stack");
        let [prometheus_port, alertmanager_port, pushgateway_port] = free_ports();

        // The Stack exists before the first child does, so a panic anywhere
        // below still kills whatever was already started.
        let mut stack = Stack {
            prometheus_url: format!("http://127.0.0.1:{prometheus_port}"),
            alertmanager_url: format!("http://127.0.0.1:{alertmanager_port}"),
            pushgateway_url: format!("http://127.0.0.1:{pushgateway_port}"),
            client: http_client(),
            prometheus_port,
            alertmanager_port,
            pushgateway_port,
            prometheus: None,
            alertmanager: None,
            pushgateway: None,
            dir,
        };
        stack.write_configs();

        let pushgateway = stack.spawn(
            "pushgateway",
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

        let alertmanager_data = stack.path("alertmanager-data");
        let alertmanager = stack.spawn(
            "alertmanager",
            ALERTMANAGER_BIN,
            &[
                format!("--config.file={}", stack.path("alertmanager.yml").display()),
                format!("--storage.path={}", alertmanager_data.display()),
                format!("--web.listen-address=127.0.0.1:{alertmanager_port}"),
                format!("--web.external-url=http://127.0.0.1:{alertmanager_port}/"),
                // Empty: no HA gossip (the default listens on 0.0.0.0:9094).
                "--cluster.listen-address=".to_string(),
            ],
        );
        stack.alertmanager = Some(alertmanager);

        stack.wait_ready("pushgateway").await;
        stack.wait_ready("alertmanager").await;
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
        let server = self.spawn(
            "prometheus",
            PROMETHEUS_BIN,
            &[
                format!("--config.file={}", self.path("prometheus.yml").display()),
                format!("--storage.tsdb.path={}", self.path("prometheus-data").display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
                format!("--web.external-url=http://127.0.0.1:{port}/"),
                "--web.enable-lifecycle".to_string(),
                "--web.enable-admin-api".to_string(),
            ],
        );
        self.prometheus = Some(server);
        self.wait_ready("prometheus").await;
        self.wait_wired().await;
    }

    /// Waits until Prometheus has scraped the Pushgateway once and knows the
    /// Alertmanager. Prometheus hands discovered targets to its scrape and
    /// notify loops only every 5 s, so without this the first push after a
    /// (re)start would take about 6 s to show up instead of about 1 s.
    ///
    /// Reads `/api/v1/targets` and `/api/v1/alertmanagers`, which do not count
    /// in [`Stack::query_request_count`].
    async fn wait_wired(&mut self) {
        let targets_url = format!("{}/api/v1/targets?state=active", self.prometheus_url);
        let alertmanagers_url = format!("{}/api/v1/alertmanagers", self.prometheus_url);
        let alertmanager = format!("127.0.0.1:{}", self.alertmanager_port);
        let started = Instant::now();
        let deadline = started + READY_TIMEOUT;
        loop {
            let scraped = self.get_json_quiet(&targets_url).await.is_some_and(|body| {
                body["data"]["activeTargets"].as_array().is_some_and(|targets| {
                    targets.iter().any(|t| t["scrapePool"] == "pushgateway" && t["health"] == "up")
                })
            });
            let notifying = scraped
                && self.get_json_quiet(&alertmanagers_url).await.is_some_and(|body| {
                    body["data"]["activeAlertmanagers"].as_array().is_some_and(|ams| {
                        ams.iter().any(|am| am["url"].as_str().is_some_and(|u| u.contains(&alertmanager)))
                    })
                });
            if notifying {
                return;
            }
            let server = self.server_mut("prometheus");
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!(
                    "prometheus exited ({status}) before it scraped the pushgateway; end of {}:\n{}",
                    server.log.display(),
                    log_tail(&server.log)
                );
            }
            if Instant::now() >= deadline {
                panic!(
                    "prometheus did not scrape the pushgateway and find the alertmanager \
                     within {:?}; end of {}:\n{}",
                    READY_TIMEOUT,
                    server.log.display(),
                    log_tail(&server.log)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
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
        let url = format!("{}/api/v1/query", self.prometheus_url);
        let response = self
            .client
            .get(&url)
            .query(&[("query", promql)])
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}?query={promql}: {e}"));
        let status = response.status();
        let body: serde_json::Value =
            response.json().await.unwrap_or_else(|e| panic!("GET {url}?query={promql}: bad JSON: {e}"));
        assert!(
            status.is_success() && body["status"] == "success",
            "GET {url}?query={promql} answered {status}: {body}"
        );
        body["data"]["result"].clone()
    }

    /// `GET /api/v2/alerts` on the Alertmanager: the bare array of alerts.
    pub async fn am_alerts(&self) -> serde_json::Value {
        let url = format!("{}/api/v2/alerts", self.alertmanager_url);
        let text = self.get_text(&url).await;
        let value: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {url}: bad JSON: {e}: {text}"));
        assert!(value.is_array(), "GET {url}: expected an array: {value}");
        value
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

    fn write_configs(&self) {
        let prometheus_yml = format!(
            "\
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ['{rules}']
alerting:
  alertmanagers:
    - static_configs: [{{targets: ['127.0.0.1:{am}']}}]
scrape_configs:
  - job_name: pushgateway
    honor_labels: true
    static_configs: [{{targets: ['127.0.0.1:{pg}']}}]
",
            rules = self.path("rules.yml").display(),
            am = self.alertmanager_port,
            pg = self.pushgateway_port,
        );
        for (name, text) in [
            ("prometheus.yml", prometheus_yml.as_str()),
            ("rules.yml", RULES_YML),
            ("alertmanager.yml", ALERTMANAGER_YML),
        ] {
            fs::write(self.path(name), text).unwrap_or_else(|e| panic!("write {name}: {e}"));
        }
        for name in ["prometheus-data", "alertmanager-data"] {
            fs::create_dir_all(self.path(name)).unwrap_or_else(|e| panic!("mkdir {name}: {e}"));
        }
    }

    /// Starts `bin` in its own process group with stdout and stderr appended
    /// to `<dir>/<name>.log`.
    fn spawn(&self, name: &'static str, bin: &str, args: &[String]) -> Server {
        let log = self.path(&format!("{name}.log"));
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap_or_else(|e| panic!("open {}: {e}", log.display()));
        let stderr = file.try_clone().unwrap_or_else(|e| panic!("dup {}: {e}", log.display()));
        let child = Command::new(bin)
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(stderr)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    panic!("{}", missing_binary_message(bin));
                }
                panic!("start {bin}: {e}");
            });
        Server { name, child, log }
    }

    fn server_mut(&mut self, name: &str) -> &mut Server {
        let server = match name {
            "prometheus" => self.prometheus.as_mut(),
            "alertmanager" => self.alertmanager.as_mut(),
            "pushgateway" => self.pushgateway.as_mut(),
            _ => None,
        };
        server.unwrap_or_else(|| panic!("{name} is not running"))
    }

    /// Polls `GET /-/ready` until it answers 200. Panics with the end of the
    /// server's log on timeout or if the process exits.
    async fn wait_ready(&mut self, name: &str) {
        let port = match name {
            "prometheus" => self.prometheus_port,
            "alertmanager" => self.alertmanager_port,
            _ => self.pushgateway_port,
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
            let server = self.server_mut(name);
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

impl Drop for Stack {
    fn drop(&mut self) {
        // Prometheus first, so it does not log failed sends and scrapes
        // while the other two go away.
        for server in [self.prometheus.take(), self.alertmanager.take(), self.pushgateway.take()].into_iter().flatten()
        {
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

/// Pushgateway text for `model_accuracy`, one sample per
/// `(model, version, accuracy)`, with its `# TYPE` line and a trailing
/// newline.
pub fn metrics_text(models: &[(&str, &str, f64)]) -> String {
    let mut text = String::from("# TYPE model_accuracy gauge\n");
    for (model, version, accuracy) in models {
        text.push_str(&format!(
            "model_accuracy{{model=\"{}\",version=\"{}\"}} {accuracy}\n",
            escape_label_value(model),
            escape_label_value(version),
        ));
    }
    text
}

fn escape_label_value(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Sums the `prometheus_http_requests_total` samples whose `handler` label is
/// `/api/v1/query` or `/api/v1/query_range` in a text exposition.
fn sum_query_requests(exposition: &str) -> f64 {
    let mut total = 0.0;
    for line in exposition.lines() {
        let Some(rest) = line.strip_prefix("prometheus_http_requests_total{") else {
            continue;
        };
        let Some((labels, value)) = split_labels(rest) else {
            continue;
        };
        let handler = labels.iter().find(|(name, _)| name == "handler").map(|(_, v)| v.as_str());
        if !matches!(handler, Some("/api/v1/query" | "/api/v1/query_range")) {
            continue;
        }
        // The value may be followed by a timestamp.
        let value = value.split_whitespace().next().unwrap_or("");
        total += value.parse::<f64>().unwrap_or_else(|e| panic!("bad sample value in {line:?}: {e}"));
    }
    total
}

/// Parses `name="value",...} rest` (the text after the opening brace) into
/// the label pairs and the text after the closing brace.
fn split_labels(s: &str) -> Option<(Vec<(String, String)>, &str)> {
    let mut labels = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches([',', ' ']);
        if let Some(after) = rest.strip_prefix('}') {
            return Some((labels, after.trim_start()));
        }
        let (name, after_name) = rest.split_once('=')?;
        let mut chars = after_name.strip_prefix('"')?.char_indices();
        let mut value = String::new();
        let end = loop {
            let (i, c) = chars.next()?;
            match c {
                '"' => break i,
                '\\' => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                c => value.push(c),
            }
        };
        labels.push((name.trim().to_string(), value));
        rest = &after_name[1 + end + 1..];
    }
}

fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        // Everything is on loopback; never go through a proxy from the
        // environment.
        .no_proxy()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(10))
        .build()
        .expect("build the HTTP client")
}

/// Three distinct free TCP ports on 127.0.0.1. The listeners are held until
/// all three are chosen, so the kernel hands out different ports, then
/// closed so the servers can bind them.
fn free_ports() -> [u16; 3] {
    let listeners: Vec<TcpListener> =
        (0..3).map(|_| TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0")).collect();
    let ports: Vec<u16> = listeners.iter().map(|l| l.local_addr().expect("local address").port()).collect();
    [ports[0], ports[1], ports[2]]
}

fn missing_binary_message(bin: &str) -> String {
    format!(
        "`{bin}` was not found on PATH. The integration tests run real Prometheus, \
         Alertmanager and Pushgateway servers: run `scripts/test`, which installs them \
         (Debian packages prometheus, prometheus-alertmanager, prometheus-pushgateway) \
         and then runs the whole suite."
    )
}

fn require_binary(bin: &str) {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path).any(|dir| {
        let candidate = dir.join(bin);
        fs::metadata(&candidate).is_ok_and(|m| m.is_file())
    });
    if !found {
        panic!("{}", missing_binary_message(bin));
    }
}

/// The last few KiB of a log file, for panic messages.
fn log_tail(path: &Path) -> String {
    let Ok(mut file) = File::open(path) else {
        return "(no log)".to_string();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(LOG_TAIL_BYTES)));
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}
