//! The example config's drift, against a real Prometheus fed through the Pushgateway with
//! both kinds of drift series at once: distances (PSI) for some models, TrustyAI p-values
//! for others, both for one. The DRIFT column (through `modeldeck status --json`) and the
//! model screen's drift panel show each on one scale with the right direction.

mod harness;

use std::time::Duration;

use harness::{Stack, wait_for};
use jiff::Timestamp;
use modeldeck::backends::http;
use modeldeck::backends::prometheus::{panels, range};
use modeldeck::config::{self, Config};
use modeldeck::domain::{Line, PanelId};
use serde_json::Value;

const DEADLINE: Duration = Duration::from_secs(30);

/// TrustyAI's label set (`metricName`, `request`, `subcategory`) as its publisher writes it.
const PUSHED: &str = "\
# TYPE model_drift_score gauge
model_drift_score{model=\"psi-high\",feature=\"amount\"} 0.31
model_drift_score{model=\"psi-high\",feature=\"hour\"} 0.02
model_drift_score{model=\"psi-low\",feature=\"amount\"} 0.04
model_drift_score{model=\"both\",feature=\"amount\"} 0.05
# TYPE trustyai_meanshift gauge
trustyai_meanshift{model=\"trusty-drifting\",metricName=\"MEANSHIFT\",request=\"9b0a1f6e-0001\",batch_size=\"5000\",subcategory=\"income\"} 0.01
trustyai_meanshift{model=\"trusty-drifting\",metricName=\"MEANSHIFT\",request=\"9b0a1f6e-0001\",batch_size=\"5000\",subcategory=\"age\"} 0.6
# TYPE trustyai_kstest gauge
trustyai_kstest{model=\"trusty-stable\",metricName=\"KSTEST\",request=\"9b0a1f6e-0002\",batch_size=\"5000\",subcategory=\"income\"} 0.4
trustyai_kstest{model=\"both\",metricName=\"KSTEST\",request=\"9b0a1f6e-0003\",batch_size=\"5000\",subcategory=\"amount\"} 0.03
# TYPE trustyai_approxkstest gauge
trustyai_approxkstest{model=\"trusty-warn\",metricName=\"APPROXKSTEST\",request=\"9b0a1f6e-0004\",batch_size=\"5000\",subcategory=\"income\"} 0.08
# TYPE trustyai_fouriermmd gauge
trustyai_fouriermmd{model=\"trusty-mmd\",metricName=\"FOURIERMMD\",request=\"9b0a1f6e-0005\",batch_size=\"5000\"} 0.001
";

/// The score the example's query gives a p-value.
fn score(p: f64) -> f64 {
    (0.1 + 0.15 * (0.1 / p).log2()).clamp(0.0, 1.0)
}

/// model, expected DRIFT value, expected status.
fn expected() -> Vec<(&'static str, f64, &'static str)> {
    vec![
        ("psi-high", 0.31, "critical"),
        ("psi-low", 0.04, "ok"),
        ("trusty-drifting", score(0.01), "critical"),
        ("trusty-stable", 0.0, "ok"),
        ("trusty-warn", score(0.08), "warn"),
        ("trusty-mmd", 1.0, "critical"),
        // The worst of its distance (0.05) and its p-value (0.03).
        ("both", score(0.03), "critical"),
    ]
}

/// The example, verbatim, pointed at the stack (its staging registry left out: none runs).
fn example_for(stack: &Stack) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!("{root}/config.example.toml")).unwrap();
    let registry = "[environment.registry]\nurl = \"http://127.0.0.1:5000\"\n";
    assert!(text.contains(registry), "the example's staging registry moved");
    text.replace(registry, "")
        .replace("http://127.0.0.1:9090", &stack.prometheus_url)
        .replace("http://127.0.0.1:9093", &stack.alertmanager_url)
}

fn status(path: &std::path::Path, state: &std::path::Path) -> Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_modeldeck"))
        .args(["--config", &path.display().to_string(), "status", "--json"])
        .env("XDG_STATE_HOME", state)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn model<'a>(doc: &'a Value, name: &str) -> Option<&'a Value> {
    doc["models"].as_array()?.iter().find(|m| m["name"] == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_shows_distances_and_p_values_on_one_drift_scale() {
    let stack = Stack::start().await;
    stack.push("drift", "monitor-1", PUSHED).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let text = example_for(&stack);
    std::fs::write(&path, &text).unwrap();
    let config: Config = config::from_str(&text, Some(&path), &|_| None).unwrap_or_else(|e| panic!("{e}"));

    // The DRIFT column, through the status command.
    let doc = std::cell::RefCell::new(Value::Null);
    wait_for("every model's drift in `status --json`", DEADLINE, || {
        let now = status(&path, dir.path());
        let ready = expected().iter().all(|(m, _, _)| model(&now, m).is_some_and(|r| r["values"]["drift"].is_number()));
        *doc.borrow_mut() = now;
        async move { ready }
    })
    .await;
    let doc = doc.into_inner();
    for (name, value, verdict) in expected() {
        let values = &model(&doc, name).unwrap()["values"];
        let shown = values["drift"].as_f64().unwrap();
        assert!((shown - value).abs() < 1e-9, "{name}: DRIFT {shown}, expected {value}");
        assert_eq!(values["drift_status"], verdict, "{name}: {values}");
    }

    // The model screen's drift panel: lines per feature on the same scale, and the worst.
    let client = http::client(config.timeout).unwrap();
    let endpoint = &config.environment(0).prometheus;
    let last = |lines: &[Line], name: &str| {
        let line = lines.iter().find(|l| l.name == name).unwrap_or_else(|| panic!("no line {name} in {lines:?}"));
        line.last().unwrap_or_else(|| panic!("line {name} has no value"))
    };
    for (name, feature_values) in [
        ("psi-high", vec![("amount", 0.31), ("hour", 0.02), ("overall", 0.31)]),
        ("trusty-drifting", vec![("income", score(0.01)), ("age", 0.0), ("overall", score(0.01))]),
        // Its distance and its test both watch `amount`: the line keeps the worse.
        ("both", vec![("amount", score(0.03)), ("overall", score(0.03))]),
    ] {
        let specs = panels::panels(name, &config.discovery, &config.detail);
        // The range is asked on a grid up to now, so its last point may still fall before
        // the scrape `status` saw: ask again until every feature's line has a point.
        let deadline = std::time::Instant::now() + DEADLINE;
        let lines = loop {
            let end = Timestamp::now().as_second() as f64;
            let snapshot = range::load(&client, endpoint, name, &specs, (end - 120.0, end, 5.0)).await.unwrap();
            let panel = snapshot.panel(PanelId::Drift).unwrap();
            let lines = panel.result.clone().unwrap_or_else(|e| panic!("{name}: the drift panel failed: {e}"));
            let complete = feature_values
                .iter()
                .all(|(feature, _)| lines.iter().any(|l| l.name == *feature && l.last().is_some()));
            if complete || std::time::Instant::now() > deadline {
                break lines;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        let lines = &lines;
        for (feature, value) in feature_values {
            let shown = last(lines, feature);
            assert!((shown - value).abs() < 1e-9, "{name} {feature}: {shown}, expected {value}");
        }
        let (title, scale) = config.detail.panel(PanelId::Drift);
        assert_eq!(title, "Drift score by feature");
        assert_eq!(scale.thresholds.classify(last(lines, "overall")), modeldeck::domain::Status::Critical, "{name}");
    }
}
