//! The parser of Alertmanager answers against recorded bodies, and the robustness
//! checks that feed every fixture, cut and mutated, to every parser (Prometheus and
//! Alertmanager). Fixtures: see `parse_common`.

mod parse_common;

use modeldeck::backends::alertmanager::parse as alertmanager;
use modeldeck::backends::answer::ApiError;
use modeldeck::backends::prometheus::parse as prometheus;
use modeldeck::domain::{AlertState, Severity};
use parse_common::{MODEL, START, assert_displayable, expect_err, fed, fixture, ts};

// ---------------------------------------------------------------------------------------
// Alertmanager

#[test]
fn alertmanager_v025_without_muted_by() {
    let body = fixture("alertmanager/alerts_v025.json");
    let alerts = alertmanager::parse_alerts(200, &body, MODEL).unwrap();
    let summary: Vec<_> = alerts.iter().map(|a| (a.name.as_str(), a.state, a.fingerprint.as_str())).collect();
    assert_eq!(
        summary,
        [
            ("PushgatewayStale", AlertState::Silenced, "7278a1a662e3e240"),
            ("ModelErrorRate", AlertState::Active, "86482ec44c13b55d"),
            ("PushgatewayStale", AlertState::Silenced, "9c98cc4a3b7e3139"),
            ("GPUMemoryHigh", AlertState::Inhibited, "e1d11bd894008cdc"),
            ("ModelLatencyHigh", AlertState::Active, "ff58ca45a812fed4"),
        ]
    );
    assert_eq!(alerts[0].silenced_by, ["b1af01d4-e7f7-4bb3-bf37-d70b3932bfb5"]);
    assert_eq!(alerts[0].severity, Severity::Info);
    assert_eq!(alerts[0].model, None);
    assert_eq!(alerts[0].summary, "");

    let errors = &alerts[1];
    assert_eq!(errors.severity, Severity::Critical);
    assert_eq!(errors.model.as_deref(), Some("recsys-ranker"));
    assert_eq!(errors.summary, "Error rate of recsys-ranker is 0.12");
    assert_eq!(errors.starts_at, Some(ts("2026-11-25T13:30:50.769Z")));
    assert_eq!(
        errors.generator_url.as_deref(),
        Some(
            "http://prometheus:9090/graph?g0.expr=label_replace%28vector%280.12%29%2C+%22model%22%2C+%22recsys-ranker%22%2C+%22%22%2C+%22%22%29+%3E+0.05&g0.tab=1"
        )
    );
    assert_eq!(errors.annotations.len(), 1);
    // No generatorURL (an alert posted by hand) gives no link.
    assert_eq!(alerts[2].generator_url, None);
    assert!(errors.silenced_by.is_empty());

    let latency = &alerts[4];
    // Kept exactly as sent: the views make them inert, PromQL and matchers need them raw.
    assert_eq!(latency.model.as_deref(), Some("fraud\x1b[2J"));
    assert_eq!(latency.summary, "p95 \x1b[31mlatency\x1b[0m high");
    assert_eq!(latency.annotations["description"], "line one\nline two");
    // `+01:00` offsets are read as instants.
    assert_eq!(latency.starts_at, Some(ts("2026-11-25T12:00:00.5Z")));

    insta::assert_debug_snapshot!("alertmanager_v025_alerts", alerts);
}

#[test]
fn alertmanager_v028_with_muted_by() {
    let body = fixture("alertmanager/alerts_v028.json");
    let alerts = alertmanager::parse_alerts(200, &body, MODEL).unwrap();
    let states: Vec<_> = alerts.iter().map(|a| (a.name.as_str(), a.state)).collect();
    assert_eq!(
        states,
        [
            ("PushgatewayStale", AlertState::Silenced),
            ("ModelErrorRate", AlertState::Active),
            ("PushgatewayStale", AlertState::Silenced),
            ("GPUMemoryHigh", AlertState::Inhibited),
            ("ModelLatencyHigh", AlertState::Active),
            // Muted by a time interval only.
            ("ModelRetrainSlow", AlertState::Silenced),
            ("ModelDriftDetected", AlertState::Unprocessed),
        ]
    );
    let muted = &alerts[5];
    assert!(muted.silenced_by.is_empty());
    assert_eq!(muted.model.as_deref(), Some("churn-predictor"));
    let fresh = &alerts[6];
    assert_eq!(fresh.generator_url, None, "an empty generatorURL is no link");
    assert_eq!(fresh.summary, "Drift p-value of fraud-detector is 0.003");
    assert!(fresh.state.is_firing());
    // Same alerts as 0.25 apart from the field: same result.
    let old = alertmanager::parse_alerts(200, &fixture("alertmanager/alerts_v025.json"), MODEL).unwrap();
    assert_eq!(alerts[..5], old[..]);
    insta::assert_debug_snapshot!("alertmanager_v028_alerts", &alerts[5..]);
}

