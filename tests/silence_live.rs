//! Silences against real Alertmanagers (started by the harness, fed by Prometheus evaluating
//! `ModelAccuracyLow` on a pushed `model_accuracy`), plus the failover rules against peers
//! that refuse connections or answer with canned responses: reads move on after any failure,
//! writes only while nothing can have been applied.

mod harness;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use harness::{Stack, StackOptions, metrics_text, wait_for};
use jiff::{SignedDuration, Timestamp};
use modeldeck::backends::alertmanager::silences::SilenceClient;
use modeldeck::domain::ActionError;
use modeldeck::domain::AlertState;
use modeldeck::domain::Endpoint;
use modeldeck::domain::{Matcher, Silence, SilenceRequest, SilenceState};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const JOB: &str = "ml-eval";
const INSTANCE: &str = "eval-1";
const DEADLINE: Duration = Duration::from_secs(30);

fn http() -> reqwest::Client {
    modeldeck::backends::http::client(Duration::from_secs(2)).expect("HTTP client")
}

fn silences(urls: &[&str]) -> SilenceClient {
    SilenceClient::new(http(), urls.iter().map(|u| Endpoint::plain(u).expect("peer URL")).collect())
}

fn hours(n: i64) -> Timestamp {
    Timestamp::now().checked_add(SignedDuration::from_hours(n)).expect("timestamp in range")
}

fn request(matchers: Vec<Matcher>, starts_at: Timestamp, ends_at: Timestamp) -> SilenceRequest {
    SilenceRequest {
        id: None,
        matchers,
        starts_at,
        ends_at,
        created_by: "alice@ops-host".into(),
        comment: "retraining fraud v3, ack from the console".into(),
    }
}

fn sorted(mut matchers: Vec<Matcher>) -> Vec<Matcher> {
    matchers.sort_by(|a, b| (&a.name, &a.value).cmp(&(&b.name, &b.value)));
    matchers
}

fn assert_close(actual: Timestamp, expected: Timestamp) {
    let off = actual.duration_since(expected).abs();
    assert!(off <= SignedDuration::from_secs(1), "{actual} is {off:?} away from {expected}");
}

/// The ModelAccuracyLow alert for `model` in an alert list, if there is one.
fn accuracy_alert(alerts: &Value, model: &str) -> Option<Value> {
    let alerts = alerts.as_array()?;
    alerts.iter().find(|a| a["labels"]["alertname"] == "ModelAccuracyLow" && a["labels"]["model"] == model).cloned()
}

/// Waits until Alertmanager `i` lists the alert for `model` in `state`, with `silenced_by`
/// (when given) among its silences; returns it.
async fn wait_alert(stack: &Stack, i: usize, model: &str, state: &str, silenced_by: Option<&str>) -> Value {
    let what = format!("alertmanager {i} to list ModelAccuracyLow for {model} as {state} ({silenced_by:?})");
    let found = &std::sync::Mutex::new(Value::Null);
    wait_for(&what, DEADLINE, || async move {
        let Some(alert) = accuracy_alert(&stack.am_alerts_at(i).await, model) else { return false };
        let ids: Vec<&str> = alert["status"]["silencedBy"]
            .as_array()
            .map_or(Vec::new(), |a| a.iter().filter_map(Value::as_str).collect());
        let ok = alert["status"]["state"] == state
            && silenced_by.is_none_or(|id| ids.contains(&id))
            && (state != "active" || ids.is_empty());
        if ok {
            *found.lock().unwrap() = alert.clone();
        }
        ok
    })
    .await;
    found.lock().unwrap().take()
}

/// Fingerprints of what Alertmanager's own `GET /api/v2/alerts?filter=...` returns.
async fn raw_filter(url: &str, filters: &[&str]) -> Vec<String> {
    let query: Vec<(&str, &str)> = filters.iter().map(|f| ("filter", *f)).collect();
    let response = http().get(format!("{url}/api/v2/alerts")).query(&query).send().await.expect("GET alerts");
    assert!(response.status().is_success(), "filter {filters:?}: {}", response.status());
    let alerts: Value = response.json().await.expect("alerts JSON");
    let mut prints: Vec<String> = alerts
        .as_array()
        .expect("an array")
        .iter()
        .map(|a| a["fingerprint"].as_str().expect("fingerprint").to_string())
        .collect();
    prints.sort();
    prints
}

