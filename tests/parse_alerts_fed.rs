//! `GET /api/v2/alerts` read as it arrives (`AlertFeed`): whatever pieces the body comes
//! in, the alerts and the errors are those of the whole body read at once
//! (`parse_alerts`), down to the line and column serde_json names in an error. The
//! cut and mutated fixtures of `parse_alertmanager` go through the same comparison.

#[allow(dead_code)]
mod parse_common;

use modeldeck::backends::alertmanager::parse::parse_alerts;
use modeldeck::backends::answer::ApiError;
use parse_common::{MODEL, fed, fixture};

/// Every way of cutting `body` in two, in one-byte and three-byte pieces, and whole.
fn every_split(status: u16, body: &[u8]) {
    let whole = parse_alerts(status, body, MODEL);
    for cut in 0..=body.len() {
        assert_eq!(
            fed(status, body, &[cut.max(1), body.len()]),
            whole,
            "cut at {cut}: {}",
            String::from_utf8_lossy(body)
        );
    }
    for sizes in [&[1][..], &[3], &[body.len()]] {
        assert_eq!(fed(status, body, sizes), whole, "{sizes:?}");
    }
}

#[test]
fn recorded_answers_in_any_pieces() {
    for name in [
        "alertmanager/alerts_v025.json",
        "alertmanager/alerts_v028.json",
        "alertmanager/alerts_empty.json",
        "alertmanager/alerts_truncated.json",
        "alertmanager/error_bad_filter.json",
        "alertmanager/error_validation.json",
        "alertmanager/v1_envelope.json",
        "alertmanager/oauth2_proxy_sign_in.html",
    ] {
        let body = fixture(name);
        for status in [200, 400, 502] {
            every_split(status, &body);
        }
    }
    let alerts = fed(200, &fixture("alertmanager/alerts_v028.json"), &[1]).unwrap();
    assert!(alerts.len() > 2, "{alerts:?}");
}

#[test]
fn broken_arrays_are_named_where_the_whole_body_would_be() {
    let alert = r#"{"labels": {"alertname": "A", "model": "m"}, "fingerprint": "f1"}"#;
    let bodies = [
        format!("[{alert}, {alert}, 12"),
        format!("[{alert},\n {alert},\n 1 2]"),
        format!("[\n  {alert},\n  {alert},\n  {{\"labels\": {{\"x\": tru}}}}\n]"),
        format!("[{alert}, {alert}] trailing"),
        format!("[{alert}, {alert}]\n\n  ]"),
        format!("[{alert},]"),
        format!("[,{alert}]"),
        format!("[{alert} {alert}]"),
        format!("[{alert}, 7, {alert}]"),
        format!("[{alert}, 7, {alert}, {{]"),
        format!("[{alert}, \"x\", {alert}, 12.5e"),
        format!("[{alert}, {{\"labels\": {{\"a\": \"\\u12\"}}}}]"),
        format!("  \n [{alert}]"),
        format!("[{alert}, [{alert}]]"),
        format!("\u{feff}[{alert}]"),
        "[]".to_string(),
        "[ ]  ".to_string(),
        "[".to_string(),
        "   ".to_string(),
        "[1e400]".to_string(),
        format!("[{alert}, {}]", "[".repeat(200)),
        format!("[{alert}, {}{}]", "[".repeat(126), "]".repeat(126)),
        format!("[{alert}, {}{}]", "[".repeat(127), "]".repeat(127)),
        format!("[{alert}, {}{}]", "[".repeat(128), "]".repeat(128)),
        format!("[{alert}, {{\"labels\": {}1{}}}]", "{\"a\":".repeat(125), "}".repeat(125)),
        format!("[{alert}, {{\"labels\": {}1{}}}]", "{\"a\":".repeat(126), "}".repeat(126)),
    ];
    for body in &bodies {
        every_split(200, body.as_bytes());
    }
    // The checks above would pass if both readers failed alike for the wrong reasons.
    let positioned = |body: &str| match fed(200, body.as_bytes(), &[1]) {
        Err(ApiError::Decode(message)) => message,
        other => panic!("{body}: {other:?}"),
    };
    assert_eq!(positioned(&bodies[0]), "truncated JSON");
    assert!(positioned(&bodies[1]).ends_with("at line 3 column 4"), "{}", positioned(&bodies[1]));
    assert!(positioned(&bodies[3]).starts_with("invalid JSON: trailing characters"));
    assert_eq!(positioned(&bodies[8]), "unexpected shape: alert 1 is a number, expected an object");
    assert!(fed(200, bodies[15].as_bytes(), &[1]).unwrap().is_empty());
}

#[test]
fn an_alert_larger_than_the_pieces_is_read_whole() {
    let summary = "x".repeat(200_000);
    let body = format!(r#"[{{"labels": {{"alertname": "Big"}}, "annotations": {{"summary": "{summary}"}}}}, 12345]"#);
    let whole = parse_alerts(200, body.as_bytes(), MODEL);
    assert_eq!(fed(200, body.as_bytes(), &[1000]), whole);
    assert_eq!(fed(200, body.as_bytes(), &[1, 4096]), whole);
    assert!(matches!(whole, Err(ApiError::Decode(ref m)) if m.contains("alert 1 is a number")), "{whole:?}");
}
