//! A stand-in Kubeflow Model Registry on 127.0.0.1, one per test, with REST helpers to set
//! up fixtures and to read what the stand-in saw.
//!
//! The real registry cannot run here (it needs MySQL or PostgreSQL and a Kubernetes-side
//! controller), so `tests/standins/kubeflow_registry.py` stands in for it: an in-memory
//! registry that validates every request and every answer against the OpenAPI spec pinned
//! in `tests/standins/kubeflow/` with openapi-core, and answers 599 to anything that does
//! not match. Fixtures are made through the same validated API. It runs from the
//! virtualenv `$MODELDECK_TEST_VENVS/kubeflow-registry`, which `scripts/test` creates.
//!
//! Lists are cut into pages of two, so that every client pages.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;

use super::process::{self, Server, free_ports, http_client, log_tail};

const BASE: &str = "api/model_registry/v1alpha3";
/// Importing openapi-core and reading the spec take 1-3 s, more under a parallel build.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
pub const TOKEN: &str = "kf-test-token-3f9a";

pub struct KubeflowRegistry {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    url: String,
    log: PathBuf,
    server: Option<Server>,
    _dir: TempDir,
}

/// What the stand-in saw: every API exchange, how many passed validation both ways, the
/// violations, and the requests in order (`method`, `path`, `query`, `body`).
#[derive(Debug)]
pub struct Report {
    pub exchanges: u64,
    pub validated: u64,
    pub violations: Vec<Value>,
    pub requests: Vec<Value>,
}

impl Report {
    /// The requests with `method` whose path ends with `suffix`.
    pub fn requests(&self, method: &str, suffix: &str) -> Vec<&Value> {
        self.requests
            .iter()
            .filter(|r| r["method"] == method && r["path"].as_str().is_some_and(|p| p.ends_with(suffix)))
            .collect()
    }
}

fn venv() -> PathBuf {
    let venvs = match std::env::var_os("MODELDECK_TEST_VENVS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(&std::env::var_os("HOME").expect("HOME is set")).join(".cache/modeldeck/test-venvs"),
    };
    let venv = venvs.join("kubeflow-registry");
    if !venv.join(".modeldeck-complete").is_file() {
        panic!(
            "no Kubeflow registry stand-in virtualenv at {}: run `scripts/test`, which creates it \
             (openapi-core) and then runs the whole suite",
            venv.display()
        );
    }
    venv
}

