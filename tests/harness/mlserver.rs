//! MLServer 1.7.1 for a [`Stack`]: two versions, `v1` and `v2`, of an `iris`
//! scikit-learn model, served over REST and gRPC with Prometheus metrics on
//! a port of their own that Prometheus scrapes (job `mlserver`).
//!
//! MLServer runs from the virtualenv `$MODELDECK_TEST_VENVS/mlserver`
//! (default `~/.cache/modeldeck/test-venvs/mlserver`), which `scripts/test`
//! creates. Everything else lives in the stack's directory: `mlserver/`
//! holds `settings.json` and the model folders `iris-v1/` and `iris-v2/`,
//! `mlserver-metrics/` the metrics of the worker processes, and
//! `mlserver.log` the server's output.
//!
//! `parallel_workers` is 1, MLServer's default: inference runs in a worker
//! process and the metrics are MLServer's multiprocess set, as a production
//! server exposes them. With 0 (`StackOptions::mlserver_in_process`) it
//! starts a few seconds sooner, but exposes a different set of families (the
//! default registry, with `*_created`, `python_*` and the server's own
//! `process_*`, and no `parallel_request_queue`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;

use super::process::{self, Server, log_tail};
use super::{STOP_TIMEOUT, Stack};

/// How long MLServer may take to load both versions: 4-7 s after the spawn
/// on this 2-core machine, about 10 s at a load of 4, most of it importing
/// scikit-learn in two processes; much longer while `cargo build` runs.
const MLSERVER_READY_TIMEOUT: Duration = Duration::from_secs(120);
/// One iris flower (sepal length and width, petal length and width, in cm);
/// both versions predict class 2 for it.
const IRIS_SAMPLE: [f32; 4] = [6.0, 2.7, 5.1, 1.6];

const TRAIN_PY: &str = "\
import joblib
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
X, y = load_iris(return_X_y=True)
for version, c in (('v1', 0.05), ('v2', 1.0)):
    joblib.dump(LogisticRegression(C=c, max_iter=500).fit(X, y), f'iris-{version}/model.joblib')
";

/// The HTTP, gRPC and metrics ports of the stack's MLServer.
#[derive(Debug, Clone, Copy)]
pub(super) struct MlserverPorts {
    pub(super) http: u16,
    pub(super) grpc: u16,
    pub(super) metrics: u16,
}

/// The MLServer virtualenv; panics with a pointer to `scripts/test` if it
/// is missing.
fn venv() -> PathBuf {
    let venvs = match std::env::var_os("MODELDECK_TEST_VENVS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => {
            let home = std::env::var_os("HOME").expect("HOME is set");
            Path::new(&home).join(".cache/modeldeck/test-venvs")
        }
    };
    let venv = venvs.join("mlserver");
    if !venv.join("bin/mlserver").is_file() {
        panic!(
            "no MLServer virtualenv at {}: run `scripts/test`, which creates it \
             (mlserver and mlserver-sklearn 1.7.1) and then runs the whole suite",
            venv.display()
        );
    }
    venv
}

