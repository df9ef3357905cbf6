//! The Alertmanager source reads `/api/v2/alerts` as the answer arrives, against a real
//! Alertmanager (started by the harness) holding 2,000 alerts that the test posts: it reads
//! the alerts the whole answer holds; an alert that did not change is the same allocation
//! from one poll to the next and one that changed (silenced) is new; and through a proxy
//! in front of that Alertmanager that cuts the answer into awkward pieces, truncates it or
//! replaces it (an HTML page, a 502, an answer over the size cap), it reads the same alerts
//! or fails with the same sentences as when it kept the whole answer.

mod harness;

#[path = "common/faulty.rs"]
mod faulty;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use faulty::{Fault, FaultyProxy};
use harness::{Stack, wait_for};
use jiff::{SignedDuration, Timestamp};
use modeldeck::backends::alertmanager::parse::parse_alerts;
use modeldeck::domain::{Alert, AlertState, Endpoint, SourceData};
use modeldeck::sources::Source;
use modeldeck::sources::alertmanager::AlertmanagerSource;
use serde_json::json;

const ALERTS: usize = 2_000;
const MIB: usize = 1024 * 1024;

fn http() -> reqwest::Client {
    modeldeck::backends::http::client(Duration::from_secs(10)).expect("HTTP client")
}

fn source(url: &str) -> AlertmanagerSource {
    // Room for an alerts answer and a silences answer at their cap at once: each fault meets
    // the cap, not the budget.
    AlertmanagerSource::new(http(), vec![Endpoint::plain(url).expect("URL")], "model", 128 * MIB)
}

async fn fetch(source: &mut AlertmanagerSource) -> Result<Vec<Arc<Alert>>, String> {
    match source.fetch().await? {
        SourceData::Alerts(snapshot) => Ok(snapshot.alerts),
        other => panic!("not alerts: {other:?}"),
    }
}

fn by_fingerprint(alerts: impl IntoIterator<Item = Alert>) -> Vec<Alert> {
    let mut alerts: Vec<Alert> = alerts.into_iter().collect();
    alerts.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    alerts
}

/// Posts the alerts, with annotations full of escapes and multi-byte characters so that
/// pieces end inside them.
async fn post_alerts(stack: &Stack) {
    let ends = Timestamp::now() + SignedDuration::from_hours(2);
    for first in (0..ALERTS).step_by(500) {
        let batch: Vec<_> = (first..first + 500)
            .map(|n| {
                json!({
                    "labels": {"alertname": format!("StreamAlert{n}"), "model": format!("model-{}", n % 50),
                               "severity": if n % 10 == 0 { "critical" } else { "warning" }},
                    "annotations": {"summary": format!("alert {n}: \"quoted\"\tand\\slashed\nprécis ✓ {}", "x".repeat(n % 97))},
                    "endsAt": ends.to_string(),
                })
            })
            .collect();
        let url = format!("{}/api/v2/alerts", stack.alertmanager_url);
        let answer = http().post(&url).json(&batch).send().await.expect("POST alerts");
        assert!(answer.status().is_success(), "{}", answer.status());
    }
    wait_for("every alert to be listed", Duration::from_secs(30), || async {
        stack.am_alerts().await.as_array().map(Vec::len) == Some(ALERTS)
    })
    .await;
}

