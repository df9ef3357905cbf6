//! Automatic retraining from a runbook rule against a real Prometheus rule and
//! Alertmanager: the first drift alert triggers the pipeline (a real command-hook script),
//! the same alert firing again inside the rate-limit window is not sent and is journaled as
//! suppressed.

mod harness;
mod live;

use std::sync::Arc;
use std::time::Duration;

use harness::Stack;
use live::Live;
use modeldeck::config;
use modeldeck::journal::{Journal, Kind, Outcome};

fn drift(model: &str, value: f64) -> String {
    format!("# TYPE model_drift_score gauge\nmodel_drift_score{{model=\"{model}\",feature=\"amount\"}} {value}\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_automatic_rule_triggers_once_then_the_rate_limit_suppresses() {
    let stack = Stack::start().await;
    let dir = tempfile::tempdir().unwrap();
    let calls = dir.path().join("calls");
    let script = dir.path().join("retrain.sh");
    std::fs::write(&script, format!("#!/bin/sh\necho \"$1\" >> {}\necho started\n", calls.display())).unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let text = format!(
        "refresh = \"500ms\"\ntimeout = \"2s\"\n[[environment]]\nname = \"it\"\nprometheus = {{ url = \"{}\" }}\nalertmanagers = [\"{}\"]\n\
         [[model]]\nname = \"fraud\"\nretrain = {{ kind = \"command\", argv = [\"{}\", \"{{model}}\"] }}\n\
         [[runbook]]\nalert = \"ModelDriftHigh\"\nsuggest = \"retrain\"\nautomatic = true\nrate_limit = \"6h\"\n",
        stack.prometheus_url,
        stack.alertmanager_url,
        script.display()
    );
    let config = config::from_str(&text, None, &|_| None).unwrap();
    let journal = Arc::new(Journal::open(&dir.path().join("journal.jsonl")).unwrap().0);
    let mut live = Live::start_with(&config, false, Some(journal.clone()));
    let entries = |kind: Kind| {
        journal.read_all().unwrap().into_iter().filter(move |e| e.kind == kind && e.result != Outcome::Started)
    };

    stack.push("drift", "eval-1", &drift("fraud", 0.4)).await;
    live.until("the automatic trigger's journal entry", Duration::from_secs(40), |_| {
        entries(Kind::Retrain).count() == 1
    })
    .await;
    let first = entries(Kind::Retrain).next().unwrap();
    assert_eq!(first.result, Outcome::Ok);
    assert!(first.request.as_ref().unwrap()["automatic"].as_str().unwrap().contains("runbook rule 1"));
    // The claim went in first, under the journal's lock, and the result names it.
    let claim = journal.read_all().unwrap().into_iter().find(|e| e.result == Outcome::Started).expect("the claim");
    assert_eq!(first.request.as_ref().unwrap()["started"], claim.id.as_str());
    assert_eq!(claim.request.as_ref().unwrap()["claim"]["model"], "fraud");
    assert_eq!(std::fs::read_to_string(&calls).unwrap(), "fraud\n");

    // The alert resolves and fires again: a new occurrence, inside the 6 h window.
    stack.push("drift", "eval-1", &drift("fraud", 0.1)).await;
    live.until("the drift alert to resolve", Duration::from_secs(30), |app| {
        !app.alerts.iter().any(|a| a.name == "ModelDriftHigh")
    })
    .await;
    stack.push("drift", "eval-1", &drift("fraud", 0.5)).await;
    live.until("the suppression's journal entry", Duration::from_secs(40), |_| entries(Kind::Retrain).count() == 2)
        .await;
    let second = entries(Kind::Retrain).nth(1).unwrap();
    assert!(matches!(&second.result, Outcome::Suppressed { reason } if reason.contains("rate limit")), "{second:?}");
    // Not sent: the script ran once.
    assert_eq!(std::fs::read_to_string(&calls).unwrap(), "fraud\n");
}
