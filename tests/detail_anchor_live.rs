//! The model screen opened from an alert, against a real Prometheus: the window starts at or
//! before the alert's start with that start in its first half, for an alert 30 seconds, 20
//! minutes and 3 hours old, and the charts hold the evidence from before the alert began. The
//! data-quality panel carries its input volume next to the ratio series.

mod harness;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use harness::{Backfill, Stack, StackOptions, wait_for};
use jiff::{SignedDuration, Timestamp};
use modeldeck::app::{App, Screen, Settings};
use modeldeck::backends::http;
use modeldeck::backends::prometheus::charts::PrometheusCharts;
use modeldeck::config::{self, Config};
use modeldeck::domain::ports::Charts;
use modeldeck::domain::{
    Alert, AlertSnapshot, AlertState, Effect, Event, Labels, PanelId, Severity, SourceData, SourceId, SourceUpdate,
    VOLUME,
};
use modeldeck::input::keymap::Keymap;

const MODEL: &str = "model-000";
/// The Pushgateway group the live samples come from.
const JOB: &str = "anchor";

fn config_for(prometheus: &str) -> Config {
    let text =
        format!("timeout = \"10s\"\n[[environment]]\nname = \"it\"\nprometheus = {{ url = \"{prometheus}\" }}\n");
    config::from_str(&text, None, &|_| None).unwrap_or_else(|e| panic!("{e}"))
}

