//! The console against a real VictoriaMetrics (Debian `victoria-metrics`), a second
//! implementation of the Prometheus HTTP API: the fleet through the console's own sources
//! and screen, the model screen's range queries point for point, and a `path_prefix` that
//! VictoriaMetrics serves (`/prometheus`) beside one it does not (the cluster version's
//! `/select/0/prometheus`), which shows the prefix really is in every request.

mod harness;
mod live;

use std::collections::HashMap;
use std::time::Duration;

use harness::VictoriaMetrics;
use jiff::Timestamp;
use live::Live;
use modeldeck::app::App;
use modeldeck::backends::http;
use modeldeck::backends::prometheus::charts::PrometheusCharts;
use modeldeck::config::{self, Config};
use modeldeck::domain::Status;
use modeldeck::domain::ports::Charts;
use modeldeck::domain::{CellValue, ColumnId, PanelId};
use modeldeck::sources::launch::LiveSources;

const STEP_S: i64 = 300;
const HISTORY_S: i64 = 3600;

fn config_for(prometheus: &str, path_prefix: Option<&str>) -> Config {
    let prefix = path_prefix.map(|p| format!(", path_prefix = \"{p}\"")).unwrap_or_default();
    let text = format!(
        "refresh = \"500ms\"\ntimeout = \"5s\"\n[[environment]]\nname = \"vm\"\nprometheus = {{ url = \"{prometheus}\"{prefix} }}\n"
    );
    config::from_str(&text, None, &|_| None).unwrap_or_else(|e| panic!("{e}"))
}

/// The accuracy the history holds for `model` at Unix second `t`: a repeating staircase, so
/// a point taken at the wrong time shows.
/// Whole thousandths, so the text written and the number read back are the same.
fn accuracy_at(model: usize, t: i64) -> f64 {
    (800 + (t / 60) % 10 * 10 + model as i64) as f64 / 1000.0
}

/// One sample a minute of `model_accuracy`, of a success counter rising by 2/s and of a
/// failure counter that stays 0, from `from` to `to` (Unix seconds, on the minute), as
/// import text with millisecond stamps.
fn history(models: &[(&str, &str)], from: i64, to: i64) -> String {
    let mut text = String::new();
    for (i, (model, version)) in models.iter().enumerate() {
        for t in (from..=to).step_by(60) {
            let labels = format!("model=\"{model}\",version=\"{version}\"");
            text.push_str(&format!("model_accuracy{{{labels}}} {} {}\n", accuracy_at(i, t), t * 1000));
            text.push_str(&format!("model_infer_request_success_total{{{labels}}} {} {}\n", (t - from) * 2, t * 1000));
            text.push_str(&format!("model_infer_request_failure_total{{{labels}}} 0 {}\n", t * 1000));
        }
    }
    text
}

fn accuracy(app: &App, model: &str) -> Option<f64> {
    app.fleet.find(model).and_then(|r| r.number(ColumnId::Accuracy))
}

/// VictoriaMetrics holding an hour of history for two models, up to the last whole minute.
async fn with_history() -> (VictoriaMetrics, i64) {
    let vm = VictoriaMetrics::start().await;
    let end = Timestamp::now().as_second() / 60 * 60;
    vm.import(&history(&[("fraud", "3"), ("churn", "7")], end - HISTORY_S - 600, end)).await;
    vm.wait_series("model_accuracy", 2).await;
    (vm, end)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_reads_victoria_metrics_through_the_console() {
    let (vm, end) = with_history().await;
    let mut live = Live::start(&config_for(&vm.url, None));
    let expected = accuracy_at(0, end);
    live.until("fraud's accuracy from VictoriaMetrics", Duration::from_secs(30), |app| {
        accuracy(app, "fraud") == Some(expected)
    })
    .await;
    let row = live.app.fleet.find("fraud").unwrap();
    assert_eq!(row.text(ColumnId::Version), Some("3"));
    let throughput = row.number(ColumnId::Throughput).expect("a throughput from the counter's rate");
    assert!((throughput - 2.0).abs() < 1e-6, "the counter rises by 2/s, VictoriaMetrics says {throughput}");
    assert_eq!(accuracy(&live.app, "churn"), Some(accuracy_at(1, end)));
    assert_eq!(live.app.fleet.total(), 2, "exactly the two imported models");
    let screen = live.screen();
    assert!(screen.contains(&format!("{expected:.3}")), "{screen}");

    // A new value reaches the screen on the next refresh.
    vm.import("model_accuracy{model=\"fraud\",version=\"3\"} 0.71\n").await;
    live.until("fraud's new accuracy", Duration::from_secs(30), |app| accuracy(app, "fraud") == Some(0.71)).await;
    let fraud = live.app.fleet.find("fraud").unwrap();
    assert_eq!(fraud.health(), Status::Critical, "0.71 is past the critical threshold");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_screen_ranges_follow_the_history_point_for_point() {
    let (vm, end) = with_history().await;
    let end = end / STEP_S * STEP_S;
    let start = end - HISTORY_S;
    for prefix in [None, Some("/prometheus")] {
        let config = config_for(&vm.url, prefix);
        let charts = PrometheusCharts::new(&config, 0, http::client(config.timeout).unwrap());
        let snapshot = charts
            .load("fraud", (start as f64, end as f64, STEP_S as f64))
            .await
            .unwrap_or_else(|e| panic!("the detail of fraud with prefix {prefix:?}: {e}"));
        let quality = snapshot.panel(PanelId::Quality).expect("a quality panel").result.clone().expect("quality");
        assert_eq!(quality.len(), 1, "{quality:?}");
        assert_eq!(quality[0].name, "3", "named by the version label");
        let times: Vec<f64> = quality[0].points.iter().map(|p| p.0).collect();
        let expected: Vec<f64> = (start..=end).step_by(STEP_S as usize).map(|t| t as f64).collect();
        assert_eq!(times, expected, "one point per step over the range ({prefix:?})");
        for &(t, value) in &quality[0].points {
            let wanted = accuracy_at(0, t as i64);
            assert!((value - wanted).abs() < 1e-9, "accuracy at {t}: shown {value}, imported {wanted}");
        }
        let volume = snapshot.panel(PanelId::DataQuality).expect("a data-quality panel").result.clone();
        let volume = volume.expect("data quality");
        let last = volume.iter().find(|l| l.name == "input_volume").and_then(|l| l.last());
        assert!(last.is_some_and(|v| (v - 2.0).abs() < 1e-6), "input volume {volume:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_prefix_is_part_of_every_request() {
    let (vm, end) = with_history().await;
    let snapshot_with = |prefix: &'static str| {
        let client = http::client(Duration::from_secs(5)).unwrap();
        let sources = LiveSources { config: config_for(&vm.url, Some(prefix)), client };
        async move { sources.sources(0).0.snapshot(Timestamp::now()).await }
    };
    let served = snapshot_with("/prometheus").await.expect("the fleet under /prometheus");
    let columns: HashMap<ColumnId, _> = served.columns.into_iter().collect();
    let accuracy = columns[&ColumnId::Accuracy].as_ref().expect("the accuracy column");
    assert_eq!(accuracy.get("fraud"), Some(&CellValue::Number(accuracy_at(0, end))));

    // The single-node server has no cluster paths: it refuses and names the path it got.
    let error = snapshot_with("/select/0/prometheus").await.expect_err("no such path on a single node");
    assert!(error.contains("HTTP 400"), "{error}");
    assert!(error.contains("/select/0/prometheus/api/v1/query?"), "the prefixed path was requested: {error}");
}
