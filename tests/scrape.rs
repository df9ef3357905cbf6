//! Live figures from a model's own serving endpoint: totals, rates and mean latency from
//! MLServer, Triton and vLLM expositions, counter resets, GPU figures normalised across
//! DCGM and Triton, the live line on the model screen, and the `[[model]]` config block.

mod common;

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::{SignedDuration, Timestamp};
use modeldeck::app::{App, Screen};
use modeldeck::backends::serving::exposition::{self, Exposition};
use modeldeck::config::{self, ConfigError, ServingKind};
use modeldeck::domain::Event;
use modeldeck::domain::{GpuFigures, LiveFigures};
use modeldeck::sources::scrape;
use modeldeck::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn fixture(name: &str) -> Exposition {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scrape").join(name);
    exposition::parse(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

fn t0() -> Timestamp {
    common::now()
}

fn after(seconds: i64) -> Timestamp {
    t0() + SignedDuration::from_secs(seconds)
}

fn close(actual: Option<f64>, expected: f64) -> bool {
    actual.is_some_and(|a| (a - expected).abs() < 1e-9)
}

#[track_caller]
fn assert_close(actual: Option<f64>, expected: f64, what: &str) {
    assert!(close(actual, expected), "{what}: got {actual:?}, expected {expected}");
}

fn iris(name: &str, previous: Option<&LiveFigures>, at: Timestamp) -> LiveFigures {
    scrape::figures(ServingKind::Mlserver, "iris", &fixture(name), previous, at)
}

#[test]
fn mlserver_totals_sum_every_version_of_the_model() {
    let f = iris("mlserver.txt", None, t0());
    // Successes: v2 2 + v1 21 + unversioned ("None") 1; failures: v2 2 + v1 0 + missing v9 1.
    assert_eq!((f.requests_total, f.failures_total), (Some(24.0), Some(3.0)));
    assert_eq!((f.requests_per_s, f.errors_per_s), (None, None), "one scrape has no rate");
    // The first scrape's mean is the server's lifetime mean: sum over count of every version.
    assert_close(f.mean_latency_s, (0.035102122000125746 + 0.06926337599952603) / 27.0, "lifetime mean");
    assert_eq!((f.ready, &f.gpu, f.at), (None, &None, t0()));

    let other = scrape::figures(ServingKind::Mlserver, "nope", &fixture("mlserver.txt"), None, t0());
    assert_eq!((other.requests_total, other.failures_total, other.mean_latency_s), (None, None, None));
}

#[test]
fn mlserver_rates_and_mean_latency_from_two_snapshots_ten_seconds_apart() {
    let first = iris("mlserver.txt", None, t0());
    let second = iris("mlserver_10s_later.txt", Some(&first), after(10));
    assert_eq!((second.requests_total, second.failures_total), (Some(147.0), Some(4.0)));
    assert_close(second.requests_per_s, 12.3, "123 successes in 10 s");
    assert_close(second.errors_per_s, 0.1, "1 failure in 10 s");
    assert_close(second.mean_latency_s, 0.042, "5.208 s over 124 timed requests");

    // Another 5 s without traffic: zero rates, and no latency to average.
    let idle = iris("mlserver_10s_later.txt", Some(&second), after(15));
    assert_eq!((idle.requests_per_s, idle.errors_per_s, idle.mean_latency_s), (Some(0.0), Some(0.0), None));
}

#[test]
fn a_counter_reset_gives_no_rate_for_that_interval_only() {
    let first = iris("mlserver.txt", None, t0());
    let second = iris("mlserver_10s_later.txt", Some(&first), after(10));
    let restarted = iris("mlserver_restarted.txt", Some(&second), after(20));
    assert_eq!((restarted.requests_total, restarted.failures_total), (Some(5.0), Some(0.0)));
    assert_eq!(
        (restarted.requests_per_s, restarted.errors_per_s, restarted.mean_latency_s),
        (None, None, None),
        "counters went down: the server restarted"
    );

    let text = "\
model_infer_request_success_total{model=\"iris\",version=\"v2\"} 15.0
model_infer_request_failure_total{model=\"iris\",version=\"v2\"} 1.0
model_infer_request_duration_count{model=\"iris\",version=\"v2\"} 16.0
model_infer_request_duration_sum{model=\"iris\",version=\"v2\"} 0.75
";
    let next = scrape::figures(ServingKind::Mlserver, "iris", &exposition::parse(text), Some(&restarted), after(30));
    assert_close(next.requests_per_s, 1.0, "rates resume after the reset");
    assert_close(next.errors_per_s, 0.1, "errors resume after the reset");
    assert_close(next.mean_latency_s, 0.05, "0.55 s over 11 requests");
}

#[test]
fn series_that_appear_between_scrapes_count_from_zero() {
    // MLServer creates a model's series on its first call.
    let empty = iris("vllm.txt", None, t0());
    assert_eq!(empty.requests_total, None);
    let f = iris("mlserver.txt", Some(&empty), after(10));
    assert_close(f.requests_per_s, 2.4, "24 successes since the empty scrape");
    assert_close(f.errors_per_s, 0.3, "3 failures since the empty scrape");
}

#[test]
fn triton_counters_have_no_total_suffix_and_latency_is_in_microseconds() {
    let triton = fixture("triton.txt");
    let resnet = scrape::figures(ServingKind::Triton, "resnet50", &triton, None, t0());
    assert_eq!((resnet.requests_total, resnet.failures_total), (Some(1500.0), Some(6.0)), "versions and reasons");
    assert_close(resnet.mean_latency_s, 0.024, "36 s of requests over 1500 successes");
    let bert = scrape::figures(ServingKind::Triton, "bert", &triton, None, t0());
    assert_eq!((bert.requests_total, bert.failures_total), (Some(999.0), Some(40.0)));

    let text = "\
nv_inference_request_success{model=\"resnet50\",version=\"1\"} 1300
nv_inference_request_success{model=\"resnet50\",version=\"2\"} 300
nv_inference_request_failure{model=\"resnet50\",reason=\"BACKEND\",version=\"1\"} 3
nv_inference_request_failure{model=\"resnet50\",reason=\"REJECTED\",version=\"1\"} 2
nv_inference_request_failure{model=\"resnet50\",reason=\"OTHER\",version=\"2\"} 1
nv_inference_request_duration_us{model=\"resnet50\",version=\"1\"} 31500000
nv_inference_request_duration_us{model=\"resnet50\",version=\"2\"} 6000000
";
    let later = scrape::figures(ServingKind::Triton, "resnet50", &exposition::parse(text), Some(&resnet), after(5));
    assert_close(later.requests_per_s, 20.0, "100 successes in 5 s");
    assert_close(later.errors_per_s, 0.0, "no new failures");
    assert_close(later.mean_latency_s, 0.015, "1.5 s over 100 requests");
}

#[test]
fn vllm_counts_every_finish_reason_and_has_no_failure_counter() {
    let vllm = fixture("vllm.txt");
    let f = scrape::figures(ServingKind::Vllm, "meta-llama/Llama-3.1-8B", &vllm, None, t0());
    assert_eq!((f.requests_total, f.failures_total), (Some(152.0), None));
    assert_close(f.mean_latency_s, 301.5 / 152.0, "e2e latency histogram sum over count");
    let wrong_label = scrape::figures(ServingKind::Mlserver, "meta-llama/Llama-3.1-8B", &vllm, None, t0());
    assert_eq!(wrong_label.requests_total, None, "vLLM names the model in `model_name`");
}

#[test]
fn generic_uses_the_metric_set_the_server_exposes() {
    let generic = |name: &str, label: &str, model: &str| {
        scrape::figures_by_label(ServingKind::Generic, label, model, &fixture(name), None, t0()).requests_total
    };
    assert_eq!(generic("mlserver.txt", "model", "iris"), Some(24.0));
    assert_eq!(generic("triton.txt", "model", "resnet50"), Some(1500.0));
    assert_eq!(generic("vllm.txt", "model_name", "meta-llama/Llama-3.1-8B"), Some(152.0));
    assert_eq!(generic("vllm.txt", "model", "meta-llama/Llama-3.1-8B"), None);
}

/// The state of the two GPUs that `dcgm.txt` and `triton.txt` both describe.
fn two_h100s() -> GpuFigures {
    GpuFigures {
        utilisation_pct: 71.0,
        memory_used_mib: Some(74102.0 + 9102.0),
        memory_total_mib: Some(2.0 * (74102.0 + 6553.0 + 904.0)),
    }
}

#[test]
fn dcgm_percent_and_mib_and_triton_ratio_and_bytes_give_the_same_gpu_figures() {
    let dcgm = scrape::gpu(&fixture("dcgm.txt")).expect("DCGM GPU figures");
    let triton = scrape::gpu(&fixture("triton.txt")).expect("Triton GPU figures");
    assert_eq!(dcgm, two_h100s());
    assert_eq!(triton, two_h100s());
    // The same through `figures`, whatever the kind of server.
    let from_dcgm = scrape::figures(ServingKind::Generic, "resnet50", &fixture("dcgm.txt"), None, t0());
    let from_triton = scrape::figures(ServingKind::Triton, "resnet50", &fixture("triton.txt"), None, t0());
    assert_eq!(from_dcgm.gpu, from_triton.gpu);
    assert_eq!(iris("mlserver.txt", None, t0()).gpu, None, "no GPU metrics, no GPU figures");
}

#[test]
fn dcgm_not_available_sentinels_are_missing_values() {
    let text = "\
DCGM_FI_DEV_GPU_UTIL{gpu=\"0\"} 9223372036854775794
DCGM_FI_DEV_FB_USED{gpu=\"0\"} 1024
DCGM_FI_DEV_FB_FREE{gpu=\"0\"} 1024
";
    assert_eq!(scrape::gpu(&exposition::parse(text)), None, "no utilisation, no GPU figures");
    let text = "\
DCGM_FI_DEV_GPU_UTIL{gpu=\"0\"} 40
DCGM_FI_DEV_GPU_UTIL{gpu=\"1\"} 9223372036854775807
DCGM_FI_DEV_FB_USED{gpu=\"0\"} 9223372036854775794
DCGM_FI_DEV_FB_FREE{gpu=\"0\"} 2048
";
    let gpu = scrape::gpu(&exposition::parse(text)).expect("one GPU reports utilisation");
    assert_eq!(gpu, GpuFigures { utilisation_pct: 40.0, memory_used_mib: None, memory_total_mib: None });
}

fn press(app: &mut App, code: KeyCode) {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// The fixture app on the model screen of `fraud-detector`, with `figures` as its live scrape.
fn model_screen(figures: Option<LiveFigures>) -> App {
    let mut app = common::app(5, 2);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Model("fraud-detector".into()));
    if let Some(figures) = figures {
        app.update(Event::LiveScrape { model: "fraud-detector".into(), result: Ok(Box::new(figures)) });
    }
    app
}

fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    terminal.draw(|f| modeldeck::ui::draw(f, app, &Theme::mono())).unwrap();
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| (0..buffer.area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>() + "\n")
        .collect()
}

fn live_row(app: &App) -> String {
    let screen = screen(app);
    screen.lines().find(|l| l.contains("live:")).unwrap_or_else(|| panic!("no live line:\n{screen}")).to_string()
}

#[test]
fn dcgm_and_triton_render_the_same_live_line() {
    let figures = |name: &str| scrape::figures(ServingKind::Triton, "fraud-detector", &fixture(name), None, t0());
    let dcgm = live_row(&model_screen(Some(figures("dcgm.txt"))));
    let triton = live_row(&model_screen(Some(figures("triton.txt"))));
    assert!(dcgm.contains("live: GPU 71% 81.3/159.3 GiB · 2s ago"), "{dcgm}");
    assert_eq!(dcgm, triton);
}

#[test]
fn the_live_line_shows_rates_latency_readiness_and_age() {
    let first = iris("mlserver.txt", None, t0() - SignedDuration::from_secs(10));
    let mut second = iris("mlserver_10s_later.txt", Some(&first), t0());
    second.ready = Some(true);
    let row = live_row(&model_screen(Some(second.clone())));
    assert!(row.contains("live: 12.3 req/s · 0.1 err/s · mean 42ms · ready ✓ · 2s ago"), "{row}");

    second.ready = Some(false);
    second.gpu = Some(two_h100s());
    let row = live_row(&model_screen(Some(second)));
    assert!(row.contains("mean 42ms · not ready ✗ · GPU 71% 81.3/159.3 GiB · 2s ago"), "{row}");

    let row = live_row(&model_screen(Some(first)));
    assert!(row.contains("live: – req/s · – err/s · mean 4ms · 12s ago"), "first scrape, no rates yet: {row}");
}

#[test]
fn a_failed_scrape_is_shown_and_the_last_figures_are_kept() {
    let figures = iris("mlserver.txt", None, t0());
    let mut app = model_screen(Some(figures.clone()));
    app.update(Event::LiveScrape { model: "fraud-detector".into(), result: Err("connection refused".into()) });
    let state = &app.live["fraud-detector"];
    assert_eq!((state.figures.as_ref(), state.error.as_deref()), (Some(&figures), Some("connection refused")));
    let row = live_row(&app);
    assert!(row.contains("live: scrape failed: connection refused · last figures 2s ago"), "{row}");

    // A good scrape clears the error.
    app.update(Event::LiveScrape { model: "fraud-detector".into(), result: Ok(Box::new(figures)) });
    assert_eq!(app.live["fraud-detector"].error, None);
    assert!(!live_row(&app).contains("failed"));
}

#[test]
fn no_live_line_without_live_figures_for_the_open_model() {
    let mut app = model_screen(None);
    assert!(!screen(&app).contains("live:"));
    let other = iris("mlserver.txt", None, t0());
    app.update(Event::LiveScrape { model: "churn-predictor".into(), result: Ok(Box::new(other)) });
    assert!(app.is_dirty());
    assert!(!screen(&app).contains("live:"), "another model's figures stay off this screen");
}

// ---- the `[[model]]` config block ----

fn parse_config(text: &str) -> Result<config::Config, ConfigError> {
    config::from_str(text, Some(Path::new("models.toml")), &|_| None)
}

#[test]
fn model_blocks_resolve_with_the_kinds_model_labels() {
    let text = r#"
refresh = "1s"

[[model]]
name = "iris"
serving = { kind = "mlserver", metrics = "http://127.0.0.1:8082/metrics", url = "http://127.0.0.1:8080", version = "v2" }

[[model]]
name = "meta-llama/Llama-3.1-8B"
serving = { kind = "vllm", metrics = "http://127.0.0.1:8000/metrics" }

[[model]]
name = "resnet50"
[model.serving]
kind = "triton"
metrics = "http://127.0.0.1:8002/metrics"

[[model]]
name = "scorer"
serving = { kind = "generic", metrics = "https://scorer.example.com/metrics", model_label = "deployment" }
"#;
    let config = parse_config(text).unwrap_or_else(|e| panic!("{e}"));
    let summary: Vec<_> = config
        .models
        .iter()
        .map(|m| (m.name.as_str(), m.kind, m.model_label.as_str(), m.version.as_deref(), m.url.is_some()))
        .collect();
    assert_eq!(
        summary,
        [
            ("iris", ServingKind::Mlserver, "model", Some("v2"), true),
            ("meta-llama/Llama-3.1-8B", ServingKind::Vllm, "model_name", None, false),
            ("resnet50", ServingKind::Triton, "model", None, false),
            ("scorer", ServingKind::Generic, "deployment", None, false),
        ]
    );
    assert_eq!(config.models[0].metrics.url.as_str(), "http://127.0.0.1:8082/metrics");
    assert_eq!(config.models[0].url.as_ref().unwrap().join("v2/models"), "http://127.0.0.1:8080/v2/models");
    assert!(parse_config("").unwrap().models.is_empty(), "no models by default");
}

/// (line, key, part of the message) of a config error.
fn error_of(text: &str) -> (Option<usize>, Option<String>, String) {
    match parse_config(text) {
        Err(ConfigError::Invalid { path, line, key, message }) => {
            assert_eq!(path.as_deref(), Some(Path::new("models.toml")));
            (line, key, message)
        }
        other => panic!("expected an invalid config, got {other:?}"),
    }
}

#[test]
fn model_block_errors_name_the_file_line_and_key() {
    let head = "[[environment]]\nname = \"a\"\nprometheus = { url = \"http://127.0.0.1:9090\" }\n\n";
    let ok = "[[model]]\nname = \"ok\"\nserving = { kind = \"mlserver\", metrics = \"http://h:1/metrics\" }\n";
    let cases: [(&str, usize, &str, &str); 7] = [
        (
            "[[model]]\nname = \"m\"\nserving = { kind = \"torchserve\", metrics = \"http://h:1/metrics\" }\n",
            7,
            "kind",
            "unknown serving kind `torchserve`, expected one of mlserver, triton, vllm, generic",
        ),
        (
            "[[model]]\nname = \"m\"\nserving = { kind = \"triton\", metrics = \"h:1/metrics\" }\n",
            7,
            "metrics",
            "model `m`: invalid URL `h:1/metrics`",
        ),
        (
            "[[model]]\nname = \"m\"\n[model.serving]\nkind = \"triton\"\nmetrics = \"http://h:1/metrics\"\nurl = \"ftp://h:2\"\n",
            10,
            "url",
            "only http and https",
        ),
        (
            "[[model]]\nname = \"m\"\nserving = { kind = \"vllm\", metrics = \"http://h:1/metrics\", model_label = \"model-name\" }\n",
            7,
            "model_label",
            "`model-name` is not a valid Prometheus label name",
        ),
        (
            "[[model]]\nname = \"ok\"\nserving = { kind = \"vllm\", metrics = \"http://h:1/metrics\" }\n",
            6,
            "name",
            "model `ok` is defined twice",
        ),
        (
            "[[model]]\nname = \" \"\nserving = { kind = \"vllm\", metrics = \"http://h:1/metrics\" }\n",
            6,
            "name",
            "must not be empty",
        ),
        (
            "[[model]]\nname = \"m\"\nserving = { kind = \"mlserver\", metrics = \"http://h:1/metrics\", version = \"\" }\n",
            7,
            "version",
            "version must not be empty",
        ),
    ];
    for (block, line, key, message) in cases {
        let text = format!("{head}{ok}\n{block}");
        let (got_line, got_key, got_message) = error_of(&text);
        assert_eq!((got_line, got_key.as_deref()), (Some(line + 4), Some(key)), "{got_message}\n{text}");
        assert!(got_message.contains(message), "{got_message:?} lacks {message:?}");
    }

    // Unknown keys are refused by the parser, at their line.
    let (line, _, message) = error_of(&format!("{ok}\n[[model]]\nname = \"m\"\nsevring = {{ kind = \"mlserver\" }}\n"));
    assert_eq!(line, Some(7));
    assert!(message.contains("unknown field `sevring`"), "{message}");
    let (line, key, message) = error_of(&format!(
        "{ok}\n[[model]]\nname = \"m\"\nserving = {{ kind = \"vllm\", metrics = \"http://h:1/m\", timeout = \"1s\" }}\n"
    ));
    assert_eq!((line, key.as_deref()), (Some(7), Some("serving")));
    assert!(message.contains("unknown field `timeout`"), "{message}");
    let (line, _, message) = error_of("[[model]]\nserving = { kind = \"vllm\", metrics = \"http://h:1/m\" }\n");
    assert_eq!(line, Some(1));
    assert!(message.contains("missing field `name`"), "{message}");
}
