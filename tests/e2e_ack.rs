//! End to end: acknowledge a firing alert in the real binary; Alertmanager then holds the
//! silence and the journal the entry.

mod harness;
mod tmux;

use std::process::Command;
use std::time::Duration;

use harness::{Stack, metrics_text, wait_for};
use tmux::Tmux;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledge_an_alert_in_the_console() {
    let stack = Stack::start().await;
    stack
        .push("model-eval", "eval-1", &metrics_text(&[("fraud-detector", "3", 0.71), ("churn-predictor", "7", 0.95)]))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "refresh = \"1s\"\nauthor = \"oncall-bob\"\n[journal]\npath = \"{}\"\n[[environment]]\nname = \"staging\"\nprometheus = {{ url = \"{}\" }}\nalertmanagers = [\"{}\"]\n",
            journal.display(),
            stack.prometheus_url,
            stack.alertmanager_url
        ),
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_modeldeck");
    let tmux =
        Tmux::start("ack", &format!("XDG_STATE_HOME={} {bin} --config {}", dir.path().display(), config.display()));
    tmux.wait("the firing alert", Duration::from_secs(30), |s| s.contains("ModelAccuracyLow") && s.contains("active"));

    // Select the alert: Tab to the alerts pane (it is the first, most urgent row), then a.
    tmux.keys(&["Tab", "a"]);
    let form = tmux.wait("the form with Alertmanager's preview", Duration::from_secs(15), |s| {
        s.contains("Acknowledge: create a silence") && s.contains("Would mute 1 alert")
    });
    assert!(form.contains(r#"alertname="ModelAccuracyLow""#) && form.contains(r#"model="fraud-detector""#), "{form}");
    tmux.literal("known dip, retraining");
    tmux.keys(&["Enter"]);
    let confirm = tmux.wait_for("Acknowledge: confirm");
    assert!(
        confirm.contains("oncall-bob") && confirm.contains("known dip, retraining") && confirm.contains("1h (until"),
        "{confirm}"
    );
    tmux.keys(&["Enter"]);
    tmux.wait("the alert silenced", Duration::from_secs(20), |s| {
        s.contains("silenced 59m") || s.contains("silenced 1h")
    });

    // Alertmanager's API has the silence.
    let url = format!("{}/api/v2/silences", stack.alertmanager_url);
    let mut found = serde_json::Value::Null;
    wait_for("the silence in Alertmanager", Duration::from_secs(5), || {
        let url = url.clone();
        async move { reqwest::get(&url).await.is_ok_and(|r| r.status().is_success()) }
    })
    .await;
    let list: Vec<serde_json::Value> = reqwest::get(&url).await.unwrap().json().await.unwrap();
    for s in &list {
        if s["comment"] == "known dip, retraining" {
            found = s.clone();
        }
    }
    assert_eq!(found["createdBy"], "oncall-bob", "{list:?}");
    assert_eq!(found["status"]["state"], "active");

    // `a` again on the silenced alert: a warning naming the silence, and E extends it rather
    // than piling up a second one.
    tmux.keys(&["a"]);
    let warning = tmux.wait_for("Already silenced");
    assert!(warning.contains("ModelAccuracyLow on fraud-detector is already silenced by"), "{warning}");
    assert!(warning.contains("known dip, retraining") && warning.contains("E: extend"), "{warning}");
    tmux.keys(&["E"]);
    tmux.wait("the extension", Duration::from_secs(20), |s| s.contains("extended"));
    let list: Vec<serde_json::Value> = reqwest::get(&url).await.unwrap().json().await.unwrap();
    let active: Vec<&serde_json::Value> =
        list.iter().filter(|s| s["comment"] == "known dip, retraining" && s["status"]["state"] == "active").collect();
    assert_eq!(active.len(), 1, "one silence, extended: {list:?}");
    let ends: jiff::Timestamp = active[0]["endsAt"].as_str().unwrap().parse().unwrap();
    let left = ends.duration_since(jiff::Timestamp::now());
    assert!(left > jiff::SignedDuration::from_mins(110), "about two hours left: {left:?}");

    tmux.keys(&["q"]);
    tmux.assert_restored();

    // The journal holds the acknowledgement and the extension, and verifies.
    let text = std::fs::read_to_string(&journal).unwrap();
    let entries: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(entries.last().unwrap()["kind"], "extend");
    let entry = entries.iter().find(|e| e["kind"] == "ack").expect("the acknowledgement");
    assert_eq!(entry["kind"], "ack");
    assert_eq!(entry["author"], "oncall-bob");
    assert_eq!(entry["note"], "known dip, retraining");
    assert_eq!(entry["after"]["silence_id"], found["id"]);
    let verify = Command::new(bin).args(["--config", config.to_str().unwrap(), "journal", "verify"]).output().unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
}

#[test]
fn demo_acknowledge_works_without_servers() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(
        "demo-ack",
        &format!("XDG_STATE_HOME={} {} --demo", dir.path().display(), env!("CARGO_BIN_EXE_modeldeck")),
    );
    tmux.wait("the demo alert", Duration::from_secs(15), |s| s.contains("ModelAccuracyLow"));
    tmux.keys(&["Tab", "a"]);
    tmux.wait_for("Would mute 1 alert");
    tmux.literal("demo ack");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Acknowledge: confirm");
    tmux.keys(&["Enter"]);
    tmux.wait("the demo alert silenced", Duration::from_secs(10), |s| {
        s.lines().any(|l| l.contains("ModelAccuracyLow") && l.contains("silenced"))
    });
    tmux.keys(&["M"]);
    let inventory = tmux.wait_for("Silences");
    assert!(inventory.contains("demo ack") && inventory.contains("known hot"), "{inventory}");
    tmux.keys(&["q"]);
    tmux.assert_restored();
}
