//! The parsers of Prometheus answers (instant vectors, label values, range queries,
//! pending alerts, errors), against recorded bodies. Fixtures: see `parse_common`.

mod parse_common;

use std::collections::{BTreeMap, HashMap};

use modeldeck::backends::answer::{ApiError, looks_like_html};
use modeldeck::backends::prometheus::parse as prometheus;
use modeldeck::domain::{AlertState, Severity};
use parse_common::{MODEL, START, expect_err, fixture, ts};

fn sorted<V>(map: HashMap<String, V>) -> BTreeMap<String, V> {
    map.into_iter().collect()
}

fn assert_slots(actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len(), "{actual:?}");
    for (n, (a, e)) in actual.iter().zip(expected).enumerate() {
        if e.is_nan() {
            assert!(a.is_nan(), "slot {n}: {a} should be NaN in {actual:?}");
        } else {
            assert_eq!(a, e, "slot {n} of {actual:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Prometheus instant vectors

#[test]
fn vector_maps_models_to_values() {
    let body = fixture("prometheus/vector_accuracy.json");
    let values = sorted(prometheus::parse_vector(200, &body, MODEL).unwrap());
    let expected: BTreeMap<String, f64> = [
        ("churn-predictor", 0.88),
        ("fraud-detector", 0.97),
        // Two series (instances) of one model: the larger value is kept.
        ("recsys-ranker", 0.93),
        // The escape sequence in the label value is kept as sent.
        ("fraud\x1b[2J", 0.42),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    // The series without a `model` label ({job="model-eval"}) is skipped.
    assert_eq!(values, expected);
}

#[test]
fn vector_reads_another_model_label() {
    let body = fixture("prometheus/vector_accuracy.json");
    let values = prometheus::parse_vector(200, &body, "job").unwrap();
    assert_eq!(values, HashMap::from([("model-eval".to_owned(), 0.5)]));
}

#[test]
fn vector_special_floats() {
    let body = fixture("prometheus/vector_specials.json");
    let values = prometheus::parse_vector(200, &body, MODEL).unwrap();
    assert_eq!(values.len(), 4);
    assert!(values["a"].is_nan());
    assert_eq!(values["b"], f64::INFINITY);
    assert_eq!(values["c"], f64::NEG_INFINITY);
    assert_eq!(values["d"], 1e-7);
}

#[test]
fn vector_nan_loses_to_a_number_on_collision() {
    let body = br#"{"status":"success","data":{"resultType":"vector","result":[
        {"metric":{"model":"m","pod":"a"},"value":[1735689600,"NaN"]},
        {"metric":{"model":"m","pod":"b"},"value":[1735689600,"0.5"]},
        {"metric":{"model":"n","pod":"a"},"value":[1735689600,"0.5"]},
        {"metric":{"model":"n","pod":"b"},"value":[1735689600,"NaN"]},
        {"metric":{"model":""},"value":[1735689600,"1"]}]}}"#;
    let values = prometheus::parse_vector(200, body, MODEL).unwrap();
    assert_eq!(values, HashMap::from([("m".to_owned(), 0.5), ("n".to_owned(), 0.5)]));
}

#[test]
fn vector_empty_result() {
    let body = fixture("prometheus/vector_empty.json");
    assert!(prometheus::parse_vector(200, &body, MODEL).unwrap().is_empty());
    assert!(prometheus::parse_label_values(200, &body, MODEL, "version").unwrap().is_empty());
}

#[test]
fn vector_skips_native_histograms() {
    let body = fixture("prometheus/vector_native_histogram.json");
    let values = prometheus::parse_vector(200, &body, MODEL).unwrap();
    assert_eq!(values, HashMap::from([("churn-predictor".to_owned(), 0.214)]));
}

#[test]
fn vector_ignores_warnings() {
    let body = fixture("prometheus/vector_warnings.json");
    let values = prometheus::parse_vector(200, &body, MODEL).unwrap();
    assert_eq!(values, HashMap::from([("fraud-detector".to_owned(), 0.0123)]));
}

#[test]
fn vector_skips_unreadable_samples() {
    let body = br#"{"status":"success","data":{"resultType":"vector","result":[
        {"metric":{"model":"a"},"value":[1735689600,"fast"]},
        {"metric":{"model":"b"},"value":[1735689600]},
        {"metric":{"model":"c"},"value":null},
        {"metric":"model","value":[1735689600,"1"]},
        {"value":[1735689600,"1"]},
        {"metric":{"model":"d"},"value":[1735689600,2.5]}]}}"#;
    let values = prometheus::parse_vector(200, body, MODEL).unwrap();
    assert_eq!(values, HashMap::from([("d".to_owned(), 2.5)]));
}

