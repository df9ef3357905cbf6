//! The model detail against a real Prometheus holding 24 hours of backfilled history for 50
//! models: the charts follow the generator's values point for point, the latency quantiles
//! are exactly what PromQL answers for the same window, a panel without series is empty
//! rather than failed, a broken query fails only its own panel, and an unreachable
//! Prometheus fails the whole load with a short reason.

mod harness;

use std::time::Instant;

use harness::{Backfill, Stack, StackOptions, backfilled_accuracy};
use jiff::Timestamp;
use modeldeck::backends::http;
use modeldeck::backends::prometheus::charts::PrometheusCharts;
use modeldeck::backends::prometheus::range as fetch;
use modeldeck::config::{self, Config};
use modeldeck::domain::ports::Charts;
use modeldeck::domain::{DetailSnapshot, Line, PanelId};
use serde_json::Value;

const BACKFILL: Backfill = Backfill { models: 50, hours: 24, step_s: 60 };
const MODEL: &str = "model-000";
/// The detail's range: the last day before the end of the history, one point per 5 minutes.
const WINDOW_S: i64 = 24 * 3600;
const STEP_S: i64 = 300;
const P95: &str =
    r#"histogram_quantile(0.95, sum by (le) (rate(model_infer_request_duration_bucket{model="model-000"}[5m])))"#;

fn config_for(prometheus: &str) -> Config {
    let text =
        format!("timeout = \"10s\"\n[[environment]]\nname = \"it\"\nprometheus = {{ url = \"{prometheus}\" }}\n");
    config::from_str(&text, None, &|_| None).unwrap_or_else(|e| panic!("{e}"))
}

/// The loader the console builds for the first environment of `config`.
fn loader(config: &Config) -> PrometheusCharts {
    PrometheusCharts::new(config, 0, http::client(config.timeout).expect("an HTTP client"))
}

fn lines(snapshot: &DetailSnapshot, id: PanelId) -> &[Line] {
    let panel = snapshot.panel(id).unwrap_or_else(|| panic!("no {id:?} panel in {snapshot:?}"));
    match &panel.result {
        Ok(lines) => lines,
        Err(e) => panic!("the {id:?} panel failed: {e}"),
    }
}

fn line<'a>(lines: &'a [Line], name: &str) -> &'a Line {
    lines.iter().find(|l| l.name == name).unwrap_or_else(|| {
        let names: Vec<&str> = lines.iter().map(|l| l.name.as_str()).collect();
        panic!("no line {name:?} among {names:?}")
    })
}

/// A point's time as whole Unix seconds; range-query points fall on whole seconds.
fn whole_second(t: f64) -> i64 {
    assert!(t.fract() == 0.0, "point at a fractional time {t}");
    t as i64
}

/// The value of a one-sample instant-query answer.
fn only_value(result: &Value, what: &str) -> f64 {
    let samples = result.as_array().unwrap_or_else(|| panic!("{what}: not a vector: {result}"));
    assert_eq!(samples.len(), 1, "{what}: {result}");
    let text = samples[0]["value"][1].as_str().unwrap_or_else(|| panic!("{what}: no value: {result}"));
    text.parse().unwrap_or_else(|e| panic!("{what}: bad value {text:?}: {e}"))
}

fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!((actual - expected).abs() < 1e-9, "{what}: the detail shows {actual}, expected {expected}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detail_charts_follow_the_backfilled_history() {
    let started = Instant::now();
    let stack = Stack::start_with(StackOptions { backfill: Some(BACKFILL), ..Default::default() }).await;
    let stack_ready = started.elapsed();
    let step = i64::from(BACKFILL.step_s);
    let end = stack.backfill_end().expect("the stack was backfilled").as_second();
    let first_sample = end - i64::from(BACKFILL.hours) * 3600 + step;
    let start = end - WINDOW_S;
    // Every evaluation time (start + k * 300) is then on the generator's 60 s grid, where
    // Prometheus answers with the sample written at exactly that time.
    assert!(end % step == 0 && STEP_S % step == 0, "backfill ends at {end}, generator step {step}");

    let config = config_for(&stack.prometheus_url);
    let loaded = Instant::now();
    let snapshot = loader(&config)
        .load(MODEL, (start as f64, end as f64, STEP_S as f64))
        .await
        .unwrap_or_else(|e| panic!("loading the detail of {MODEL}: {e}"));
    let load_time = loaded.elapsed();
    assert_eq!(snapshot.model, MODEL);
    assert_eq!((snapshot.start, snapshot.end, snapshot.step), (start as f64, end as f64, STEP_S as f64));

    // 1. Quality: one line (the model's only version) that is the generator's accuracy at
    // every point, from the first evaluation time with a sample up to the end.
    let quality = lines(&snapshot, PanelId::Quality);
    assert_eq!(quality.len(), 1, "quality lines: {quality:?}");
    let accuracy = &quality[0];
    assert_eq!(accuracy.name, "1", "the line is named by the version label");
    let expected_times: Vec<i64> = (start..=end).step_by(STEP_S as usize).filter(|&t| t >= first_sample).collect();
    let times: Vec<i64> = accuracy.points.iter().map(|p| whole_second(p.0)).collect();
    assert_eq!(times, expected_times, "the quality line's time axis");
    for &(t, value) in &accuracy.points {
        let t = whole_second(t);
        assert_close(value, backfilled_accuracy(0, t, end), &format!("accuracy of {MODEL} at {t}"));
    }
    let value_at =
        |t: i64| accuracy.points.iter().find(|p| p.0 == t as f64).unwrap_or_else(|| panic!("no point at {t}")).1;
    let (before, last) = (value_at(end - 12 * 3600), accuracy.last().expect("a last point"));
    assert_eq!(accuracy.points.last().map(|p| p.0), Some(end as f64), "the line ends at the end of the range");
    assert!(last <= before - 0.1, "the last 6 hours' drop: {last} now, {before} 12 hours earlier");

    // 2. Serving: the p95 line is what PromQL answers directly at the same instants.
    let serving = lines(&snapshot, PanelId::Serving);
    let mut names: Vec<&str> = serving.iter().map(|l| l.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["p50", "p95", "p99"], "serving lines");
    let p95 = line(serving, "p95");
    assert!(p95.points.len() >= expected_times.len() - 1, "p95 points: {}", p95.points.len());
    let checked = &p95.points;
    let compared = Instant::now();
    for &(t, shown) in checked {
        let t = whole_second(t);
        let at = Timestamp::from_second(t).expect("a valid time");
        let direct = only_value(&stack.prom_instant_at(P95, at).await, &format!("p95 at {t}"));
        assert_close(shown, direct, &format!("p95 latency of {MODEL} at {t}"));
        assert!(shown > 0.1 && shown <= 0.25, "p95 at {t} is in the (0.1, 0.25] bucket: {shown}");
    }
    let compare_time = compared.elapsed();

    // 3. No DCGM or null-ratio series exist: those panels are empty, not failed. The
    //    data-quality panel still carries the input volume (2 requests/s in the backfill).
    let gpu = lines(&snapshot, PanelId::Gpu);
    assert!(gpu.is_empty(), "Gpu has no series, yet shows {gpu:?}");
    let data_quality = lines(&snapshot, PanelId::DataQuality);
    let names: Vec<&str> = data_quality.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["input_volume"], "only the volume, no ratio series");
    let volume = data_quality[0].last().expect("a volume value");
    assert!((volume - 2.0).abs() < 0.01, "input volume {volume}");
    assert!(!lines(&snapshot, PanelId::Drift).is_empty() && !lines(&snapshot, PanelId::Throughput).is_empty());

    // A query Prometheus rejects fails its own panel only.
    let mut panels = modeldeck::backends::prometheus::panels::panels(MODEL, &config.discovery, &config.detail);
    let broken = panels.iter_mut().find(|p| p.id == PanelId::Gpu).expect("a GPU panel");
    broken.query = "max by (gpu) (DCGM_FI_DEV_GPU_UTIL{".into(); // unclosed selector
    let client = http::client(config.timeout).expect("an HTTP client");
    let bounds = (start as f64, end as f64, STEP_S as f64);
    let partial = fetch::load(&client, &config.environment(0).prometheus, MODEL, &panels, bounds)
        .await
        .unwrap_or_else(|e| panic!("one broken panel fails the whole detail: {e}"));
    let gpu = partial.panel(PanelId::Gpu).expect("a GPU panel");
    let error = gpu.result.as_ref().expect_err("a query Prometheus cannot parse");
    assert!(error.contains("bad_data"), "the failed panel says why: {error}");
    assert_eq!(lines(&partial, PanelId::Quality), quality, "the other panels still load");

    eprintln!(
        "detail_live: stack with backfill ready after {stack_ready:.1?}, detail loaded in {load_time:.1?}, \
         {} p95 points compared in {compare_time:.1?}, total {:.1?}",
        checked.len(),
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detail_against_a_closed_port_says_connection_refused() {
    // A port that was free a moment ago and has nothing listening on it now.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port").local_addr().unwrap().port();
    let config = config_for(&format!("http://127.0.0.1:{port}"));
    let now = Timestamp::now().as_second() as f64;
    let started = Instant::now();
    let err = loader(&config).load(MODEL, (now - 3600.0, now, 60.0)).await.expect_err("nothing listens on the port");
    assert!(err.contains("connection refused"), "the load's error: {err}");
    assert!(started.elapsed() < config.timeout, "refused at once, not after the timeout: {:?}", started.elapsed());
}
