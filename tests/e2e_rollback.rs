//! End to end: roll a model back in the real binary, in the demo (no servers) and against
//! a real MLflow registry, then check the registry and the journal.

mod harness;
mod tmux;

use std::time::Duration;

use tmux::Tmux;

#[test]
fn demo_rollback_lifts_the_degrading_model() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(
        "demo-rollback",
        &format!("XDG_STATE_HOME={} {} --demo", dir.path().display(), env!("CARGO_BIN_EXE_modeldeck")),
    );
    tmux.wait("the degrading model's alert", Duration::from_secs(15), |s| s.contains("ModelAccuracyLow"));
    tmux.keys(&["/"]);
    tmux.literal("fraud");
    tmux.keys(&["Enter", "v"]);
    let versions = tmux.wait("the versions screen", Duration::from_secs(10), |s| {
        s.contains("fraud-detector · versions") && s.contains("Governance")
    });
    assert!(versions.contains("failed") && versions.contains("approved"), "{versions}");
    tmux.keys(&["R"]);
    let form = tmux.wait_for("Roll back fraud-detector");
    assert!(form.contains("14 → 13") && form.contains("demo registry"), "{form}");
    tmux.literal("accuracy fell after 14");
    tmux.keys(&["Enter"]);
    tmux.wait("the verified rollback", Duration::from_secs(10), |s| s.contains("rolled back fraud-detector 14 → 13"));
    tmux.keys(&["Escape"]);
    // The fleet shows the new version, and the accuracy alert clears as the model recovers.
    tmux.wait("the alert gone", Duration::from_secs(20), |s| {
        !s.contains("ModelAccuracyLow") && s.lines().any(|l| l.contains("fraud-detector") && l.contains(" 13 "))
    });
    tmux.keys(&["J"]);
    let journal = tmux.wait_for("rollback");
    assert!(journal.contains("accuracy fell after 14"), "{journal}");
    tmux.keys(&["q"]);
    tmux.assert_restored();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_in_production_moves_the_mlflow_alias() {
    let mlflow = harness::Mlflow::start().await;
    let stack = harness::Stack::start().await;
    stack.push("model-eval", "eval-1", &harness::metrics_text(&[("fraud-detector", "3", 0.71)])).await;
    mlflow.create_model("fraud-detector", "Card-fraud classifier", &[("owner", "risk-ml")]).await;
    for v in 1..=3 {
        let source = format!("s3://ml-models/fraud/v{v}");
        mlflow
            .create_version("fraud-detector", &source, &format!("build {v}"), &[("validation_status", "approved")])
            .await;
    }
    mlflow.set_alias("fraud-detector", "champion", "3").await;

    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "refresh = \"1s\"\nauthor = \"oncall-bob\"\n[journal]\npath = \"{}\"\n[[environment]]\nname = \"prod\"\nproduction = true\nprometheus = {{ url = \"{}\" }}\nregistry = {{ url = \"{}\" }}\n",
            journal.display(),
            stack.prometheus_url,
            mlflow.url()
        ),
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_modeldeck");
    let tmux = Tmux::start(
        "rollback-mlflow",
        &format!("XDG_STATE_HOME={} {bin} --config {}", dir.path().display(), config.display()),
    );
    tmux.wait("the model", Duration::from_secs(30), |s| s.contains("fraud-detector") && s.contains("0.71"));
    tmux.keys(&["v"]);
    let versions = tmux.wait("the registry's versions", Duration::from_secs(20), |s| {
        s.contains("fraud-detector · versions") && s.contains("risk-ml")
    });
    assert!(versions.contains("s3://ml-mod") && versions.contains("live         3"), "{versions}");
    tmux.keys(&["R"]);
    let form = tmux.wait_for("Roll back fraud-detector");
    assert!(
        form.contains("3 → 2") && form.contains("PRODUCTION") && form.contains("registered-models/alias"),
        "{form}"
    );
    tmux.literal("accuracy 0.71 after v3");
    tmux.keys(&["Enter"]);
    tmux.wait_for("type the model name");
    tmux.keys(&["Tab"]);
    tmux.literal("fraud-detector");
    tmux.keys(&["Enter"]);
    tmux.wait("success", Duration::from_secs(30), |s| s.contains("rolled back fraud-detector 3 → 2: verified"));

    // MLflow's API confirms the alias moved.
    assert_eq!(mlflow.alias("fraud-detector", "champion").await.as_deref(), Some("2"));
    tmux.keys(&["q"]);
    tmux.assert_restored();
    let text = std::fs::read_to_string(&journal).unwrap();
    let entry: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(entry["kind"], "rollback");
    assert_eq!(entry["author"], "oncall-bob");
    assert_eq!((entry["before"]["version"].as_str(), entry["after"]["version"].as_str()), (Some("3"), Some("2")));
}
