//! What the journal records of a trigger, and that a trigger whose answer never comes was
//! sent exactly once.

use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use crate::backends::test_server::{TestServer, response};
use crate::config::retrain::{FileRetrain, resolve};

fn env(key: &str) -> Option<String> {
    match key {
        "TOKEN" => Some("s3cr3t-token".into()),
        "PASSWORD" => Some("hunter22".into()),
        _ => None,
    }
}

fn target(text: &str) -> RetrainTarget {
    resolve(&toml::from_str::<FileRetrain>(text).unwrap(), &env).unwrap()
}

fn request(target: RetrainTarget) -> TriggerRequest {
    TriggerRequest {
        params: target.params.clone(),
        target,
        model: "fraud-detector".into(),
        environment: "prod-eu".into(),
        note: "drift on income".into(),
        author: "alice@ops-1".into(),
        reason: "ModelDriftHigh".into(),
        at: "2026-11-25T12:00:00Z".parse().unwrap(),
    }
}

fn fields(request: &TriggerRequest) -> Value {
    Value::Object(journal_fields(request))
}

#[test]
fn parameters_are_recorded_resolved_and_typed() {
    let text = r#"
kind = "kfp"
url = "http://kfp.example:8888"
token_env = "TOKEN"
pipeline_id = "9b1d"
params = { model_name = "{model}", lookback_days = 30, region = "{environment}" }
"#;
    let recorded = fields(&request(target(text)));
    let params = json!({"model_name": "fraud-detector", "lookback_days": 30, "region": "prod-eu"});
    assert_eq!(recorded["params"], params);
    let sent = &recorded["sent"];
    assert_eq!(sent["method"], "POST");
    assert_eq!(sent["url"], "http://kfp.example:8888/apis/v2beta1/runs");
    assert_eq!(sent["headers"], json!(["Authorization"]), "names only");
    assert_eq!(sent["body"]["runtime_config"]["parameters"], params);
    let text = recorded.to_string();
    assert!(!text.contains("s3cr3t") && !text.contains("{model}"), "{text}");
}

#[test]
fn webhook_header_values_are_left_out_and_a_large_body_is_digested() {
    let text = r#"
kind = "webhook"
url = "https://hooks.example/ci/retrain?job=fraud"
headers = { X-Api-Key = "k-12345-secret", X-Model = "{model}" }
body = { model = "{model}", note = "{note}" }
"#;
    let mut r = request(target(text));
    let recorded = fields(&r);
    let sent = &recorded["sent"];
    assert_eq!(sent["url"], "https://hooks.example/ci/retrain?job=fraud");
    assert_eq!(sent["headers"], json!(["X-Api-Key", "X-Model"]));
    assert_eq!(sent["body"], json!({"model": "fraud-detector", "note": "drift on income"}));
    assert!(!recorded.to_string().contains("k-12345-secret"));

    r.note = "n".repeat(crate::domain::sent::BODY_MAX);
    let Ok(Prepared::Http(call)) = prepare(&r) else { panic!("an HTTP call") };
    let bytes = serde_json::to_vec(call.body.as_ref().unwrap()).unwrap();
    let sent = &fields(&r)["sent"];
    assert_eq!(sent["body_sha256"], crate::domain::sha256_hex(&bytes));
    assert_eq!(sent["body_bytes"], bytes.len());
    assert!(sent.get("body").is_none());
}

#[test]
fn airflow_with_a_password_records_the_login_without_it() {
    let text = r#"
kind = "airflow"
url = "http://airflow.example:8080"
username = "admin"
password_env = "PASSWORD"
dag = "retrain_fraud"
params = { model_name = "{model}" }
"#;
    let recorded = fields(&request(target(text)));
    let sent = &recorded["sent"];
    assert_eq!(sent["url"], "http://airflow.example:8080/api/v2/dags/retrain_fraud/dagRuns");
    assert_eq!(sent["login"], json!({"method": "POST", "url": "http://airflow.example:8080/auth/token"}));
    assert_eq!(sent["body"]["conf"], json!({"model_name": "fraud-detector"}));
    assert!(!recorded.to_string().contains("hunter22"));
}

#[test]
fn a_command_is_recorded_as_its_argv_and_an_unbuildable_request_says_so() {
    let text = "kind = \"command\"\nargv = [\"retrain\", \"--model={model}\", \"{days}\"]\nparams = { days = 7 }";
    let mut r = request(target(text));
    let recorded = fields(&r);
    assert_eq!(recorded["sent"]["argv"], json!(["retrain", "--model=fraud-detector", "7"]));
    r.params[0].value = "seven".into();
    let recorded = fields(&r);
    assert_eq!(recorded["params"], json!({"days": "seven"}));
    assert!(recorded["params_error"].as_str().unwrap().contains("must be a number"));
    assert!(recorded["sent"]["error"].as_str().unwrap().starts_with("nothing was sent"));
}

fn client() -> reqwest::Client {
    crate::backends::http::client(Duration::from_millis(400)).unwrap()
}

#[tokio::test]
async fn a_webhook_whose_answer_never_comes_is_sent_once_and_unknown() {
    let silent = TestServer::silent().await;
    let r =
        request(target(&format!("kind = \"webhook\"\nurl = \"{}/hook\"\nbody = {{ m = \"{{model}}\" }}", silent.url)));
    let err = trigger(&client(), &r).await.unwrap_err();
    assert!(err.unknown, "{err:?}");
    assert_eq!(silent.requests(), ["POST /hook"]);
}

#[tokio::test]
async fn a_gateway_timeout_is_unknown_and_not_sent_again() {
    let gateway = TestServer::start(|_| Some(response("504 Gateway Timeout", "text/plain", "upstream"))).await;
    let text = format!("kind = \"airflow\"\nurl = \"{}\"\ntoken_env = \"TOKEN\"\ndag = \"d\"", gateway.url);
    let err = trigger(&client(), &request(target(&text))).await.unwrap_err();
    assert!(err.unknown && err.message.starts_with("HTTP 504"), "{err:?}");
    assert_eq!(gateway.requests(), ["POST /api/v2/dags/d/dagRuns"]);
}

#[tokio::test]
async fn a_command_stopped_at_its_time_limit_ran_once_and_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let marks = dir.path().join("runs");
    let script = format!("echo run >> '{}'; sleep 30", marks.display());
    let command =
        crate::domain::Command { argv: vec!["sh".into(), "-c".into(), script], timeout: Duration::from_millis(300) };
    let t =
        RetrainTarget { name: "cmd".into(), label: "cmd".into(), kind: TargetKind::Command(command), params: vec![] };
    let err = trigger(&client(), &request(t)).await.unwrap_err();
    assert!(err.unknown, "{err:?}");
    assert_eq!(std::fs::read_to_string(&marks).unwrap(), "run\n");
}
