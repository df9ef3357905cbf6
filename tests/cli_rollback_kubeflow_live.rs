//! `modeldeck rollback` from a shell against a Kubeflow Model Registry: the real binary,
//! the console's plan, gate and journal, the token from the environment.
//!
//! The real registry cannot run here (it needs a database and a Kubernetes-side
//! controller): the stand-in `tests/standins/kubeflow_registry.py` validates every request
//! and answer against the registry's pinned OpenAPI spec, and the test asserts that every
//! exchange passed.

mod harness;
mod shell;

use harness::{KUBEFLOW_TOKEN, KubeflowRegistry};
use modeldeck::journal::{Kind, Outcome};
use shell::Shell;

/// Prometheus is not needed here: its port is closed.
const NO_PROMETHEUS: &str = "http://127.0.0.1:9";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_from_a_shell_repoints_the_inference_service_behind_the_gate() {
    let kf = KubeflowRegistry::start().await;
    let model = kf.model("fraud", "risk-ml", &[]).await;
    let mut versions = Vec::new();
    for (name, status) in [("1", "pending"), ("2", "approved"), ("3", "approved")] {
        versions.push(kf.version(&model, name, &[("validation_status", status)]).await);
    }
    let prod = kf.serving_environment("prod").await;
    let service = kf.inference_service(&prod, "fraud-prod", &model, Some(&versions[2])).await;
    let shell = Shell::new(&format!(
        "timeout = \"10s\"\n[[environment]]\nname = \"prod\"\nprometheus = {{ url = \"{NO_PROMETHEUS}\" }}\nregistry = {{ url = \"{}\", kind = \"kubeflow\", serving_environment = \"prod\", token_env = \"MODEL_REGISTRY_TOKEN\" }}\n",
        kf.url()
    ));
    let env = [("MODEL_REGISTRY_TOKEN", KUBEFLOW_TOKEN)];
    let to = |version: &'static str| ["rollback", "--model", "fraud", "--to", version, "--note", "v3 regressed"];

    let dry = shell.run_with(&[&to("2")[..], &["--dry-run", "--json"]].concat(), &env).await;
    assert_eq!(dry.code, 0, "{dry:?}");
    let plan = &dry.json()["plan"];
    assert_eq!((plan["current"].as_str(), plan["target"].as_str()), (Some("3"), Some("2")));
    assert_eq!(plan["backend"], "Kubeflow InferenceService record");
    let patch = format!("PATCH {}/api/model_registry/v1alpha3/inference_services/{service}", kf.url());
    assert!(plan["steps"].to_string().contains(&patch), "{plan}");

    let refused = shell.run_with(&[&to("1")[..], &["--yes"]].concat(), &env).await;
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("refused: version 1 is not validated"), "{}", refused.stderr);
    assert_eq!(kf.served(&service).await.as_deref(), Some(versions[2].as_str()), "nothing sent");
    assert!(shell.entries().is_empty());

    let done = shell.run_with(&[&to("2")[..], &["--yes", "--json"]].concat(), &env).await;
    assert_eq!(done.code, 0, "{done:?}");
    assert!(done.json()["message"].as_str().unwrap().contains("3 → 2: verified"), "{done:?}");
    assert_eq!(kf.served(&service).await.as_deref(), Some(versions[1].as_str()));
    let entry = shell.entries().pop().expect("an entry");
    assert_eq!((entry.kind, entry.result), (Kind::Rollback, Outcome::Ok));
    assert_eq!(entry.after.as_ref().unwrap()["version"], "2");
    let journal = std::fs::read_to_string(&shell.journal).unwrap();
    assert!(!journal.contains(KUBEFLOW_TOKEN), "the token stays out of the journal");

    let report = kf.assert_every_exchange_valid().await;
    assert_eq!(report.requests("PATCH", "").len(), 1);
}
