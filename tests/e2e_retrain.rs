//! End to end: retraining in the real binary. A drift alert fires, its runbook suggestion is
//! applied with `!` plus the confirmation, the pipeline (a real command-hook script) runs and
//! the journal holds the trigger; and the demo's simulated run is followed to success.

mod harness;
mod tmux;

use std::time::Duration;

use harness::{Stack, metrics_text};
use tmux::Tmux;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drift_alert_suggestion_triggers_retraining() {
    let stack = Stack::start().await;
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud-detector", "3", 0.95)])).await;
    let drift = "# TYPE model_drift_score gauge\nmodel_drift_score{model=\"fraud-detector\",feature=\"amount\"} 0.4\n";
    stack.push("drift", "eval-1", drift).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let args = dir.path().join("args");
    let script = dir.path().join("retrain.sh");
    std::fs::write(&script, format!("#!/bin/sh\nprintf '%s\\n' \"$@\" > {}\necho queued\n", args.display())).unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "refresh = \"1s\"\nauthor = \"oncall-bob\"\n[journal]\npath = \"{}\"\n[[environment]]\nname = \"staging\"\nprometheus = {{ url = \"{}\" }}\nalertmanagers = [\"{}\"]\n\
             [[model]]\nname = \"fraud-detector\"\nretrain = {{ kind = \"command\", argv = [\"{}\", \"{{model}}\", \"--days={{days}}\", \"--why={{reason}}\"], params = {{ days = 14 }} }}\n\
             [[runbook]]\nalert = \"ModelDriftHigh\"\nsuggest = \"retrain\"\n",
            journal.display(),
            stack.prometheus_url,
            stack.alertmanager_url,
            script.display()
        ),
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_modeldeck");
    let tmux =
        Tmux::start("retrain", &format!("XDG_STATE_HOME={} {bin} --config {}", dir.path().display(), config.display()));
    tmux.wait("the drift alert with its suggestion", Duration::from_secs(30), |s| {
        s.contains("ModelDriftHigh") && s.contains("→ retrain (!)")
    });
    tmux.keys(&["Tab", "!"]);
    let form = tmux.wait_for("Retrain fraud-detector");
    assert!(form.contains("ModelDriftHigh: Drift on fraud-detector") && form.contains("days (number)"), "{form}");
    tmux.literal("drift on amount, retrain on last 14 days");
    tmux.keys(&["Enter"]);
    let confirm = tmux.wait_for("will send:");
    assert!(confirm.contains("--days=14") && confirm.contains("fraud-detector"), "{confirm}");
    tmux.keys(&["Enter"]);
    tmux.wait("the trigger", Duration::from_secs(20), |s| s.contains("retrain of fraud-detector started"));
    tmux.keys(&["q"]);
    tmux.assert_restored();

    let received = std::fs::read_to_string(&args).unwrap();
    assert!(
        received.starts_with("fraud-detector\n--days=14\n--why=ModelDriftHigh: Drift on fraud-detector"),
        "{received}"
    );
    let text = std::fs::read_to_string(&journal).unwrap();
    let entry: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(entry["kind"], "retrain");
    assert_eq!(entry["author"], "oncall-bob");
    assert_eq!(entry["note"], "drift on amount, retrain on last 14 days");
    assert_eq!(entry["subject"]["alertname"], "ModelDriftHigh");
    assert_eq!(entry["result"]["status"], "ok");
}

#[test]
fn demo_retraining_run_is_followed_to_success() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(
        "demo-retrain",
        &format!("XDG_STATE_HOME={} {} --demo", dir.path().display(), env!("CARGO_BIN_EXE_modeldeck")),
    );
    tmux.wait("the fleet", Duration::from_secs(15), |s| s.contains("fraud-detector"));
    tmux.keys(&["/"]);
    tmux.literal("fraud");
    tmux.keys(&["Enter", "T"]);
    tmux.wait_for("Retrain fraud-detector");
    // The demo pipeline's schedule is a cron; its next run is computed from it.
    tmux.wait("the demo schedule", Duration::from_secs(10), |s| {
        s.contains("schedule: cron 0 2 * * * UTC; last run success") && s.contains(":00 UTC (in ")
    });
    tmux.literal("demo retrain");
    tmux.keys(&["Enter"]);
    tmux.wait_for("will send:");
    tmux.keys(&["Enter"]);
    tmux.wait("the run", Duration::from_secs(10), |s| s.contains("started: run demo-run-1"));
    tmux.keys(&["Enter"]);
    tmux.wait("the run to succeed on the model screen", Duration::from_secs(40), |s| {
        s.contains("run demo-run-1: succeeded")
    });
    tmux.keys(&["J"]);
    // The trigger (with its note) and the run's end are both in the journal.
    tmux.wait("the journal", Duration::from_secs(10), |s| {
        s.contains("Journal") && s.contains("demo retrain") && s.contains("run demo-run-1 ended")
    });
    tmux.keys(&["q"]);
    tmux.assert_restored();
}
