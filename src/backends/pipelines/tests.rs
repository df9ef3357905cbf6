//! Request builders and config resolution, without any server.

use serde_json::{Value, json};

use super::*;
use crate::config::retrain::{FileRetrain, KeyError, resolve};

fn env(key: &str) -> Option<String> {
    match key {
        "TOKEN" => Some("s3cr3t-token".into()),
        "ARGO_TOKEN" => Some("Bearer k8s-token".into()),
        "PASSWORD" => Some("hunter22".into()),
        _ => None,
    }
}

fn target(text: &str) -> RetrainTarget {
    resolve(&toml::from_str::<FileRetrain>(text).unwrap(), &env).unwrap()
}

fn error(text: &str) -> KeyError {
    resolve(&toml::from_str::<FileRetrain>(text).unwrap(), &env).unwrap_err()
}

fn request(target: RetrainTarget) -> TriggerRequest {
    TriggerRequest {
        params: target.params.clone(),
        target,
        model: "fraud-detector".into(),
        environment: "prod-eu".into(),
        note: "drift on \"income\", see {ticket}".into(),
        author: "alice@ops-1".into(),
        reason: "ModelDriftHigh".into(),
        at: "2026-11-25T12:00:00Z".parse().unwrap(),
    }
}

fn http(request: &TriggerRequest) -> HttpCall {
    match prepare(request).unwrap() {
        Prepared::Http(call) => call,
        Prepared::Command(_) | Prepared::Demo(_) => panic!("expected an HTTP call"),
    }
}

const KFP: &str = r#"
kind = "kfp"
url = "http://kfp.example:8888"
token_env = "TOKEN"
pipeline_id = "9b1d"
pipeline_version_id = "c2e7"
experiment_id = "4f6c"
params = { model_name = "{model}", lookback_days = 30, force = true, ratio = 0.5 }
"#;

#[test]
fn kfp_body_has_typed_parameters() {
    let call = http(&request(target(KFP)));
    assert_eq!((call.method.as_str(), call.path.as_str()), ("POST", "apis/v2beta1/runs"));
    let body = call.body.unwrap();
    assert_eq!(body["display_name"], "retrain fraud-detector (ModelDriftHigh)");
    assert_eq!(body["pipeline_version_reference"], json!({"pipeline_id": "9b1d", "pipeline_version_id": "c2e7"}));
    assert_eq!(
        body["runtime_config"]["parameters"],
        json!({"model_name": "fraud-detector", "lookback_days": 30, "force": true, "ratio": 0.5})
    );
    assert_eq!(body["experiment_id"], "4f6c");
    assert!(body.get("service_account").is_none());
    assert!(body["description"].as_str().unwrap().contains("alice@ops-1 in prod-eu"));
}

#[test]
fn a_bad_number_from_the_form_is_refused_before_sending() {
    let mut r = request(target(KFP));
    r.params.iter_mut().find(|p| p.name == "lookback_days").unwrap().value = "thirty".into();
    assert!(prepare(&r).unwrap_err().contains("`lookback_days` must be a number"));
    assert!(describe(&r).starts_with("cannot build the request"));
}

#[test]
fn describe_shows_the_request_without_secrets() {
    let text = describe(&request(target(KFP)));
    assert!(text.starts_with("POST http://kfp.example:8888/apis/v2beta1/runs\nAuthorization: Bearer <token>\n"));
    assert!(text.contains("\"lookback_days\": 30"));
    assert!(!text.contains("s3cr3t"));
}

#[test]
fn airflow_body_and_login_step() {
    let text = r#"
kind = "airflow"
url = "http://airflow.example:8080"
username = "admin"
password_env = "PASSWORD"
dag = "retrain_fraud"
params = { model_name = "{model}", days = 7 }
"#;
    let r = request(target(text));
    let call = http(&r);
    assert_eq!(call.path, "api/v2/dags/retrain_fraud/dagRuns");
    let body = call.body.unwrap();
    assert_eq!(body["logical_date"], "2026-11-25T12:00:00Z");
    assert_eq!(body["dag_run_id"], "modeldeck__fraud-detector__2026-11-25T12:00:00Z");
    assert_eq!(body["conf"], json!({"model_name": "fraud-detector", "days": 7}));
    let shown = describe(&r);
    assert!(shown.starts_with("POST http://airflow.example:8080/auth/token (as admin;"), "{shown}");
    assert!(shown.contains("Authorization: Bearer <token>") && !shown.contains("hunter22"));
}

#[test]
fn argo_parameters_are_name_value_strings() {
    let text = r#"
kind = "argo"
url = "https://argo.example:2746"
token_env = "ARGO_TOKEN"
namespace = "ml"
template = "retrain-model"
params = { model_name = "{model}", epochs = 3 }
"#;
    let t = target(text);
    let TargetKind::Argo(argo) = &t.kind else { panic!() };
    assert_eq!(argo.endpoint.auth, crate::domain::Auth::Bearer(crate::domain::Secret::new("k8s-token")));
    let body = http(&request(t)).body.unwrap();
    assert_eq!(body["resourceKind"], "WorkflowTemplate");
    assert_eq!(body["submitOptions"]["parameters"], json!(["epochs=3", "model_name=fraud-detector"]));
    assert_eq!(body["submitOptions"]["labels"], "triggered-by=modeldeck,model=fraud-detector");
}

