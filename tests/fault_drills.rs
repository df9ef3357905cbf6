//! Fault drills: the console is used exactly when things are broken. Each drill breaks a
//! source against the real Prometheus and Alertmanager from the harness (killed, refused)
//! or through a local proxy in front of them for what a real server will not do on demand
//! (hang, error pages, cut bodies, slowness). Each checks that the console keeps going,
//! that the source's health says what is wrong in an operator's words, that the last good
//! data stays, and that the source comes back when the fault ends.
//! `fault_drills_transport.rs` has oversized answers and TLS; `fault_drills_tui.rs` the
//! terminal's responsiveness while a request hangs.

mod harness;
mod live;

#[path = "common/drill.rs"]
mod drill;
#[path = "common/faulty.rs"]
mod faulty;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use drill::{accuracy, config, error, is_ok, until_failing, until_ok};
use faulty::{Fault, FaultyProxy, epoch_us};
use harness::{Stack, metrics_text};
use live::Live;
use modeldeck::backends::answer::DISPLAY_MAX;
use modeldeck::domain::Event;
use modeldeck::domain::{ColumnId, SourceId};

const PROM: SourceId = SourceId::Prometheus;
const AM: SourceId = SourceId::Alertmanager;

/// A stack with two models' accuracy pushed.
async fn stack() -> Stack {
    let stack = Stack::start().await;
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud", "3", 0.97), ("churn", "7", 0.95)])).await;
    stack
}

