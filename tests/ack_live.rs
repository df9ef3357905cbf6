//! Acknowledging through the console against a real Alertmanager fed by a real Prometheus
//! rule: the app's own keys, form, confirmation and action task, then Alertmanager's API.

mod harness;
mod live;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use harness::{Stack, StackOptions, metrics_text};
use live::Live;
use modeldeck::app::{AckStage, App, Pane, Preview, Screen};
use modeldeck::config::{self, Config};
use modeldeck::domain::AlertState;
use modeldeck::domain::Event;
use modeldeck::journal::{Journal, Kind, Outcome};
use serde_json::Value;

fn config_for(prometheus: &str, alertmanagers: &[String]) -> Config {
    let ams: Vec<String> = alertmanagers.iter().map(|u| format!("\"{u}\"")).collect();
    let text = format!(
        "refresh = \"500ms\"\ntimeout = \"2s\"\n[[environment]]\nname = \"it\"\nprometheus = {{ url = \"{prometheus}\" }}\nalertmanagers = [{}]\n",
        ams.join(", ")
    );
    config::from_str(&text, None, &|_| None).unwrap()
}

fn key(live: &mut Live, code: KeyCode) {
    live.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(live: &mut Live, text: &str) {
    for c in text.chars() {
        key(live, KeyCode::Char(c));
    }
}

fn accuracy_alert(app: &App) -> Option<&modeldeck::domain::Alert> {
    app.alerts.iter().map(|a| &**a).find(|a| a.name == "ModelAccuracyLow" && a.model.as_deref() == Some("fraud"))
}

async fn silences(url: &str) -> Vec<Value> {
    let body = reqwest::get(format!("{url}/api/v2/silences")).await.unwrap().text().await.unwrap();
    serde_json::from_str::<Vec<Value>>(&body).unwrap()
}

fn journal(dir: &std::path::Path) -> Arc<Journal> {
    Arc::new(Journal::open(&dir.join("journal.jsonl")).unwrap().0)
}

/// Opens the form on the fraud alert, fills in the comment and goes to the confirmation.
async fn fill_ack_form(live: &mut Live, comment: &str) {
    live.until("the accuracy alert", Duration::from_secs(30), |app| accuracy_alert(app).is_some()).await;
    key(live, KeyCode::Tab);
    assert_eq!(live.app.focus, Pane::Alerts);
    let at = live.app.alert_rows().position(|a| a.name == "ModelAccuracyLow").unwrap();
    for _ in 0..at {
        key(live, KeyCode::Char('j'));
    }
    key(live, KeyCode::Char('a'));
    assert!(live.app.ack().is_some(), "form open: {:?}", live.app.message);
    typed(live, comment);
    live.until("the preview", Duration::from_secs(10), |app| {
        matches!(app.ack().map(|f| &f.preview), Some(Preview::Ready(_)))
    })
    .await;
    key(live, KeyCode::Enter);
    assert_eq!(live.app.ack().unwrap().stage, AckStage::Confirming);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledge_preview_unacknowledge_and_extend_through_the_console() {
    let stack = Stack::start().await;
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud", "3", 0.71), ("churn", "7", 0.95)])).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = journal(dir.path());
    let config = config_for(&stack.prometheus_url, std::slice::from_ref(&stack.alertmanager_url));
    let mut live = Live::start_with(&config, false, Some(journal.clone()));

    fill_ack_form(&mut live, "  retraining fraud v4; ack accuracy dip ").await;
    let form = live.app.ack().cloned().unwrap();
    let Preview::Ready(preview) = &form.preview else { unreachable!() };
    let previewed: Vec<&str> = preview.iter().map(|a| a.fingerprint.as_str()).collect();
    assert_eq!(previewed, vec![form.alert.fingerprint.as_str()], "the preview is what Alertmanager selects");
    let before = jiff::Timestamp::now();
    key(&mut live, KeyCode::Enter);
    live.until("the acknowledgement", Duration::from_secs(15), |app| app.ack().is_none()).await;
    assert!(live.app.message.as_ref().unwrap().1.contains("acknowledged ModelAccuracyLow"), "{:?}", live.app.message);

    // Alertmanager holds exactly the silence the form showed.
    let all = silences(&stack.alertmanager_url).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let silence = &all[0];
    let mut matchers: Vec<(String, String, bool)> = silence["matchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_string(),
                m["value"].as_str().unwrap().to_string(),
                m["isRegex"].as_bool().unwrap(),
            )
        })
        .collect();
    matchers.sort();
    // Every label but those that change across a rollback or a restart (`instance`,
    // `version`: `[alerts] silence_ignore_labels`).
    let mut expected: Vec<(String, String, bool)> = form
        .alert
        .labels
        .iter()
        .filter(|(k, _)| !["instance", "version"].contains(k))
        .map(|(k, v)| (k.to_string(), v.clone(), false))
        .collect();
    expected.sort();
    assert_eq!(matchers, expected);
    assert_eq!(silence["createdBy"], "it-operator");
    assert_eq!(silence["comment"], "retraining fraud v4; ack accuracy dip");
    let ends: jiff::Timestamp = silence["endsAt"].as_str().unwrap().parse().unwrap();
    let hour = jiff::SignedDuration::from_hours(1);
    assert!((ends.duration_since(before) - hour).abs() < jiff::SignedDuration::from_secs(5), "ends {ends}");
    let id = silence["id"].as_str().unwrap().to_string();

    // Alertmanager reports it suppressed, and the console shows it silenced with time left.
    live.until("the alert silenced in the console", Duration::from_secs(15), |app| {
        accuracy_alert(app).is_some_and(|a| a.state == AlertState::Silenced && a.silenced_by.contains(&id))
    })
    .await;
    assert!(live.screen().contains("silenced 59m") || live.screen().contains("silenced 1h"), "{}", live.screen());

    // The journal holds the acknowledgement with the silence id and the comment.
    let entries = journal.read_all().unwrap();
    let ack = entries.iter().find(|e| e.kind == Kind::Ack).expect("ack journaled");
    assert_eq!(ack.result, Outcome::Ok);
    assert_eq!(ack.note, "retraining fraud v4; ack accuracy dip");
    assert_eq!(ack.after.as_ref().unwrap()["silence_id"], id.as_str());
    assert_eq!(ack.subject.model.as_deref(), Some("fraud"));

    // Extend from the inventory: the end moves (the id may change).
    key(&mut live, KeyCode::Char('M'));
    assert_eq!(live.app.screen, Screen::Silences);
    key(&mut live, KeyCode::Char('E'));
    assert!(live.app.confirm().is_some());
    key(&mut live, KeyCode::Enter);
    live.until("the extension", Duration::from_secs(15), |app| {
        app.busy.is_none() && app.message.as_ref().is_some_and(|m| m.1.contains("extended"))
    })
    .await;
    let active: Vec<Value> =
        silences(&stack.alertmanager_url).await.into_iter().filter(|s| s["status"]["state"] == "active").collect();
    assert_eq!(active.len(), 1);
    let new_end: jiff::Timestamp = active[0]["endsAt"].as_str().unwrap().parse().unwrap();
    assert!(new_end.duration_since(ends) >= jiff::SignedDuration::from_mins(59), "{ends} → {new_end}");
    key(&mut live, KeyCode::Esc);

    // Un-acknowledge: every silence muting it is expired and the alert is active again.
    live.until("the alert silenced by the extended silence", Duration::from_secs(15), |app| {
        accuracy_alert(app).is_some_and(|a| a.state == AlertState::Silenced)
    })
    .await;
    key(&mut live, KeyCode::Char('A'));
    assert!(live.app.confirm().is_some(), "{:?}", live.app.message);
    key(&mut live, KeyCode::Enter);
    live.until("the alert active again", Duration::from_secs(15), |app| {
        accuracy_alert(app).is_some_and(|a| a.state == AlertState::Active)
    })
    .await;
    assert!(silences(&stack.alertmanager_url).await.iter().all(|s| s["status"]["state"] == "expired"));
    let kinds: Vec<String> = journal.read_all().unwrap().iter().map(|e| e.kind.label().to_string()).collect();
    assert_eq!(kinds, ["ack", "extend", "unack"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledging_fails_over_to_the_second_alertmanager() {
    let mut stack = Stack::start_with(StackOptions { alertmanagers: 2, ..Default::default() }).await;
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud", "3", 0.71)])).await;
    let urls = stack.alertmanager_urls.clone();
    let mut live = Live::start(&config_for(&stack.prometheus_url, &urls));
    live.until("the alert", Duration::from_secs(30), |app| accuracy_alert(app).is_some()).await;
    stack.stop_alertmanager(0).await;
    live.until("the first peer reported down", Duration::from_secs(20), |app| {
        app.am_peers.first().is_some_and(|p| p.error.is_some())
            && app.am_peers.get(1).is_some_and(|p| p.error.is_none())
    })
    .await;
    let header = live.screen().lines().next().unwrap().to_string();
    let first = urls[0].trim_start_matches("http://");
    assert!(header.contains(&format!("down: {first}")), "{header}");

    fill_ack_form(&mut live, "failover check").await;
    key(&mut live, KeyCode::Enter);
    live.until("the acknowledgement", Duration::from_secs(20), |app| app.ack().is_none()).await;
    assert!(live.app.message.as_ref().unwrap().1.contains("acknowledged"), "{:?}", live.app.message);
    assert_eq!(silences(&urls[1]).await.len(), 1, "written through the second peer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_and_alertmanager_holds_no_new_silence() {
    let stack = Stack::start().await;
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud", "3", 0.71)])).await;
    let config = config_for(&stack.prometheus_url, std::slice::from_ref(&stack.alertmanager_url));
    let mut live = Live::start_with(&config, true, None);
    live.until("the alert", Duration::from_secs(30), |app| accuracy_alert(app).is_some()).await;
    key(&mut live, KeyCode::Tab);
    key(&mut live, KeyCode::Char('a'));
    assert!(live.app.ack().is_none());
    assert!(live.app.message.as_ref().unwrap().1.contains("read-only"), "{:?}", live.app.message);
    assert!(silences(&stack.alertmanager_url).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_silence_shows_the_message_and_journals_no_success() {
    let stack = Stack::start().await;
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud", "3", 0.71)])).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = journal(dir.path());
    let config = config_for(&stack.prometheus_url, std::slice::from_ref(&stack.alertmanager_url));
    let mut live = Live::start_with(&config, false, Some(journal.clone()));
    fill_ack_form(&mut live, "will be rejected").await;
    // Alertmanager rejects a regex that does not compile.
    key(&mut live, KeyCode::Esc);
    let form = live.app.ack_mut().unwrap();
    form.rows[0].matcher.value = "(unclosed".into();
    form.rows[0].matcher.is_regex = true;
    key(&mut live, KeyCode::Enter);
    key(&mut live, KeyCode::Enter);
    live.until("the rejection", Duration::from_secs(15), |app| {
        app.ack().is_some_and(|f| f.stage == AckStage::Editing && f.error.is_some())
    })
    .await;
    let error = live.app.ack().unwrap().error.clone().unwrap();
    assert!(error.contains("400") || error.contains("rejected"), "{error}");
    assert_eq!(live.app.ack().unwrap().comment, "will be rejected", "the form keeps the text");
    assert!(silences(&stack.alertmanager_url).await.is_empty());
    let entries = journal.read_all().unwrap();
    assert_eq!(entries.len(), 1);
    assert!(matches!(entries[0].result, Outcome::Failed { .. }), "journaled as failed, not as done");
}

/// An acknowledgement whose answer never comes: the first Alertmanager is frozen (SIGSTOP),
/// so the kernel accepts the POST and buffers it, and nothing answers. The outcome is
/// unknown, the second Alertmanager is never written to, and once the first runs again it
/// applies the buffered request: exactly one silence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silence_whose_answer_never_comes_is_unknown_and_goes_to_no_other_peer() {
    use modeldeck::actions::run::{self, ActionContext};
    use modeldeck::backends::alertmanager::lookup as silence_lookup;
    use modeldeck::domain::Endpoint;
    use modeldeck::domain::{ActionOutcome, ActionRequest};
    use modeldeck::domain::{Alert, Severity};
    use modeldeck::domain::{Matcher, SilenceRequest};

    let mut stack = Stack::start_with(StackOptions { alertmanagers: 2, ..Default::default() }).await;
    let urls = stack.alertmanager_urls.clone();
    let dir = tempfile::tempdir().unwrap();
    let journal = journal(dir.path());
    let http = modeldeck::backends::http::client(Duration::from_secs(1)).unwrap();
    let peers: Vec<Endpoint> = urls.iter().map(|u| Endpoint::plain(u).unwrap()).collect();
    let config = config_for(&stack.prometheus_url, &urls);
    let backends = modeldeck::runtime::backends::Backends::live(&config, &http);
    let ctx = ActionContext {
        silences: backends.environment(0).silences.clone(),
        registry: backends.environment(0).registry.clone(),
        pipelines: backends.pipelines.clone(),
        journal: Some(journal.clone()),
        author: "it-operator".into(),
        environment: "it".into(),
        read_only: false,
    };
    let labels = [("alertname", "ModelAccuracyLow"), ("model", "fraud"), ("severity", "critical")];
    let alert = Alert {
        fingerprint: "0a1b2c3d4e5f6a7b".into(),
        name: "ModelAccuracyLow".into(),
        severity: Severity::Critical,
        model: Some("fraud".into()),
        state: AlertState::Active,
        starts_at: None,
        summary: String::new(),
        labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        annotations: Default::default(),
        silenced_by: Vec::new(),
        generator_url: None,
        inhibited_by: Vec::new(),
        receivers: Vec::new(),
    };
    let now = jiff::Timestamp::now();
    let request = SilenceRequest {
        id: None,
        matchers: labels.iter().map(|(k, v)| Matcher::equal(k, v)).collect(),
        starts_at: now,
        ends_at: now + jiff::SignedDuration::from_hours(1),
        created_by: "it-operator".into(),
        comment: "ack while the first peer is frozen".into(),
    };

    stack.pause_alertmanager(0);
    let action = ActionRequest::CreateSilence { request: request.clone(), alert: Box::new(alert) };
    let report = run::run(action, &ctx).await;
    assert_eq!(report.outcome, ActionOutcome::Unknown, "{}", report.message);
    assert!(!report.ok);
    assert!(report.message.starts_with("acknowledge UNKNOWN: timed out;"), "{}", report.message);
    assert!(report.message.contains("check the silences (M) before acknowledging again"), "{}", report.message);

    let entries = journal.read_all().unwrap();
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!((entry.kind.clone(), entry.result.label()), (Kind::Ack, "unknown"));
    let Outcome::Unknown { reason } = &entry.result else { unreachable!() };
    assert!(reason.contains("no matching silence was found afterwards"), "{reason}");
    let sent = entry.request.as_ref().unwrap();
    assert_eq!(sent["method"], "POST");
    assert_eq!(sent["url"], format!("{}/api/v2/silences", urls[0]));
    assert_eq!(sent["body"], request.body());
    assert!(silences(&urls[1]).await.is_empty(), "the second Alertmanager never got a silence");

    // Once it runs again, the first Alertmanager reads the buffered request and applies it.
    stack.resume_alertmanager(0);
    let ours = |all: Vec<Value>| -> Vec<Value> {
        all.into_iter().filter(|s| s["comment"] == "ack while the first peer is frozen").collect()
    };
    let first = urls[0].clone();
    harness::wait_for("the buffered silence on the first Alertmanager", Duration::from_secs(30), || {
        let first = first.clone();
        async move { !ours(silences(&first).await).is_empty() }
    })
    .await;
    assert_eq!(ours(silences(&urls[0]).await).len(), 1, "exactly one silence");
    assert!(silences(&urls[1]).await.is_empty());
    // The lookup now finds it, on the peer that took it.
    match silence_lookup::find(&http, &peers, &request).await {
        silence_lookup::Lookup::Found { peer, .. } => assert_eq!(peer, urls[0]),
        other => panic!("expected the lookup to find it, got {other:?}"),
    }
}
