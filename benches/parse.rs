//! Parsing the largest answers: time and, through divan's allocation profiler, the most
//! memory held at once. Run with `cargo bench --bench parse`; the README quotes the numbers.

use modeldeck::backends::alertmanager::feed::AlertFeed;
use modeldeck::backends::alertmanager::parse as alertmanager;
use modeldeck::backends::prometheus::parse as prometheus;
use modeldeck::backends::streamed::BodyReader;

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

/// `GET /api/v2/alerts` with `alerts` firing alerts, shaped like Alertmanager 0.25's answer.
fn alertmanager_body(alerts: usize) -> Vec<u8> {
    let items: Vec<serde_json::Value> = (0..alerts)
        .map(|n| {
            serde_json::json!({
                "annotations": {"summary": format!("accuracy of model-{n} below 0.9"), "runbook_url": "https://runbooks.example/accuracy"},
                "endsAt": "2026-12-04T21:00:00.000Z",
                "fingerprint": format!("{n:016x}"),
                "receivers": [{"name": "oncall"}],
                "startsAt": "2026-12-04T20:00:00.000Z",
                "status": {"inhibitedBy": [], "silencedBy": [], "state": "active"},
                "updatedAt": "2026-12-04T20:30:00.000Z",
                "generatorURL": "http://prometheus:9090/graph?g0.expr=accuracy",
                "labels": {"alertname": "AccuracyLow", "model": format!("model-{}", n % 100), "severity": "critical", "team": "ml", "instance": format!("serve-{n}:8080")}
            })
        })
        .collect();
    serde_json::to_vec(&items).unwrap()
}

/// A range query's answer: `models` series of `points` samples each.
fn matrix_body(models: usize, points: usize) -> Vec<u8> {
    let result: Vec<serde_json::Value> = (0..models)
        .map(|n| {
            let values: Vec<serde_json::Value> = (0..points)
                .map(|p| serde_json::json!([1_700_000_000 + p * 60, format!("0.{:04}", (n * 7 + p) % 10_000)]))
                .collect();
            serde_json::json!({"metric": {"model": format!("model-{n}")}, "values": values})
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({"status": "success", "data": {"resultType": "matrix", "result": result}}))
        .unwrap()
}

#[divan::bench(args = [1_000, 10_000])]
fn alertmanager_alerts(bencher: divan::Bencher, alerts: usize) {
    let body = alertmanager_body(alerts);
    bencher.bench(|| alertmanager::parse_alerts(200, divan::black_box(&body), "model").unwrap().len());
}

/// A refresh as the console's source reads it: the answer in 16 KiB chunks as they arrive,
/// no alert changed since the last read, so each is the one already held.
#[divan::bench(args = [1_000, 10_000])]
fn alertmanager_alerts_streamed_unchanged(bencher: divan::Bencher, alerts: usize) {
    let body = alertmanager_body(alerts);
    let mut previous = AlertFeed::new("model", &[]).parse(200, &body).unwrap();
    alertmanager::by_fingerprint(&mut previous);
    bencher.bench(|| {
        let mut feed = AlertFeed::new("model", &previous);
        feed.status(200);
        for chunk in divan::black_box(&body).chunks(16 * 1024) {
            feed.chunk(chunk);
        }
        feed.finish().unwrap().len()
    });
}

/// The fleet's accuracy trend at 10,000 models: 60 points each over the hour.
#[divan::bench(args = [1_000, 10_000])]
fn prometheus_matrix_60_points(bencher: divan::Bencher, models: usize) {
    let body = matrix_body(models, 60);
    bencher.bench(|| {
        prometheus::parse_matrix(200, divan::black_box(&body), "model", 1_700_000_000.0, 60.0, 60).unwrap().len()
    });
}

/// A cron's next run, read when a retraining form opens: the worst case is one that never
/// matches (`0 0 30 2 *`), searched for the five years the evaluator looks ahead.
#[divan::bench(args = ["0 0 30 2 *", "*/15 9-17 * * MON-FRI", "0 0 29 2 *"])]
fn cron_next_run(bencher: divan::Bencher, cron: &str) {
    let schedule = modeldeck::domain::cron::Schedule::parse(cron).unwrap();
    let now: jiff::Timestamp = "2026-12-06T21:07:00Z".parse().unwrap();
    let zone = jiff::tz::TimeZone::UTC;
    bencher.bench(|| divan::black_box(&schedule).next_run(now, None, &zone));
}