#[test]
fn alertmanager_suppression_reasons() {
    let body = br#"[
        {"labels":{"alertname":"Both"},"status":{"state":"suppressed","silencedBy":["s1"],"inhibitedBy":["f1"],"mutedBy":["m"]}},
        {"labels":{"alertname":"Inhibited"},"status":{"state":"suppressed","silencedBy":[],"inhibitedBy":["f1"],"mutedBy":["m"]}},
        {"labels":{"alertname":"NoReason"},"status":{"state":"suppressed"}},
        {"labels":{"alertname":"Unknown"},"status":{"state":"resolved-ish"}},
        {"labels":{"alertname":"UnknownSilenced"},"status":{"silencedBy":["s2"]}},
        {"labels":{"alertname":"UnknownInhibited"},"status":{"state":7,"inhibitedBy":["f2"]}}
    ]"#;
    let alerts = alertmanager::parse_alerts(200, body, MODEL).unwrap();
    let states: Vec<_> = alerts.iter().map(|a| a.state).collect();
    assert_eq!(
        states,
        [
            AlertState::Silenced,
            AlertState::Inhibited,
            AlertState::Silenced,
            AlertState::Active,
            AlertState::Silenced,
            AlertState::Inhibited,
        ]
    );
    assert_eq!(alerts[0].silenced_by, ["s1"]);
}

#[test]
fn alertmanager_is_lenient_about_fields() {
    let body = br#"[{}, {"labels":{"alertname":"X","severity":7,"model":"m"},"annotations":null,
        "fingerprint":"","startsAt":"0001-01-01T00:00:00.000Z","status":{"silencedBy":[1,"s\u001b"]},
        "receivers":[{"name":"r"}],"somethingNew":{"a":[1]}}]"#;
    let alerts = alertmanager::parse_alerts(200, body, MODEL).unwrap();
    assert_eq!(alerts.len(), 2);
    let blank = &alerts[0];
    assert_eq!(blank.name, "");
    assert_eq!(blank.severity, Severity::None);
    assert_eq!(blank.model, None);
    assert_eq!(blank.state, AlertState::Active);
    assert_eq!(blank.fingerprint, "cbf29ce484222325", "missing fingerprint: hash of no labels");
    assert_eq!(blank.starts_at, None);
    let odd = &alerts[1];
    assert_eq!(odd.severity, Severity::None);
    assert_eq!(odd.labels.len(), 2, "non-string label dropped: {:?}", odd.labels);
    assert_eq!(odd.fingerprint.len(), 16);
    assert_eq!(odd.silenced_by, ["s\x1b"]);
    assert_eq!(odd.state, AlertState::Silenced);
    assert_eq!(odd.starts_at, Some(ts("0001-01-01T00:00:00Z")));
}

#[test]
fn alertmanager_empty() {
    let body = fixture("alertmanager/alerts_empty.json");
    assert_eq!(alertmanager::parse_alerts(200, &body, MODEL), Ok(vec![]));
}

