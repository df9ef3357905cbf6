//! Live tests of the harness's MLServer and backfill support: inference on
//! both `iris` versions, MLServer's own metrics and Prometheus scraping them,
//! and 24 hours of backfilled history for 50 models answering instant and
//! range queries with the generator's values.

mod harness;

use std::time::Duration;

use harness::{Backfill, Stack, StackOptions, backfilled_accuracy, backfilled_model, wait_for};
use jiff::Timestamp;
use serde_json::{Value, json};

const DEADLINE: Duration = Duration::from_secs(20);
const V2_SUCCESSES: &str = r#"model_infer_request_success_total{model="iris",version="v2"}"#;

/// The numeric value of an instant-query sample (`[time, "value"]`).
fn sample_value(sample: &Value) -> f64 {
    let text = sample[1].as_str().unwrap_or_else(|| panic!("sample without a string value: {sample}"));
    text.parse().unwrap_or_else(|e| panic!("bad sample value {text:?}: {e}"))
}

fn sample_time(sample: &Value) -> i64 {
    sample[0].as_f64().unwrap_or_else(|| panic!("sample without a time: {sample}")) as i64
}

fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!((actual - expected).abs() < 1e-9, "{what}: Prometheus has {actual}, the generator {expected}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mlserver_serves_both_versions_and_prometheus_scrapes_its_metrics() {
    let stack = Stack::start_with(StackOptions { mlserver: true, ..Default::default() }).await;

    for version in ["v1", "v2"] {
        let response = stack.infer(version).await;
        assert_eq!(response["model_name"], "iris", "{response}");
        assert_eq!(response["model_version"], version, "{response}");
        assert_eq!(response["outputs"][0]["name"], "predict", "{response}");
        assert_eq!(response["outputs"][0]["data"], json!([2]), "{version}: {response}");
    }

    // MLServer's own counter for v2 moves with every call.
    wait_for("MLServer to count the first v2 inference", DEADLINE, || async {
        stack.mlserver_sample(V2_SUCCESSES).await.is_some_and(|count| count >= 1.0)
    })
    .await;
    let before = stack.mlserver_sample(V2_SUCCESSES).await.expect("the v2 counter");
    for _ in 0..3 {
        stack.infer("v2").await;
    }
    wait_for("MLServer to count three more v2 inferences", DEADLINE, || async {
        stack.mlserver_sample(V2_SUCCESSES).await.is_some_and(|after| after >= before + 3.0)
    })
    .await;

    // Prometheus scrapes it: one call to v1 and four to v2 so far.
    wait_for("Prometheus to scrape MLServer's success counters", DEADLINE, || async {
        let result = stack.prom_instant("sum(model_infer_request_success_total)").await;
        result.as_array().is_some_and(|r| !r.is_empty()) && sample_value(&result[0]["value"]) >= 5.0
    })
    .await;
    let by_version = stack.prom_instant(r#"model_infer_request_success_total{job="mlserver",model="iris"}"#).await;
    let versions: Vec<&str> =
        by_version.as_array().unwrap().iter().filter_map(|s| s["metric"]["version"].as_str()).collect();
    assert!(versions.contains(&"v1") && versions.contains(&"v2"), "{by_version}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfilled_history_answers_instant_and_range_queries() {
    let backfill = Backfill { models: 50, hours: 24, step_s: 60 };
    let step = i64::from(backfill.step_s);
    let stack = Stack::start_with(StackOptions { backfill: Some(backfill), ..Default::default() }).await;
    let end = stack.backfill_end().expect("the stack was backfilled").as_second();
    let first = end - i64::from(backfill.hours) * 3600 + step;
    let now = Timestamp::now().as_second();
    assert!(end % step == 0 && (300..900).contains(&(now - end)), "backfill ends at {end}, now is {now}");

    // Every model, two hours ago: the sample at the last grid point before.
    let two_hours_ago = now - 7200;
    let result = stack.prom_instant_at("model_accuracy", Timestamp::from_second(two_hours_ago).unwrap()).await;
    let samples = result.as_array().expect("a vector");
    assert_eq!(samples.len(), backfill.models, "series of model_accuracy two hours ago: {result}");
    let at = two_hours_ago.div_euclid(step) * step;
    for sample in samples {
        let model = sample["metric"]["model"].as_str().expect("a model label");
        let i = (0..backfill.models).find(|&i| backfilled_model(i) == model).unwrap_or_else(|| panic!("{model}?"));
        assert_close(sample_value(&sample["value"]), backfilled_accuracy(i, at, end), model);
    }

    // The counter and histogram families: model-000 serves 2 requests/s,
    // 95 % of them within 0.25 s.
    let two_hours_ago = Timestamp::from_second(two_hours_ago).unwrap();
    let rate =
        stack.prom_instant_at(r#"rate(model_infer_request_success_total{model="model-000"}[5m])"#, two_hours_ago);
    assert_close(sample_value(&rate.await[0]["value"]), 2.0, "requests/s of model-000");
    let p95 = r#"histogram_quantile(0.95, rate(model_infer_request_duration_bucket{model="model-000"}[5m]))"#;
    let p95 = sample_value(&stack.prom_instant_at(p95, two_hours_ago).await[0]["value"]);
    assert!(p95 > 0.1 && p95 <= 0.25, "p95 latency of model-000 two hours ago: {p95}");

    // model-000 over the last 24 hours, on the sample grid: every point in
    // the backfilled span is a sample.
    let start = (now - 24 * 3600).div_euclid(step) * step;
    let result = stack
        .prom_range(
            r#"model_accuracy{model="model-000"}"#,
            Timestamp::from_second(start).unwrap(),
            Timestamp::from_second(now).unwrap(),
            backfill.step_s,
        )
        .await;
    let series = result.as_array().expect("a matrix");
    assert_eq!(series.len(), 1, "{result}");
    let points: Vec<(i64, f64)> = series[0]["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|p| (sample_time(p), sample_value(p)))
        .filter(|&(t, _)| t <= end)
        .collect();
    assert_eq!(points.len() as i64, (end - first.max(start)) / step + 1, "points of model-000 up to {end}");
    let value_at = |t: i64| points.iter().find(|p| p.0 == t).unwrap_or_else(|| panic!("no point at {t}")).1;
    for t in [first.max(start), end - 12 * 3600, end - 3 * 3600, end - 3600, end] {
        assert_close(value_at(t), backfilled_accuracy(0, t, end), &format!("model-000 at {t}"));
    }
    for &(t, value) in &points {
        assert_close(value, backfilled_accuracy(0, t, end), &format!("model-000 at {t}"));
    }
    // The generator's shape: healthy a day ago, degraded below the alert line at the end.
    assert!(value_at(end - 12 * 3600) > 0.92 && value_at(end) < 0.82, "{points:?}");
}