#[test]
fn vector_rejects_a_scalar() {
    let body = fixture("prometheus/scalar.json");
    let err = expect_err(prometheus::parse_vector(200, &body, MODEL));
    assert_eq!(err, ApiError::Decode("expected a vector, got scalar".into()));
    assert_eq!(err.to_string(), "expected a vector, got scalar");
    let err = expect_err(prometheus::parse_label_values(200, &body, MODEL, "version"));
    assert_eq!(err, ApiError::Decode("expected a vector, got scalar".into()));
}

#[test]
fn vector_rejects_a_matrix() {
    let body = fixture("prometheus/matrix_accuracy.json");
    let err = expect_err(prometheus::parse_vector(200, &body, MODEL));
    assert_eq!(err, ApiError::Decode("expected a vector, got matrix".into()));
}

// ---------------------------------------------------------------------------------------
// Prometheus label values

#[test]
fn label_values_are_sorted_and_deduplicated() {
    let body = fixture("prometheus/vector_versions.json");
    let versions = sorted(prometheus::parse_label_values(200, &body, MODEL, "version").unwrap());
    let expected: BTreeMap<String, Vec<String>> = [
        ("churn-predictor", vec!["v12"]),
        ("fraud-detector", vec!["v3", "v4-canary"]),
        ("fraud\x1b[2J", vec!["v1\x07"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    // recsys-ranker has no `version` label and is left out.
    assert_eq!(versions, expected);
}

#[test]
fn label_values_ignore_sample_values() {
    let body = fixture("prometheus/vector_native_histogram.json");
    let models = sorted(prometheus::parse_label_values(200, &body, MODEL, MODEL).unwrap());
    assert_eq!(
        models,
        BTreeMap::from([
            ("churn-predictor".to_owned(), vec!["churn-predictor".to_owned()]),
            ("fraud-detector".to_owned(), vec!["fraud-detector".to_owned()]),
        ])
    );
}

// ---------------------------------------------------------------------------------------
// Prometheus range queries

#[test]
fn matrix_resamples_onto_the_grid() {
    let body = fixture("prometheus/matrix_accuracy.json");
    let rows = sorted(prometheus::parse_matrix(200, &body, MODEL, START, 60.0, 5).unwrap());
    assert_eq!(rows.keys().collect::<Vec<_>>(), ["churn-predictor", "fraud-detector", "recsys-ranker"]);
    assert_slots(&rows["fraud-detector"], &[0.97, 0.96, 0.95, 0.94, 0.9299999999999999]);
    assert_slots(&rows["churn-predictor"], &[f64::NAN, 0.885, 0.89, f64::NAN, 0.9]);
    // Two instances: the larger sample of each slot.
    assert_slots(&rows["recsys-ranker"], &[0.93, 0.93, 0.93, 0.975, 0.93]);
}

#[test]
fn matrix_rounds_to_the_nearest_slot() {
    let body = fixture("prometheus/matrix_accuracy.json");
    // Grid on whole seconds: samples at .5 still land in their slot.
    let rows = prometheus::parse_matrix(200, &body, MODEL, 1735689600.0, 60.0, 5).unwrap();
    assert_slots(&rows["fraud-detector"], &[0.97, 0.96, 0.95, 0.94, 0.9299999999999999]);
}

#[test]
fn matrix_grid_wider_and_narrower_than_the_data() {
    let body = fixture("prometheus/matrix_accuracy.json");
    let nan = f64::NAN;
    let wide = prometheus::parse_matrix(200, &body, MODEL, START - 120.0, 60.0, 8).unwrap();
    assert_slots(&wide["fraud-detector"], &[nan, nan, 0.97, 0.96, 0.95, 0.94, 0.9299999999999999, nan]);
    let narrow = prometheus::parse_matrix(200, &body, MODEL, START + 120.0, 60.0, 2).unwrap();
    assert_slots(&narrow["fraud-detector"], &[0.95, 0.94]);
    // A coarser step: several samples per slot, the largest wins.
    let coarse = prometheus::parse_matrix(200, &body, MODEL, START, 120.0, 3).unwrap();
    assert_slots(&coarse["fraud-detector"], &[0.97, 0.96, 0.94]);
}

#[test]
fn matrix_degenerate_grids_do_not_fail() {
    let body = fixture("prometheus/matrix_accuracy.json");
    let empty = prometheus::parse_matrix(200, &body, MODEL, START, 60.0, 0).unwrap();
    assert!(empty.values().all(Vec::is_empty));
    assert_eq!(empty.len(), 3);
    for step in [0.0, -60.0, f64::NAN, f64::INFINITY] {
        let rows = prometheus::parse_matrix(200, &body, MODEL, START, step, 4).unwrap();
        assert!(rows.values().flatten().all(|v| v.is_nan()), "step {step}");
    }
    let rows = prometheus::parse_matrix(200, &body, MODEL, f64::NAN, 60.0, 4).unwrap();
    assert!(rows.values().flatten().all(|v| v.is_nan()));
    let capped = prometheus::parse_matrix(200, &body, MODEL, START, 60.0, usize::MAX).unwrap();
    assert_eq!(capped["fraud-detector"].len(), prometheus::MAX_POINTS);
    assert_eq!(capped["fraud-detector"][4], 0.9299999999999999);
}

#[test]
fn matrix_skips_native_histograms() {
    let body = fixture("prometheus/matrix_native_histogram.json");
    let rows = prometheus::parse_matrix(200, &body, MODEL, 1735689600.0, 60.0, 3).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_slots(&rows["churn-predictor"], &[0.21, 0.22, f64::NAN]);
}

#[test]
fn matrix_rejects_a_vector() {
    let body = fixture("prometheus/vector_accuracy.json");
    let err = expect_err(prometheus::parse_matrix(200, &body, MODEL, START, 60.0, 5));
    assert_eq!(err, ApiError::Decode("expected a matrix, got vector".into()));
}

// ---------------------------------------------------------------------------------------
// Prometheus pending alerts

#[test]
fn pending_alerts_only() {
    let body = fixture("prometheus/alerts.json");
    let alerts = prometheus::parse_alerts(200, &body, MODEL).unwrap();
    let names: Vec<_> = alerts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["ModelAccuracyDrop", "ModelDriftHigh", "ModelLatencyHigh"]);
    assert!(alerts.iter().all(|a| a.state == AlertState::Pending));
    assert!(alerts.iter().all(|a| a.starts_at == Some(ts("2026-11-25T13:30:50.769596401Z"))));
    assert!(alerts.iter().all(|a| a.silenced_by.is_empty() && a.generator_url.is_none()));
    for alert in &alerts {
        assert_eq!(alert.fingerprint.len(), 16);
        assert!(alert.fingerprint.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    let accuracy = &alerts[0];
    assert_eq!(accuracy.severity, Severity::Critical);
    assert_eq!(accuracy.model.as_deref(), Some("fraud-detector"));
    assert_eq!(accuracy.summary, "Accuracy of fraud-detector is 0.71");
    // No summary: the description, as sent (the alerts table puts it on one line).
    assert_eq!(alerts[1].summary, "PSI of churn-predictor is 0.31.\nCheck the feature pipeline.");
    assert_eq!(alerts[1].annotations["description"], "PSI of churn-predictor is 0.31.\nCheck the feature pipeline.");
    let latency = &alerts[2];
    assert_eq!(latency.severity, Severity::Critical, "severity=page");
    assert_eq!(latency.model.as_deref(), Some("fraud\x1b[2J"));
    assert_eq!(latency.labels["model"], "fraud\x1b[2J");
    assert_eq!(latency.summary, "p95 \x1b[31mlatency\x1b[0m high");

    insta::assert_debug_snapshot!("prometheus_pending_alerts", alerts);
}

#[test]
fn pending_alert_fingerprint_is_stable() {
    let one = br#"{"status":"success","data":{"alerts":[{"labels":{"alertname":"A","model":"m","severity":"warning"},"annotations":{},"state":"pending","activeAt":"2026-11-25T13:30:50Z","value":"1e+00"}]}}"#;
    let other = br#"{"status":"success","data":{"alerts":[{"value":"2e+00","state":"pending","annotations":{"summary":"changed"},"labels":{"severity":"warning","model":"m","alertname":"A"}}]}}"#;
    let a = prometheus::parse_alerts(200, one, MODEL).unwrap();
    let b = prometheus::parse_alerts(200, other, MODEL).unwrap();
    assert_eq!(a[0].fingerprint, b[0].fingerprint);
    let c = prometheus::parse_alerts(200, &fixture("prometheus/alerts.json"), MODEL).unwrap();
    let fingerprints: std::collections::BTreeSet<_> = c.iter().map(|a| &a.fingerprint).collect();
    assert_eq!(fingerprints.len(), 3);
    // FNV-1a 64 of `alertname 0xff A 0xff model 0xff m 0xff severity 0xff warning 0xff`.
    assert_eq!(a[0].fingerprint, fnv1a(b"alertname\xffA\xffmodel\xffm\xffseverity\xffwarning\xff"));
}

fn fnv1a(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3));
    format!("{hash:016x}")
}

#[test]
fn pending_alert_defaults() {
    let body = br#"{"status":"success","data":{"alerts":[
        {"labels":{"alertname":"NoTime"},"state":"pending"},
        {"labels":{"alertname":"BadTime","model":7},"annotations":{"summary":"  ","description":"d"},"state":"pending","activeAt":"yesterday"},
        {"state":"pending"},
        {"labels":{"alertname":"Firing"},"state":"firing"}]}}"#;
    let alerts = prometheus::parse_alerts(200, body, MODEL).unwrap();
    assert_eq!(alerts.len(), 3);
    assert_eq!(alerts[0].starts_at, None);
    assert_eq!(alerts[0].severity, Severity::None);
    assert_eq!(alerts[0].summary, "");
    assert_eq!(alerts[1].starts_at, None);
    assert_eq!(alerts[1].model, None, "non-string label values are dropped");
    assert_eq!(alerts[1].summary, "d", "a blank summary falls back to the description");
    assert_eq!(alerts[2].name, "");
    assert_eq!(alerts[2].fingerprint, "cbf29ce484222325");
    let none = prometheus::parse_alerts(200, br#"{"status":"success","data":{"alerts":[]}}"#, MODEL);
    assert_eq!(none, Ok(vec![]));
}

