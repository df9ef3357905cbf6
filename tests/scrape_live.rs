//! The live line against a real MLServer: a `[[model]]` block scrapes MLServer's own
//! `/metrics` and readiness endpoint, counts real inference calls, and keeps counting while
//! Prometheus is down.

mod harness;
mod live;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use harness::{Stack, StackOptions};
use live::Live;
use modeldeck::app::{App, Screen};
use modeldeck::config::{self, Config, ServingKind};
use modeldeck::domain::Event;
use modeldeck::domain::LiveFigures;
use modeldeck::domain::{Health, SourceId};

const DEADLINE: Duration = Duration::from_secs(30);

fn config_for(stack: &Stack) -> Config {
    let text = format!(
        r#"
refresh = "500ms"
timeout = "2s"
[[environment]]
name = "it"
prometheus = {{ url = "{prometheus}" }}
alertmanagers = ["{alertmanager}"]

[[model]]
name = "iris"
serving = {{ kind = "mlserver", metrics = "{metrics}", url = "{url}", version = "v2" }}
"#,
        prometheus = stack.prometheus_url,
        alertmanager = stack.alertmanager_url,
        metrics = stack.mlserver_metrics_url.as_deref().expect("the stack runs MLServer"),
        url = stack.mlserver_url.as_deref().expect("the stack runs MLServer"),
    );
    config::from_str(&text, None, &|_| None).unwrap_or_else(|e| panic!("{e}"))
}

fn figures(app: &App) -> Option<&LiveFigures> {
    app.live.get("iris").and_then(|s| s.figures.as_ref())
}

fn requests(app: &App) -> Option<f64> {
    figures(app).and_then(|f| f.requests_total)
}

fn prometheus_failing(app: &App) -> bool {
    matches!(app.health.get(&SourceId::Prometheus), Some(Health::Failing { .. }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_figures_count_real_inferences_and_keep_updating_while_prometheus_is_down() {
    let mut stack = Stack::start_with(StackOptions { mlserver: true, ..Default::default() }).await;
    let config = config_for(&stack);
    assert_eq!(config.models[0].kind, ServingKind::Mlserver);
    let mut live = Live::start(&config);

    // MLServer creates the model's series on its first call: no figures yet is zero calls.
    live.until("a first live scrape of iris, ready", DEADLINE, |app| {
        figures(app).is_some_and(|f| f.ready == Some(true))
    })
    .await;
    let baseline = requests(&live.app).unwrap_or(0.0);

    const CALLS: usize = 3;
    for _ in 0..CALLS {
        stack.infer("v2").await;
    }
    let target = baseline + CALLS as f64;
    live.until("the live total to count the calls", DEADLINE, |app| requests(app).is_some_and(|r| r >= target)).await;
    let f = figures(&live.app).unwrap().clone();
    assert_eq!(f.requests_total, Some(target), "exactly the calls made: {f:?}");
    assert_eq!(f.ready, Some(true), "v2 is ready: {f:?}");
    assert!(f.requests_per_s.is_some_and(|r| r > 0.0), "the calls show as a rate: {f:?}");
    assert!(f.mean_latency_s.is_some_and(|m| m > 0.0 && m < 5.0), "a plausible mean latency: {f:?}");
    assert!(f.failures_total.is_none_or(|n| n == 0.0), "no failed calls: {f:?}");

    // Open the model screen: the fleet knows iris through Prometheus's scrape of MLServer.
    live.until("iris in the fleet", DEADLINE, |app| app.fleet.find("iris").is_some()).await;
    live.app.select_model("iris");
    live.send(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    assert_eq!(live.app.screen, Screen::Model("iris".into()));
    let screen = live.screen();
    assert!(screen.contains("ready ✓"), "{screen}");
    assert!(screen.contains("req/s"), "{screen}");

    // Prometheus goes away; the live line does not.
    stack.stop_prometheus().await;
    live.until("Prometheus to fail", DEADLINE, prometheus_failing).await;
    let before = figures(&live.app).unwrap().clone();
    const MORE: usize = 2;
    for _ in 0..MORE {
        stack.infer("v2").await;
    }
    let target = before.requests_total.unwrap() + MORE as f64;
    live.until("the live total to rise with Prometheus down", DEADLINE, |app| {
        requests(app).is_some_and(|r| r >= target)
    })
    .await;
    let after = figures(&live.app).unwrap().clone();
    assert_eq!(after.requests_total, Some(target), "{after:?}");
    assert!(after.at > before.at, "newer figures: {before:?} then {after:?}");
    assert_eq!(after.ready, Some(true));
    assert!(prometheus_failing(&live.app), "Prometheus is still down: {:?}", live.app.health);

    // And they keep coming: a later scrape than the one that counted the calls.
    let counted_at = after.at;
    live.until("another live scrape with Prometheus down", DEADLINE, |app| {
        figures(app).is_some_and(|f| f.at > counted_at)
    })
    .await;
    let screen = live.screen();
    let line = screen.lines().find(|l| l.contains("live:")).unwrap_or_else(|| panic!("no live line:\n{screen}"));
    assert!(line.contains("ready ✓") && line.contains("req/s"), "{line}");
    assert!(live.app.live["iris"].error.is_none(), "{:?}", live.app.live["iris"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_serving_endpoint_shows_its_error_and_an_unknown_version_is_not_ready() {
    let stack = Stack::start_with(StackOptions { mlserver: true, ..Default::default() }).await;
    let metrics = stack.mlserver_metrics_url.clone().unwrap();
    let url = stack.mlserver_url.clone().unwrap();
    // A port nothing listens on refuses the connection.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        format!("http://127.0.0.1:{port}/metrics")
    };
    let text = format!(
        r#"
refresh = "500ms"
timeout = "2s"
[[environment]]
name = "it"
prometheus = {{ url = "{prometheus}" }}

[[model]]
name = "iris"
serving = {{ kind = "mlserver", metrics = "{metrics}", url = "{url}", version = "v9" }}

[[model]]
name = "gone"
serving = {{ kind = "mlserver", metrics = "{closed}" }}
"#,
        prometheus = stack.prometheus_url,
    );
    let config = config::from_str(&text, None, &|_| None).unwrap_or_else(|e| panic!("{e}"));
    let mut live = Live::start(&config);
    live.until("both models scraped", DEADLINE, |app| {
        app.live.get("iris").is_some_and(|s| s.figures.is_some()) && app.live.contains_key("gone")
    })
    .await;
    assert_eq!(figures(&live.app).unwrap().ready, Some(false), "MLServer answers 404 for a missing version");
    let gone = &live.app.live["gone"];
    assert!(gone.figures.is_none(), "{gone:?}");
    let error = gone.error.as_deref().unwrap_or_default();
    assert!(error.contains("connection refused"), "{error}");
}
