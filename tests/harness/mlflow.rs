//! A real MLflow 3.17.2 tracking and registry server on 127.0.0.1, with a SQLite store in a
//! temporary directory, and REST helpers to set up registry fixtures.
//!
//! MLflow runs from the virtualenv `$MODELDECK_TEST_VENVS/mlflow` (default
//! `~/.cache/modeldeck/test-venvs/mlflow`), which `scripts/test` creates.
//!
//! Starting it takes 10-25 s (mostly Python imports), so the tests of one binary share one
//! server through [`Mlflow::shared`] and keep apart by model name. A shared server lives in
//! a static and is never dropped, so its cleanup cannot rely on `Drop`. Instead MLflow runs
//! under a small watchdog shell that leads the process group and reads its stdin from a
//! pipe whose only writer is the test binary: when the binary exits, however it exits
//! (a panic, an abort, SIGKILL), the kernel closes the pipe, `read` returns, and the shell
//! removes the data directory and SIGKILLs its whole group (MLflow, its uvicorn worker and
//! itself). A parent-death signal would not do: it fires when the *thread* that spawned the
//! child ends, which for a test is as soon as that test finishes, and it reaches only the
//! direct child, not uvicorn. [`Mlflow::start`] gives a server of one's own, which is also
//! killed and reaped on drop.
//!
//! `MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false` keeps 3.x from starting a job runner with
//! seven huey consumer processes, which survive a SIGTERM to the CLI and cost ~350 MB.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;

use super::process::{Server, free_ports, http_client, log_tail};

/// Starts take 10-25 s on this 2-core machine, much longer under a parallel build.
const MLFLOW_READY_TIMEOUT: Duration = Duration::from_secs(120);
/// What the watchdog shell writes to the log when MLflow exits on its own.
const EXITED: &str = "modeldeck-harness: mlflow exited with status";
/// `$1` is the data directory, the rest the server's command line.
const WATCHDOG: &str = r#"dir=$1; shift
{ "$@"; echo "modeldeck-harness: mlflow exited with status $?"; } >>"$dir/mlflow.log" 2>&1 </dev/null &
read -r _ || true
rm -rf "$dir"
kill -KILL 0
"#;

static SHARED: OnceLock<Mlflow> = OnceLock::new();

pub struct Mlflow {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    url: String,
    log: PathBuf,
    server: Option<Server>,
    /// Held open for the server's lifetime; closing it stops the server.
    _lifeline: ChildStdin,
    /// Removed on drop for an owned server; the watchdog removes a shared server's.
    _dir: Option<TempDir>,
}

/// The MLflow virtualenv; panics with a pointer to `scripts/test` if it is missing.
fn venv() -> PathBuf {
    let venvs = match std::env::var_os("MODELDECK_TEST_VENVS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(&std::env::var_os("HOME").expect("HOME is set")).join(".cache/modeldeck/test-venvs"),
    };
    let venv = venvs.join("mlflow");
    if !venv.join("bin/mlflow").is_file() {
        panic!(
            "no MLflow virtualenv at {}: run `scripts/test`, which creates it (mlflow 3.17.2) \
             and then runs the whole suite",
            venv.display()
        );
    }
    venv
}

