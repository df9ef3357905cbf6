//! Acting on what the operator sees, against the real servers: a fleet whose health order
//! changes on every refresh (cursors hold their item, a silenced alert takes the cursor along,
//! a model that drops out hands it to a neighbour), every key from the alerts pane acting on
//! the alert's model (versions from a real MLflow), and a hostile label value (ESC, U+202E,
//! a C1 control and 2 KB) kept raw from Prometheus through `status --json`, a silence that
//! really mutes it in Alertmanager, and its model screen's range queries.

mod harness;
mod live;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use harness::{Mlflow, Stack, metrics_text};
use live::Live;
use modeldeck::app::{App, Pane, Preview, Screen};
use modeldeck::config::{self, Config};
use modeldeck::domain::Event;
use serde_json::Value;

const DEADLINE: Duration = Duration::from_secs(30);

fn config(text: &str) -> Config {
    config::from_str(text, None, &|_| None).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn stack_config(stack: &Stack, extra: &str) -> Config {
    config(&format!(
        "refresh = \"500ms\"\ntimeout = \"3s\"\n[[environment]]\nname = \"it\"\nprometheus = {{ url = \"{}\" }}\nalertmanagers = [\"{}\"]\n{extra}",
        stack.prometheus_url, stack.alertmanager_url
    ))
}

fn key(live: &mut Live, code: KeyCode) {
    live.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(live: &mut Live, text: &str) {
    for c in text.chars() {
        key(live, KeyCode::Char(c));
    }
}

/// Moves the alerts pane's cursor onto the ModelAccuracyLow alert of `model`.
fn select_alert(live: &mut Live, model: &str) {
    assert_eq!(live.app.focus, Pane::Alerts);
    key(live, KeyCode::Char('g'));
    let at = live
        .app
        .alert_rows()
        .position(|a| a.name == "ModelAccuracyLow" && a.model.as_deref() == Some(model))
        .unwrap_or_else(|| panic!("no alert for {model:?}"));
    for _ in 0..at {
        key(live, KeyCode::Char('j'));
    }
    assert_eq!(live.app.target().model.as_deref(), Some(model));
}

fn firing_for(app: &App, model: &str) -> bool {
    app.alerts.iter().any(|a| a.name == "ModelAccuracyLow" && a.model.as_deref() == Some(model))
}

/// Pushes `model_accuracy` for the flipping models every 300 ms, swapping which one is in
/// warning, until `stop` is set: the fleet's health order changes on every refresh.
fn flip(pushgateway: String, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client = reqwest::Client::new();
        let mut n = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let (a, b) = if n.is_multiple_of(2) { (0.91, 0.97) } else { (0.97, 0.91) };
            for (instance, model, value) in [("flip-a", "flip-a", a), ("flip-b", "flip-b", b)] {
                let url = format!("{pushgateway}/metrics/job/flip/instance/{instance}");
                let body = metrics_text(&[(model, "1", value)]) + "\n";
                let _ = client.post(url).body(body).send().await;
            }
            n += 1;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_a_reordering_fleet_ack_then_unack_land_on_the_same_alert() {
    let stack = Stack::start().await;
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud", "3", 0.71), ("churn", "7", 0.80)])).await;
    let stop = Arc::new(AtomicBool::new(false));
    let flipping = flip(stack.pushgateway_url.clone(), stop.clone());
    let mut live = Live::start(&stack_config(&stack, ""));
    live.until("both alerts and the flipping models", DEADLINE, |app| {
        firing_for(app, "fraud") && firing_for(app, "churn") && app.fleet.find("flip-b").is_some()
    })
    .await;

    // The models pane holds flip-b while the health order swaps it with flip-a.
    live.app.select_model("flip-b");
    let first_row = live.app.fleet_selected();
    live.until("flip-b to change rows", DEADLINE, |app| app.fleet_selected() != first_row).await;
    assert_eq!(live.app.selected_model().map(|r| r.name.as_str()), Some("flip-b"));

    // Acknowledge the alert on top; silenced, it sorts below the other one.
    key(&mut live, KeyCode::Tab);
    let top = live.app.alert_rows().next().and_then(|a| a.model.clone()).expect("an alert on top");
    select_alert(&mut live, &top);
    key(&mut live, KeyCode::Char('a'));
    typed(&mut live, "investigating the accuracy dip");
    live.until("the preview", DEADLINE, |app| matches!(app.ack().map(|f| &f.preview), Some(Preview::Ready(_)))).await;
    key(&mut live, KeyCode::Enter);
    key(&mut live, KeyCode::Enter);
    live.until("the silence to show", DEADLINE, |app| {
        app.ack().is_none()
            && app.alerts.iter().any(|a| a.model.as_deref() == Some(top.as_str()) && !a.silenced_by.is_empty())
    })
    .await;
    assert_ne!(live.app.alert_selected(), 0, "the silenced alert moved down");
    assert_eq!(live.app.target().model.as_deref(), Some(top.as_str()), "and the cursor went with it");

    // `A` at once: the confirmation is about the same alert, and expiring it unmutes that one.
    key(&mut live, KeyCode::Char('A'));
    let confirm = live.app.confirm().cloned().expect("the un-acknowledge confirmation");
    assert!(confirm.lines[0].ends_with(&format!("muting ModelAccuracyLow on {top}:")), "{:?}", confirm.lines);
    assert_eq!(confirm.target.model.as_deref(), Some(top.as_str()));
    key(&mut live, KeyCode::Enter);
    live.until("the alert to fire again", DEADLINE, |app| {
        app.busy.is_none()
            && app.alerts.iter().any(|a| a.model.as_deref() == Some(top.as_str()) && a.silenced_by.is_empty())
    })
    .await;

    // flip-b drops out of Prometheus: the models cursor moves to a neighbour and says so.
    key(&mut live, KeyCode::Tab);
    live.app.select_model("flip-b");
    stop.store(true, Ordering::Relaxed);
    flipping.await.unwrap();
    stack.delete_group("flip", "flip-b").await;
    live.until("flip-b to drop out", DEADLINE, |app| app.fleet.find("flip-b").is_none()).await;
    let now_on = live.app.selected_model().map(|r| r.name.clone()).expect("a neighbour is selected");
    assert_ne!(now_on, "flip-b");
    let (_, message) = live.app.message.clone().expect("the footer says so");
    assert_eq!(message, format!("flip-b is no longer listed; cursor on {now_on}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_the_alerts_pane_every_key_acts_on_the_alerts_model() {
    let stack = Stack::start().await;
    let mlflow = Mlflow::shared().await;
    for model in ["tgt-churn", "tgt-fraud"] {
        mlflow.create_model(model, "target test", &[]).await;
        for (i, status) in [(1, "approved"), (2, "approved"), (3, "approved")] {
            mlflow
                .create_version(model, &format!("s3://m/{model}/v{i}"), "build", &[("validation_status", status)])
                .await;
        }
        mlflow.set_alias(model, "champion", "3").await;
    }
    stack.push("model-eval", "eval-1", &metrics_text(&[("tgt-churn", "3", 0.70), ("tgt-fraud", "3", 0.80)])).await;
    let mut extra = format!("registry = {{ url = \"{}\" }}\n", mlflow.url());
    for model in ["tgt-churn", "tgt-fraud"] {
        extra += &format!(
            "[[model]]\nname = \"{model}\"\nretrain = {{ kind = \"command\", argv = [\"true\", \"{{model}}\"] }}\n"
        );
    }
    let mut live = Live::start(&stack_config(&stack, &extra));
    live.until("both alerts and models", DEADLINE, |app| {
        firing_for(app, "tgt-churn") && firing_for(app, "tgt-fraud") && app.fleet.find("tgt-fraud").is_some()
    })
    .await;
    live.app.select_model("tgt-churn");
    key(&mut live, KeyCode::Tab);
    select_alert(&mut live, "tgt-fraud");
    assert_eq!(live.app.selected_model().map(|r| r.name.as_str()), Some("tgt-churn"), "the models pane is elsewhere");

    // v: the registry's versions of the alert's model.
    key(&mut live, KeyCode::Char('v'));
    assert_eq!(live.app.screen, Screen::Versions("tgt-fraud".into()));
    live.until("the versions", DEADLINE, |app| app.versions.as_ref().is_some_and(|v| v.snapshot.is_some())).await;
    let snapshot = live.app.versions.as_ref().and_then(|v| v.snapshot.clone()).unwrap();
    assert_eq!(snapshot.live.as_deref(), Some("3"));
    key(&mut live, KeyCode::Esc);

    // R: the rollback of the alert's model to its last validated version, naming the alert.
    key(&mut live, KeyCode::Char('R'));
    live.until("the rollback confirmation", DEADLINE, |app| app.rollback().is_some()).await;
    let form = live.app.rollback().cloned().unwrap();
    assert_eq!((form.plan.model.as_str(), form.plan.target.as_str()), ("tgt-fraud", "2"));
    assert_eq!(form.alert.as_ref().and_then(|a| a.model.as_deref()), Some("tgt-fraud"));
    key(&mut live, KeyCode::Esc);
    key(&mut live, KeyCode::Esc);
    assert_eq!(live.app.screen, Screen::Overview);

    // T: the retraining form for the alert's model, its reason from the alert.
    key(&mut live, KeyCode::Char('T'));
    let form = live.app.retrain().cloned().expect("the retrain form");
    assert_eq!(form.request.model, "tgt-fraud");
    assert!(form.request.reason.starts_with("ModelAccuracyLow: Accuracy of tgt-fraud"), "{}", form.request.reason);
    key(&mut live, KeyCode::Esc);

    // n: a note about the alert's model and the alert.
    key(&mut live, KeyCode::Char('n'));
    let subject = live.app.editor().expect("the note editor").subject.clone();
    assert_eq!(subject.model.as_deref(), Some("tgt-fraud"));
    assert_eq!(subject.alertname.as_deref(), Some("ModelAccuracyLow"));
}

/// A model name no terminal should see raw: a screen clear, a right-to-left override, the
/// C1 CSI, then 2 KB.
fn hostile_name() -> String {
    format!("evil\x1b[2J\u{202e}\u{9b}31m{}", "x".repeat(2048))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_label_stays_raw_through_status_json_silences_and_the_model_screen() {
    let stack = Stack::start().await;
    let name = hostile_name();
    stack.push("model-eval", "eval-1", &metrics_text(&[(&name, "1", 0.5), ("plain", "1", 0.97)])).await;
    let config_text = format!(
        "refresh = \"500ms\"\ntimeout = \"5s\"\n[[environment]]\nname = \"it\"\nprometheus = {{ url = \"{}\" }}\nalertmanagers = [\"{}\"]\n",
        stack.prometheus_url, stack.alertmanager_url
    );
    let mut live = Live::start(&config(&config_text));
    live.until("the hostile alert", DEADLINE, |app| firing_for(app, &name)).await;

    // `status --json` returns the name exactly, in the fleet and in the alert's labels.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("modeldeck.toml");
    std::fs::write(&path, &config_text).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_modeldeck"))
        .args(["--config", path.to_str().unwrap(), "status", "--json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        !stdout.contains('\x1b') && !stdout.contains('\u{9b}') && !stdout.contains('\u{202e}'),
        "inert on a terminal"
    );
    let document: Value = serde_json::from_str(&stdout).unwrap();
    let models: Vec<&str> = document["models"].as_array().unwrap().iter().filter_map(|m| m["name"].as_str()).collect();
    assert!(models.contains(&name.as_str()), "the raw name is in {models:?}");
    let alert = document["alerts"].as_array().unwrap().iter().find(|a| a["model"] == name.as_str());
    assert_eq!(alert.map(|a| &a["labels"]["model"]), Some(&Value::String(name.clone())));

    // A silence made from it, through the console, mutes it in Alertmanager.
    key(&mut live, KeyCode::Tab);
    select_alert(&mut live, &name);
    key(&mut live, KeyCode::Char('a'));
    typed(&mut live, "hostile label drill");
    live.until("the preview", DEADLINE, |app| matches!(app.ack().map(|f| &f.preview), Some(Preview::Ready(_)))).await;
    let Some(Preview::Ready(muted)) = live.app.ack().map(|f| f.preview.clone()) else { unreachable!() };
    assert_eq!(muted.len(), 1, "Alertmanager selects exactly that alert");
    assert_eq!(muted[0].model.as_deref(), Some(name.as_str()));
    key(&mut live, KeyCode::Enter);
    key(&mut live, KeyCode::Enter);
    live.until("the acknowledgement", DEADLINE, |app| app.ack().is_none() && app.busy.is_none()).await;
    let url = format!("{}/api/v2/alerts", stack.alertmanager_url);
    let alerts: Vec<Value> = reqwest::get(&url).await.unwrap().json().await.unwrap();
    let hostile = alerts.iter().find(|a| a["labels"]["model"] == name.as_str()).expect("the alert in Alertmanager");
    assert_eq!(hostile["status"]["state"], "suppressed", "{hostile}");
    assert_eq!(hostile["status"]["silencedBy"].as_array().map(Vec::len), Some(1));

    // Its model screen loads data: the raw name goes into the range queries, escaped.
    key(&mut live, KeyCode::Tab);
    live.app.select_model(&name);
    key(&mut live, KeyCode::Enter);
    assert_eq!(live.app.screen, Screen::Model(name.clone()));
    live.until("the model screen's data", DEADLINE, |app| {
        app.detail.as_ref().and_then(|d| d.snapshot.as_ref()).is_some_and(|s| {
            s.panels.iter().any(|p| p.result.as_ref().is_ok_and(|lines| lines.iter().any(|l| !l.points.is_empty())))
        })
    })
    .await;
    let detail = live.app.detail.as_ref().unwrap();
    assert_eq!(detail.error, None);
    // Drawn, it is inert.
    let screen = live.screen();
    assert!(screen.contains("evil␛[2J"), "{screen}");
    assert!(screen.lines().all(|line| !line.chars().any(modeldeck::domain::sanitize::is_unsafe)), "{screen}");
}
