//! `modeldeck init` against a real Prometheus scraping a real MLServer: the built binary
//! reads the metric names, writes a config, and `modeldeck status --json` with that config
//! shows a value in every column the stack exports. And every query it writes for the
//! recorded exporters (tests/fixtures/init/) is PromQL a real Prometheus accepts.

mod harness;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use harness::{Stack, StackOptions, wait_for};
use modeldeck::config;
use modeldeck::domain::ColumnId;
use modeldeck::init::{Inventory, Servers, plan, render};
use serde_json::Value;

const DEADLINE: Duration = Duration::from_secs(60);

fn modeldeck(args: &[&str], state: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_modeldeck")).args(args).env("XDG_STATE_HOME", state).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_against_mlserver_writes_a_config_whose_columns_all_show_values() {
    let stack = Stack::start_with(StackOptions { mlserver: true, ..Default::default() }).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("modeldeck.toml");
    let file = path.display().to_string();

    // MLServer creates its model series at the first call; Prometheus then scrapes them.
    wait_for("MLServer's latency series in Prometheus", DEADLINE, || async {
        stack.infer("v2").await;
        let result = stack.prom_instant("model_infer_request_duration_count").await;
        result.as_array().is_some_and(|r| !r.is_empty())
    })
    .await;

    let prometheus = ["--prometheus", &stack.prometheus_url, "--alertmanager", &stack.alertmanager_url];
    let out = modeldeck(&[&["init"], &prometheus[..], &["--output", &file]].concat(), dir.path());
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}\n{stdout}", text(&out.stderr));
    assert!(stdout.contains("MLServer") && stdout.contains(&format!("wrote {file}")), "{stdout}");
    assert!(stdout.contains(&format!("Alertmanager {}: answers", stack.alertmanager_url)), "{stdout}");
    assert!(stdout.contains("mean of model_infer_request_duration"), "{stdout}");
    let written = std::fs::read_to_string(&path).unwrap();
    let loaded = config::from_str(&written, Some(&path), &|_| None).unwrap_or_else(|e| panic!("{e}\n{written}"));
    let enabled: Vec<ColumnId> = loaded.columns.iter().map(|c| c.id).collect();
    assert_eq!(
        enabled,
        [ColumnId::Version, ColumnId::LatencyP95, ColumnId::Throughput, ColumnId::ErrorRate],
        "the columns MLServer feeds, and no others:\n{written}"
    );

    // Calls keep coming, so the rates have something to measure.
    let row = std::cell::RefCell::new(Value::Null);
    let server = &stack;
    wait_for("a value in every column for iris", DEADLINE, || {
        let out = modeldeck(&["--config", &file, "status", "--json"], dir.path());
        assert!(out.status.success(), "{}", text(&out.stderr));
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let iris = doc["models"].as_array().and_then(|m| m.iter().find(|m| m["name"] == "iris")).cloned();
        let shown = iris.as_ref().is_some_and(|iris| {
            let values = &iris["values"];
            values["version"].is_string()
                && [ColumnId::LatencyP95, ColumnId::Throughput, ColumnId::ErrorRate]
                    .iter()
                    .all(|id| values[id.key()].as_f64().is_some_and(f64::is_finite))
                && values["throughput"].as_f64().is_some_and(|t| t > 0.0)
        });
        *row.borrow_mut() = iris.unwrap_or(Value::Null);
        async move {
            server.infer("v2").await;
            shown
        }
    })
    .await;
    let row = row.into_inner();
    let values = &row["values"];
    assert!(values["version"].as_str().unwrap().contains("v2"), "{row}");
    assert_eq!(values["error_rate"], 0.0, "no call failed: {row}");
    let latency = values["latency_p95"].as_f64().unwrap();
    assert!(latency > 0.0 && latency < 5.0, "a plausible mean latency in seconds: {row}");

    // A call to a version that does not exist is counted as a failure of iris: ERR rises.
    // Calls keep failing while it waits, as a new series' first value is no increase.
    let url = format!("{}/v2/models/iris/versions/v9/infer", stack.mlserver_url.as_deref().unwrap());
    let body = serde_json::json!({"inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP32", "data": [6.0, 2.7, 5.1, 1.6]}]});
    let client = reqwest::Client::new();
    wait_for("failed calls in ERR", DEADLINE, || async {
        let failed = client.post(&url).json(&body).send().await.unwrap();
        assert_eq!(failed.status(), 404);
        let out = modeldeck(&["--config", &file, "status", "--json"], dir.path());
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let iris = doc["models"].as_array().and_then(|m| m.iter().find(|m| m["name"] == "iris").cloned());
        iris.and_then(|i| i["values"]["error_rate"].as_f64()).is_some_and(|e| e > 0.0 && e < 1.0)
    })
    .await;

    // The file is the operator's now: init leaves it alone unless told.
    let again = modeldeck(&[&["init"], &prometheus[..], &["--output", &file]].concat(), dir.path());
    assert!(!again.status.success() && text(&again.stderr).contains("--force"), "{}", text(&again.stderr));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
    let forced = modeldeck(&[&["init"], &prometheus[..], &["--output", &file, "--force"]].concat(), dir.path());
    assert!(forced.status.success(), "{}", text(&forced.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_query_written_for_the_recorded_exporters_is_accepted_by_prometheus() {
    let stack = Stack::start().await;
    let dir = format!("{}/tests/fixtures/init", env!("CARGO_MANIFEST_DIR"));
    let mut all = String::new();
    let mut sets: Vec<(String, String)> = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let recorded = std::fs::read_to_string(&path).unwrap();
        all.push_str(&recorded);
        all.push('\n');
        sets.push((path.display().to_string(), recorded));
    }
    sets.push(("all fixtures together".into(), all));
    let servers =
        Servers { name: "it".into(), prometheus: stack.prometheus_url.clone(), alertmanagers: vec![], registry: None };
    let mut checked = 0;
    for (name, recorded) in &sets {
        let plan = plan(&Inventory::parse_recorded(recorded).unwrap());
        let written = render::config(&plan, &servers);
        let loaded = config::from_str(&written, None, &|_| None).unwrap_or_else(|e| panic!("{name}: {e}"));
        let panels = modeldeck::backends::prometheus::panels::panels("m", &loaded.discovery, &loaded.detail);
        let queries = loaded.columns.iter().map(|c| c.query.clone()).chain(panels.into_iter().map(|p| p.query));
        for query in queries {
            // `prom_instant` asserts Prometheus answered "success".
            stack.prom_instant(&query).await;
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} queries checked");
}
