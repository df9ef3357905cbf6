//! `modeldeck retrain` from a shell, the real binary: against a real Airflow 3.3.2 (a DAG run
//! created with the parameters given, nothing created by `--dry-run`), and against a loopback
//! stand-in that takes the request and closes the connection without answering, the one case
//! no real pipeline produces on demand: the outcome is unknown (exit 3), journaled so, and
//! the request was sent once.

mod harness;
mod shell;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use harness::Airflow;
use modeldeck::journal::{Kind, Outcome};
use serde_json::json;
use shell::Shell;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

const NO_PROMETHEUS: &str = "http://127.0.0.1:9";

fn config(models: &str) -> String {
    format!("timeout = \"10s\"\n[[environment]]\nname = \"it\"\nprometheus = {{ url = \"{NO_PROMETHEUS}\" }}\n{models}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retrain_from_a_shell_creates_a_dag_run_with_the_params_given() {
    let airflow = Airflow::start().await;
    let shell = Shell::new(&config(&format!(
        "[[model]]\nname = \"fraud\"\nretrain = {{ kind = \"airflow\", url = \"{}\", dag = \"retrain_ok\", username = \"{}\", password_env = \"AIRFLOW_PASSWORD\", params = {{ model_name = \"{{model}}\", lookback_days = 30 }} }}\n",
        airflow.url(),
        airflow.username()
    )));
    let secret = [("AIRFLOW_PASSWORD", airflow.password())];
    let retrain = ["retrain", "--model", "fraud", "--param", "lookback_days=7", "--note", "drift on income"];
    let runs = || async { airflow.get("api/v2/dags/retrain_ok/dagRuns").await["total_entries"].as_u64() };

    let dry = shell.run_with(&[&retrain[..], &["--dry-run"]].concat(), &secret).await;
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(dry.stdout.contains(&format!("{}/api/v2/dags/retrain_ok/dagRuns", airflow.url())), "{}", dry.stdout);
    assert!(dry.stdout.contains("lookback_days = 7"), "{}", dry.stdout);
    assert!(!dry.stdout.contains(airflow.password()), "no secret in the plan: {}", dry.stdout);
    assert_eq!(runs().await, Some(0), "a dry run sends nothing");

    // A parameter the pipeline does not have is a usage error.
    let unknown = shell.run_with(&["retrain", "--model", "fraud", "--param", "epochs=3", "--note", "x"], &secret).await;
    assert_eq!(unknown.code, 2, "{unknown:?}");
    assert!(unknown.stderr.contains("no parameter `epochs` (it has: lookback_days, model_name)"), "{}", unknown.stderr);

    let done = shell.run_with(&[&retrain[..], &["--yes", "--json"]].concat(), &secret).await;
    assert_eq!(done.code, 0, "{done:?}");
    let doc = done.json();
    assert_eq!(doc["result"], "ok", "{doc}");
    assert_eq!(doc["plan"]["request"]["params"], json!({ "model_name": "fraud", "lookback_days": 7 }));
    let entries = shell.results();
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!((entry.kind.clone(), entry.result.clone()), (Kind::Retrain, Outcome::Ok));
    assert_eq!(doc["journal"]["hash"], entry.hash.as_str());
    assert_eq!(entry.request.as_ref().unwrap()["via"], "cli");
    let run_id = entry.after.as_ref().unwrap()["run_id"].as_str().expect("a run id").to_string();

    // Airflow holds the run, with the parameters as the conf.
    let run = airflow.get(&format!("api/v2/dags/retrain_ok/dagRuns/{run_id}")).await;
    assert_eq!(run["conf"], json!({ "model_name": "fraud", "lookback_days": 7 }), "{run}");
    assert_eq!(runs().await, Some(1));
}

/// Reads one request at a time and closes each connection without a word; counts them.
async fn takes_and_hangs_up() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // The head, then as much body as it announces.
            while let Ok(n) = stream.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:").and_then(|v| v.trim().parse::<usize>().ok()))
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            seen.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trigger_whose_answer_never_comes_exits_3_and_is_journaled_unknown() {
    let (url, requests) = takes_and_hangs_up().await;
    let shell = Shell::new(&config(&format!(
        "[[model]]\nname = \"fraud\"\nretrain = {{ kind = \"webhook\", url = \"{url}\", body = {{ model = \"{{model}}\" }} }}\n"
    )));
    let ran = shell.run(&["retrain", "--model", "fraud", "--note", "drift", "--yes", "--json"]).await;
    assert_eq!(ran.code, 3, "{ran:?}");
    let doc = ran.json();
    assert_eq!(doc["result"], "unknown", "{doc}");
    assert!(doc["message"].as_str().unwrap().contains("check the pipeline before triggering again"), "{doc}");
    assert_eq!(requests.load(Ordering::SeqCst), 1, "sent once, never again");
    let entries = shell.results();
    assert_eq!(entries.len(), 1);
    assert!(matches!(entries[0].result, Outcome::Unknown { .. }), "{:?}", entries[0].result);
    assert_eq!(doc["journal"]["hash"], entries[0].hash.as_str());
    assert_eq!(entries[0].request.as_ref().unwrap()["sent"]["body"], json!({ "model": "fraud" }));
}