#[test]
fn github_inputs_are_strings() {
    let text = r#"
kind = "github"
token_env = "TOKEN"
owner = "acme"
repo = "ml"
workflow = "retrain.yml"
ref = "main"
params = { model_name = "{model}", epochs = 3, dry_run = false }
"#;
    let t = target(text);
    let call = http(&request(t));
    assert_eq!(call.path, "repos/acme/ml/actions/workflows/retrain.yml/dispatches");
    let body = call.body.unwrap();
    assert_eq!(body["inputs"], json!({"model_name": "fraud-detector", "epochs": "3", "dry_run": "false"}));
    assert_eq!(body["ref"], "main");
    assert_eq!(body["return_run_details"], true);
    assert!(call.headers.contains(&("X-GitHub-Api-Version".into(), "2022-11-28".into())));
}

#[test]
fn webhook_values_stay_inside_json_strings() {
    let text = r#"
kind = "webhook"
url = "https://hooks.example/ci/retrain?queue=gpu"
headers = { X-Model = "{model}" }
body = '{"model": "{model}", "why": "{reason}: {note}", "days": "{days}", "list": ["{author}"]}'
params = { days = 14 }
"#;
    let r = request(target(text));
    let call = http(&r);
    assert_eq!(call.path, "/ci/retrain");
    assert_eq!(call.query, vec![("queue".to_string(), "gpu".to_string())]);
    let body = call.body.unwrap();
    assert_eq!(body["why"], "ModelDriftHigh: drift on \"income\", see {ticket}");
    assert_eq!(body["days"], 14);
    assert_eq!(body["list"], json!(["alice@ops-1"]));
    assert!(describe(&r).starts_with("POST https://hooks.example/ci/retrain?queue=gpu\nX-Model: fraud-detector"));
}

#[test]
fn command_arguments_are_rendered_one_by_one() {
    let text = r#"
kind = "command"
argv = ["/usr/local/bin/retrain", "--model", "{model}", "--note={note}"]
timeout = "30s"
"#;
    let Prepared::Command(invocation) = prepare(&request(target(text))).unwrap() else { panic!() };
    assert_eq!(invocation.argv[3], "--note=drift on \"income\", see {ticket}");
    assert_eq!(invocation.timeout, std::time::Duration::from_secs(30));
}

#[test]
fn config_errors_name_the_key() {
    assert_eq!(error("kind = \"jenkins\"").0, "kind");
    assert_eq!(error("kind = \"airflow\"\nurl = \"http://a\"").0, "dag");
    assert_eq!(error("kind = \"kfp\"\nurl = \"http://a\"\npipeline_id = \"p\"\ndag = \"d\"").0, "dag");
    assert_eq!(error("kind = \"kfp\"\npipeline_id = \"p\"").0, "url");
    assert_eq!(error("kind = \"argo\"\nurl = \"a.example\"\nnamespace = \"n\"\ntemplate = \"t\"").0, "url");
    assert_eq!(error("kind = \"kfp\"\nurl = \"http://a\"\npipeline_id = \"p\"\ntoken_env = \"NOPE\"").0, "token_env");
    assert_eq!(error("kind = \"command\"\nargv = []").0, "argv");
    assert_eq!(error("kind = \"command\"\nargv = [\"x\", \"{nope}\"]").0, "argv");
    assert_eq!(error("kind = \"command\"\nargv = [\"x\"]\nparams = { n = [1] }").0, "params");
    assert_eq!(error("kind = \"command\"\nargv = [\"x\"]\nparams = { n = 1 }\ntimeout = \"2h\"").0, "timeout");
    let bad_body = "kind = \"webhook\"\nurl = \"http://a\"\nbody = '{\"x\": '";
    assert_eq!(error(bad_body).0, "body");
    let header = "kind = \"webhook\"\nurl = \"http://a\"\nheaders = { Authorization = \"x\" }";
    assert_eq!(error(header).0, "headers");
    assert!(toml::from_str::<FileRetrain>("kind = \"kfp\"\npipeline = \"p\"").is_err());
}

#[test]
fn a_parameter_may_share_a_built_in_name() {
    let text = "kind = \"command\"\nargv = [\"x\", \"{model}\"]\nparams = { model = \"{model}-v2\" }";
    let Prepared::Command(invocation) = prepare(&request(target(text))).unwrap() else { panic!() };
    assert_eq!(invocation.argv, ["x", "fraud-detector-v2"]);
}

#[test]
fn webhook_body_table_and_defaults() {
    let t = target("kind = \"webhook\"\nurl = \"http://a.example/\"\nbody = { model = \"{model}\", n = [1, 2] }");
    assert_eq!((t.name.as_str(), t.label.as_str()), ("webhook", "webhook POST a.example"));
    let call = http(&request(t));
    assert_eq!(call.body, Some(json!({"model": "fraud-detector", "n": [1, 2]})));
    assert_eq!(call.path, "/");
}

#[test]
fn run_states_are_final_only_when_done() {
    assert!(RunState::Succeeded.is_final() && RunState::Failed(String::new()).is_final());
    assert!(!RunState::Queued.is_final() && !RunState::Running.is_final() && !RunState::Unknown("x".into()).is_final());
    let _: Value = Value::Null;
}
