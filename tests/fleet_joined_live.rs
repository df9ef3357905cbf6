//! The number columns in one Prometheus request, against the real Prometheus of the
//! harness: the same values as one request per column, fewer requests, and a broken column
//! query that leaves the other columns standing.

mod harness;

use std::collections::HashMap;
use std::time::Duration;

use harness::{Stack, wait_for};
use modeldeck::backends::http;
use modeldeck::config::{self, Config};
use modeldeck::domain::{CellValue, ColumnId, ColumnResult, FleetSnapshot};
use modeldeck::sources::launch::LiveSources;
use modeldeck::sources::prometheus::PrometheusSource;

fn config_for(stack: &Stack, extra: &str) -> Config {
    let text = format!(
        r#"
refresh = "500ms"
timeout = "2s"
[[environment]]
name = "it"
prometheus = {{ url = "{}" }}
{extra}
"#,
        stack.prometheus_url
    );
    config::from_str(&text, None, &|_| None).unwrap()
}

/// 30 models with accuracy, drift, GPU and request counters (kept still, so rates are 0).
async fn fleet(stack: &Stack) {
    let mut text = String::from(
        "# TYPE model_accuracy gauge\n# TYPE model_drift_score gauge\n# TYPE model_infer_request_success_total counter\n",
    );
    for i in 0..30 {
        let m = format!("model-{i:02}");
        text.push_str(&format!("model_accuracy{{model=\"{m}\",version=\"{}\"}} 0.9{i:02}\n", i % 3));
        text.push_str(&format!("model_drift_score{{model=\"{m}\"}} 0.0{i:02}\n"));
        text.push_str(&format!("model_infer_request_success_total{{model=\"{m}\"}} {}\n", 100 * i));
    }
    stack.push("model-eval", "eval-1", &text).await;
    wait_for("two samples of every counter", Duration::from_secs(30), || async {
        stack.prom_instant("count(rate(model_infer_request_success_total[5m]))").await[0]["value"][1].as_str()
            == Some("30")
    })
    .await;
}

/// One refresh and the query requests it cost.
async fn refresh(stack: &Stack, source: &PrometheusSource, expected: f64) -> (FleetSnapshot, f64) {
    let before = stack.query_request_count().await;
    let snapshot = source.snapshot(jiff::Timestamp::now()).await.unwrap();
    wait_for("the request counter", Duration::from_secs(5), || async {
        stack.query_request_count().await >= before + expected
    })
    .await;
    (snapshot, stack.query_request_count().await - before)
}

fn column(snapshot: &FleetSnapshot, id: ColumnId) -> &ColumnResult {
    &snapshot.columns.iter().find(|(c, _)| *c == id).unwrap().1
}

/// Cells compared as text, so that NaN equals NaN.
fn cells(result: &ColumnResult) -> HashMap<String, String> {
    let cells = result.as_ref().unwrap();
    cells
        .iter()
        .map(|(model, value)| {
            let text = match value {
                CellValue::Number(v) => format!("{v}"),
                CellValue::Text(t) => t.clone(),
                CellValue::Series(s) => format!("{s:?}"),
            };
            (model.clone(), text)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joined_number_columns_read_as_one_request_per_column_does() {
    let stack = Stack::start().await;
    fleet(&stack).await;
    let config = config_for(&stack, "");
    let launcher = LiveSources { config: config.clone(), client: http::client(config.timeout).unwrap() };
    let (joined, _) = launcher.sources(0);
    let (alone, _) = launcher.sources(0);
    let alone = alone.one_request_per_column();

    let (together, used_together) = refresh(&stack, &joined, 3.0).await;
    let (separate, used_separate) = refresh(&stack, &alone, 8.0).await;
    // The six number columns in one request, the trend's range query and VER's labels.
    assert_eq!(config.columns.len(), 8);
    assert_eq!((used_together, used_separate), (3.0, 8.0));
    for spec in &config.columns {
        if spec.id == ColumnId::Trend {
            // The range ends at each refresh's own now: compare the models only.
            let models = |s: &FleetSnapshot| {
                let mut m: Vec<String> = column(s, ColumnId::Trend).as_ref().unwrap().keys().cloned().collect();
                m.sort();
                m
            };
            assert_eq!(models(&together), models(&separate));
            continue;
        }
        assert_eq!(cells(column(&together, spec.id)), cells(column(&separate, spec.id)), "column {}", spec.id);
    }
    let accuracy = cells(column(&together, ColumnId::Accuracy));
    assert_eq!(accuracy.len(), 30);
    assert_eq!(accuracy["model-07"], "0.907");
    assert_eq!(cells(column(&together, ColumnId::Drift))["model-12"], "0.012");
    assert_eq!(cells(column(&together, ColumnId::Throughput))["model-03"], "0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_column_query_blanks_only_its_column_and_is_then_asked_alone() {
    let stack = Stack::start().await;
    fleet(&stack).await;
    let config = config_for(&stack, "[fleet.columns.drift]\nquery = \"max by (model) (model_drift_score\"\n");
    let launcher = LiveSources { config: config.clone(), client: http::client(config.timeout).unwrap() };
    let (source, _) = launcher.sources(0);

    // The joined query is refused, then each number column is asked alone.
    let (first, used_first) = refresh(&stack, &source, 9.0).await;
    let drift = column(&first, ColumnId::Drift).as_ref().unwrap_err();
    assert!(drift.starts_with(&format!("{}: ", ColumnId::Drift)) && drift.contains("parse error"), "{drift}");
    assert_eq!(cells(column(&first, ColumnId::Accuracy))["model-07"], "0.907");
    assert_eq!(cells(column(&first, ColumnId::Throughput)).len(), 30);
    // From then on one request per column, not a refused joined query each refresh.
    let (second, used_second) = refresh(&stack, &source, 8.0).await;
    assert_eq!((used_first, used_second), (9.0, 8.0));
    assert!(column(&second, ColumnId::Drift).is_err());
    assert_eq!(cells(column(&second, ColumnId::Accuracy)).len(), 30);
}
