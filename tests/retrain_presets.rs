//! Retraining triggers against local stand-in servers: the request each preset sends
//! (method, path, auth, headers, JSON body) checked against the back end's documented shape,
//! run-status polling, error answers and lost answers, and the command target with a real
//! script.
//!
//! The HTTP back ends are stand-ins (tests/common/standin.rs) because Kubeflow Pipelines and
//! Argo Workflows need a Kubernetes cluster and GitHub is a remote service. Airflow 3 runs
//! for real in tests/retrain_airflow_live.rs; the stand-ins here add the answers a real
//! Airflow cannot be made to give on demand (a 422, a lost answer, a login page).

mod common;

use std::time::Duration;

use common::standin::{StandIn, reply};
use modeldeck::backends::http;
use modeldeck::backends::pipelines::{Param, RetrainTarget, RunState, TriggerRequest, poll, trigger};
use modeldeck::config::retrain::{FileRetrain, resolve};
use serde_json::json;

fn env(key: &str) -> Option<String> {
    match key {
        "TOKEN" => Some("s3cr3t-token".into()),
        "PASSWORD" => Some("hunter22".into()),
        _ => None,
    }
}

fn target(toml_text: &str) -> RetrainTarget {
    resolve(&toml::from_str::<FileRetrain>(toml_text).unwrap(), &env).unwrap()
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

fn client() -> reqwest::Client {
    http::client(Duration::from_secs(5)).unwrap()
}

/// Polls until a final state, returning every state seen.
async fn follow(target: &RetrainTarget, run_id: &str) -> Vec<RunState> {
    let mut seen = Vec::new();
    for _ in 0..10 {
        let state = poll(&client(), target, run_id).await.unwrap();
        seen.push(state.clone());
        if state.is_final() {
            break;
        }
    }
    seen
}

fn kfp(url: &str) -> RetrainTarget {
    target(&format!(
        r#"kind = "kfp"
url = "{url}"
token_env = "TOKEN"
pipeline_id = "9b1d"
pipeline_version_id = "c2e7"
experiment_id = "4f6c"
service_account = "pipeline-runner"
params = {{ model_name = "{{model}}", lookback_days = 30, force = true }}"#
    ))
}

// Stand-in: Kubeflow Pipelines needs a Kubernetes cluster, which this machine lacks.
#[tokio::test]
async fn kfp_creates_a_run_with_the_documented_body() {
    let server = StandIn::start(vec![reply(200, r#"{"run_id":"run-1","display_name":"x","state":"PENDING"}"#)]).await;
    let triggered = trigger(&client(), &request(kfp(&server.url))).await.unwrap();
    assert_eq!((triggered.run_id.as_deref(), triggered.pollable), (Some("run-1"), true));

    let sent = server.only_request();
    assert_eq!((sent.method.as_str(), sent.target.as_str()), ("POST", "/apis/v2beta1/runs"));
    assert_eq!(sent.header("authorization"), Some("Bearer s3cr3t-token"));
    assert_eq!(sent.header("content-type"), Some("application/json"));
    let body = sent.json();
    assert_eq!(body["display_name"], "retrain fraud-detector (ModelDriftHigh)");
    assert_eq!(body["pipeline_version_reference"], json!({"pipeline_id": "9b1d", "pipeline_version_id": "c2e7"}));
    assert_eq!(
        body["runtime_config"]["parameters"],
        json!({"model_name": "fraud-detector", "lookback_days": 30, "force": true})
    );
    assert_eq!(
        (body["experiment_id"].as_str(), body["service_account"].as_str()),
        (Some("4f6c"), Some("pipeline-runner"))
    );
}

// Stand-in: Kubeflow Pipelines needs a Kubernetes cluster, which this machine lacks.
#[tokio::test]
async fn kfp_run_goes_pending_running_succeeded() {
    let server = StandIn::start(vec![
        reply(200, r#"{"run_id":"run-1","state":"PENDING"}"#),
        reply(200, r#"{"run_id":"run-1","state":"RUNNING"}"#),
        reply(200, r#"{"run_id":"run-1","state":"SUCCEEDED","finished_at":"2026-11-25T13:00:00Z"}"#),
    ])
    .await;
    let seen = follow(&kfp(&server.url), "run-1").await;
    assert_eq!(seen, [RunState::Queued, RunState::Running, RunState::Succeeded]);
    assert!(server.requests().iter().all(|r| r.method == "GET" && r.target == "/apis/v2beta1/runs/run-1"));
}

// Stand-in: Kubeflow Pipelines needs a Kubernetes cluster, which this machine lacks.
#[tokio::test]
async fn kfp_rejection_shows_the_grpc_gateway_message() {
    let body = r#"{"code":3,"message":"Invalid input error: pipeline version c2e7 not found","details":[]}"#;
    let server = StandIn::start(vec![reply(400, body)]).await;
    let error = trigger(&client(), &request(kfp(&server.url))).await.unwrap_err();
    assert_eq!(error.message, "HTTP 400: Invalid input error: pipeline version c2e7 not found");
    assert!(!error.unknown);
}

fn airflow(url: &str, auth: &str) -> RetrainTarget {
    target(&format!(
        "kind = \"airflow\"\nurl = \"{url}\"\ndag = \"retrain_fraud\"\n{auth}\nparams = {{ model_name = \"{{model}}\", days = 7 }}"
    ))
}

// Stand-in for Airflow 3 (the real one is in retrain_airflow_live.rs): the shapes follow
// TriggerDAGRunPostBody and the /auth/token flow, checked field by field.
#[tokio::test]
async fn airflow_logs_in_then_triggers_with_logical_date_and_conf() {
    let run = r#"{"dag_run_id":"modeldeck__fraud-detector__2026-11-25T12:00:00Z","dag_id":"retrain_fraud","state":"queued","run_type":"manual","conf":{}}"#;
    let server = StandIn::start(vec![reply(201, r#"{"access_token":"jwt-abc"}"#), reply(200, run)]).await;
    let target = airflow(&server.url, "username = \"admin\"\npassword_env = \"PASSWORD\"");
    let triggered = trigger(&client(), &request(target)).await.unwrap();
    assert_eq!(triggered.run_id.as_deref(), Some("modeldeck__fraud-detector__2026-11-25T12:00:00Z"));
    assert!(triggered.pollable);
    assert!(
        triggered
            .url
            .unwrap()
            .ends_with("/dags/retrain_fraud/runs/modeldeck__fraud-detector__2026-11-25T12%3A00%3A00Z")
    );

    let [login, sent] = <[_; 2]>::try_from(server.requests()).unwrap();
    assert_eq!((login.method.as_str(), login.target.as_str()), ("POST", "/auth/token"));
    assert_eq!(login.json(), json!({"username": "admin", "password": "hunter22"}));
    assert_eq!((sent.method.as_str(), sent.target.as_str()), ("POST", "/api/v2/dags/retrain_fraud/dagRuns"));
    assert_eq!(sent.header("authorization"), Some("Bearer jwt-abc"));
    let body = sent.json();
    assert_eq!(body["logical_date"], "2026-11-25T12:00:00Z");
    assert_eq!(body["conf"], json!({"model_name": "fraud-detector", "days": 7}));
    assert!(body.get("execution_date").is_none());
    assert!(body["note"].as_str().unwrap().contains("alice@ops-1"));
}

// Stand-in for Airflow 3: an answer the real one cannot be made to give on demand.
#[tokio::test]
async fn airflow_run_goes_queued_running_success_with_a_static_token() {
    let state = |s: &str| reply(200, &format!(r#"{{"dag_run_id":"r1","state":"{s}"}}"#));
    let server = StandIn::start(vec![state("queued"), state("running"), state("success")]).await;
    let target = airflow(&server.url, "token_env = \"TOKEN\"");
    assert_eq!(follow(&target, "r1").await, [RunState::Queued, RunState::Running, RunState::Succeeded]);
    let sent = server.requests();
    assert!(sent.iter().all(|r| r.target == "/api/v2/dags/retrain_fraud/dagRuns/r1"));
    assert!(sent.iter().all(|r| r.header("authorization") == Some("Bearer s3cr3t-token")));
}

// Stand-in for Airflow 3: an answer the real one cannot be made to give on demand.
#[tokio::test]
async fn airflow_run_that_fails() {
    let state = |s: &str| reply(200, &format!(r#"{{"dag_run_id":"r1","state":"{s}"}}"#));
    let server = StandIn::start(vec![state("running"), state("failed")]).await;
    let seen = follow(&airflow(&server.url, "token_env = \"TOKEN\""), "r1").await;
    assert_eq!(seen, [RunState::Running, RunState::Failed(String::new())]);
}

// Stand-in for Airflow 3: an answer the real one cannot be made to give on demand.
#[tokio::test]
async fn airflow_validation_error_names_the_field() {
    let detail = r#"{"detail":[{"type":"extra_forbidden","loc":["body","conf","x"],"msg":"Extra inputs are not permitted","input":1}]}"#;
    let server = StandIn::start(vec![reply(422, detail)]).await;
    let error = trigger(&client(), &request(airflow(&server.url, "token_env = \"TOKEN\""))).await.unwrap_err();
    assert_eq!(error.message, "HTTP 422: body.conf.x: Extra inputs are not permitted");
    let server = StandIn::start(vec![reply(409, r#"{"detail":"DAG run already exists"}"#)]).await;
    let error = trigger(&client(), &request(airflow(&server.url, "token_env = \"TOKEN\""))).await.unwrap_err();
    assert!(error.message.starts_with("HTTP 409: DAG run already exists (this exact request was sent before"));
}

fn argo(url: &str) -> RetrainTarget {
    target(&format!(
        "kind = \"argo\"\nurl = \"{url}\"\ntoken_env = \"TOKEN\"\nnamespace = \"ml\"\ntemplate = \"retrain-model\"\nparams = {{ model_name = \"{{model}}\", reason = \"{{reason}}\" }}"
    ))
}

// Stand-in: Argo Workflows needs a Kubernetes cluster, which this machine lacks.
#[tokio::test]
async fn argo_submits_from_the_workflow_template() {
    let created = r#"{"metadata":{"name":"retrain-model-x7k2p","namespace":"ml","uid":"u"},"status":{}}"#;
    let server = StandIn::start(vec![reply(200, created)]).await;
    let triggered = trigger(&client(), &request(argo(&server.url))).await.unwrap();
    assert_eq!(triggered.run_id.as_deref(), Some("retrain-model-x7k2p"));
    assert_eq!(triggered.url, Some(format!("{}/workflows/ml/retrain-model-x7k2p", server.url)));

    let sent = server.only_request();
    assert_eq!((sent.method.as_str(), sent.target.as_str()), ("POST", "/api/v1/workflows/ml/submit"));
    assert_eq!(sent.header("authorization"), Some("Bearer s3cr3t-token"));
    let body = sent.json();
    assert_eq!(body["namespace"], "ml");
    assert_eq!(body["resourceKind"], "WorkflowTemplate");
    assert_eq!(body["resourceName"], "retrain-model");
    let options = &body["submitOptions"];
    assert_eq!(options["parameters"], json!(["model_name=fraud-detector", "reason=ModelDriftHigh"]));
    assert_eq!(options["generateName"], "retrain-model-");
    assert!(options["labels"].is_string());
}

// Stand-in: Argo Workflows needs a Kubernetes cluster, which this machine lacks.
#[tokio::test]
async fn argo_workflow_pending_running_then_failed() {
    let phase = |p: &str| {
        reply(
            200,
            &format!(r#"{{"metadata":{{"name":"w1"}},"status":{{"phase":"{p}","message":"child 'train' failed"}}}}"#),
        )
    };
    let server = StandIn::start(vec![phase("Pending"), phase("Running"), phase("Failed")]).await;
    let seen = follow(&argo(&server.url), "w1").await;
    assert_eq!(seen, [RunState::Queued, RunState::Running, RunState::Failed("child 'train' failed".into())]);
    assert!(server.requests().iter().all(|r| r.target == "/api/v1/workflows/ml/w1"));
}

// Stand-in: Argo Workflows needs a Kubernetes cluster, which this machine lacks.
#[tokio::test]
async fn argo_server_error_shows_its_message() {
    let body = r#"{"code":13,"message":"workflowtemplates.argoproj.io \"retrain-model\" not found"}"#;
    let server = StandIn::start(vec![reply(500, body)]).await;
    let error = trigger(&client(), &request(argo(&server.url))).await.unwrap_err();
    assert_eq!(error.message, "HTTP 500: workflowtemplates.argoproj.io \"retrain-model\" not found");
    assert!(!error.unknown);
}

fn github(url: &str, extra: &str) -> RetrainTarget {
    target(&format!(
        "kind = \"github\"\nurl = \"{url}\"\ntoken_env = \"TOKEN\"\nowner = \"acme\"\nrepo = \"ml-pipelines\"\nworkflow = \"retrain.yml\"\nref = \"main\"\n{extra}\nparams = {{ model_name = \"{{model}}\", epochs = 3 }}"
    ))
}

// Stand-in: GitHub is a remote service and is never contacted from the tests.
#[tokio::test]
async fn github_dispatch_with_run_details() {
    let details = r#"{"workflow_run_id":999,"run_url":"https://api.github.com/repos/acme/ml-pipelines/actions/runs/999","html_url":"https://github.com/acme/ml-pipelines/actions/runs/999"}"#;
    let server = StandIn::start(vec![reply(200, details)]).await;
    let triggered = trigger(&client(), &request(github(&server.url, ""))).await.unwrap();
    assert_eq!(triggered.run_id.as_deref(), Some("999"));
    assert_eq!(triggered.url.as_deref(), Some("https://github.com/acme/ml-pipelines/actions/runs/999"));
    assert!(triggered.pollable);

    let sent = server.only_request();
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.target, "/repos/acme/ml-pipelines/actions/workflows/retrain.yml/dispatches");
    assert_eq!(sent.header("accept"), Some("application/vnd.github+json"));
    assert_eq!(sent.header("x-github-api-version"), Some("2022-11-28"));
    assert_eq!(sent.header("authorization"), Some("Bearer s3cr3t-token"));
    assert!(sent.header("user-agent").is_some_and(|ua| ua.starts_with("modeldeck/")));
    let body = sent.json();
    assert_eq!(
        body,
        json!({"ref": "main", "inputs": {"model_name": "fraud-detector", "epochs": "3"}, "return_run_details": true})
    );
}

// Stand-in: GitHub is a remote service and is never contacted from the tests.
#[tokio::test]
async fn github_dispatch_answered_204_without_a_body() {
    let server = StandIn::start(vec![reply(204, "")]).await;
    let triggered = trigger(&client(), &request(github(&server.url, "run_details = false"))).await.unwrap();
    assert_eq!((triggered.run_id, triggered.pollable), (None, false));
    assert!(server.only_request().json().get("return_run_details").is_none());
}

// Stand-in: GitHub is a remote service and is never contacted from the tests.
#[tokio::test]
async fn github_errors_and_run_status() {
    let server = StandIn::start(vec![reply(422, r#"{"message":"Workflow does not have 'workflow_dispatch' trigger","documentation_url":"https://docs.github.com/rest","status":"422"}"#)]).await;
    let error = trigger(&client(), &request(github(&server.url, ""))).await.unwrap_err();
    assert_eq!(error.message, "HTTP 422: Workflow does not have 'workflow_dispatch' trigger");

    let status = |s: &str, c: &str| reply(200, &format!(r#"{{"id":999,"status":"{s}","conclusion":{c}}}"#));
    let server = StandIn::start(vec![
        status("queued", "null"),
        status("in_progress", "null"),
        status("completed", "\"failure\""),
    ])
    .await;
    let seen = follow(&github(&server.url, ""), "999").await;
    assert_eq!(seen, [RunState::Queued, RunState::Running, RunState::Failed("failure".into())]);
    assert_eq!(server.requests()[0].target, "/repos/acme/ml-pipelines/actions/runs/999");
}

// Stand-in: a generic webhook receiver; any HTTP server would do.
#[tokio::test]
async fn webhook_sends_the_rendered_template() {
    let server = StandIn::start(vec![reply(202, r#"{"id":"job-17"}"#)]).await;
    let target = target(&format!(
        r#"kind = "webhook"
method = "PUT"
url = "{}/hooks/retrain?source=modeldeck"
token_env = "TOKEN"
headers = {{ X-Model = "{{model}}" }}
body = '{{"model": "{{model}}", "text": "{{author}} asked: {{note}}", "days": "{{days}}"}}'
params = {{ days = 14 }}"#,
        server.url
    ));
    let mut request = request(target);
    request.note = "\"quoted\", {braces} and \\ backslash".into();
    let triggered = trigger(&client(), &request).await.unwrap();
    assert_eq!((triggered.run_id.as_deref(), triggered.pollable), (Some("job-17"), false));

    let sent = server.only_request();
    assert_eq!((sent.method.as_str(), sent.target.as_str()), ("PUT", "/hooks/retrain?source=modeldeck"));
    assert_eq!(sent.header("x-model"), Some("fraud-detector"));
    assert_eq!(sent.header("authorization"), Some("Bearer s3cr3t-token"));
    let body = sent.json();
    assert_eq!(body["text"], "alice@ops-1 asked: \"quoted\", {braces} and \\ backslash");
    assert_eq!(body["days"], 14);
}

// Stand-in: a listener that reads the request and never answers, like a hung gateway.
#[tokio::test]
async fn no_answer_means_the_outcome_is_unknown() {
    let server = StandIn::silent().await;
    let client = http::client(Duration::from_millis(800)).unwrap();
    let error = trigger(&client, &request(kfp(&server.url))).await.unwrap_err();
    assert!(error.unknown, "{error:?}");
    assert!(error.to_string().starts_with("outcome unknown"));
    assert_eq!(server.requests().len(), 1, "the trigger is sent once, never retried");
}

// Stand-in: an auth proxy in front of Kubeflow answering with its login page.
#[tokio::test]
async fn a_login_page_instead_of_a_run_is_not_a_success() {
    let server = StandIn::start(vec![reply(200, "<html><body>Sign in</body></html>")]).await;
    let error = trigger(&client(), &request(kfp(&server.url))).await.unwrap_err();
    assert!(error.unknown && error.message.contains("not a KFP Run"), "{error:?}");
}

// No server at all: the request was never sent, so retrying is safe.
#[tokio::test]
async fn refused_connection_is_a_plain_failure() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let error = trigger(&client(), &request(kfp(&format!("http://127.0.0.1:{port}")))).await.unwrap_err();
    assert!(!error.unknown, "{error:?}");
}

fn script(dir: &std::path::Path, name: &str, text: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_string_lossy().into_owned()
}

fn command(program: &str) -> RetrainTarget {
    target(&format!(
        "kind = \"command\"\nargv = [\"{program}\", \"--model\", \"{{model}}\", \"--note\", \"{{note}}\", \"--reason={{reason}}\", \"{{days}}\"]\ntimeout = \"10s\"\nparams = {{ days = 3 }}"
    ))
}

#[tokio::test]
async fn command_gets_each_value_as_one_literal_argument() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("args");
    let program = script(
        dir.path(),
        "retrain.sh",
        &format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{}'\necho started pipeline run 42\n",
            out.display()
        ),
    );
    let mut request = request(command(&program));
    request.note = "x; rm -rf x".into();
    request.reason = "$(id) `id` 'q' \"d\"".into();
    request.params = vec![Param { value: "5".into(), ..request.params[0].clone() }];
    let triggered = trigger(&client(), &request).await.unwrap();
    assert!(triggered.detail.contains("started pipeline run 42"), "{}", triggered.detail);
    let args = std::fs::read_to_string(&out).unwrap();
    let expected = ["--model", "fraud-detector", "--note", "x; rm -rf x", "--reason=$(id) `id` 'q' \"d\"", "5"];
    assert_eq!(args.lines().collect::<Vec<_>>(), expected);
    assert!(!dir.path().join("x").exists());
}

#[tokio::test]
async fn command_failing_exit_is_a_failure_with_its_output() {
    let dir = tempfile::tempdir().unwrap();
    let program = script(dir.path(), "fail.sh", "#!/bin/sh\necho 'cannot reach the pipeline API' >&2\nexit 3\n");
    let error = trigger(&client(), &request(command(&program))).await.unwrap_err();
    assert!(error.message.contains("cannot reach the pipeline API"), "{}", error.message);
    assert!(!error.unknown);
}

#[tokio::test]
async fn command_stopped_at_its_time_limit_has_an_unknown_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let program = script(
        dir.path(),
        "hang.sh",
        "#!/bin/sh
echo submitting
sleep 30
",
    );
    let target = target(&format!("kind = \"command\"\nargv = [\"{program}\"]\ntimeout = \"1s\""));
    let error = trigger(&client(), &request(target)).await.unwrap_err();
    assert!(error.unknown, "{error:?}");
    assert!(error.message.contains("timeout") && error.message.contains("submitting"), "{}", error.message);
}
