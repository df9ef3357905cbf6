//! Rollback writes against loopback servers that never answer: each write goes out once,
//! the outcome is unknown, and the journal names what was sent.

use serde_json::json;

use super::rollback::draft;

use crate::backends::call::CallError;
use crate::backends::mlflow::MlflowClient;
use crate::backends::registry::LiveRegistry;
use crate::backends::serving::oip::OipClient;
use crate::backends::test_server::{TestServer, response};
use crate::domain::RollbackPlan;
use crate::domain::ports::Registry;
use crate::domain::{RollbackSpec, SpecBackend};
use crate::journal::Outcome;

const TIMEOUT: std::time::Duration = std::time::Duration::from_millis(500);

fn registry(config: &str) -> LiveRegistry {
    let config = crate::config::from_str(config, None, &|_| None).unwrap();
    let client = crate::backends::http::client(config.timeout).unwrap();
    LiveRegistry::new(&config, 0, client)
}

fn plan(backend: SpecBackend) -> RollbackPlan {
    let spec = RollbackSpec {
        backend,
        registered_model: "fraud".into(),
        alias: "champion".into(),
        validation_tag: String::new(),
        validated_values: Vec::new(),
        allow_override: false,
    };
    RollbackPlan {
        model: "fraud".into(),
        current: Some("3".into()),
        target: "2".into(),
        request: spec.describe("fraud", "prod", Some("3"), "2"),
        spec,
        validation: None,
        validated: true,
        target_data: Vec::new(),
        override_validation: false,
        note: "accuracy dip".into(),
        take_over: None,
    }
}

#[tokio::test]
async fn registry_and_serving_writes_without_an_answer_are_sent_once() {
    let silent = TestServer::silent().await;
    let mlflow = MlflowClient::new(silent.endpoint(), crate::backends::http::client(TIMEOUT).unwrap());
    let set = mlflow.set_alias("fraud", "champion", "2").await;
    assert!(matches!(&set, Err(CallError::Unknown(m)) if m.contains("timed out")), "{set:?}");
    let url = format!("{}/api/2.0/mlflow/registered-models/alias", silent.url);
    let body = json!({"name": "fraud", "alias": "champion", "version": "2"});
    assert_eq!(mlflow.take_sent(), [json!({"method": "POST", "url": url, "body": body})]);

    let oip = OipClient::new(silent.endpoint(), crate::backends::http::client(TIMEOUT).unwrap());
    assert!(matches!(oip.load("iris").await, Err(CallError::Unknown(_))));
    assert_eq!(
        silent.requests(),
        ["POST /api/2.0/mlflow/registered-models/alias", "POST /v2/repository/models/iris/load"]
    );
}

/// The alias still reads the old version after the lost answer, but the request may be
/// waiting in the server: unknown, not failed, and not sent again.
#[tokio::test]
async fn a_lost_alias_move_is_unknown_even_when_the_old_version_reads_back() {
    let mlflow = TestServer::start(|line| {
        line.starts_with("GET /api/2.0/mlflow/registered-models/alias")
            .then(|| response("200 OK", "application/json", r#"{"model_version":{"name":"fraud","version":"3"}}"#))
    })
    .await;
    let config = format!(
        "timeout = \"500ms\"\n[[environment]]\nname = \"prod\"\nprometheus = {{ url = \"http://127.0.0.1:9\" }}\nregistry = {{ url = \"{}\" }}\n",
        mlflow.url
    );
    let plan = plan(SpecBackend::Mlflow { registry: mlflow.url.clone() });
    let result = registry(&config).rollback(&plan).await;
    assert!(matches!(&result.outcome, Outcome::Unknown { reason } if reason.contains("may yet land")), "{result:?}");
    assert_eq!(mlflow.count("POST"), 1);
    assert_eq!(mlflow.count("GET"), 2, "read before and read back");
    let (entry, message) = draft(&plan, result, "alice", "prod");
    assert!(message.starts_with("rollback UNKNOWN"), "{message}");
    let sent = &entry.request.unwrap()["sent"];
    assert_eq!(sent[0]["url"], format!("{}/api/2.0/mlflow/registered-models/alias", mlflow.url));
    assert_eq!(sent[0]["body"], json!({"name": "fraud", "alias": "champion", "version": "2"}));
}

#[tokio::test]
async fn a_hook_killed_at_its_time_limit_ran_once_and_its_argv_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let marks = dir.path().join("runs");
    let script = format!("echo \"$1\" >> '{}'; sleep 30", marks.display());
    let argv = vec!["sh".to_string(), "-c".into(), script, "hook".into(), "{model}@{target}".into()];
    let toml_argv: Vec<String> = argv.iter().map(|a| json!(a).to_string()).collect();
    let config = format!(
        "[[environment]]\nname = \"prod\"\nprometheus = {{ url = \"http://127.0.0.1:9\" }}\n[[model]]\nname = \"fraud\"\nrollback = {{ kind = \"command\", argv = [{}], timeout = \"1s\" }}\n",
        toml_argv.join(", ")
    );
    let backend =
        SpecBackend::Command { argv: argv.clone(), vars: Vec::new(), timeout: std::time::Duration::from_secs(1) };
    let plan = plan(backend);
    let result = registry(&config).rollback(&plan).await;
    assert!(matches!(result.outcome, Outcome::Unknown { .. }), "{result:?}");
    assert_eq!(std::fs::read_to_string(&marks).unwrap(), "fraud@2\n", "ran once, with the values filled in");
    let (entry, _) = draft(&plan, result, "alice", "prod");
    let sent = &entry.request.unwrap()["sent"];
    assert_eq!(sent[0]["argv"][4], "fraud@2");
    assert_eq!(sent[0]["timeout_s"], 1.0);
}