#[test]
fn pending_alerts_shape_errors() {
    let err = expect_err(prometheus::parse_alerts(200, br#"{"status":"success","data":{"alerts":{}}}"#, MODEL));
    assert_eq!(err, ApiError::Decode("unexpected shape: alerts is an object, expected an array".into()));
    let err = expect_err(prometheus::parse_alerts(200, br#"{"status":"success","data":[]}"#, MODEL));
    assert_eq!(err, ApiError::Decode("unexpected shape: data is an array, expected an object".into()));
}

// ---------------------------------------------------------------------------------------
// Prometheus errors

#[test]
fn error_envelope_bad_data() {
    let body = fixture("prometheus/error_bad_data.json");
    let err = expect_err(prometheus::parse_vector(400, &body, MODEL));
    assert_eq!(
        err,
        ApiError::Server {
            status: 400,
            message: r#"bad_data: invalid parameter "query": 1:13: parse error: unclosed left bracket"#.into()
        }
    );
    assert_eq!(err.to_string(), r#"bad_data: invalid parameter "query": 1:13: parse error: unclosed left bracket"#);
    assert_eq!(err.status(), Some(400));
    // Every endpoint reads the same envelope.
    assert_eq!(expect_err(prometheus::parse_matrix(400, &body, MODEL, START, 60.0, 5)), err);
    assert_eq!(expect_err(prometheus::parse_label_values(400, &body, MODEL, "v")), err);
    assert_eq!(expect_err(prometheus::parse_alerts(400, &body, MODEL)), err);
}

#[test]
fn error_envelope_too_many_points() {
    let body = fixture("prometheus/error_too_many_points.json");
    let err = expect_err(prometheus::parse_matrix(400, &body, MODEL, START, 1.0, 11_001));
    let ApiError::Server { status: 400, message } = &err else { panic!("{err:?}") };
    assert!(message.starts_with("bad_data: exceeded maximum resolution of 11,000 points"), "{message}");
}

#[test]
fn error_envelope_unavailable() {
    let body = fixture("prometheus/error_unavailable.json");
    let err = expect_err(prometheus::parse_vector(503, &body, MODEL));
    assert_eq!(err, ApiError::Server { status: 503, message: "unavailable: TSDB not ready".into() });
    assert_eq!(err.to_string(), "unavailable: TSDB not ready");
}

#[test]
fn error_envelope_long_message_is_cut_for_display() {
    let body = fixture("prometheus/error_execution.json");
    let err = expect_err(prometheus::parse_vector(422, &body, MODEL));
    let ApiError::Server { status: 422, message } = &err else { panic!("{err:?}") };
    // The full message is kept; the header line is cut.
    assert!(message.ends_with("matching labels must be unique on one side"), "{message}");
    let shown = err.to_string();
    assert!(shown.starts_with("execution: found duplicate series for the match group"), "{shown}");
    assert!(shown.ends_with('…'), "{shown}");
    assert_eq!(shown.chars().count(), 120);
}

#[test]
fn error_envelope_is_sanitised_and_one_line() {
    let body = br#"{"status":"error","errorType":"bad_data","error":"bad \u001b[2J\nthing\u0007"}"#;
    let err = expect_err(prometheus::parse_vector(400, body, MODEL));
    assert_eq!(err, ApiError::Server { status: 400, message: "bad_data: bad ␛[2J thing␇".into() });
    // Also on a 200, and without an errorType.
    let body = br#"{"status":"error","error":"boom"}"#;
    let err = expect_err(prometheus::parse_vector(200, body, MODEL));
    assert_eq!(err, ApiError::Server { status: 200, message: "boom".into() });
}

#[test]
fn proxy_page_on_an_error_status() {
    let body = fixture("prometheus/proxy_502.html");
    assert!(looks_like_html(&body));
    let err = expect_err(prometheus::parse_vector(502, &body, MODEL));
    assert_eq!(err, ApiError::Http { status: 502, detail: "HTML page (proxy?)".into() });
    assert_eq!(err.to_string(), "HTTP 502: HTML page (proxy?)");
    assert_eq!(expect_err(prometheus::parse_alerts(502, &body, MODEL)), err);
}

#[test]
fn proxy_page_on_a_success_status() {
    let body = fixture("prometheus/proxy_502.html");
    let err = expect_err(prometheus::parse_vector(200, &body, MODEL));
    assert_eq!(err, ApiError::Decode("HTML page instead of JSON".into()));
    assert_eq!(err.to_string(), "HTML page instead of JSON");
    assert_eq!(err.status(), None);
}

#[test]
fn plain_text_on_an_error_status() {
    let body = fixture("prometheus/service_unavailable.txt");
    let err = expect_err(prometheus::parse_vector(503, &body, MODEL));
    assert_eq!(err, ApiError::Http { status: 503, detail: "Service Unavailable".into() });
    assert_eq!(err.to_string(), "HTTP 503: Service Unavailable");
    let body = fixture("prometheus/too_many_requests.txt");
    let err = expect_err(prometheus::parse_matrix(429, &body, MODEL, START, 60.0, 5));
    assert_eq!(err, ApiError::Http { status: 429, detail: "too many outstanding requests".into() });
}

#[test]
fn hostile_plain_text_is_cut_and_sanitised() {
    let body = format!("\x1b[2J\x1b]0;owned\x07 {}\r\n", "x".repeat(500));
    let err = expect_err(prometheus::parse_vector(500, body.as_bytes(), MODEL));
    let ApiError::Http { status: 500, detail } = &err else { panic!("{err:?}") };
    assert!(detail.starts_with("␛[2J␛]0;owned␇ xxx"), "{detail}");
    assert_eq!(detail.chars().count(), 80);
    assert!(detail.ends_with('…'));
    // Invalid UTF-8 does not hurt either.
    let err = expect_err(prometheus::parse_vector(500, b"\xff\xfe bad \xc3", MODEL));
    assert!(matches!(err, ApiError::Http { status: 500, .. }), "{err:?}");
}

#[test]
fn empty_bodies() {
    let err = expect_err(prometheus::parse_vector(502, b"", MODEL));
    assert_eq!(err, ApiError::Http { status: 502, detail: "empty body".into() });
    assert_eq!(err.to_string(), "HTTP 502: empty body");
    let err = expect_err(prometheus::parse_vector(200, b" \n", MODEL));
    assert_eq!(err, ApiError::Decode("empty body".into()));
}

#[test]
fn json_from_a_gateway_on_an_error_status() {
    let body = br#"{"message":"Unauthorized"}"#;
    let err = expect_err(prometheus::parse_vector(401, body, MODEL));
    assert_eq!(err, ApiError::Http { status: 401, detail: "Unauthorized".into() });
    assert_eq!(err.to_string(), "HTTP 401: Unauthorized");
}

#[test]
fn truncated_json() {
    let body = fixture("prometheus/vector_truncated.json");
    let err = expect_err(prometheus::parse_vector(200, &body, MODEL));
    assert_eq!(err, ApiError::Decode("truncated JSON".into()));
    assert_eq!(err.to_string(), "truncated JSON");
    // On an error status the excerpt is shown instead.
    let err = expect_err(prometheus::parse_vector(500, &body, MODEL));
    assert!(matches!(&err, ApiError::Http { status: 500, detail } if detail.starts_with(r#"{"status":"success""#)));
}

#[test]
fn invalid_json() {
    let err = expect_err(prometheus::parse_vector(200, br#"{"status":"success",}"#, MODEL));
    let ApiError::Decode(message) = &err else { panic!("{err:?}") };
    assert!(message.starts_with("invalid JSON: trailing comma"), "{message}");
}

#[test]
fn unexpected_shapes() {
    let cases: [(&[u8], &str); 6] = [
        (b"[]", "unexpected shape: expected an object, got an array"),
        (br#"{"status":"success"}"#, "unexpected shape: no data"),
        (br#"{"status":"partial","data":{}}"#, r#"unexpected shape: status "partial""#),
        (br#"{"status":"success","data":{"result":[]}}"#, "unexpected shape: no resultType"),
        (
            br#"{"status":"success","data":{"resultType":"vector","result":{}}}"#,
            "unexpected shape: result is an object, expected an array",
        ),
        (
            br#"{"status":"success","data":{"resultType":"vector","result":[1]}}"#,
            "unexpected shape: result 0 is a number, expected an object",
        ),
    ];
    for (body, expected) in cases {
        let err = expect_err(prometheus::parse_vector(200, body, MODEL));
        assert_eq!(err, ApiError::Decode(expected.into()), "{}", String::from_utf8_lossy(body));
    }
    // `null` for an empty result is accepted.
    let body = br#"{"status":"success","data":{"resultType":"vector","result":null}}"#;
    assert_eq!(prometheus::parse_vector(200, body, MODEL), Ok(HashMap::new()));
}

#[test]
fn hostile_result_type_is_sanitised() {
    let body =
        br#"{"status":"success","data":{"resultType":"\u001b[2Jvector-of-a-very-long-kind-indeed","result":[]}}"#;
    let err = expect_err(prometheus::parse_vector(200, body, MODEL));
    assert_eq!(err, ApiError::Decode("expected a vector, got ␛[2Jvector-of-a-very-lo…".into()));
}

#[test]
fn member_order_does_not_matter() {
    // The body is read as a stream; `result` before `resultType` and `data` before
    // `status` must read as the usual order does.
    let body =
        br#"{"data":{"result":[{"metric":{"model":"a"},"value":[1,"0.5"]}],"resultType":"vector"},"status":"success"}"#;
    assert_eq!(sorted(prometheus::parse_vector(200, body, MODEL).unwrap()), BTreeMap::from([("a".into(), 0.5)]));
    // An error status found after the data wins over what the data held.
    let body =
        br#"{"data":{"resultType":"vector","result":[1]},"status":"error","errorType":"bad_data","error":"nope"}"#;
    let err = expect_err(prometheus::parse_vector(200, body, MODEL));
    assert!(matches!(&err, ApiError::Server { message, .. } if message.contains("nope")), "{err:?}");
    // A wrong result type found after the series wins over an odd series.
    let body = br#"{"status":"success","data":{"result":[1],"resultType":"matrix"}}"#;
    assert_eq!(
        expect_err(prometheus::parse_vector(200, body, MODEL)),
        ApiError::Decode("expected a vector, got matrix".into())
    );
}
