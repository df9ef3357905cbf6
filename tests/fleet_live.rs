//! The fleet against real servers: Prometheus (1 s scrape and rule evaluation), a
//! Pushgateway fed like an evaluation job, and Alertmanager, all started by the harness.

mod harness;
mod live;

use std::time::Duration;

use harness::{Stack, metrics_text, wait_for};
use live::Live;
use modeldeck::app::App;
use modeldeck::backends::http;
use modeldeck::config::{self, Config};
use modeldeck::domain::{AlertState, ColumnId, Health, SourceId};
use modeldeck::sources::launch::LiveSources;

fn config_for(stack: &Stack) -> Config {
    let text = format!(
        r#"
refresh = "500ms"
timeout = "2s"
[[environment]]
name = "it"
prometheus = {{ url = "{}" }}
alertmanagers = ["{}"]
"#,
        stack.prometheus_url, stack.alertmanager_url
    );
    config::from_str(&text, None, &|_| None).unwrap()
}

fn accuracy(app: &App, model: &str) -> Option<f64> {
    app.fleet.find(model).and_then(|r| r.number(ColumnId::Accuracy))
}

fn firing_on(app: &App, model: &str) -> bool {
    app.alerts
        .iter()
        .any(|a| a.name == "ModelAccuracyLow" && a.model.as_deref() == Some(model) && a.state == AlertState::Active)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accuracy_drop_fires_an_alert_that_reaches_the_fleet_and_clears() {
    let stack = Stack::start().await;
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud", "3", 0.97), ("churn", "7", 0.95)])).await;
    let mut live = Live::start(&config_for(&stack));

    live.until("fraud at 0.97", Duration::from_secs(20), |app| accuracy(app, "fraud") == Some(0.97)).await;
    let row = live.app.fleet.find("fraud").unwrap();
    assert_eq!(row.text(ColumnId::Version), Some("3"));
    assert!(!row.critical());
    assert!(live.screen().contains("0.970"));

    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud", "3", 0.71), ("churn", "7", 0.95)])).await;
    live.until("the accuracy alert in the alerts panel", Duration::from_secs(30), |app| firing_on(app, "fraud")).await;
    live.until("the critical mark on the fraud row", Duration::from_secs(10), |app| {
        app.fleet.find("fraud").is_some_and(|r| r.critical()) && accuracy(app, "fraud") == Some(0.71)
    })
    .await;
    assert!(!live.app.fleet.find("churn").unwrap().critical());
    let screen = live.screen();
    let fraud_line =
        screen.lines().find(|l| l.contains("│! fraud")).unwrap_or_else(|| panic!("no marked row:\n{screen}"));
    assert!(fraud_line.contains("0.710"), "{fraud_line}");
    assert!(screen.contains("ModelAccuracyLow"), "{screen}");
    let alert = live.app.alerts.iter().find(|a| a.name == "ModelAccuracyLow").unwrap();
    assert_eq!(alert.summary, "Accuracy of fraud v3 is 0.71");

    // The evaluation job's group is deleted: the value and the alert both go away.
    stack.delete_group("model-eval", "eval-1").await;
    live.until("the alert to clear", Duration::from_secs(30), |app| {
        !firing_on(app, "fraud") && app.fleet.find("fraud").is_none()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_outage_turns_health_to_error_and_recovers() {
    let mut stack = Stack::start().await;
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud", "3", 0.97)])).await;
    let mut live = Live::start(&config_for(&stack));
    live.until("first data", Duration::from_secs(20), |app| accuracy(app, "fraud") == Some(0.97)).await;

    stack.stop_prometheus().await;
    live.until("prometheus to report an error", Duration::from_secs(20), |app| {
        matches!(app.health[&SourceId::Prometheus], Health::Failing { .. })
    })
    .await;
    let Health::Failing { error, last_ok, .. } = live.app.health[&SourceId::Prometheus].clone() else { unreachable!() };
    assert!(error.contains("connection refused"), "{error}");
    assert!(last_ok.is_some(), "the age of the last good data is known");
    assert!(live.app.health[&SourceId::Alertmanager].is_ok(), "one source down does not take the other");
    assert_eq!(accuracy(&live.app, "fraud"), Some(0.97), "the last data stays on screen");
    let screen = live.screen();
    assert!(screen.contains("prom ✗ connection refused"), "{screen}");

    stack.start_prometheus().await;
    live.until("prometheus to recover", Duration::from_secs(60), |app| app.health[&SourceId::Prometheus].is_ok()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_per_refresh_equal_the_fleet_columns_whatever_the_fleet_size() {
    let stack = Stack::start().await;
    let config = config_for(&stack);
    let launcher = LiveSources { config: config.clone(), client: http::client(config.timeout).unwrap() };
    let (prometheus, _) = launcher.sources(0);

    let mut per_refresh = Vec::new();
    for size in [10usize, 200] {
        let names: Vec<String> = (0..size).map(|i| format!("model-{i:03}")).collect();
        let models: Vec<(&str, &str, f64)> = names.iter().map(|n| (n.as_str(), "1", 0.95)).collect();
        stack.push("model-eval", "eval-1", &metrics_text(&models)).await;
        wait_for("the pushed fleet in Prometheus", Duration::from_secs(20), || async {
            stack.prom_instant("count(model_accuracy)").await[0]["value"][1].as_str() == Some(size.to_string().as_str())
        })
        .await;

        let before = stack.query_request_count().await;
        let snapshot = prometheus.snapshot(jiff::Timestamp::now()).await.unwrap();
        let expected = before + 3.0;
        wait_for("the request counter", Duration::from_secs(5), || async {
            stack.query_request_count().await >= expected
        })
        .await;
        let used = stack.query_request_count().await - before;
        per_refresh.push(used);

        let accuracy = snapshot.columns.iter().find(|(id, _)| *id == ColumnId::Accuracy).unwrap().1.as_ref().unwrap();
        assert_eq!(accuracy.len(), size, "every model is in the one accuracy query");
    }
    // Six number columns in one request, the trend's range query and VER's labels.
    assert_eq!(per_refresh, vec![3.0, 3.0], "three queries for eight columns, flat in the number of models");
    assert_eq!(config.columns.len(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_alerts_come_from_prometheus() {
    let stack = Stack::start().await;
    stack
        .push("probe", "p1", "# TYPE model_error_probe gauge\nmodel_error_probe{model=\"churn\",version=\"7\"} 1\n")
        .await;
    stack.push("model-eval", "eval-1", &metrics_text(&[("churn", "7", 0.95)])).await;
    let mut live = Live::start(&config_for(&stack));
    live.until("a pending alert", Duration::from_secs(20), |app| {
        app.pending.iter().any(|a| a.name == "ModelErrorsSlowBurn" && a.model.as_deref() == Some("churn"))
    })
    .await;
    assert!(live.app.pending.iter().all(|a| a.state == AlertState::Pending));
    assert_eq!(live.app.fleet.find("churn").unwrap().firing, 0, "pending alerts do not count as firing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_command_prints_json_and_fails_when_a_source_is_down() {
    let mut stack = Stack::start().await;
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud", "3", 0.71), ("churn", "7", 0.95)])).await;
    wait_for("the alert in Alertmanager", Duration::from_secs(30), || async {
        stack.am_alerts().await.as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        format!(
            "[[environment]]\nname = \"it\"\nprometheus = {{ url = \"{}\" }}\nalertmanagers = [\"{}\"]\n",
            stack.prometheus_url, stack.alertmanager_url
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_modeldeck"))
            .args(args)
            .env("MODELDECK_CONFIG", &path)
            .env("XDG_STATE_HOME", dir.path())
            .output()
            .unwrap()
    };
    let out = run(&["status", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["environment"], "it");
    assert_eq!(doc["sources"]["prometheus"]["ok"], true);
    let fraud = doc["models"].as_array().unwrap().iter().find(|m| m["name"] == "fraud").unwrap();
    assert_eq!(fraud["values"]["accuracy"], 0.71);
    assert_eq!(fraud["values"]["accuracy_status"], "critical");
    assert_eq!(fraud["critical_alert"], true);
    assert_eq!(fraud["values"]["gpu"], serde_json::Value::Null, "missing is null, not 0");
    assert!(doc["alerts"].as_array().unwrap().iter().any(|a| a["name"] == "ModelAccuracyLow"));

    let table = run(&["status"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("! fraud") && text.contains("ModelAccuracyLow"), "{text}");

    stack.stop_prometheus().await;
    let out = run(&["status", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("prometheus: connection refused"), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["sources"]["prometheus"]["ok"], false);
    assert_eq!(doc["sources"]["alertmanager"]["ok"], true);
}