async fn first_data(live: &mut Live) {
    live.until("the first fleet", Duration::from_secs(20), |app| {
        accuracy(app, "fraud") == Some(0.97) && is_ok(app, AM)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_killed_keeps_the_fleet_marked_stale_and_recovers_after_restart() {
    let mut stack = stack().await;
    let mut live = Live::start(&config(&stack.prometheus_url, &stack.alertmanager_url, "1s"));
    first_data(&mut live).await;

    stack.stop_prometheus().await;
    let error = until_failing(&mut live, PROM, Duration::from_secs(20), |_| true).await;
    assert_eq!(error, "connection refused");
    assert_eq!(accuracy(&live.app, "fraud"), Some(0.97), "the last fleet stays");
    assert!(is_ok(&live.app, AM), "Alertmanager is not dragged down with it");
    let last_ok = live.app.health[&PROM].last_ok().expect("the age of the last good data is known");
    live.until("the data to be a few seconds old", Duration::from_secs(20), |_| {
        jiff::Timestamp::now().as_second() >= last_ok.as_second() + 3
    })
    .await;
    // The clock the header reads moves on the main loop's tick.
    live.send(Event::Tick(jiff::Timestamp::now()));
    let screen = live.screen();
    let header = screen.lines().next().unwrap();
    assert!(header.contains("prom ✗ connection refused · data ") && header.contains(" old · retry"), "{header}");
    assert!(!header.contains("data 0s old"), "{header}");
    assert!(screen.contains("fraud") && screen.contains("0.970"), "the rows stay on screen:\n{screen}");

    stack.start_prometheus().await;
    until_ok(&mut live, PROM, Duration::from_secs(60)).await;
    assert_eq!(accuracy(&live.app, "fraud"), Some(0.97));
    // Polls queued while the test waited for the restart are behind us once one is fresh.
    live.until("a fresh poll", Duration::from_secs(10), |app| {
        app.health[&PROM].last_ok().is_some_and(|at| at.as_second() + 1 >= jiff::Timestamp::now().as_second())
    })
    .await;
    live.send(Event::Tick(jiff::Timestamp::now()));
    let screen = live.screen();
    assert!(screen.lines().next().unwrap().contains("prom ●"), "{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_backend_times_out_without_piling_up_requests() {
    let stack = stack().await;
    let proxy = FaultyProxy::start(&stack.prometheus_url).await;
    let mut live = Live::start(&config(&proxy.url, &stack.alertmanager_url, "1s"));
    first_data(&mut live).await;
    let per_poll = live.app.settings.columns.len() + 1; // the columns and the pending alerts

    proxy.set(Fault::Hang);
    let error = until_failing(&mut live, PROM, Duration::from_secs(10), |_| true).await;
    let failed_at = epoch_us();
    assert_eq!(error, "timed out");
    let first_hang = proxy.hangs()[0].0;
    let waited = Duration::from_micros(failed_at - first_hang);
    assert!(waited >= Duration::from_millis(900), "gave up after {waited:?}, before the 1s timeout");
    assert!(waited < Duration::from_secs(3), "gave up only after {waited:?}");
    assert_eq!(accuracy(&live.app, "fraud"), Some(0.97), "the last fleet stays");

    // Three polls hang in turn. A poll's requests arrive within milliseconds of each other,
    // and polls are at least a second apart.
    let polls = |hangs: &[(u64, u64)]| {
        let mut starts: Vec<u64> = Vec::new();
        for (start, _) in hangs {
            if starts.last().is_none_or(|last| start - last > 500_000) {
                starts.push(*start);
            }
        }
        starts
    };
    live.until("three hung polls", Duration::from_secs(30), |_| polls(&proxy.hangs()).len() >= 3).await;
    let hangs = proxy.hangs();
    assert!(proxy.most_open() <= per_poll, "{} connections open at once: polls pile up", proxy.most_open());
    // Timeout, then the backoff (1s, then 2s) before the next try.
    let starts = polls(&hangs);
    let apart = |k: usize| Duration::from_micros(starts[k] - starts[k - 1]);
    assert!(apart(1) >= Duration::from_millis(1800), "second poll {:?} after the first", apart(1));
    assert!(apart(2) >= Duration::from_millis(2800), "third poll {:?} after the second", apart(2));
    for (start, end) in hangs.iter().filter(|(_, end)| *end > 0) {
        let held = Duration::from_micros(end - start);
        assert!(held < Duration::from_millis(2500), "a hung request was held {held:?}");
    }
    assert!(is_ok(&live.app, AM), "{:?}", live.app.health);

    proxy.set(Fault::Pass);
    until_ok(&mut live, PROM, Duration::from_secs(30)).await;
    let open = proxy.open();
    assert!(open <= per_poll, "{open} connections still open after recovery");
}

/// (status, content type, body, what the error must say), as a proxy or the server sends
/// them in front of both sources.
fn error_answers() -> Vec<(u16, &'static str, &'static str, &'static str)> {
    vec![
        (
            500,
            "application/json",
            r#"{"status":"error","errorType":"internal","error":"query would load too many samples"}"#,
            "too many samples",
        ),
        (500, "text/plain", "Internal Server Error\n", "HTTP 500: Internal Server Error"),
        (
            502,
            "text/html",
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>\
             </center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n",
            "HTTP 502: HTML page (proxy?)",
        ),
        (503, "application/json", r#"{"message":"no healthy upstream"}"#, "no healthy upstream"),
        (
            503,
            "text/plain",
            "upstream connect error or disconnect/reset before headers. reset reason: connection failure",
            "HTTP 503: upstream connect error",
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_statuses_and_proxy_pages_read_as_sentences_and_the_data_stays() {
    let stack = stack().await;
    let prom = FaultyProxy::start(&stack.prometheus_url).await;
    let am = FaultyProxy::start(&stack.alertmanager_url).await;
    let mut live = Live::start(&config(&prom.url, &am.url, "1s"));
    first_data(&mut live).await;

    for (status, content_type, body, says) in error_answers() {
        let fault = Fault::Answer { status, content_type, body: body.to_string() };
        prom.set(fault.clone());
        am.set(fault);
        for source in [PROM, AM] {
            let error = until_failing(&mut live, source, Duration::from_secs(10), |e| e.contains(says)).await;
            assert!(!error.contains(['{', '<']), "{}: the body leaks into the header: {error}", source.label());
            assert!(error.chars().count() <= DISPLAY_MAX, "{}: too long: {error}", source.label());
        }
        assert_eq!(accuracy(&live.app, "fraud"), Some(0.97), "the last fleet stays through HTTP {status}");
        let screen = live.screen();
        let header = screen.lines().next().unwrap();
        let shown: String = error(&live.app, PROM).unwrap().chars().take(30).collect();
        assert!(header.contains(&format!("prom ✗ {shown}")), "{header}");
        assert!(screen.contains("0.970"), "{screen}");

        prom.set(Fault::Pass);
        am.set(Fault::Pass);
        until_ok(&mut live, PROM, Duration::from_secs(10)).await;
        until_ok(&mut live, AM, Duration::from_secs(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_answers_are_named_and_the_data_stays() {
    let stack = stack().await;
    let prom = FaultyProxy::start(&stack.prometheus_url).await;
    let am = FaultyProxy::start(&stack.alertmanager_url).await;
    let mut live = Live::start(&config(&prom.url, &am.url, "1s"));
    first_data(&mut live).await;

    // With the length announced, the client knows the body is short; without it the body
    // just ends at the close, and only the JSON is found cut.
    for (keep_length, says) in [(true, "connection closed mid-answer"), (false, "truncated JSON")] {
        prom.set(Fault::Truncate { keep_length });
        am.set(Fault::Truncate { keep_length });
        for source in [PROM, AM] {
            let error = until_failing(&mut live, source, Duration::from_secs(10), |e| e.contains(says)).await;
            assert!(!error.contains(['{', '<']), "{error}");
        }
        assert_eq!(accuracy(&live.app, "fraud"), Some(0.97));
        prom.set(Fault::Pass);
        am.set(Fault::Pass);
        until_ok(&mut live, PROM, Duration::from_secs(10)).await;
        until_ok(&mut live, AM, Duration::from_secs(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nan_and_infinite_samples_show_as_such_and_never_crash() {
    let stack = stack().await;
    // Real Prometheus sends these as the strings "NaN", "+Inf" and "-Inf".
    let text = "\
# TYPE model_accuracy gauge
model_accuracy{model=\"fraud\",version=\"3\"} NaN
model_accuracy{model=\"churn\",version=\"7\"} +Inf
# TYPE model_drift_score gauge
model_drift_score{model=\"fraud\"} -Inf
model_drift_score{model=\"churn\"} +Inf
# TYPE DCGM_FI_DEV_GPU_UTIL gauge
DCGM_FI_DEV_GPU_UTIL{container=\"fraud\",gpu=\"0\"} NaN
DCGM_FI_DEV_GPU_UTIL{container=\"churn\",gpu=\"0\"} -Inf
";
    stack.push("model-eval", "eval-1", text).await;
    let mut live = Live::start(&config(&stack.prometheus_url, &stack.alertmanager_url, "1s"));
    live.until("the special values", Duration::from_secs(20), |app| {
        let drift = |m: &str| app.fleet.find(m).and_then(|r| r.number(ColumnId::Drift));
        accuracy(app, "fraud").is_some_and(f64::is_nan) && drift("churn") == Some(f64::INFINITY)
    })
    .await;
    let screen = live.screen();
    let row = |name: &str| screen.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("{screen}"));
    assert!(row("fraud").contains("NaN") && row("fraud").contains("-Inf"), "{screen}");
    assert!(row("churn").contains("+Inf") && row("churn").contains("-Inf"), "{screen}");

    // The model screen charts them too: its panels are range queries over the same values.
    let model = live.app.fleet.visible_rows().position(|r| r.name == "fraud").unwrap();
    for _ in 0..model {
        live.send(Event::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE)));
    }
    live.send(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    live.until("the model screen", Duration::from_secs(20), |app| {
        app.detail.as_ref().is_some_and(|d| d.snapshot.is_some() || d.error.is_some())
    })
    .await;
    let detail = live.app.detail.as_ref().unwrap();
    assert_eq!((detail.model.as_str(), &detail.error), ("fraud", &None));
    let screen = live.screen();
    assert!(screen.contains("fraud") && screen.contains("Quality"), "{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_at_four_fifths_of_the_timeout_still_arrive() {
    let stack = stack().await;
    let prom = FaultyProxy::start(&stack.prometheus_url).await;
    let am = FaultyProxy::start(&stack.alertmanager_url).await;
    let mut live = Live::start(&config(&prom.url, &am.url, "2s"));
    first_data(&mut live).await;

    prom.set(Fault::Slow(Duration::from_millis(1600)));
    am.set(Fault::Slow(Duration::from_millis(1600)));
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud", "3", 0.93), ("churn", "7", 0.95)])).await;
    live.until("the new value through the slow proxy", Duration::from_secs(20), |app| {
        accuracy(app, "fraud") == Some(0.93)
    })
    .await;
    // A few full polls of each source, all slow: none of them may fail. An Alertmanager
    // poll is two requests in a row (alerts, then silences).
    let (prom_since, am_since) = (prom.accepted(), am.accepted());
    live.until("three slow polls of each source, or a failure", Duration::from_secs(30), |app| {
        let polled =
            prom.accepted() >= prom_since + 3 * (app.settings.columns.len() + 1) && am.accepted() >= am_since + 3 * 2;
        polled || error(app, PROM).is_some() || error(app, AM).is_some()
    })
    .await;
    assert!(is_ok(&live.app, PROM), "{:?}", live.app.health);
    assert!(is_ok(&live.app, AM), "{:?}", live.app.health);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_alertmanager_fails_alone() {
    let stack = stack().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let mut live = Live::start(&config(&stack.prometheus_url, &closed, "1s"));
    live.until("the fleet", Duration::from_secs(20), |app| accuracy(app, "fraud") == Some(0.97)).await;
    let error = until_failing(&mut live, AM, Duration::from_secs(10), |_| true).await;
    assert_eq!(error, "connection refused");
    assert!(is_ok(&live.app, PROM));
    let header = live.screen().lines().next().unwrap().to_string();
    assert!(header.contains("prom ●") && header.contains("am ✗ connection refused · no data"), "{header}");
    // Nobody has said what fires: the count is unknown, not zero.
    assert!(header.contains("? firing") && !header.contains("0 firing"), "{header}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_does_not_resolve_is_named() {
    let stack = stack().await;
    // `.invalid` never resolves (RFC 2606), so the lookup fails at once.
    let mut live = Live::start(&config("http://prometheus.invalid:9090", &stack.alertmanager_url, "1s"));
    let error = until_failing(&mut live, PROM, Duration::from_secs(20), |_| true).await;
    assert_eq!(error, "host not found: prometheus.invalid");
    let header = live.screen().lines().next().unwrap().to_string();
    assert!(header.contains("prom ✗ host not found: prometheus.invalid"), "{header}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_answers_are_blamed_on_the_source_not_a_column() {
    let stack = stack().await;
    let prom = FaultyProxy::start(&stack.prometheus_url).await;
    let mut live = Live::start(&config(&prom.url, &stack.alertmanager_url, "1s"));
    first_data(&mut live).await;
    // The API's outline with the wrong result type (each query type expects its own, a
    // vector or a matrix), then bytes that are not JSON at all.
    for (body, says) in [
        (r#"{"status":"success","data":{"resultType":"string","result":[0,"x"]}}"#, "expected a vector, got string"),
        ("garbage, not json", "invalid JSON"),
    ] {
        prom.set(Fault::Answer { status: 200, content_type: "application/json", body: body.to_string() });
        let error = until_failing(&mut live, PROM, Duration::from_secs(10), |_| true).await;
        for column in ColumnId::ALL {
            assert!(!error.starts_with(&format!("{column}:")), "blamed on the {column} column: {error}");
        }
        assert!(error.contains(says), "{error}");
        prom.set(Fault::Pass);
        until_ok(&mut live, PROM, Duration::from_secs(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_error_from_the_registry_reads_as_its_sentence() {
    let stack = stack().await;
    // A proxy in front of the registry answers every call with a 500 and an API-style JSON
    // error; it forwards nothing, so no registry needs to run behind it.
    let registry = FaultyProxy::start(&stack.prometheus_url).await;
    registry.set(Fault::Answer {
        status: 500,
        content_type: "application/json",
        body: r#"{"status":"error","errorType":"internal","error":"backend store unavailable"}"#.to_string(),
    });
    let text = format!(
        "refresh = \"500ms\"\ntimeout = \"1s\"\n[[environment]]\nname = \"drill\"\nprometheus = {{ url = \"{}\" }}\nalertmanagers = [\"{}\"]\nregistry = {{ url = \"{}\" }}\n",
        stack.prometheus_url, stack.alertmanager_url, registry.url
    );
    let config = modeldeck::config::from_str(&text, None, &|_| None).unwrap();
    let mut live = Live::start(&config);
    let error = until_failing(&mut live, SourceId::Registry, Duration::from_secs(20), |_| true).await;
    assert_eq!(error, "HTTP 500: backend store unavailable", "not the JSON around it");
}
