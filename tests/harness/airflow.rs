//! A real Airflow 3.3.2 on 127.0.0.1: API server, scheduler and DAG processor with SQLite
//! and the LocalExecutor in a temporary `AIRFLOW_HOME`, serving three DAGs written here:
//! `retrain_ok` (one task that returns its `dag_run.conf`, so the conf shows up as the
//! task's XCom) and `retrain_fails` (one task that raises, no retries), both unpaused at
//! creation and without a schedule; and `retrain_nightly`, scheduled at 03:00 UTC and
//! paused at creation, so that its runs are never created by the scheduler.
//!
//! Airflow runs from the virtualenv `$MODELDECK_TEST_VENVS/airflow` (default
//! `~/.cache/modeldeck/test-venvs/airflow`), which `scripts/test` creates.
//!
//! Login is the simple auth manager's: one `admin` user whose password is pre-seeded in the
//! passwords file, which Airflow keeps instead of generating one; `POST /auth/token` turns
//! it into a JWT. A start takes 15-50 s on this 2-core machine (three Python processes
//! importing Airflow at once), so a test binary starts one: [`Airflow::start`] for an
//! instance of one's own, killed with its group and reaped on drop, or [`Airflow::shared`]
//! for one shared by the binary's tests. As with MLflow (see mlflow.rs), a watchdog shell
//! leads the process group and reads a pipe whose only writer is the test binary; when the
//! binary exits, however it exits, the shell kills the group and removes `AIRFLOW_HOME`.
//!
//! Send one writing request at a time: a trigger, and nothing while a task runs, whose
//! supervisor writes through the execution API. With SQLite, Airflow 3.3's API server
//! deadlocks on two at once: one request holds the write lock until its session is closed,
//! which needs the event loop, while the other's audit-log commit (`action_logging`, an
//! async dependency making a blocking SQLite call) waits for that lock on the event loop.
//! SQLite's 5 s busy timeout breaks the deadlock by failing the waiting request with
//! HTTP 500; a longer timeout only stalls the whole server for longer. Reads are safe.
//!
//! Settings that matter:
//! * `AIRFLOW__CORE__EXECUTION_API_SERVER_URL` must name the API server's real port: the
//!   default is `http://localhost:8080/execution/`, and every task would fail to start.
//! * `AIRFLOW__CORE__PARALLELISM=1`: the LocalExecutor starts that many worker processes,
//!   and two tasks at once would be two writers (above).
//! * `scheduler --skip-serve-logs`: the log server would bind the fixed port 8793 on all
//!   interfaces, which two instances cannot share; the API server reads task logs from disk.
//! * No triggerer: nothing here defers.
//! * Inherited `AIRFLOW*` variables are removed so that a developer's own Airflow settings
//!   cannot leak in.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::OnceCell;

use super::process::{Server, free_ports, http_client, log_tail};

/// Starts take 15-50 s alone and far longer while cargo builds on the same two cores.
const READY_TIMEOUT: Duration = Duration::from_secs(180);
pub const USERNAME: &str = "admin";
pub const PASSWORD: &str = "modeldeck-airflow-test";
/// What the watchdog writes to `harness.log` when the migration fails or a server exits.
const EXITED: &str = "modeldeck-harness: airflow";
/// The components, each logging to `<name>.log`, in the order they start.
const LOGS: [&str; 5] = ["harness", "db-migrate", "api-server", "scheduler", "dag-processor"];

/// `$1` is AIRFLOW_HOME, `$2` the `airflow` executable, `$3` the API server's port. The
/// schema must exist before the servers start, hence the migration first. At the end a
/// process in a session of its own kills the group (this shell included) and then removes
/// the directory, so that no server is left to recreate files in it. `setsid` without `-f`
/// calls setsid() before it execs, so that process is never in the group it kills; the
/// last two lines run only when `setsid` is missing.
const WATCHDOG: &str = r#"dir=$1 airflow=$2 port=$3
run() {
    name=$1; shift
    "$airflow" "$@" >>"$dir/$name.log" 2>&1 </dev/null
    echo "modeldeck-harness: airflow $name exited with status $?" >>"$dir/harness.log"
}
{
    if "$airflow" db migrate >>"$dir/db-migrate.log" 2>&1 </dev/null; then
        run api-server api-server --host 127.0.0.1 --port "$port" &
        run scheduler scheduler --skip-serve-logs &
        run dag-processor dag-processor &
        wait
    else
        echo "modeldeck-harness: airflow db migrate failed with status $?" >>"$dir/harness.log"
    fi
} </dev/null &
read -r _ || true
setsid sh -c 'kill -KILL -- "-$1"; sleep 1; rm -rf "$2"' cleanup "$$" "$dir" 2>/dev/null
rm -rf "$dir"
kill -KILL 0
"#;

const DAGS: &str = r#""""Written by modeldeck's test harness (tests/harness/airflow.rs)."""

