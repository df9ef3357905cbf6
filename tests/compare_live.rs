//! Champion against challenger through the console's own flow (versions screen, `C`, the
//! effect, the executor) against a real MLServer 1.7.1 serving `iris` in versions `v1` and
//! `v2` and a real Prometheus: MLServer's own request counters give the throughput, and the
//! labelled-prediction counts and accuracy, pushed per version through the Pushgateway as an
//! evaluation job would, give the accuracy and its significance test.

mod harness;
mod live;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use harness::{Stack, StackOptions, wait_for};
use live::Live;
use modeldeck::backends::prometheus::charts::PrometheusCharts;
use modeldeck::config;
use modeldeck::domain::ports::Charts;
use modeldeck::domain::{Event, Significance, significance};

const DEADLINE: Duration = Duration::from_secs(90);

fn key(live: &mut Live, code: KeyCode) {
    live.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Labelled predictions per version, as counters, and the accuracy gauge.
fn counts(v1: (u32, u32), v2: (u32, u32)) -> String {
    let mut text = String::from(
        "# TYPE model_predictions_correct_total counter\n# TYPE model_predictions_total counter\n# TYPE model_accuracy gauge\n",
    );
    for (version, (correct, total)) in [("v1", v1), ("v2", v2)] {
        let labels = format!("model=\"iris\",version=\"{version}\"");
        let accuracy = if total == 0 { 0.0 } else { f64::from(correct) / f64::from(total) };
        text.push_str(&format!("model_predictions_correct_total{{{labels}}} {correct}\n"));
        text.push_str(&format!("model_predictions_total{{{labels}}} {total}\n"));
        text.push_str(&format!("model_accuracy{{{labels}}} {accuracy}\n"));
    }
    text
}

/// Whether every `iris` series of `promql` has a value above zero, for both versions.
async fn both_above_zero(stack: &Stack, promql: &str) -> bool {
    let result = stack.prom_instant(promql).await;
    let values: Vec<(String, f64)> = result
        .as_array()
        .map(|series| {
            series
                .iter()
                .filter_map(|s| {
                    let version = s["metric"]["version"].as_str()?.to_string();
                    let value = s["value"][1].as_str()?.parse().ok()?;
                    Some((version, value))
                })
                .collect()
        })
        .unwrap_or_default();
    ["v1", "v2"].iter().all(|v| values.iter().any(|(version, value)| version == v && *value > 0.0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_comparison_shows_both_served_versions_and_the_significance_verdict() {
    let stack = Stack::start_with(StackOptions { mlserver: true, ..Default::default() }).await;
    let url = stack.mlserver_url.clone().expect("MLServer's URL");

    // Counters start at zero, as an evaluation job's would; Prometheus must see that
    // before the counts move, or `increase` has nothing to measure from.
    stack.push("model-eval", "iris", &counts((0, 0), (0, 0))).await;
    wait_for("Prometheus to scrape the zero counts", DEADLINE, || async {
        let result = stack.prom_instant(r#"model_predictions_total{model="iris"}"#).await;
        result.as_array().is_some_and(|series| series.len() == 2)
    })
    .await;
    stack.push("model-eval", "iris", &counts((900, 1000), (1140, 1200))).await;
    wait_for("the counts to rise in Prometheus", DEADLINE, || async {
        both_above_zero(&stack, r#"sum by (version) (increase(model_predictions_total{model="iris"}[5m]))"#).await
    })
    .await;
    // Real traffic on both versions, until MLServer's counters show a rate for each.
    wait_for("MLServer's request rate for both versions", DEADLINE, || async {
        stack.infer("v1").await;
        stack.infer("v2").await;
        both_above_zero(&stack, r#"sum by (version) (rate(model_infer_request_success_total{model="iris"}[5m]))"#).await
    })
    .await;

    let text = format!(
        "refresh = \"1s\"\ntimeout = \"5s\"\n[compare]\nwindow = \"5m\"\n[[environment]]\nname = \"serving\"\nprometheus = {{ url = \"{}\" }}\n[[model]]\nname = \"iris\"\nrollback = {{ kind = \"oip\", url = \"{url}\" }}\n",
        stack.prometheus_url
    );
    let config = config::from_str(&text, None, &|_| None).unwrap_or_else(|e| panic!("{e}\n{text}"));

    // One query per metric for the model, whatever the number of versions: seven in all.
    let charts = PrometheusCharts::new(&config, 0, modeldeck::backends::http::client(config.timeout).unwrap());
    let before = stack.query_request_count().await;
    let direct = charts.compare("iris", config.governance.compare.window).await.expect("the comparison");
    assert_eq!(stack.query_request_count().await - before, 7.0);
    assert!(direct.warnings.is_empty(), "{:?}", direct.warnings);
    assert_eq!(direct.versions.iter().map(|f| f.version.as_str()).collect::<Vec<_>>(), ["v1", "v2"]);

    let mut live = Live::start(&config);
    key(&mut live, KeyCode::Char(':'));
    for c in "versions iris".chars() {
        key(&mut live, KeyCode::Char(c));
    }
    key(&mut live, KeyCode::Enter);
    key(&mut live, KeyCode::Char('C'));
    live.until("both versions compared", DEADLINE, |app| {
        let pair = app.comparison_pair();
        let loaded = app.versions.as_ref().is_some_and(|v| !v.loading && !v.compare.loading);
        loaded && pair.champion_figures.is_some() && pair.challenger_figures.is_some()
    })
    .await;

    let pair = live.app.comparison_pair();
    let mut versions = [pair.champion.clone().unwrap(), pair.challenger.clone().unwrap()];
    versions.sort();
    assert_eq!(versions, ["v1", "v2"], "the two versions MLServer serves");
    let (a, b) = (pair.champion_figures.unwrap(), pair.challenger_figures.unwrap());
    for f in [a, b] {
        // Two increases over the same scrapes: the pushed ratio, give or take Prometheus's
        // extrapolation to the window's ends.
        let expected = if f.version == "v1" { 0.90 } else { 0.95 };
        assert!((f.accuracy().unwrap() - expected).abs() < 0.005, "{f:?}");
        assert!(f.throughput.is_some_and(|t| t > 0.0), "MLServer's traffic on {}: {f:?}", f.version);
        // MLServer keeps the request duration's sum and count, no buckets: a mean, no p95.
        assert!(f.latency_mean.is_some_and(|l| l > 0.0) && f.latency_p95.is_none(), "{f:?}");
    }
    let Significance::Tested { test, .. } = significance(a, b) else { panic!("counts for both: {a:?} {b:?}") };
    assert!(test.significant(), "{test:?}");
    let screen = live.screen();
    assert!(screen.contains("significant at 95 %"), "{screen}");
    for f in [a, b] {
        assert!(screen.contains(&format!("{:.3}", f.accuracy().unwrap())), "{f:?}: {screen}");
    }
    assert!(screen.contains("v1") && screen.contains("v2"), "{screen}");
}
