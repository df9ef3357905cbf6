//! Two real Alertmanagers gossiping as one HA cluster on loopback (started by the harness,
//! fed by Prometheus evaluating `ModelAccuracyLow` on a pushed `model_accuracy`): a silence
//! made through one peer is seen on the other; a peer killed mid-run moves the console's
//! reads and writes to the other and the header names it; and a write whose answer is lost
//! is found on the other peer, never sent twice, so the cluster holds it once.

mod harness;
mod live;

#[path = "common/faulty.rs"]
mod faulty;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use faulty::{Fault, FaultyProxy};
use harness::{Stack, StackOptions, metrics_text, wait_for};
use jiff::{SignedDuration, Timestamp};
use live::Live;
use modeldeck::app::{AckStage, App, Pane, Preview};
use modeldeck::backends::alertmanager::silences::SilenceClient;
use modeldeck::config::{self, Config};
use modeldeck::domain::{AlertState, Endpoint, Event, Matcher, SilenceRequest, SilenceState};
use modeldeck::journal::{Journal, Kind, Outcome};
use serde_json::Value;

const DEADLINE: Duration = Duration::from_secs(30);

async fn cluster() -> Stack {
    Stack::start_with(StackOptions { alertmanagers: 2, cluster: true, ..Default::default() }).await
}

fn client(urls: &[&str], timeout: Duration) -> SilenceClient {
    let http = modeldeck::backends::http::client(timeout).expect("HTTP client");
    SilenceClient::new(http, urls.iter().map(|u| Endpoint::plain(u).expect("peer URL")).collect())
}

fn request(comment: &str) -> SilenceRequest {
    let now = Timestamp::now();
    SilenceRequest {
        id: None,
        matchers: vec![Matcher::equal("alertname", "ModelAccuracyLow"), Matcher::equal("model", "fraud")],
        starts_at: now,
        ends_at: now + SignedDuration::from_hours(1),
        created_by: "it-operator".into(),
        comment: comment.into(),
    }
}

