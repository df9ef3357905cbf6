//! VER against a real MLflow 3.17.2 registry and a real Prometheus: the registry's live
//! version, the mismatch with what Prometheus still reports right after a rollback made
//! through the console, and the registry source's paging (one request per 1,000 models).

mod harness;
mod live;

#[path = "common/faulty.rs"]
mod faulty;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use faulty::FaultyProxy;
use harness::{Mlflow, Stack, metrics_text};
use live::Live;
use modeldeck::app::{App, Screen};
use modeldeck::backends::http;
use modeldeck::config::{self, Config};
use modeldeck::domain::Event;
use modeldeck::domain::{Health, SourceId};
use modeldeck::sources::launch::LiveSources;

const REFRESH: Duration = Duration::from_secs(1);

fn config_text(prometheus: &str, alertmanager: &str, registry: &str) -> String {
    format!(
        "refresh = \"1s\"\ntimeout = \"5s\"\n[[environment]]\nname = \"it\"\nprometheus = {{ url = \"{prometheus}\" }}\nalertmanagers = [\"{alertmanager}\"]\nregistry = {{ url = \"{registry}\" }}\n"
    )
}

fn key(live: &mut Live, code: KeyCode) {
    live.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn ver(app: &App, model: &str) -> Option<String> {
    app.fleet.find(model).and_then(|row| app.version_text(row)).map(|v| v.text)
}

/// `name` with versions 1 to 3, all validated, and `champion` on 3.
async fn three_versions(mlflow: &Mlflow, name: &str) {
    mlflow.create_model(name, "Card-fraud classifier", &[("owner", "risk-ml")]).await;
    for i in 1..=3 {
        let tags = [("validation_status", "approved")];
        mlflow.create_version(name, &format!("s3://ml-models/{name}/v{i}"), &format!("build {i}"), &tags).await;
    }
    mlflow.set_alias(name, "champion", "3").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ver_shows_the_registry_version_and_the_mismatch_right_after_a_rollback() {
    let (mlflow, stack) = tokio::join!(Mlflow::shared(), Stack::start());
    let model = "fraud-ver";
    three_versions(mlflow, model).await;
    stack.push("model-eval", "eval-1", &metrics_text(&[(model, "3", 0.97)])).await;
    let text = config_text(&stack.prometheus_url, &stack.alertmanager_url, mlflow.url());
    let config = config::from_str(&text, None, &|_| None).unwrap();
    let mut live = Live::start(&config);

    live.until("VER 3 from both", Duration::from_secs(30), |app| {
        ver(app, model).as_deref() == Some("3") && app.live_version(model) == Some("3")
    })
    .await;
    let header = live.screen().lines().next().unwrap().to_string();
    assert!(header.contains("reg ●"), "{header}");

    // Roll back to 2 the way an operator does: versions, R, a note, Enter.
    key(&mut live, KeyCode::Char('v'));
    assert_eq!(live.app.screen, Screen::Versions(model.into()));
    live.until("the versions", Duration::from_secs(30), |app| {
        app.versions.as_ref().is_some_and(|v| !v.loading && v.snapshot.is_some())
    })
    .await;
    assert_eq!(live.app.versions.as_ref().unwrap().selected_version().unwrap().version, "2");
    key(&mut live, KeyCode::Char('R'));
    assert!(live.app.rollback().is_some(), "{:?}", live.app.message);
    for c in "accuracy fell after v3".chars() {
        key(&mut live, KeyCode::Char(c));
    }
    key(&mut live, KeyCode::Enter);
    live.until("the rollback", Duration::from_secs(60), |app| app.rollback().is_none() && app.busy.is_none()).await;
    assert!(live.app.message.as_ref().unwrap().1.contains("3 → 2: verified"), "{:?}", live.app.message);

    // The read-back makes 2 live at once; Prometheus still reports 3.
    assert_eq!(ver(&live.app, model).as_deref(), Some("2 (serving 3)"));
    // And it stays so through the registry's own polls after it.
    let later = jiff::Timestamp::now() + REFRESH;
    live.until(
        "a registry poll a refresh after the rollback",
        REFRESH * 10,
        |app| matches!(app.health.get(&SourceId::Registry), Some(Health::Ok { at }) if *at > later),
    )
    .await;
    assert_eq!(ver(&live.app, model).as_deref(), Some("2 (serving 3)"));
    key(&mut live, KeyCode::Esc);
    let screen = live.screen();
    let row = screen.lines().find(|l| l.contains(model)).unwrap_or_else(|| panic!("{screen}"));
    assert!(row.contains("2 (serving 3)"), "{screen}");

    // `status` shows the same, from the registry's own answer.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, &text).unwrap();
    let status = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_modeldeck"))
            .args(["--config", path.to_str().unwrap()])
            .args(args)
            .env("XDG_STATE_HOME", dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let doc: serde_json::Value = serde_json::from_slice(&status(&["status", "--json"])).unwrap();
    assert_eq!(doc["sources"]["registry"]["ok"], true);
    let row = doc["models"].as_array().unwrap().iter().find(|m| m["name"] == model).unwrap();
    assert_eq!((row["live_version"].as_str(), &row["serving_versions"]), (Some("2"), &serde_json::json!(["3"])));
    let table = String::from_utf8(status(&["status"])).unwrap();
    assert!(table.lines().any(|l| l.contains(model) && l.contains("2 (serving 3)")), "{table}");

    // Once the serving side reports 2 as well, the mismatch is gone.
    stack.push("model-eval", "eval-1", &metrics_text(&[(model, "2", 0.97)])).await;
    live.until("VER 2 alone", Duration::from_secs(30), |app| ver(app, model).as_deref() == Some("2")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_search_request_reads_a_thousand_models() {
    // A registry of its own: every model in it is counted.
    let mlflow = Mlflow::start().await;
    let client = http::client(Duration::from_secs(30)).unwrap();
    let create = format!("{}/api/2.0/mlflow/registered-models/create", mlflow.url());
    let names: Vec<String> = (0..1001).map(|i| format!("m-{i:04}")).collect();
    for chunk in names.chunks(20) {
        let mut creates = tokio::task::JoinSet::new();
        for name in chunk {
            let request = client.post(&create).json(&serde_json::json!({ "name": name }));
            creates.spawn(async move { request.send().await.map(|r| r.status()) });
        }
        while let Some(created) = creates.join_next().await {
            let status = created.unwrap().unwrap();
            assert!(status.is_success(), "{status}");
        }
    }
    for name in ["m-0000", "m-1000"] {
        mlflow.create_version(name, &format!("s3://ml-models/{name}/v1"), "build 1", &[]).await;
        mlflow.set_alias(name, "champion", "1").await;
    }
    // The proxy counts connections, and every answer through it closes its connection.
    let proxy = FaultyProxy::start(mlflow.url()).await;
    let text = config_text("http://127.0.0.1:9", "http://127.0.0.1:9", &proxy.url);
    let config: Config = config::from_str(&text, None, &|_| None).unwrap();
    let launcher = LiveSources { client: http::client(config.timeout).unwrap(), config };
    let source = launcher.registry_source(0).expect("a registry is configured");

    let snapshot = source.snapshot().await.unwrap();
    assert_eq!(proxy.accepted(), 2, "1,001 models in two pages");
    assert_eq!(snapshot.live.len(), 2, "{:?}", snapshot.live);
    assert_eq!((snapshot.live["m-0000"].as_str(), snapshot.live["m-1000"].as_str()), ("1", "1"));
}