/// The alerts of the whole answer, read at once.
async fn whole(url: &str) -> Vec<Alert> {
    let body = http().get(format!("{url}/api/v2/alerts")).send().await.unwrap().bytes().await.unwrap();
    assert!(body.len() > 512 * 1024, "a body of many chunks: {} bytes", body.len());
    by_fingerprint(parse_alerts(200, &body, "model").expect("the whole answer"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alerts_are_read_as_they_arrive_and_unchanged_ones_are_kept() {
    let stack = Stack::start().await;
    post_alerts(&stack).await;
    let expected = whole(&stack.alertmanager_url).await;
    assert_eq!(expected.len(), ALERTS);

    let mut direct = source(&stack.alertmanager_url);
    let first = fetch(&mut direct).await.unwrap();
    assert_eq!(by_fingerprint(first.iter().map(|a| Alert::clone(a))), expected);

    // Nothing changed: every alert is the one read before.
    let held: HashSet<*const Alert> = first.iter().map(Arc::as_ptr).collect();
    let second = fetch(&mut direct).await.unwrap();
    assert_eq!(second.len(), ALERTS);
    assert!(second.iter().all(|a| held.contains(&Arc::as_ptr(a))), "the same allocations");

    // Silenced, one alert changes: it alone is new.
    let now = Timestamp::now();
    let silence = json!({
        "matchers": [{"name": "alertname", "value": "StreamAlert7", "isRegex": false}],
        "startsAt": now.to_string(), "endsAt": (now + SignedDuration::from_hours(1)).to_string(),
        "createdBy": "it", "comment": "one alert changes",
    });
    let url = format!("{}/api/v2/silences", stack.alertmanager_url);
    assert!(http().post(&url).json(&silence).send().await.unwrap().status().is_success());
    let third = &std::sync::Mutex::new(Vec::new());
    let direct = &tokio::sync::Mutex::new(direct);
    wait_for("the silenced alert", Duration::from_secs(30), || async {
        let alerts = fetch(&mut *direct.lock().await).await.unwrap();
        let silenced = alerts.iter().any(|a| a.name == "StreamAlert7" && a.state == AlertState::Silenced);
        *third.lock().unwrap() = alerts;
        silenced
    })
    .await;
    let third = third.lock().unwrap().clone();
    let (changed, kept): (Vec<_>, Vec<_>) = third.iter().partition(|a| a.name == "StreamAlert7");
    assert!(!held.contains(&Arc::as_ptr(changed[0])), "the silenced alert is read anew");
    assert_eq!(kept.len(), ALERTS - 1);
    assert!(kept.iter().all(|a| held.contains(&Arc::as_ptr(a))), "the others are kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_cut_broken_or_replaced_on_the_way_reads_as_before() {
    let stack = Stack::start().await;
    post_alerts(&stack).await;
    let expected = whole(&stack.alertmanager_url).await;
    let proxy = FaultyProxy::start(&stack.alertmanager_url).await;
    let mut through = source(&proxy.url);

    // Pieces that end inside strings, escapes, multi-byte characters and numbers.
    proxy.set(Fault::Pieces(vec![1, 2, 3, 5, 8, 13, 4093, 1, 65_521]));
    let alerts = fetch(&mut through).await.expect("the cut answer");
    assert_eq!(by_fingerprint(alerts.into_iter().map(Arc::unwrap_or_clone)), expected);

    let html = "<!DOCTYPE html><html><body>Sign in</body></html>".to_string();
    let faults = [
        (Fault::Truncate { keep_length: true }, "broken response: connection closed mid-answer"),
        (Fault::Truncate { keep_length: false }, "truncated JSON"),
        (Fault::Answer { status: 200, content_type: "text/html", body: html.clone() }, "HTML page instead of JSON"),
        (Fault::Answer { status: 502, content_type: "text/html", body: html }, "HTTP 502: HTML page (proxy?)"),
        (Fault::Endless { advertise: true, limit: 64 * MIB as u64 }, "response too large (over 32 MiB)"),
        (Fault::Endless { advertise: false, limit: 64 * MIB as u64 }, "response too large (over 32 MiB)"),
    ];
    for (fault, sentence) in faults {
        proxy.set(fault.clone());
        assert_eq!(fetch(&mut through).await.unwrap_err(), sentence, "{fault:?}");
    }

    // Back to a clean answer: read whole again.
    proxy.set(Fault::Pass);
    let alerts = fetch(&mut through).await.expect("the answer");
    assert_eq!(by_fingerprint(alerts.into_iter().map(Arc::unwrap_or_clone)), expected);
}