/// The silences peer `i` lists with this comment, as `(id, state)`.
async fn listed(stack: &Stack, i: usize, comment: &str) -> Vec<(String, String)> {
    let all = stack.am_silences_at(i).await;
    let with_comment = all.as_array().unwrap().iter().filter(|s| s["comment"] == comment);
    with_comment.map(|s| (text(&s["id"]), text(&s["status"]["state"]))).collect()
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silence_made_through_one_peer_is_seen_on_the_other() {
    let stack = cluster().await;
    let [first, second] = [stack.alertmanager_urls[0].as_str(), stack.alertmanager_urls[1].as_str()];
    let comment = "made on the first peer";
    let written = client(&[first], Duration::from_secs(5)).create(&request(comment)).await.expect("create");
    assert_eq!(written.peer, first);
    assert!(written.found_by_lookup.is_none());
    let id = written.value;

    let on_second = client(&[second], Duration::from_secs(5));
    wait_for("the silence on the second peer", DEADLINE, || async {
        on_second.get(&id).await.is_ok_and(|s| s.state == SilenceState::Active)
    })
    .await;
    assert_eq!(listed(&stack, 1, comment).await, [(id.clone(), "active".to_string())]);

    // And back: expired through the second peer, it is expired on the first.
    on_second.expire(&id).await.expect("expire through the second peer");
    let on_first = client(&[first], Duration::from_secs(5));
    wait_for("the expiry on the first peer", DEADLINE, || async {
        on_first.get(&id).await.is_ok_and(|s| s.state == SilenceState::Expired)
    })
    .await;
    assert_eq!(listed(&stack, 0, comment).await, [(id, "expired".to_string())]);
}

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

fn accuracy_alert(app: &App) -> Option<&modeldeck::domain::Alert> {
    app.alerts.iter().map(|a| &**a).find(|a| a.name == "ModelAccuracyLow" && a.model.as_deref() == Some("fraud"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_peer_moves_reads_and_writes_to_the_other_and_the_header_names_it() {
    let mut stack = cluster().await;
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud", "3", 0.71)])).await;
    let urls = stack.alertmanager_urls.clone();
    let dir = tempfile::tempdir().unwrap();
    let journal = Arc::new(Journal::open(&dir.path().join("journal.jsonl")).unwrap().0);
    let mut live = Live::start_with(&config_for(&stack.prometheus_url, &urls), false, Some(journal.clone()));

    // Acknowledge through the console while both peers are up: the first takes it.
    live.until("the alert", DEADLINE, |app| accuracy_alert(app).is_some()).await;
    key(&mut live, KeyCode::Tab);
    assert_eq!(live.app.focus, Pane::Alerts);
    let at = live.app.alert_rows().position(|a| a.name == "ModelAccuracyLow").unwrap();
    for _ in 0..at {
        key(&mut live, KeyCode::Char('j'));
    }
    key(&mut live, KeyCode::Char('a'));
    for c in "cluster failover check".chars() {
        key(&mut live, KeyCode::Char(c));
    }
    live.until("the preview", DEADLINE, |app| matches!(app.ack().map(|f| &f.preview), Some(Preview::Ready(_)))).await;
    key(&mut live, KeyCode::Enter);
    assert_eq!(live.app.ack().unwrap().stage, AckStage::Confirming);
    key(&mut live, KeyCode::Enter);
    live.until("the acknowledgement", DEADLINE, |app| app.ack().is_none()).await;
    let made = listed(&stack, 0, "cluster failover check").await;
    assert_eq!(made.len(), 1, "{made:?}");
    let id = made[0].0.clone();
    wait_for("the silence gossiped to the second peer", DEADLINE, || async {
        listed(&stack, 1, "cluster failover check").await == made
    })
    .await;

    // The first peer dies without a word to anyone.
    stack.kill_alertmanager(0);
    live.until("the first peer reported down, the second up", DEADLINE, |app| {
        app.am_peers.first().is_some_and(|p| p.error.is_some())
            && app.am_peers.get(1).is_some_and(|p| p.error.is_none())
    })
    .await;
    let header = live.screen().lines().next().unwrap().to_string();
    assert!(header.contains(&format!("down: {}", urls[0].trim_start_matches("http://"))), "{header}");
    assert!(header.contains("1/2 peers"), "{header}");

    // Reads: the second peer shows the alert silenced by the silence made on the first.
    live.until("the alert silenced, as the second peer reports it", DEADLINE, |app| {
        accuracy_alert(app).is_some_and(|a| a.state == AlertState::Silenced && a.silenced_by.contains(&id))
    })
    .await;
    assert_eq!(live.app.am_peers.iter().filter(|p| p.error.is_none()).count(), 1);

    // Writes: the un-acknowledgement goes to the second peer.
    key(&mut live, KeyCode::Char('A'));
    assert!(live.app.confirm().is_some(), "{:?}", live.app.message);
    key(&mut live, KeyCode::Enter);
    live.until("the alert active again", DEADLINE, |app| {
        accuracy_alert(app).is_some_and(|a| a.state == AlertState::Active)
    })
    .await;
    assert_eq!(listed(&stack, 1, "cluster failover check").await, [(id.clone(), "expired".to_string())]);
    let entries = journal.read_all().unwrap();
    let kinds: Vec<(Kind, Outcome)> = entries.iter().map(|e| (e.kind.clone(), e.result.clone())).collect();
    assert_eq!(kinds, [(Kind::Ack, Outcome::Ok), (Kind::Unack, Outcome::Ok)]);
    let unack = serde_json::to_string(&entries[1]).unwrap();
    assert!(unack.contains(urls[1].as_str()), "the unack names the second peer: {unack}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_found_on_the_other_peer_and_never_sent_twice() {
    let stack = cluster().await;
    let second = stack.alertmanager_urls[1].clone();
    // Stands in front of the first peer: it forwards the request, and holds the answer
    // past the client's timeout, as a network dropping it would.
    let proxy = FaultyProxy::start(&stack.alertmanager_urls[0]).await;
    proxy.set(Fault::Slow(Duration::from_secs(60)));
    let comment = "the answer to this one is lost";
    // The timeout is also the time gossip has to reach the second peer before the lookup;
    // on loopback it takes well under a second.
    let pair = client(&[&proxy.url, &second], Duration::from_secs(5));

    let written = pair.create(&request(comment)).await.expect("found on the other peer after the lost answer");
    assert_eq!(written.peer, second, "the lookup found it on the second peer");
    let lost = written.found_by_lookup.as_deref().expect("made known by the lookup");
    assert!(lost.contains("timed out"), "{lost}");
    assert_eq!(proxy.accepted(), 2, "the create once, then the lookup; nothing sent again");

    // The cluster holds exactly one such silence, on both peers.
    let one = [(written.value.clone(), "active".to_string())];
    assert_eq!(listed(&stack, 0, comment).await, one);
    assert_eq!(listed(&stack, 1, comment).await, one);
}