#[test]
fn alertmanager_error_is_a_json_string() {
    let body = fixture("alertmanager/error_bad_filter.json");
    let err = expect_err(alertmanager::parse_alerts(400, &body, MODEL));
    assert_eq!(
        err,
        ApiError::Server { status: 400, message: r#"matcher value contains unescaped double quote: "["#.into() }
    );
    assert_eq!(err.to_string(), r#"matcher value contains unescaped double quote: "["#);
}

#[test]
fn alertmanager_validation_error_object() {
    let body = fixture("alertmanager/error_validation.json");
    let err = expect_err(alertmanager::parse_alerts(422, &body, MODEL));
    assert_eq!(
        err,
        ApiError::Server {
            status: 422,
            message: r#"3.generatorURL in body must be of type uri: "http://prometheus:9090/graph?g0.expr=x\a""#.into()
        }
    );
    // A Prometheus-style envelope (Mimir) reads the same.
    let body = br#"{"status":"error","errorType":"bad_data","error":"no org id"}"#;
    let err = expect_err(alertmanager::parse_alerts(401, body, MODEL));
    assert_eq!(err, ApiError::Server { status: 401, message: "bad_data: no org id".into() });
}

#[test]
fn alertmanager_hostile_error_string() {
    let body = format!("\"\\u001b[2J{}\\n\"", "y".repeat(400));
    let err = expect_err(alertmanager::parse_alerts(500, body.as_bytes(), MODEL));
    let ApiError::Server { status: 500, message } = &err else { panic!("{err:?}") };
    assert!(message.starts_with("␛[2Jyyy"));
    assert!(err.to_string().ends_with('…'));
}

#[test]
fn alertmanager_not_an_array() {
    let body = fixture("alertmanager/v1_envelope.json");
    let err = expect_err(alertmanager::parse_alerts(200, &body, MODEL));
    assert_eq!(err, ApiError::Decode("unexpected shape: expected an array of alerts, got an object".into()));
    let err = expect_err(alertmanager::parse_alerts(200, br#""ok""#, MODEL));
    assert_eq!(err, ApiError::Decode("unexpected shape: expected an array of alerts, got a string".into()));
    let err = expect_err(alertmanager::parse_alerts(200, b"[{}, 3]", MODEL));
    assert_eq!(err, ApiError::Decode("unexpected shape: alert 1 is a number, expected an object".into()));
}

#[test]
fn alertmanager_proxy_pages() {
    let login = fixture("alertmanager/oauth2_proxy_sign_in.html");
    let err = expect_err(alertmanager::parse_alerts(200, &login, MODEL));
    assert_eq!(err, ApiError::Decode("HTML page instead of JSON".into()));
    let bad_gateway = fixture("prometheus/proxy_502.html");
    let err = expect_err(alertmanager::parse_alerts(502, &bad_gateway, MODEL));
    assert_eq!(err, ApiError::Http { status: 502, detail: "HTML page (proxy?)".into() });
    let err = expect_err(alertmanager::parse_alerts(404, b"", MODEL));
    assert_eq!(err, ApiError::Http { status: 404, detail: "empty body".into() });
    let err = expect_err(alertmanager::parse_alerts(503, b"no healthy upstream", MODEL));
    assert_eq!(err.to_string(), "HTTP 503: no healthy upstream");
}

#[test]
fn alertmanager_truncated() {
    let body = fixture("alertmanager/alerts_truncated.json");
    let err = expect_err(alertmanager::parse_alerts(200, &body, MODEL));
    assert_eq!(err, ApiError::Decode("truncated JSON".into()));
}

// ---------------------------------------------------------------------------------------
// Robustness: no input makes a parser panic, and every error it gives is one inert line.
// (Data comes out raw; `security_render*.rs` shows it inert on screen.)

const JSON_FIXTURES: [&str; 17] = [
    "prometheus/vector_accuracy.json",
    "prometheus/vector_specials.json",
    "prometheus/vector_empty.json",
    "prometheus/vector_versions.json",
    "prometheus/vector_native_histogram.json",
    "prometheus/vector_warnings.json",
    "prometheus/matrix_accuracy.json",
    "prometheus/matrix_native_histogram.json",
    "prometheus/scalar.json",
    "prometheus/alerts.json",
    "prometheus/error_bad_data.json",
    "prometheus/error_execution.json",
    "alertmanager/alerts_v025.json",
    "alertmanager/alerts_v028.json",
    "alertmanager/error_bad_filter.json",
    "alertmanager/error_validation.json",
    "alertmanager/v1_envelope.json",
];

/// Feeds one body to every parser; checks errors are displayable. Returns how many parsers
/// accepted it.
fn run_all(status: u16, body: &[u8]) -> usize {
    let mut accepted = 0;
    let mut check_keys = |keys: Vec<&String>| {
        assert!(keys.iter().all(|k| !k.is_empty()), "a model is never named by an empty label");
        accepted += 1;
    };
    match prometheus::parse_vector(status, body, MODEL) {
        Ok(map) => check_keys(map.keys().collect()),
        Err(err) => assert_displayable(&err),
    }
    match prometheus::parse_label_values(status, body, MODEL, "version") {
        Ok(map) => {
            assert!(map.values().flatten().all(|v| !v.is_empty()), "empty labels are absent");
            check_keys(map.keys().collect())
        }
        Err(err) => assert_displayable(&err),
    }
    match prometheus::parse_matrix(status, body, MODEL, START, 60.0, 5) {
        Ok(map) => {
            assert!(map.values().all(|row| row.len() == 5));
            check_keys(map.keys().collect())
        }
        Err(err) => assert_displayable(&err),
    }
    // Read as it arrives, in pieces, an array is read the same, errors included (pieces of
    // every size, and bodies that are not arrays: `parse_alerts_fed`).
    if body.trim_ascii_start().starts_with(b"[") {
        assert_eq!(fed(status, body, &[64, 1, 13]), alertmanager::parse_alerts(status, body, MODEL));
    }
    for result in [prometheus::parse_alerts(status, body, MODEL), alertmanager::parse_alerts(status, body, MODEL)] {
        match result {
            Ok(alerts) => {
                for alert in &alerts {
                    assert!(!alert.fingerprint.is_empty(), "every alert has an identity: {alert:?}");
                }
                accepted += 1;
            }
            Err(err) => assert_displayable(&err),
        }
    }
    accepted
}

#[test]
fn every_prefix_of_every_fixture() {
    for name in JSON_FIXTURES {
        let body = fixture(name);
        let complete = body.trim_ascii_end().len();
        for cut in 0..=body.len() {
            for status in [200, 503] {
                let accepted = run_all(status, &body[..cut]);
                if cut < complete {
                    // A cut that leaves valid JSON (`1735689600.781` -> `1735689600.78`) can
                    // only happen inside a bare number, never for these object/array bodies.
                    assert_eq!(accepted, 0, "{name} cut at {cut} was accepted");
                }
            }
        }
    }
}

/// Deterministic byte mutations (xorshift), a cheap stand-in for a fuzzer.
#[test]
fn mutated_fixtures() {
    const BYTES: &[u8] = b"\"{}[],:0-e.\\nu\x1b\xff\xc3 NaInf+";
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for name in JSON_FIXTURES {
        let original = fixture(name);
        for _ in 0..400 {
            let mut body = original.clone();
            for _ in 0..=(next() % 4) {
                let at = (next() as usize) % (body.len() + 1);
                let byte = BYTES[(next() as usize) % BYTES.len()];
                match next() % 3 {
                    0 if at < body.len() => body[at] = byte,
                    1 if at < body.len() => {
                        body.remove(at);
                    }
                    _ => body.insert(at, byte),
                }
            }
            for status in [200, 400, 502] {
                run_all(status, &body);
            }
        }
    }
}

#[test]
fn arbitrary_status_codes() {
    let body = fixture("prometheus/vector_accuracy.json");
    for status in [0, 100, 204, 299, 300, 304, 399, 418, 499, 599, 999, u16::MAX] {
        let result = prometheus::parse_vector(status, &body, MODEL);
        assert_eq!(result.is_ok(), (200..300).contains(&status), "{status}");
        run_all(status, &body);
    }
}

#[test]
fn deeply_nested_json_is_an_error() {
    let body = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let err = expect_err(alertmanager::parse_alerts(200, body.as_bytes(), MODEL));
    assert!(matches!(err, ApiError::Decode(ref m) if m.starts_with("invalid JSON: recursion limit")), "{err:?}");
    run_all(200, body.as_bytes());
}