fn alert(age_s: i64, now: Timestamp) -> Alert {
    let labels: Labels = [("alertname", "ModelAccuracyLow"), ("model", MODEL)].into_iter().collect();
    Alert {
        fingerprint: format!("accuracy-{age_s}"),
        name: "ModelAccuracyLow".into(),
        severity: Severity::Critical,
        model: Some(MODEL.into()),
        state: AlertState::Active,
        starts_at: Some(now - SignedDuration::from_secs(age_s)),
        summary: "accuracy below 0.9".into(),
        labels,
        annotations: Labels::default(),
        silenced_by: Vec::new(),
        generator_url: None,
        inhibited_by: Vec::new(),
        receivers: Vec::new(),
    }
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// The range the console asks for when the operator opens the model from an alert `age_s`
/// old: the alerts pane, the alert, then its model.
fn bounds_from_alert(config: &Config, age_s: i64, now: Timestamp) -> (f64, f64, f64) {
    let settings = Settings::from_config(config, Keymap::default(), false, false);
    let mut app = App::new(settings, 0, now);
    app.update(Event::Source(SourceUpdate {
        generation: app.generation,
        source: SourceId::Alertmanager,
        at: now,
        outcome: Ok(SourceData::Alerts(AlertSnapshot {
            alerts: vec![std::sync::Arc::new(alert(age_s, now))],
            peer: "am".into(),
            ..AlertSnapshot::default()
        })),
        next_in: Duration::from_secs(5),
    }));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.screen, Screen::Alert(_)), "{:?}", app.screen);
    let effects = press(&mut app, KeyCode::Enter);
    let bounds = effects.iter().find_map(|e| match e {
        Effect::LoadDetail { model, bounds, .. } if model == MODEL => Some(*bounds),
        _ => None,
    });
    bounds.unwrap_or_else(|| panic!("no detail load for an alert {age_s}s old: {effects:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_opened_from_an_alert_shows_the_alert_start_at_any_age() {
    let backfill = Backfill { models: 1, hours: 4, step_s: 60 };
    let stack = Stack::start_with(StackOptions { backfill: Some(backfill), ..Default::default() }).await;
    // Live samples from now on, for the young alert (the backfill ends before the stack began).
    let live = format!(
        "# TYPE model_accuracy gauge\nmodel_accuracy{{model=\"{MODEL}\",version=\"1\"}} 0.8\n\
         # TYPE model_input_null_ratio gauge\nmodel_input_null_ratio{{model=\"{MODEL}\"}} 0.02\n\
         # TYPE model_input_schema_violation_ratio gauge\nmodel_input_schema_violation_ratio{{model=\"{MODEL}\"}} 0.001\n"
    );
    stack.push(JOB, "i1", &live).await;
    // Enough scraped history that a 30-second-old alert has evidence from before its start.
    let history = format!("count_over_time(model_accuracy{{job=\"{JOB}\"}}[1m])");
    wait_for("40 s of scraped samples", Duration::from_secs(90), || async {
        let v = stack.prom_instant(&history).await;
        v[0]["value"][1].as_str().and_then(|t| t.parse::<f64>().ok()).is_some_and(|n| n >= 40.0)
    })
    .await;

    let config = config_for(&stack.prometheus_url);
    let charts = PrometheusCharts::new(&config, 0, http::client(config.timeout).expect("an HTTP client"));
    let now = Timestamp::now();
    for age_s in [30, 20 * 60, 3 * 3600] {
        let alert_start = (now - SignedDuration::from_secs(age_s)).as_second() as f64;
        let (start, end, step) = bounds_from_alert(&config, age_s, now);
        let half = start + (end - start) / 2.0;
        assert!(start <= alert_start, "age {age_s}s: the window starts at {start}, after the alert's {alert_start}");
        assert!(alert_start <= half, "age {age_s}s: the alert's start {alert_start} is past the middle {half}");
        assert!(end >= now.as_second() as f64, "age {age_s}s: the window ends at {end}, before now");

        let snapshot = charts.load(MODEL, (start, end, step)).await.unwrap_or_else(|e| panic!("age {age_s}s: {e}"));
        let quality = snapshot.panel(PanelId::Quality).expect("a quality panel");
        let lines = quality.result.as_ref().unwrap_or_else(|e| panic!("age {age_s}s: quality failed: {e}"));
        let points: Vec<f64> = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0)).collect();
        assert!(
            points.iter().any(|t| *t < alert_start) && points.iter().any(|t| *t >= alert_start),
            "age {age_s}s: accuracy on both sides of the alert's start {alert_start}: {points:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_quality_panel_keeps_its_volume_next_to_the_ratios() {
    let stack = Stack::start().await;
    let body = |successes: u64| {
        format!(
            "# TYPE model_input_null_ratio gauge\nmodel_input_null_ratio{{model=\"{MODEL}\"}} 0.02\n\
             # TYPE model_input_out_of_range_ratio gauge\nmodel_input_out_of_range_ratio{{model=\"{MODEL}\"}} 0.004\n\
             # TYPE model_infer_request_success_total counter\nmodel_infer_request_success_total{{model=\"{MODEL}\"}} {successes}\n\
             # TYPE model_infer_request_failure_total counter\nmodel_infer_request_failure_total{{model=\"{MODEL}\"}} 0\n"
        )
    };
    stack.push(JOB, "i1", &body(100)).await;
    let scraped = format!("model_infer_request_success_total{{job=\"{JOB}\"}} == 100");
    wait_for("the first counter sample", Duration::from_secs(30), || async {
        stack.prom_instant(&scraped).await.as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    stack.push(JOB, "i1", &body(400)).await;
    // A few scrapes after the second push: the rate holds at every whole second we ask for.
    let scrapes = format!("count_over_time(model_infer_request_success_total{{job=\"{JOB}\"}}[1m]) > 5");
    let rate = format!("rate(model_infer_request_success_total{{job=\"{JOB}\"}}[5m] offset 2s) > 0");
    wait_for("a request rate over several scrapes", Duration::from_secs(30), || async {
        let enough = stack.prom_instant(&scrapes).await.as_array().is_some_and(|a| !a.is_empty());
        enough && stack.prom_instant(&rate).await.as_array().is_some_and(|a| !a.is_empty())
    })
    .await;

    let config = config_for(&stack.prometheus_url);
    let charts = PrometheusCharts::new(&config, 0, http::client(config.timeout).expect("an HTTP client"));
    let end = (Timestamp::now().as_second() - 1) as f64;
    let snapshot = charts.load(MODEL, (end - 300.0, end, 1.0)).await.unwrap_or_else(|e| panic!("{e}"));
    let panel = snapshot.panel(PanelId::DataQuality).expect("a data-quality panel");
    let lines = panel.result.as_ref().unwrap_or_else(|e| panic!("data quality failed: {e}"));
    let mut names: Vec<&str> = lines.iter().map(|l| l.name.as_str()).collect();
    names.sort_unstable();
    // Shown by their short names; before the volume had a label of its own, `or` dropped it.
    assert_eq!(names, ["input_null_ratio", "input_out_of_range_ratio", VOLUME], "{lines:?}");
    let volume = lines.iter().find(|l| l.name == VOLUME).and_then(|l| l.last()).expect("a volume value");
    assert!(volume > 0.0, "input volume {volume}");
}
