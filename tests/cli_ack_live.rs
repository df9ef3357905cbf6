//! `modeldeck ack` and `modeldeck unack` from a shell, the real binary against a real
//! Alertmanager fed by a real Prometheus rule: the plan names what the silence would mute,
//! nothing is sent without `--yes` (or with `--dry-run`, or in read-only mode), and what is
//! sent is the console's silence, journaled as the console journals it.

mod harness;
mod shell;

use std::time::Duration;

use harness::{Stack, metrics_text};
use modeldeck::journal::{Kind, Outcome};
use serde_json::Value;
use shell::Shell;

const ALERT: &str = "ModelAccuracyLow";

async fn get(url: &str) -> Vec<Value> {
    let body = reqwest::get(url).await.unwrap().text().await.unwrap();
    serde_json::from_str::<Vec<Value>>(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

async fn silences(am: &str) -> Vec<Value> {
    get(&format!("{am}/api/v2/silences")).await
}

/// The fraud model's accuracy alert as Alertmanager lists it.
async fn fraud_alert(am: &str) -> Option<Value> {
    let alerts = get(&format!("{am}/api/v2/alerts")).await;
    alerts.into_iter().find(|a| a["labels"]["alertname"] == ALERT && a["labels"]["model"] == "fraud")
}

async fn wait_for_state(am: &str, state: &'static str) -> Value {
    let url = am.to_string();
    harness::wait_for(&format!("the fraud alert {state}"), Duration::from_secs(30), || {
        let url = url.clone();
        async move { fraud_alert(&url).await.is_some_and(|a| a["status"]["state"] == state) }
    })
    .await;
    fraud_alert(am).await.unwrap()
}

fn config(stack: &Stack) -> String {
    format!(
        "timeout = \"5s\"\n[[environment]]\nname = \"it\"\nprometheus = {{ url = \"{}\" }}\nalertmanagers = [\"{}\"]\n",
        stack.prometheus_url, stack.alertmanager_url
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ack_and_unack_from_a_shell_against_a_real_alertmanager() {
    let stack = Stack::start().await;
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud", "3", 0.71), ("churn", "7", 0.95)])).await;
    let am = stack.alertmanager_url.clone();
    let alert = wait_for_state(&am, "active").await;
    let shell = Shell::new(&config(&stack));
    let ack = |extra: &'static [&'static str]| {
        let mut args = vec!["ack", "--model", "fraud", "--alert", ALERT, "--matcher", "severity=critical"];
        args.extend(["--for", "2h", "--comment", "retraining fraud v4"]);
        args.extend(extra);
        args
    };

    // --dry-run: the plan, exit 0, nothing sent.
    let dry = shell.run(&ack(&["--dry-run", "--json"])).await;
    assert_eq!(dry.code, 0, "{dry:?}");
    let doc = dry.json();
    assert_eq!(doc["result"], "dry_run");
    assert_eq!(doc["plan"]["request"]["method"], "POST");
    assert_eq!(doc["plan"]["request"]["url"], format!("{am}/api/v2/silences"));
    assert_eq!(doc["plan"]["request"]["body"]["comment"], "retraining fraud v4");
    let selects = doc["plan"]["selects"].as_array().unwrap();
    assert_eq!(selects.len(), 1, "only the fraud alert: {selects:?}");
    assert_eq!(selects[0]["fingerprint"], alert["fingerprint"]);
    assert!(silences(&am).await.is_empty(), "a dry run sends nothing");

    // Without --yes: the plan in words, exit 2, nothing sent.
    let plain = shell.run(&ack(&[])).await;
    assert_eq!(plain.code, 2, "{plain:?}");
    assert!(plain.stdout.contains(&format!("POST {am}/api/v2/silences")), "{}", plain.stdout);
    assert!(plain.stdout.contains("Would mute 1 alert(s)") && plain.stdout.contains("fraud"), "{}", plain.stdout);
    assert!(plain.stderr.contains("add --yes"), "{}", plain.stderr);
    // Read-only refuses, even with --yes.
    let refused = shell.run(&[&["--read-only"][..], &ack(&["--yes"])].concat()).await;
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("read-only: acknowledging is disabled"), "{}", refused.stderr);
    assert!(silences(&am).await.is_empty());
    assert!(shell.entries().is_empty(), "nothing was journaled");

    // --yes: the silence, with exactly the matchers given, journaled with its hash.
    let before = jiff::Timestamp::now();
    let done = shell.run(&ack(&["--yes", "--json"])).await;
    assert_eq!(done.code, 0, "{done:?}");
    let doc = done.json();
    assert_eq!(doc["result"], "ok", "{doc}");
    let all = silences(&am).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let silence = &all[0];
    let mut matchers: Vec<String> = silence["matchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| format!("{}={}{}", m["name"].as_str().unwrap(), m["value"].as_str().unwrap(), m["isRegex"]))
        .collect();
    matchers.sort();
    assert_eq!(matchers, ["alertname=ModelAccuracyLowfalse", "model=fraudfalse", "severity=criticalfalse"]);
    assert_eq!(silence["comment"], "retraining fraud v4");
    assert_eq!(silence["createdBy"], modeldeck::journal::default_author());
    let ends: jiff::Timestamp = silence["endsAt"].as_str().unwrap().parse().unwrap();
    let two_hours = jiff::SignedDuration::from_hours(2);
    assert!((ends.duration_since(before) - two_hours).abs() < jiff::SignedDuration::from_secs(10), "{ends}");
    let id = silence["id"].as_str().unwrap().to_string();
    let entries = shell.entries();
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!((entry.kind.clone(), entry.result.clone()), (Kind::Ack, Outcome::Ok));
    assert_eq!(doc["journal"]["hash"], entry.hash.as_str());
    assert_eq!(entry.author, modeldeck::journal::default_author(), "the author as the console records it");
    assert_eq!(entry.request.as_ref().unwrap()["via"], "cli");
    assert_eq!(entry.after.as_ref().unwrap()["silence_id"], id.as_str());
    assert_eq!(entry.subject.alertname.as_deref(), Some(ALERT));

    // Alertmanager mutes the alert; a second ack is refused rather than piling up silences.
    let muted = wait_for_state(&am, "suppressed").await;
    assert_eq!(muted["status"]["silencedBy"], serde_json::json!([id]));
    let again = shell.run(&ack(&["--yes"])).await;
    assert_eq!(again.code, 1, "{again:?}");
    assert!(again.stderr.contains("already silenced by") && again.stderr.contains(&id), "{}", again.stderr);
    assert_eq!(silences(&am).await.len(), 1);

    // unack: the plan lists the silence; --dry-run leaves it; --yes expires it.
    let unack = ["unack", "--model", "fraud", "--alert", ALERT];
    let dry = shell.run(&[&unack[..], &["--dry-run"]].concat()).await;
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(dry.stdout.contains(&format!("DELETE {am}/api/v2/silence/{id}")), "{}", dry.stdout);
    assert!(dry.stdout.contains("retraining fraud v4"), "{}", dry.stdout);
    assert_eq!(silences(&am).await[0]["status"]["state"], "active");
    let done = shell.run(&[&unack[..], &["--yes", "--json"]].concat()).await;
    assert_eq!(done.code, 0, "{done:?}");
    assert_eq!(done.json()["result"], "ok");
    assert_eq!(silences(&am).await[0]["status"]["state"], "expired");
    wait_for_state(&am, "active").await;
    let entries = shell.entries();
    assert_eq!(entries.iter().map(|e| e.kind.label()).collect::<Vec<_>>(), ["ack", "unack"]);
    assert_eq!(entries[1].request.as_ref().unwrap()["expire"], serde_json::json!([id]));
    assert_eq!(entries[1].request.as_ref().unwrap()["via"], "cli");
    assert_eq!(done.json()["journal"]["hash"], entries[1].hash.as_str());

    // Nothing silenced any more: nothing to un-acknowledge.
    let nothing = shell.run(&[&unack[..], &["--yes"]].concat()).await;
    assert_eq!(nothing.code, 1, "{nothing:?}");
    assert!(nothing.stderr.contains("is not silenced"), "{}", nothing.stderr);

    // The entries made from the shell verify with the console's own check.
    let verify = shell.run(&["journal", "verify"]).await;
    assert_eq!(verify.code, 0, "{verify:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ack_that_selects_no_alert_or_breaks_a_form_rule_sends_nothing() {
    let stack = Stack::start().await;
    let shell = Shell::new(&config(&stack));
    let ack = ["ack", "--model", "fraud", "--alert", ALERT, "--comment", "why", "--yes"];
    let none = shell.run(&ack).await;
    assert_eq!(none.code, 1, "{none:?}");
    assert!(none.stderr.contains("no alert matches"), "{}", none.stderr);
    // The form's own rules: a comment is required, and at most 30 days.
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud", "3", 0.71)])).await;
    wait_for_state(&stack.alertmanager_url, "active").await;
    let blank = shell.run(&["ack", "--model", "fraud", "--alert", ALERT, "--comment", "  ", "--yes"]).await;
    assert_eq!(blank.code, 2, "{blank:?}");
    assert!(blank.stderr.contains("a comment is required"), "{}", blank.stderr);
    let long = shell.run(&[&ack[..], &["--for", "31d"]].concat()).await;
    assert_eq!(long.code, 2, "{long:?}");
    assert!(long.stderr.contains("at most 30d"), "{}", long.stderr);
    assert!(silences(&stack.alertmanager_url).await.is_empty());
    assert!(shell.entries().is_empty());
}