import pendulum
from airflow.sdk import dag, task

START = pendulum.datetime(2024, 1, 1, tz="UTC")


@dag(dag_id="retrain_ok", schedule=None, start_date=START, catchup=False, is_paused_upon_creation=False)
def retrain_ok():
    @task(retries=0)
    def train(dag_run=None):
        return dict(dag_run.conf or {})

    train()


@dag(dag_id="retrain_fails", schedule=None, start_date=START, catchup=False, is_paused_upon_creation=False)
def retrain_fails():
    @task(retries=0)
    def train():
        raise RuntimeError("training data missing")

    train()


# Paused from the start, so that the scheduler never creates its runs: the next run stays
# on record and a manual run stays queued.
@dag(dag_id="retrain_nightly", schedule="0 3 * * *", start_date=START, catchup=False, is_paused_upon_creation=True)
def retrain_nightly():
    @task(retries=0)
    def train():
        return "trained"

    train()


retrain_ok()
retrain_fails()
retrain_nightly()
"#;

/// A start that failed is kept as its message, so that the other tests of the binary fail
/// at once instead of each waiting out its own start.
static SHARED: OnceCell<Result<Airflow, String>> = OnceCell::const_new();

pub struct Airflow {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    url: String,
    home: PathBuf,
    server: Option<Server>,
    /// Held open for the server's lifetime; closing it stops the server.
    _lifeline: ChildStdin,
    /// Removed on drop for an owned instance; the watchdog removes a shared one's.
    _dir: Option<TempDir>,
}

/// The Airflow virtualenv; an error pointing at `scripts/test` if it is missing.
fn venv() -> Result<PathBuf, String> {
    let venvs = match std::env::var_os("MODELDECK_TEST_VENVS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(&std::env::var_os("HOME").expect("HOME is set")).join(".cache/modeldeck/test-venvs"),
    };
    let venv = venvs.join("airflow");
    if !venv.join("bin/airflow").is_file() {
        return Err(format!(
            "no Airflow virtualenv at {}: run `scripts/test`, which creates it (apache-airflow 3.3.2) \
             and then runs the whole suite",
            venv.display()
        ));
    }
    Ok(venv)
}

