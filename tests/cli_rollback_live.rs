//! `modeldeck rollback` from a shell, the real binary against a real MLflow 3.17.2 registry
//! (one per test binary; each test has models of its own): the plan shows current → target
//! and the exact request, production needs `--confirm-model`, the console's validation gate
//! refuses an unvalidated target, and a rollback moves the alias and prints its journal
//! entry's hash.

mod harness;
mod shell;

use harness::Mlflow;
use modeldeck::journal::{Kind, Outcome};
use shell::Shell;

/// Prometheus is not needed here: its port is closed.
const NO_PROMETHEUS: &str = "http://127.0.0.1:9";

fn config(mlflow: &Mlflow, production: bool, governance: &str) -> String {
    format!(
        "timeout = \"10s\"\n[governance]\n{governance}\n[[environment]]\nname = \"prod\"\nproduction = {production}\nprometheus = {{ url = \"{NO_PROMETHEUS}\" }}\nregistry = {{ url = \"{}\" }}\n",
        mlflow.url()
    )
}

/// `name` with versions 1 (pending), 2 and 3 (approved), and `champion` on 3.
async fn three_versions(mlflow: &Mlflow, name: &str) {
    mlflow.create_model(name, "Card-fraud classifier", &[("owner", "risk-ml")]).await;
    for (i, status) in [(1, "pending"), (2, "approved"), (3, "approved")] {
        let tags = [("validation_status", status)];
        mlflow.create_version(name, &format!("s3://ml-models/{name}/v{i}"), &format!("build {i}"), &tags).await;
    }
    mlflow.set_alias(name, "champion", "3").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_production_rollback_from_a_shell_moves_the_alias_and_prints_the_entry_hash() {
    let mlflow = Mlflow::shared().await;
    let model = "cli-fraud-rollback";
    three_versions(mlflow, model).await;
    let shell = Shell::new(&config(mlflow, true, ""));
    let rollback = ["rollback", "--model", model, "--to", "2", "--note", "accuracy regression in v3"];
    let with = |extra: &[&'static str]| [&rollback[..], extra].concat();

    let dry = shell.run(&with(&["--dry-run", "--json"])).await;
    assert_eq!(dry.code, 0, "{dry:?}");
    let plan = &dry.json()["plan"];
    assert_eq!((plan["current"].as_str(), plan["target"].as_str()), (Some("3"), Some("2")));
    assert_eq!(plan["validated"], true);
    assert_eq!(plan["target_data"], serde_json::json!([]), "the version names no run");
    let steps = plan["steps"].to_string();
    assert!(steps.contains(&format!("POST {}/api/2.0/mlflow/registered-models/alias", mlflow.url())), "{steps}");
    assert!(steps.contains(r#"\"version\":\"2\""#), "{steps}");
    assert_eq!(mlflow.alias(model, "champion").await.as_deref(), Some("3"), "a dry run sends nothing");

    // Production: --yes alone, or with another model's name, is not enough.
    let unconfirmed = shell.run(&with(&["--yes"])).await;
    assert_eq!(unconfirmed.code, 2, "{unconfirmed:?}");
    assert!(unconfirmed.stdout.contains("version     3 → 2"), "{}", unconfirmed.stdout);
    assert!(unconfirmed.stdout.contains("trained on  unknown"), "{}", unconfirmed.stdout);
    assert!(unconfirmed.stderr.contains(&format!("--confirm-model {model}")), "{}", unconfirmed.stderr);
    let wrong = shell.run(&with(&["--yes", "--confirm-model", "churn"])).await;
    assert_eq!(wrong.code, 2, "{wrong:?}");
    assert_eq!(mlflow.alias(model, "champion").await.as_deref(), Some("3"));
    assert!(shell.entries().is_empty());

    let done = shell.run(&with(&["--yes", "--confirm-model", model, "--json"])).await;
    assert_eq!(done.code, 0, "{done:?}");
    let doc = done.json();
    assert_eq!(doc["result"], "ok", "{doc}");
    assert!(doc["message"].as_str().unwrap().contains("3 → 2: verified"), "{doc}");
    assert_eq!(mlflow.alias(model, "champion").await.as_deref(), Some("2"));
    let entries = shell.results();
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!((entry.kind.clone(), entry.result.clone()), (Kind::Rollback, Outcome::Ok));
    assert_eq!(doc["journal"]["hash"], entry.hash.as_str());
    assert_eq!(doc["journal"]["seq"], 2, "after its started entry");
    assert_eq!(entry.note, "accuracy regression in v3");
    assert_eq!(entry.author, modeldeck::journal::default_author());
    assert_eq!(entry.request.as_ref().unwrap()["via"], "cli");
    assert_eq!(entry.before.as_ref().unwrap()["version"], "3");
    assert_eq!(entry.after.as_ref().unwrap()["version"], "2");

    // Now 2 is live: rolling back to it again is refused.
    let live = shell.run(&["rollback", "--model", model, "--to", "2", "--note", "again", "--yes"]).await;
    assert_eq!(live.code, 1, "{live:?}");
    assert!(live.stderr.contains("version 2 is already live"), "{}", live.stderr);
    let verify = shell.run(&["journal", "verify"]).await;
    assert_eq!(verify.code, 0, "{verify:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_validation_gate_refuses_an_unvalidated_target_from_a_shell() {
    let mlflow = Mlflow::shared().await;
    let to_one = |model: &'static str, extra: &[&'static str]| {
        [&["rollback", "--model", model, "--to", "1", "--note", "v2 and v3 both bad", "--yes"][..], extra].concat()
    };

    // Overrides off: refused before anything is sent, even with the flag.
    let model = "cli-fraud-gate-off";
    three_versions(mlflow, model).await;
    let shell = Shell::new(&config(mlflow, false, ""));
    let refused = shell.run(&to_one(model, &["--override-validation"])).await;
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("refused: version 1 is not validated"), "{}", refused.stderr);
    assert_eq!(mlflow.alias(model, "champion").await.as_deref(), Some("3"));
    assert!(shell.entries().is_empty());

    // Overrides on: refused without the flag, done with it, and the entry says so.
    let model = "cli-fraud-gate-on";
    three_versions(mlflow, model).await;
    let shell = Shell::new(&config(mlflow, false, "allow_override = true"));
    let refused = shell.run(&to_one(model, &[])).await;
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stdout.contains("pending — NOT validated"), "{}", refused.stdout);
    assert!(refused.stderr.contains("--override-validation"), "{}", refused.stderr);
    assert_eq!(mlflow.alias(model, "champion").await.as_deref(), Some("3"));
    let done = shell.run(&to_one(model, &["--override-validation"])).await;
    assert_eq!(done.code, 0, "{done:?}");
    assert_eq!(mlflow.alias(model, "champion").await.as_deref(), Some("1"));
    let entry = shell.results().pop().unwrap();
    assert_eq!(entry.before.as_ref().unwrap()["validation_override"], true);
    assert_eq!(entry.before.as_ref().unwrap()["target_validation"], "pending");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_a_rollback_and_an_unknown_version_is_named() {
    let mlflow = Mlflow::shared().await;
    let model = "cli-fraud-read-only";
    three_versions(mlflow, model).await;
    let shell = Shell::new(&config(mlflow, false, ""));
    let refused = shell.run(&["--read-only", "rollback", "--model", model, "--to", "2", "--note", "x", "--yes"]).await;
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("read-only: rollback is disabled (no change was made)"), "{}", refused.stderr);
    assert_eq!(mlflow.alias(model, "champion").await.as_deref(), Some("3"));
    assert!(shell.entries().is_empty());

    let unknown = shell.run(&["rollback", "--model", model, "--to", "7", "--note", "x", "--yes", "--json"]).await;
    assert_eq!(unknown.code, 1, "{unknown:?}");
    let doc = unknown.json();
    assert_eq!(doc["result"], "refused");
    assert!(doc["message"].as_str().unwrap().contains("no version 7"), "{doc}");
    assert_eq!(mlflow.alias(model, "champion").await.as_deref(), Some("3"));
}