impl Mlflow {
    /// The server shared by every test of this binary, started on first use.
    pub async fn shared() -> &'static Mlflow {
        let started = tokio::task::spawn_blocking(|| SHARED.get_or_init(|| Mlflow::start_blocking(true))).await;
        started.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    /// A server of one's own, killed with its process group and reaped on drop.
    pub async fn start() -> Mlflow {
        let started = tokio::task::spawn_blocking(|| Mlflow::start_blocking(false)).await;
        started.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    fn start_blocking(shared: bool) -> Mlflow {
        let mlflow = venv().join("bin/mlflow");
        let dir = tempfile::Builder::new().prefix("modeldeck-mlflow-").tempdir().expect("create a temporary directory");
        let path = dir.path().to_path_buf();
        let port = free_ports(1)[0];
        let log = path.join("mlflow.log");
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("modeldeck-mlflow-watchdog")
            .arg(&path)
            .arg(&mlflow)
            .args(["server", "--backend-store-uri"])
            .arg(format!("sqlite:///{}", path.join("mlflow.db").display()))
            .arg("--artifacts-destination")
            .arg(path.join("artifacts"))
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--workers", "1"])
            .env("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
            .current_dir(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("start sh for {}: {e}", mlflow.display()));
        let lifeline = child.stdin.take().expect("a piped stdin");
        let mut server = Mlflow {
            url: format!("http://127.0.0.1:{port}"),
            log: log.clone(),
            server: Some(Server { name: "mlflow".into(), child, log }),
            _lifeline: lifeline,
            _dir: Some(dir),
        };
        server.wait_ready(port);
        if shared {
            // Never dropped: the watchdog removes it when the binary exits.
            let _ = server._dir.take().map(TempDir::keep);
        }
        server
    }

    /// Polls `GET /health` until it answers `OK`; panics with the end of the log if MLflow
    /// exits or the deadline passes.
    fn wait_ready(&mut self, port: u16) {
        let started = Instant::now();
        loop {
            if health(port).as_deref() == Some("OK") {
                eprintln!("mlflow: ready after {:.1?}", started.elapsed());
                return;
            }
            let tail = log_tail(&self.log);
            let exited = tail.contains(EXITED)
                || self.server.as_mut().is_some_and(|s| matches!(s.child.try_wait(), Ok(Some(_))));
            if exited || started.elapsed() >= MLFLOW_READY_TIMEOUT {
                let why =
                    if exited { "exited".to_string() } else { format!("was not ready after {MLFLOW_READY_TIMEOUT:?}") };
                if let Some(server) = self.server.take() {
                    server.kill();
                }
                panic!("mlflow {why} on port {port}; end of {}:\n{tail}", self.log.display());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn endpoint(&self) -> modeldeck::domain::Endpoint {
        modeldeck::domain::Endpoint::plain(&self.url).expect("a valid URL")
    }

    pub fn log(&self) -> &Path {
        &self.log
    }

    /// A registered model with a description and tags.
    pub async fn create_model(&self, name: &str, description: &str, tags: &[(&str, &str)]) {
        let body = json!({"name": name, "description": description, "tags": tag_list(tags)});
        self.call("POST", "registered-models/create", body).await;
    }

    /// A new version of `name`; `source` must be a non-local URI such as
    /// `s3://bucket/models/x/1` (MLflow refuses local paths and never reads it). Returns the
    /// version number.
    pub async fn create_version(&self, name: &str, source: &str, description: &str, tags: &[(&str, &str)]) -> String {
        let body = json!({"name": name, "source": source, "description": description, "tags": tag_list(tags)});
        let answer = self.call("POST", "model-versions/create", body).await;
        answer["model_version"]["version"].as_str().unwrap_or_else(|| panic!("no version in {answer}")).to_string()
    }

    pub async fn set_alias(&self, name: &str, alias: &str, version: &str) {
        self.call("POST", "registered-models/alias", json!({"name": name, "alias": alias, "version": version})).await;
    }

    /// The version `alias` points at, `None` if it is not set (MLflow answers 400 then).
    pub async fn alias(&self, name: &str, alias: &str) -> Option<String> {
        let url = format!("{}/api/2.0/mlflow/registered-models/alias", self.url);
        let response = http_client()
            .get(&url)
            .query(&[("name", name), ("alias", alias)])
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = response.status();
        let body: Value = response.json().await.unwrap_or_else(|e| panic!("GET {url}: bad JSON: {e}"));
        if status == 400 && body["error_code"] == "INVALID_PARAMETER_VALUE" {
            return None;
        }
        assert!(status.is_success(), "GET {url} answered {status}: {body}");
        Some(body["model_version"]["version"].as_str().expect("a version").to_string())
    }

    /// The tags of one version, sorted by key.
    pub async fn version_tags(&self, name: &str, version: &str) -> Vec<(String, String)> {
        let url = format!("{}/api/2.0/mlflow/model-versions/get", self.url);
        let response = http_client()
            .get(&url)
            .query(&[("name", name), ("version", version)])
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = response.status();
        let body: Value = response.json().await.unwrap_or_else(|e| panic!("GET {url}: bad JSON: {e}"));
        assert!(status.is_success(), "GET {url} answered {status}: {body}");
        let tags = body["model_version"]["tags"].as_array().cloned().unwrap_or_default();
        let mut tags: Vec<(String, String)> = tags
            .iter()
            .map(|t| (t["key"].as_str().unwrap_or("").to_string(), t["value"].as_str().unwrap_or("").to_string()))
            .collect();
        tags.sort();
        tags
    }

    /// A JSON request to `/api/2.0/mlflow/{path}`; asserts a 2xx answer and returns its body.
    /// A fresh client each time: a shared server outlives the runtime of the test that
    /// started it, and a pooled connection would die with that runtime.
    pub async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}/api/2.0/mlflow/{path}", self.url);
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let response = http_client()
            .request(method.clone(), &url)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "{method} {url} {body} answered {status}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {url}: bad JSON: {e}: {text}"))
    }
}

impl Drop for Mlflow {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.kill();
        }
    }
}

fn tag_list(tags: &[(&str, &str)]) -> Value {
    tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect()
}

/// `GET /health` over a plain socket: this runs outside any async runtime.
fn health(port: u16) -> Option<String> {
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut socket = TcpStream::connect_timeout(&address, Duration::from_secs(1)).ok()?;
    socket.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(socket, "GET /health HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n").ok()?;
    let mut answer = String::new();
    socket.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| body.trim().to_string())
}
