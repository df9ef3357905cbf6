//! Rolling back through the console's own flow (versions screen, `R`, the confirmation, the
//! action task, the journal) against a real MLflow 3.17.2 registry and a real MLServer 1.7.1,
//! then checking their APIs.

mod harness;
mod live;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use harness::{Mlflow, Stack, StackOptions};
use live::Live;
use modeldeck::app::Screen;
use modeldeck::config::{self, Config};
use modeldeck::domain::Event;
use modeldeck::journal::{Entry, Journal, Kind, Outcome};

/// Prometheus is not needed here: its port is closed and the fleet stays empty.
const NO_PROMETHEUS: &str = "http://127.0.0.1:9";

fn config(extra: &str) -> Config {
    let text = format!("refresh = \"1s\"\ntimeout = \"5s\"\n{extra}");
    config::from_str(&text, None, &|_| None).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn registry_config(mlflow: &Mlflow, production: bool, governance: &str) -> Config {
    config(&format!(
        "[governance]\n{governance}\n[[environment]]\nname = \"prod\"\nproduction = {production}\nprometheus = {{ url = \"{NO_PROMETHEUS}\" }}\nregistry = {{ url = \"{}\" }}\n",
        mlflow.url()
    ))
}

fn key(live: &mut Live, code: KeyCode) {
    live.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn ctrl(live: &mut Live, c: char) {
    live.send(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)));
}

fn typed(live: &mut Live, text: &str) {
    for c in text.chars() {
        key(live, KeyCode::Char(c));
    }
}

fn journal(dir: &std::path::Path) -> Arc<Journal> {
    Arc::new(Journal::open(&dir.join("journal.jsonl")).unwrap().0)
}

fn last_entry(journal: &Journal) -> Option<Entry> {
    journal.read_all().unwrap().pop()
}

/// `name` with three versions, v3 `pending`, and `champion` on v3.
async fn three_versions(mlflow: &Mlflow, name: &str) {
    mlflow.create_model(name, "Card-fraud classifier", &[("owner", "risk-ml"), ("pii", "no")]).await;
    for (i, status) in [(1, "pending"), (2, "approved"), (3, "approved")] {
        let tags = [("validation_status", status)];
        mlflow.create_version(name, &format!("s3://ml-models/{name}/v{i}"), &format!("build {i}"), &tags).await;
    }
    mlflow.set_alias(name, "champion", "3").await;
}

/// Opens `model`'s versions through the command line and waits for the registry's answer.
async fn open_versions(live: &mut Live, model: &str) {
    key(live, KeyCode::Char(':'));
    typed(live, &format!("versions {model}"));
    key(live, KeyCode::Enter);
    assert_eq!(live.app.screen, Screen::Versions(model.into()));
    live.until("the versions", Duration::from_secs(30), |app| {
        app.versions.as_ref().is_some_and(|v| !v.loading && (v.snapshot.is_some() || v.error.is_some()))
    })
    .await;
}

fn select(live: &mut Live, version: &str) {
    let at = live.app.versions.as_ref().unwrap().versions().iter().position(|v| v.version == version).unwrap();
    key(live, KeyCode::Char('g'));
    for _ in 0..at {
        key(live, KeyCode::Char('j'));
    }
}