impl Airflow {
    /// The instance shared by every test of this binary, started on first use.
    pub async fn shared() -> &'static Airflow {
        match SHARED.get_or_init(|| Airflow::launch(true)).await {
            Ok(airflow) => airflow,
            Err(message) => panic!("{message}"),
        }
    }

    /// An instance of one's own, killed with its process group and reaped on drop.
    pub async fn start() -> Airflow {
        Airflow::launch(false).await.unwrap_or_else(|message| panic!("{message}"))
    }

    async fn launch(shared: bool) -> Result<Airflow, String> {
        let airflow = venv()?.join("bin/airflow");
        let dir =
            tempfile::Builder::new().prefix("modeldeck-airflow-").tempdir().expect("create a temporary directory");
        let home = dir.path().to_path_buf();
        std::fs::create_dir(home.join("dags")).expect("create the DAGs folder");
        std::fs::write(home.join("dags/modeldeck_retrain.py"), DAGS).expect("write the DAGs");
        std::fs::write(home.join("passwords.json"), serde_json::json!({ USERNAME: PASSWORD }).to_string())
            .expect("write the passwords file");
        let port = free_ports(1)[0];
        let url = format!("http://127.0.0.1:{port}");
        let mut command = Command::new("sh");
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("AIRFLOW") {
                command.env_remove(key);
            }
        }
        let path = |name: &str| home.join(name).display().to_string();
        command
            .arg("-c")
            .arg(WATCHDOG)
            .arg("modeldeck-airflow-watchdog")
            .arg(&home)
            .arg(&airflow)
            .arg(port.to_string())
            .env("AIRFLOW_HOME", &home)
            .env("AIRFLOW__CORE__DAGS_FOLDER", path("dags"))
            .env("AIRFLOW__CORE__LOAD_EXAMPLES", "false")
            .env("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "false")
            .env("AIRFLOW__CORE__EXECUTOR", "LocalExecutor")
            .env("AIRFLOW__CORE__PARALLELISM", "1")
            .env("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", format!("{url}/execution/"))
            .env("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", format!("{USERNAME}:admin"))
            .env("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", path("passwords.json"))
            .env("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", format!("sqlite:///{}", path("airflow.db")))
            .current_dir(&home)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        let mut child = command.spawn().unwrap_or_else(|e| panic!("start sh for {}: {e}", airflow.display()));
        let lifeline = child.stdin.take().expect("a piped stdin");
        let mut instance = Airflow {
            url,
            home: home.clone(),
            server: Some(Server { name: "airflow".into(), child, log: home.join("harness.log") }),
            _lifeline: lifeline,
            _dir: Some(dir),
        };
        if let Err(why) = instance.wait_ready().await {
            if let Some(server) = instance.server.take() {
                server.kill();
            }
            return Err(format!("airflow on {} {why}\n{}", instance.url, instance.logs()));
        }
        if shared {
            // Never dropped: the watchdog removes it when the binary exits.
            let _ = instance._dir.take().map(TempDir::keep);
        }
        Ok(instance)
    }

    /// Ready once the health check reports the database, scheduler and DAG processor
    /// healthy and both DAGs are parsed and unpaused. An import error in the DAG file fails
    /// at once rather than after the deadline.
    async fn wait_ready(&mut self) -> Result<(), String> {
        let started = Instant::now();
        loop {
            if std::fs::read_to_string(self.home.join("harness.log")).is_ok_and(|log| log.contains(EXITED)) {
                return Err("exited while starting".into());
            }
            match self.ready().await {
                Ok(true) => {
                    eprintln!("airflow: ready after {:.1?}", started.elapsed());
                    return Ok(());
                }
                Ok(false) => {}
                Err(why) => return Err(why),
            }
            if started.elapsed() >= READY_TIMEOUT {
                return Err(format!("was not ready after {READY_TIMEOUT:?}"));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn ready(&self) -> Result<bool, String> {
        let client = http_client();
        let health = match client.get(format!("{}/api/v2/monitor/health", self.url)).send().await {
            Ok(response) if response.status().is_success() => response.json::<Value>().await.unwrap_or_default(),
            _ => return Ok(false),
        };
        let healthy = ["metadatabase", "scheduler", "dag_processor"].iter().all(|c| health[c]["status"] == "healthy");
        if !healthy {
            return Ok(false);
        }
        let Ok(token) = self.try_token().await else {
            return Ok(false);
        };
        let errors = self.get_with(&client, &token, "api/v2/importErrors").await.unwrap_or_default();
        if let Some(error) = errors["import_errors"].as_array().and_then(|e| e.first()) {
            return Err(format!("could not import the DAGs: {}", error["stack_trace"].as_str().unwrap_or("?")));
        }
        for (dag, paused) in [("retrain_ok", false), ("retrain_fails", false), ("retrain_nightly", true)] {
            match self.get_with(&client, &token, &format!("api/v2/dags/{dag}")).await {
                Ok(found) if found["is_paused"] == paused => {}
                _ => return Ok(false),
            }
        }
        Ok(true)
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn username(&self) -> &'static str {
        USERNAME
    }

    pub fn password(&self) -> &'static str {
        PASSWORD
    }

    /// `AIRFLOW_HOME`: configuration, database, logs (`logs/dag_id=…` per task attempt).
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// A fresh JWT for the admin user from `POST /auth/token`.
    pub async fn token(&self) -> String {
        self.try_token().await.unwrap_or_else(|e| panic!("{e}\n{}", self.logs()))
    }

    async fn try_token(&self) -> Result<String, String> {
        let url = format!("{}/auth/token", self.url);
        let body = serde_json::json!({ "username": USERNAME, "password": PASSWORD });
        let response = http_client().post(&url).json(&body).send().await.map_err(|e| format!("POST {url}: {e}"))?;
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or_default();
        match answer["access_token"].as_str() {
            Some(token) if status.is_success() => Ok(token.to_string()),
            _ => Err(format!("POST {url} answered {status}: {answer}")),
        }
    }

    /// `GET {url}/{path}` with a fresh token; panics unless the answer is 2xx JSON. A fresh
    /// client each time: a shared instance outlives the runtime of the test that started it.
    /// A read is safe to repeat, so a slow or refused answer (the API server on a loaded
    /// machine) is tried again until a deadline before the test gives up.
    pub async fn get(&self, path: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let answer = match self.try_token().await {
                Ok(token) => self.get_with(&http_client(), &token, path).await,
                Err(e) => Err(e),
            };
            match answer {
                Ok(value) => return value,
                Err(e) if Instant::now() >= deadline => panic!("{e}\n{}", self.logs()),
                Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
            }
        }
    }

    async fn get_with(&self, client: &reqwest::Client, token: &str, path: &str) -> Result<Value, String> {
        let url = format!("{}/{path}", self.url);
        let response = client.get(&url).bearer_auth(token).send().await.map_err(|e| format!("GET {url}: {e}"))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(format!("GET {url} answered {status}: {text}"));
        }
        serde_json::from_str(&text).map_err(|e| format!("GET {url}: bad JSON: {e}: {text}"))
    }

    /// The end of each component's log, for panic messages.
    pub fn logs(&self) -> String {
        LOGS.iter()
            .map(|name| self.home.join(format!("{name}.log")))
            .filter(|log| log.exists())
            .map(|log| format!("--- end of {}:\n{}", log.display(), log_tail(&log)))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for Airflow {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.kill();
        }
    }
}