impl KubeflowRegistry {
    pub async fn start() -> KubeflowRegistry {
        let started = tokio::task::spawn_blocking(KubeflowRegistry::start_blocking).await;
        started.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    fn start_blocking() -> KubeflowRegistry {
        let python = venv().join("bin/python");
        let root = env!("CARGO_MANIFEST_DIR");
        let dir = tempfile::Builder::new().prefix("modeldeck-kubeflow-").tempdir().expect("a temporary directory");
        let port = free_ports(1)[0];
        let args = [
            format!("{root}/tests/standins/kubeflow_registry.py"),
            "--port".into(),
            port.to_string(),
            "--spec".into(),
            format!("{root}/tests/standins/kubeflow/model-registry.yaml"),
            "--token".into(),
            TOKEN.into(),
            "--max-page-size".into(),
            "2".into(),
        ];
        let python = python.to_str().expect("a UTF-8 path");
        let server = process::spawn(dir.path(), "kubeflow-registry", python, &args);
        let log = server.log.clone();
        let mut registry =
            KubeflowRegistry { url: format!("http://127.0.0.1:{port}"), log, server: Some(server), _dir: dir };
        registry.wait_ready();
        registry
    }

    fn wait_ready(&mut self) {
        let started = Instant::now();
        let port: u16 = self.url.rsplit(':').next().and_then(|p| p.parse().ok()).expect("a port");
        loop {
            if healthy(port) {
                return;
            }
            let exited = self.server.as_mut().is_some_and(|s| matches!(s.child.try_wait(), Ok(Some(_))));
            if exited || started.elapsed() >= READY_TIMEOUT {
                if let Some(server) = self.server.take() {
                    server.kill();
                }
                panic!("the Kubeflow registry stand-in did not start; its log:\n{}", log_tail(&self.log));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// One API request with the token; the status and the JSON body (`null` if not JSON).
    pub async fn api(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}/{BASE}/{path}", self.url);
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut request = http_client().request(method.clone(), &url).bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A request that must succeed; its body.
    async fn ok(&self, method: &str, path: &str, body: Value) -> Value {
        let (status, answer) = self.api(method, path, Some(body.clone())).await;
        assert!((200..300).contains(&status), "{method} {path} {body} answered {status}: {answer}");
        answer
    }

    /// A registered model with an `owner` and custom string properties; its id.
    pub async fn model(&self, name: &str, owner: &str, properties: &[(&str, &str)]) -> String {
        let body = json!({"name": name, "owner": owner, "description": format!("{name} classifier"),
            "customProperties": strings(properties)});
        id(self.ok("POST", "registered_models", body).await)
    }

    /// A version of `model_id` by an author, with custom string properties; its id.
    pub async fn version(&self, model_id: &str, name: &str, properties: &[(&str, &str)]) -> String {
        let body = json!({"name": name, "registeredModelId": model_id, "author": "ana",
            "description": format!("build {name}"), "customProperties": strings(properties)});
        id(self.ok("POST", &format!("registered_models/{model_id}/versions"), body).await)
    }

    pub async fn serving_environment(&self, name: &str) -> String {
        id(self.ok("POST", "serving_environments", json!({"name": name})).await)
    }

    /// An InferenceService record in `environment_id` serving `model_id` at `version_id`
    /// (unset: the newest version); its id.
    pub async fn inference_service(
        &self,
        environment_id: &str,
        name: &str,
        model_id: &str,
        version_id: Option<&str>,
    ) -> String {
        let mut body = json!({"name": name, "registeredModelId": model_id, "servingEnvironmentId": environment_id});
        if let Some(v) = version_id {
            body["modelVersionId"] = json!(v);
        }
        id(self.ok("POST", &format!("serving_environments/{environment_id}/inference_services"), body).await)
    }

    /// Points a record at a version, as another operator would.
    pub async fn set_version(&self, service_id: &str, version_id: &str) {
        self.ok("PATCH", &format!("inference_services/{service_id}"), json!({"modelVersionId": version_id})).await;
    }

    /// The `modelVersionId` of a record, as the registry holds it.
    pub async fn served(&self, service_id: &str) -> Option<String> {
        let (status, record) = self.api("GET", &format!("inference_services/{service_id}"), None).await;
        assert_eq!(status, 200, "{record}");
        record["modelVersionId"].as_str().map(str::to_string)
    }

    /// The next `count` requests with `method` on `path` (under the API base) are answered
    /// with `status`; with `apply` the change is made first.
    pub async fn fault(&self, method: &str, path: &str, status: u16, apply: bool) {
        let body = json!({"method": method, "path": format!("/{BASE}/{path}"), "status": status, "apply": apply});
        let url = format!("{}/_standin/fault", self.url);
        let answer = http_client().post(&url).json(&body).send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        assert!(answer.status().is_success());
    }

    pub async fn report(&self) -> Report {
        let url = format!("{}/_standin/report", self.url);
        let answer = http_client().get(&url).send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        let report: Value = answer.json().await.expect("the report is JSON");
        Report {
            exchanges: report["exchanges"].as_u64().expect("exchanges"),
            validated: report["validated"].as_u64().expect("validated"),
            violations: report["violations"].as_array().cloned().unwrap_or_default(),
            requests: report["requests"].as_array().cloned().unwrap_or_default(),
        }
    }

    /// Every exchange so far was checked against the spec both ways, and none broke it.
    pub async fn assert_every_exchange_valid(&self) -> Report {
        let report = self.report().await;
        assert!(report.violations.is_empty(), "spec violations: {:#?}", report.violations);
        assert!(report.exchanges > 0, "nothing was exchanged");
        assert_eq!(report.validated, report.exchanges, "every exchange validated: {report:#?}");
        report
    }
}

impl Drop for KubeflowRegistry {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.kill();
        }
    }
}

/// `GET /_standin/health` over a plain socket: this runs outside any async runtime.
fn healthy(port: u16) -> bool {
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut socket) = TcpStream::connect_timeout(&address, Duration::from_secs(1)) else { return false };
    let _ = socket.set_read_timeout(Some(Duration::from_secs(2)));
    if write!(socket, "GET /_standin/health HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n").is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = socket.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200")
}

fn strings(properties: &[(&str, &str)]) -> Value {
    properties
        .iter()
        .map(|(k, v)| (k.to_string(), json!({"metadataType": "MetadataStringValue", "string_value": v})))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn id(entity: Value) -> String {
    entity["id"].as_str().unwrap_or_else(|| panic!("no id in {entity}")).to_string()
}