async fn finished(live: &mut Live) {
    live.until("the rollback to finish", Duration::from_secs(60), |app| app.rollback().is_none() && app.busy.is_none())
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_moves_the_champion_alias_and_journals_before_and_after() {
    let mlflow = Mlflow::shared().await;
    let model = "fraud-rollback";
    three_versions(mlflow, model).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = journal(dir.path());
    let mut live = Live::start_with(&registry_config(mlflow, true, ""), false, Some(journal.clone()));
    open_versions(&mut live, model).await;
    let snapshot = live.app.versions.as_ref().unwrap().snapshot.clone().expect("the registry answered");
    assert_eq!(snapshot.live.as_deref(), Some("3"));
    assert_eq!(snapshot.governance.owner.as_deref(), Some("risk-ml"));
    assert_eq!(snapshot.versions().iter().map(|v| v.version.as_str()).collect::<Vec<_>>(), ["3", "2", "1"]);

    select(&mut live, "2");
    key(&mut live, KeyCode::Char('R'));
    let form = live.app.rollback().expect("the confirmation");
    assert!(form.plan.request.iter().any(|l| l.contains(mlflow.url()) && l.contains(r#""version":"2""#)), "{form:?}");
    typed(&mut live, "accuracy regression in v3");
    key(&mut live, KeyCode::Tab);
    typed(&mut live, model);
    key(&mut live, KeyCode::Enter);
    finished(&mut live).await;
    let (_, message) = live.app.message.clone().unwrap();
    assert!(message.contains("rolled back fraud-rollback 3 → 2: verified"), "{message}");

    // MLflow's own API says the alias moved, and the note was mirrored onto v2.
    assert_eq!(mlflow.alias(model, "champion").await.as_deref(), Some("2"));
    let tags = mlflow.version_tags(model, "2").await;
    assert!(tags.contains(&("modeldeck.rollback_note".into(), "accuracy regression in v3".into())), "{tags:?}");

    let entry = last_entry(&journal).expect("a journal entry");
    assert_eq!(entry.kind, Kind::Rollback);
    assert_eq!(entry.result, Outcome::Ok);
    assert_eq!(entry.note, "accuracy regression in v3");
    assert_eq!(entry.before.as_ref().unwrap()["version"], "3");
    assert_eq!(entry.after.as_ref().unwrap()["version"], "2");
    assert_eq!(entry.environment, "prod");

    // The screen reloads and marks v2 live.
    live.until("the reload", Duration::from_secs(30), |app| {
        app.versions.as_ref().and_then(|v| v.snapshot.as_ref()).and_then(|s| s.live.as_deref()) == Some("2")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unvalidated_target_is_refused_or_needs_the_journaled_override() {
    let mlflow = Mlflow::shared().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = journal(dir.path());

    // Overrides off: refused before anything is sent.
    let model = "fraud-gate-off";
    three_versions(mlflow, model).await;
    let mut live = Live::start_with(&registry_config(mlflow, false, ""), false, Some(journal.clone()));
    open_versions(&mut live, model).await;
    select(&mut live, "1");
    key(&mut live, KeyCode::Char('R'));
    assert!(live.app.rollback().is_none());
    assert!(live.app.message.as_ref().unwrap().1.contains("refused"), "{:?}", live.app.message);
    assert_eq!(mlflow.alias(model, "champion").await.as_deref(), Some("3"));
    assert!(last_entry(&journal).is_none());

    // Overrides on: Ctrl-o, and the entry says so.
    let model = "fraud-gate-on";
    three_versions(mlflow, model).await;
    let mut live =
        Live::start_with(&registry_config(mlflow, false, "allow_override = true"), false, Some(journal.clone()));
    open_versions(&mut live, model).await;
    select(&mut live, "1");
    key(&mut live, KeyCode::Char('R'));
    typed(&mut live, "v2 and v3 both bad");
    key(&mut live, KeyCode::Enter);
    assert!(live.app.rollback().unwrap().error.as_deref().unwrap().contains("not validated"));
    ctrl(&mut live, 'o');
    key(&mut live, KeyCode::Enter);
    finished(&mut live).await;
    assert_eq!(mlflow.alias(model, "champion").await.as_deref(), Some("1"));
    let entry = last_entry(&journal).unwrap();
    assert_eq!(entry.before.as_ref().unwrap()["validation_override"], true);
    assert_eq!(entry.before.as_ref().unwrap()["target_validation"], "pending");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_error_is_shown_and_nothing_is_left_half_done() {
    let mlflow = Mlflow::shared().await;
    let model = "fraud-gone";
    three_versions(mlflow, model).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = journal(dir.path());
    let mut live = Live::start_with(&registry_config(mlflow, false, ""), false, Some(journal.clone()));
    open_versions(&mut live, model).await;
    // Someone deletes v2 after the screen loaded: MLflow refuses the alias with a 404.
    mlflow.call("DELETE", "model-versions/delete", serde_json::json!({ "name": model, "version": "2" })).await;
    select(&mut live, "2");
    key(&mut live, KeyCode::Char('R'));
    typed(&mut live, "back to 2");
    key(&mut live, KeyCode::Enter);
    finished(&mut live).await;
    let (_, message) = live.app.message.clone().unwrap();
    assert!(message.contains("rollback FAILED") && message.contains("RESOURCE_DOES_NOT_EXIST"), "{message}");
    assert_eq!(mlflow.alias(model, "champion").await.as_deref(), Some("3"), "the alias is untouched");
    let entry = last_entry(&journal).unwrap();
    assert!(matches!(&entry.result, Outcome::Failed { error } if error.contains("RESOURCE_DOES_NOT_EXIST")));
    assert_eq!(entry.after.as_ref().unwrap()["version"], "3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_and_sends_nothing() {
    let mlflow = Mlflow::shared().await;
    let model = "fraud-read-only";
    three_versions(mlflow, model).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = journal(dir.path());
    let mut live = Live::start_with(&registry_config(mlflow, false, ""), true, Some(journal.clone()));
    open_versions(&mut live, model).await;
    select(&mut live, "2");
    key(&mut live, KeyCode::Char('R'));
    assert!(live.app.rollback().is_none());
    assert!(live.app.message.as_ref().unwrap().1.starts_with("read-only"));
    assert_eq!(mlflow.alias(model, "champion").await.as_deref(), Some("3"));
    assert!(last_entry(&journal).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oip_rollback_makes_the_target_version_serve() {
    let stack = Stack::start_with(StackOptions { mlserver: true, ..StackOptions::default() }).await;
    let url = stack.mlserver_url.clone().expect("MLServer");
    let verify = r#"{"inputs":[{"name":"predict","shape":[1,4],"datatype":"FP32","data":[6.0,2.7,5.1,1.6]}]}"#;
    let dir = tempfile::tempdir().unwrap();
    let journal = journal(dir.path());
    let cfg = config(&format!(
        "[[environment]]\nname = \"serving\"\nprometheus = {{ url = \"{NO_PROMETHEUS}\" }}\n[[model]]\nname = \"iris\"\nrollback = {{ kind = \"oip\", url = \"{url}\", verify_input = '{verify}', ready_timeout = \"60s\" }}\n"
    ));
    let mut live = Live::start_with(&cfg, false, Some(journal.clone()));
    open_versions(&mut live, "iris").await;
    let versions: Vec<String> =
        live.app.versions.as_ref().unwrap().versions().iter().map(|v| v.version.clone()).collect();
    assert!(versions.contains(&"v1".to_string()) && versions.contains(&"v2".to_string()), "{versions:?}");
    select(&mut live, "v1");
    key(&mut live, KeyCode::Char('R'));
    let form = live.app.rollback().unwrap_or_else(|| panic!("no confirmation: {:?}", live.app.message));
    assert!(form.plan.request.iter().any(|l| l.contains("/v2/repository/models/iris/load")), "{:?}", form.plan.request);
    typed(&mut live, "v2 misclassifies virginica");
    key(&mut live, KeyCode::Enter);
    finished(&mut live).await;
    let (_, message) = live.app.message.clone().unwrap();
    assert!(message.contains("rolled back iris") && message.contains("→ v1"), "{message}");

    // MLServer says v1 is ready and v1 answers inference.
    let client = reqwest::Client::new();
    let ready = client.get(format!("{url}/v2/models/iris/versions/v1/ready")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    let answer: serde_json::Value = client
        .post(format!("{url}/v2/models/iris/versions/v1/infer"))
        .header("content-type", "application/json")
        .body(verify)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["model_version"], "v1", "{answer}");

    let entry = last_entry(&journal).unwrap();
    assert_eq!(entry.result, Outcome::Ok);
    let steps = entry.after.as_ref().unwrap()["steps"].to_string();
    assert!(steps.contains("version v1 is ready") && steps.contains("inference on v1 answered"), "{steps}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_from_mlflow_is_shown_and_journaled_as_failed() {
    use modeldeck::actions::run::{self, ActionContext};
    use modeldeck::domain::ActionRequest;
    use modeldeck::domain::RollbackPlan;

    let mlflow = Mlflow::shared().await;
    let model = "fraud-500";
    three_versions(mlflow, model).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = journal(dir.path());
    let config = registry_config(mlflow, false, "");
    let live = Live::start_with(&config, false, Some(journal.clone()));
    let mut snapshot = None;
    let registry = live.backends().environment(0).registry.clone();
    if let Ok(s) = registry.load(model).await {
        snapshot = Some(s);
    }
    let spec = snapshot.and_then(|s| s.spec).expect("the MLflow backend");
    // MLflow answers this version with a 500 (SQLite cannot store the integer): a real
    // server error, which the versions screen could never offer as a target.
    let target = "99999999999999999999999";
    let plan = RollbackPlan {
        model: model.into(),
        current: Some("3".into()),
        target: target.into(),
        request: spec.describe(model, "prod", Some("3"), target),
        spec,
        validation: Some("approved".into()),
        validated: true,
        target_data: Vec::new(),
        override_validation: false,
        note: "server error drill".into(),
        take_over: None,
    };
    let ctx = ActionContext {
        silences: live.backends().environment(0).silences.clone(),
        registry,
        pipelines: live.backends().pipelines.clone(),
        journal: Some(journal.clone()),
        author: "it-operator".into(),
        environment: "prod".into(),
        read_only: false,
    };
    let report = run::run(ActionRequest::Rollback(Box::new(plan)), &ctx).await;
    assert!(!report.ok);
    assert!(report.message.contains("INTERNAL_ERROR") && report.message.contains("too large"), "{}", report.message);
    assert_eq!(mlflow.alias(model, "champion").await.as_deref(), Some("3"), "the alias is untouched");
    let entry = last_entry(&journal).unwrap();
    assert!(
        matches!(&entry.result, Outcome::Failed { error } if error.contains("INTERNAL_ERROR")),
        "{:?}",
        entry.result
    );
    assert_eq!(entry.after.as_ref().unwrap()["version"], "3");
}