impl Stack {
    /// Writes MLServer's settings and model folders, trains both versions
    /// with the virtualenv's Python and starts MLServer without waiting.
    pub(super) fn spawn_mlserver(&mut self, ports: MlserverPorts, parallel_workers: u32) {
        let venv = venv();
        let root = self.path("mlserver");
        let metrics_dir = self.path("mlserver-metrics");
        fs::create_dir_all(&metrics_dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", metrics_dir.display()));
        let settings = json!({
            "debug": false,
            "host": "127.0.0.1",
            "http_port": ports.http,
            "grpc_port": ports.grpc,
            "metrics_port": ports.metrics,
            "metrics_endpoint": "/metrics",
            // Without it, MLServer creates `.metrics` in its working directory.
            "metrics_dir": metrics_dir,
            "parallel_workers": parallel_workers,
            "load_models_at_startup": true,
        });
        write_json(&root.join("settings.json"), &settings);
        for version in ["v1", "v2"] {
            let model = json!({
                "name": "iris",
                "implementation": "mlserver_sklearn.SKLearnModel",
                "parameters": {"uri": "./model.joblib", "version": version},
            });
            write_json(&root.join(format!("iris-{version}/model-settings.json")), &model);
        }

        let python = venv.join("bin/python");
        let output = Command::new(&python)
            .args(["-c", TRAIN_PY])
            .current_dir(&root)
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", python.display()));
        assert!(
            output.status.success(),
            "training the iris models with {} failed ({}):\n{}",
            python.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );

        let mlserver = venv.join("bin/mlserver");
        let args = ["start".to_string(), root.display().to_string()];
        self.mlserver = Some(process::spawn(self.dir(), "mlserver", &mlserver.display().to_string(), &args));
        self.mlserver_ports = Some(ports);
        self.mlserver_url = Some(format!("http://127.0.0.1:{}", ports.http));
        self.mlserver_metrics_url = Some(format!("http://127.0.0.1:{}/metrics", ports.metrics));
    }

    /// Waits until both versions of `iris` answer their ready endpoint and
    /// the metrics port answers. Panics with the end of `mlserver.log` on
    /// timeout or if MLServer exits.
    pub(super) async fn wait_mlserver_ready(&mut self) {
        let base = self.mlserver_url.clone().expect("MLServer is configured");
        let mut urls = vec![
            format!("{base}/v2/models/iris/versions/v1/ready"),
            format!("{base}/v2/models/iris/versions/v2/ready"),
        ];
        urls.extend(self.mlserver_metrics_url.clone());
        let started = Instant::now();
        for url in &urls {
            loop {
                let ready = match self.client.get(url).timeout(Duration::from_secs(2)).send().await {
                    Ok(response) => response.status().is_success(),
                    Err(_) => false,
                };
                if ready {
                    break;
                }
                let server: &mut Server = self.mlserver.as_mut().expect("MLServer is running");
                if let Ok(Some(status)) = server.child.try_wait() {
                    panic!(
                        "mlserver exited ({status}) before {url} was ready; end of {}:\n{}",
                        server.log.display(),
                        log_tail(&server.log)
                    );
                }
                if started.elapsed() >= MLSERVER_READY_TIMEOUT {
                    panic!(
                        "mlserver was not ready at {url} after {MLSERVER_READY_TIMEOUT:?}; end of {}:\n{}",
                        server.log.display(),
                        log_tail(&server.log)
                    );
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        eprintln!("mlserver: both iris versions ready after {:.1?}", started.elapsed());
    }

    /// `POST /v2/models/iris/versions/{version}/infer` with one iris sample
    /// (a 1×4 FP32 tensor); asserts a 2xx answer and returns the response,
    /// whose `outputs[0].data` holds the predicted class (`[2]`).
    pub async fn infer(&self, version: &str) -> serde_json::Value {
        let base = self.mlserver_url.as_deref().expect("the stack has no MLServer (StackOptions::mlserver)");
        let url = format!("{base}/v2/models/iris/versions/{version}/infer");
        let body = json!({"inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP32", "data": IRIS_SAMPLE}]});
        let response = self.client.post(&url).json(&body).send().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "POST {url} answered {status}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("POST {url}: bad JSON: {e}: {text}"))
    }

    /// MLServer's own `/metrics` text.
    pub async fn mlserver_metrics(&self) -> String {
        let url = self.mlserver_metrics_url.clone().expect("the stack has no MLServer (StackOptions::mlserver)");
        self.get_text(&url).await
    }

    /// The value of one sample in MLServer's `/metrics`, given as it is
    /// printed up to the value, e.g.
    /// `model_infer_request_success_total{model="iris",version="v2"}`;
    /// `None` if there is no such line.
    pub async fn mlserver_sample(&self, series: &str) -> Option<f64> {
        let text = self.mlserver_metrics().await;
        text.lines().find_map(|line| {
            let value = line.strip_prefix(series)?.strip_prefix(' ')?;
            Some(value.trim().parse().unwrap_or_else(|e| panic!("bad sample value in {line:?}: {e}")))
        })
    }

    /// Stops MLServer (SIGTERM to its process group, SIGKILL after a while)
    /// and reaps it; its ports then refuse connections and Prometheus marks
    /// the `mlserver` target down.
    pub async fn stop_mlserver(&mut self) {
        if let Some(server) = self.mlserver.take() {
            server.stop(STOP_TIMEOUT).await;
        }
    }
}

fn write_json(path: &Path, value: &serde_json::Value) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
    }
    let text = serde_json::to_string_pretty(value).expect("serialize JSON");
    fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}