async fn preview_prints(client: &SilenceClient, matchers: &[Matcher]) -> Vec<String> {
    let alerts = client.preview(matchers, "model").await.expect("preview");
    let mut prints: Vec<String> = alerts.into_iter().map(|a| a.fingerprint).collect();
    prints.sort();
    prints
}

async fn wait_state(client: &SilenceClient, id: &str, state: SilenceState) -> Silence {
    let found = &std::sync::Mutex::new(None);
    wait_for(&format!("silence {id} to be {}", state.as_str()), DEADLINE, || async move {
        let silence = client.get(id).await.expect("get silence");
        let ok = silence.state == state;
        *found.lock().unwrap() = Some(silence);
        ok
    })
    .await;
    found.lock().unwrap().take().expect("a silence was read")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silence_previews_creates_extends_and_expires_on_a_firing_alert() {
    let stack = Stack::start().await;
    stack.push(JOB, INSTANCE, &metrics_text(&[("fraud", "3", 0.71), ("churn", "1", 0.5)])).await;
    let alert = wait_alert(&stack, 0, "fraud", "active", None).await;
    wait_alert(&stack, 0, "churn", "active", None).await;
    let fingerprint = alert["fingerprint"].as_str().expect("fingerprint").to_string();
    let labels = alert["labels"].as_object().expect("labels");
    let matchers: Vec<Matcher> =
        labels.iter().map(|(k, v)| Matcher::equal(k, v.as_str().expect("label value"))).collect();
    let am = silences(&[&stack.alertmanager_url]);

    // Preview is exactly what Alertmanager's own filter selects.
    let by_name = [Matcher::equal("alertname", "ModelAccuracyLow")];
    let expected = raw_filter(&stack.alertmanager_url, &[r#"alertname="ModelAccuracyLow""#]).await;
    assert_eq!(expected.len(), 2, "both models fire");
    assert_eq!(preview_prints(&am, &by_name).await, expected);
    let regex = [Matcher { name: "model".into(), value: "fra.*".into(), is_regex: true, is_equal: true }];
    assert_eq!(preview_prints(&am, &regex).await, vec![fingerprint.clone()]);
    assert_eq!(raw_filter(&stack.alertmanager_url, &[r#"model=~"fra.*""#]).await, vec![fingerprint.clone()]);
    let both = [by_name[0].clone(), Matcher { is_equal: false, ..Matcher::equal("model", "fraud") }];
    let not_fraud = raw_filter(&stack.alertmanager_url, &[r#"alertname="ModelAccuracyLow""#, r#"model!="fraud""#]);
    assert_eq!(preview_prints(&am, &both).await, not_fraud.await);
    assert_eq!(preview_prints(&am, &matchers).await, vec![fingerprint.clone()]);
    assert!(preview_prints(&am, &[Matcher::equal("alertname", "NoSuchAlert")]).await.is_empty());
    let previewed = am.preview(&matchers, "model").await.unwrap();
    assert_eq!((previewed[0].model.as_deref(), previewed[0].state), (Some("fraud"), AlertState::Active));

    // Create.
    let ends_at = hours(1);
    let written = am.create(&request(matchers.clone(), Timestamp::now(), ends_at)).await.expect("create");
    assert_eq!(written.peer, stack.alertmanager_url);
    let id = written.value;
    let silence = am.get(&id).await.expect("get");
    assert_eq!(silence.id, id);
    assert_eq!(sorted(silence.matchers.clone()), sorted(matchers.clone()));
    assert_eq!(silence.created_by, "alice@ops-host");
    assert_eq!(silence.comment, "retraining fraud v3, ack from the console");
    assert_close(silence.ends_at, ends_at);
    assert_eq!(silence.state, SilenceState::Active);
    let suppressed = wait_alert(&stack, 0, "fraud", "suppressed", Some(&id)).await;
    assert_eq!(suppressed["fingerprint"], fingerprint.as_str());
    wait_alert(&stack, 0, "churn", "active", None).await;
    let previewed = am.preview(&matchers, "model").await.unwrap();
    assert_eq!(previewed[0].state, AlertState::Silenced, "preview includes silenced alerts");
    assert_eq!(previewed[0].silenced_by, vec![id.clone()]);
    assert!(am.list().await.unwrap().iter().any(|s| s.id == id));

    // Extend: same id, matchers and startsAt, a later end. The id may change.
    let later = hours(3);
    let extend = SilenceRequest { id: Some(id.clone()), ..request(matchers.clone(), silence.starts_at, later) };
    let new_id = am.create(&extend).await.expect("extend").value;
    eprintln!("extend kept the id: {}", new_id == id);
    let extended = am.get(&new_id).await.expect("get extended");
    assert_close(extended.ends_at, later);
    assert_eq!(extended.state, SilenceState::Active);
    if new_id != id {
        assert_eq!(am.get(&id).await.unwrap().state, SilenceState::Expired, "a replaced silence is expired");
    }
    wait_alert(&stack, 0, "fraud", "suppressed", Some(&new_id)).await;

    // Expire: the silence stays listed, as expired, and the alert fires again.
    let expired = am.expire(&new_id).await.expect("expire");
    assert_eq!(expired.peer, stack.alertmanager_url);
    let silence = wait_state(&am, &new_id, SilenceState::Expired).await;
    assert!(silence.ends_at <= Timestamp::now());
    wait_alert(&stack, 0, "fraud", "active", None).await;
    let listed = am.list().await.unwrap();
    assert!(listed.iter().any(|s| s.id == new_id && s.state == SilenceState::Expired), "{listed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_requests_create_nothing() {
    let stack = Stack::start().await;
    let am = silences(&[&stack.alertmanager_url]);
    let fraud = vec![Matcher::equal("model", "fraud")];
    let ids = |list: Vec<Silence>| list.into_iter().map(|s| s.id).collect::<Vec<_>>();
    am.create(&request(fraud.clone(), Timestamp::now(), hours(1))).await.expect("a silence to start with");
    let before = ids(am.list().await.unwrap());

    let past = am.create(&request(fraud.clone(), hours(-2), hours(-1))).await.unwrap_err();
    let ActionError::Rejected { status, message } = &past else { panic!("expected Rejected, got {past:?}") };
    assert_eq!(*status, 400);
    assert!(message.contains("end time can't be in the past"), "{message}");
    assert_eq!(past.to_string(), "Alertmanager rejected it (400): end time can't be in the past");

    let bad_regex = vec![Matcher { name: "model".into(), value: "(".into(), is_regex: true, is_equal: true }];
    match am.create(&request(bad_regex.clone(), Timestamp::now(), hours(1))).await {
        Err(ActionError::Rejected { status: 400, message }) => {
            assert!(message.contains("regular expression"), "{message}")
        }
        other => panic!("expected Rejected(400), got {other:?}"),
    }
    match am.preview(&bad_regex, "model").await {
        Err(ActionError::Rejected { status: 400, .. }) => {}
        other => panic!("a bad filter should be Rejected(400), got {other:?}"),
    }
    let none = am.create(&request(Vec::new(), Timestamp::now(), hours(1))).await;
    assert!(matches!(none, Err(ActionError::Rejected { status: 422, .. })), "{none:?}");
    let unknown = "00000000-0000-4000-8000-000000000000";
    let update = SilenceRequest { id: Some(unknown.into()), ..request(fraud, Timestamp::now(), hours(1)) };
    let missing = am.create(&update).await;
    let not_found =
        matches!(&missing, Err(ActionError::Rejected { status: 404, message }) if message == "silence not found");
    assert!(not_found, "{missing:?}");
    assert_eq!(ids(am.list().await.unwrap()), before, "no silence was created or replaced");

    let get = am.get(unknown).await;
    assert!(matches!(get, Err(ActionError::Rejected { status: 404, .. })), "{get:?}");
    // 0.25 answers an unknown id on DELETE with a 500, later versions with a 404. A 500 to a
    // write does not prove that nothing changed, so its outcome is unknown.
    match am.expire(unknown).await {
        Err(ActionError::Unknown { reason, .. }) => assert_eq!(reason, "HTTP 500: silence not found"),
        Err(ActionError::Rejected { status: 404, .. }) => {}
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_fail_over_to_the_second_alertmanager() {
    let mut stack = Stack::start_with(StackOptions { alertmanagers: 2, ..Default::default() }).await;
    let [first, second] = [stack.alertmanager_urls[0].clone(), stack.alertmanager_urls[1].clone()];
    assert_eq!(stack.alertmanager_url, first);
    stack.push(JOB, INSTANCE, &metrics_text(&[("fraud", "3", 0.71)])).await;
    wait_alert(&stack, 0, "fraud", "active", None).await;
    wait_alert(&stack, 1, "fraud", "active", None).await;

    stack.stop_alertmanager(0).await;
    let pair = silences(&[&first, &second]);
    let req = request(vec![Matcher::equal("model", "fraud")], Timestamp::now(), hours(1));
    let written = pair.create(&req).await.expect("create through the second peer");
    assert_eq!(written.peer, second);
    let on_second = silences(&[&second]).list().await.unwrap();
    assert!(on_second.iter().any(|s| s.id == written.value), "{on_second:?}");
    assert!(pair.list().await.unwrap().iter().any(|s| s.id == written.value), "reads fail over too");
    wait_alert(&stack, 1, "fraud", "suppressed", Some(&written.value)).await;
    let alone = silences(&[&first]).list().await;
    assert!(matches!(&alone, Err(ActionError::Unavailable(r)) if r.contains("connection refused")), "{alone:?}");

    // Back up, the first answers again; without gossip it never heard of the silence.
    stack.start_alertmanager(0).await;
    assert!(!pair.list().await.unwrap().iter().any(|s| s.id == written.value));
    assert_eq!(pair.create(&req).await.expect("create on the first").peer, first);
}

/// A peer on 127.0.0.1 that answers every request with `response` and counts the POSTs.
async fn canned(response: String) -> (String, Arc<AtomicUsize>) {
    let response: Arc<str> = response.into();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let response = response.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Headers, then as many body bytes as Content-Length says.
                while let Ok(n @ 1..) = stream.read(&mut buf).await {
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
                    let Some(end) = text.find("\r\n\r\n") else { continue };
                    let length = text
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
                if request.starts_with(b"POST ") {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (url, count)
}

fn answer(status: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_move_on_after_refusals_and_503_but_stop_at_4xx_and_taken_writes() {
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}", listener.local_addr().expect("address"))
    };
    let (down, down_hits) = canned(answer("503 Service Unavailable", "text/html", "<html>503</html>")).await;
    let (ok, ok_hits) = canned(answer("200 OK", "application/json", r#"{"silenceID":"fake-1"}"#)).await;
    let (bad, _) = canned(answer("400 Bad Request", "text/plain", "no\x1b[2J way")).await;
    let (garbled, _) = canned(answer("200 OK", "application/json", r#"{"silenceID""#)).await;
    let req = request(vec![Matcher::equal("model", "fraud")], Timestamp::now(), hours(1));
    let port = refused.trim_start_matches("http://");

    match silences(&[&refused]).create(&req).await {
        Err(ActionError::Unavailable(reason)) => assert_eq!(reason, format!("{port}: connection refused")),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    for result in [
        silences(&[&refused]).list().await.map(|_| ()),
        silences(&[&refused]).get("x").await.map(|_| ()),
        silences(&[&refused]).expire("x").await.map(|_| ()),
        silences(&[&refused]).preview(&req.matchers, "model").await.map(|_| ()),
    ] {
        assert!(matches!(&result, Err(ActionError::Unavailable(r)) if r.contains("connection refused")), "{result:?}");
    }

    let written = silences(&[&refused, &down, &ok]).create(&req).await.expect("the third peer takes it");
    assert_eq!((written.value.as_str(), written.peer.as_str()), ("fake-1", ok.as_str()));
    assert_eq!((down_hits.load(Ordering::SeqCst), ok_hits.load(Ordering::SeqCst)), (1, 1));

    let all_down = silences(&[&down, &refused]).create(&req).await.unwrap_err();
    let down_port = down.trim_start_matches("http://");
    let expected = format!("{down_port}: HTTP 503: HTML page (proxy?); {port}: connection refused");
    assert_eq!(all_down, ActionError::Unavailable(expected));

    let rejected = silences(&[&bad, &ok]).create(&req).await;
    assert_eq!(rejected, Err(ActionError::Rejected { status: 400, message: "no␛[2J way".into() }));
    assert_eq!(ok_hits.load(Ordering::SeqCst), 1, "a 4xx is not retried on the next peer");

    // Taken (2xx) but unreadable: which silence it made is unknown; both peers are searched.
    let taken = silences(&[&garbled, &ok]).create(&req).await;
    let unknown = matches!(&taken, Err(ActionError::Unknown { url, reason })
        if url == &format!("{garbled}/api/v2/silences") && reason.starts_with("HTTP 200 with an unreadable answer: truncated JSON;"));
    assert!(unknown, "{taken:?}");
    assert_eq!(ok_hits.load(Ordering::SeqCst), 1, "a write that was taken is not sent again");
}
