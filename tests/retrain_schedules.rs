//! The retraining pipelines' own schedules against local stand-in servers: the requests each
//! kind sends to read its schedule, the schedule read from the documented answers, and the
//! next run computed from the cron where the API keeps none (KFP, Argo, GitHub), with the
//! form's "due soon" warning at a clock chosen for each test.
//!
//! Stand-ins (tests/common/standin.rs), because Kubeflow Pipelines and Argo Workflows need a
//! Kubernetes cluster and GitHub is a remote service. Airflow's schedule is read from a real
//! Airflow 3 in tests/retrain_airflow_live.rs.

mod common;

use std::time::Duration;

use common::standin::{StandIn, reply};
use jiff::Timestamp;
use modeldeck::app::{ScheduleState, schedule_line, schedule_warnings};
use modeldeck::backends::http;
use modeldeck::backends::pipelines::{RetrainTarget, schedule};
use modeldeck::config::retrain::{FileRetrain, resolve};
use modeldeck::domain::schedule::{LastRun, PipelineSchedule, ScheduleRead};

fn target(toml_text: &str) -> RetrainTarget {
    let env = |key: &str| (key == "TOKEN").then(|| "s3cr3t-token".to_string());
    resolve(&toml::from_str::<FileRetrain>(toml_text).unwrap(), &env).unwrap()
}

fn client() -> reqwest::Client {
    http::client(Duration::from_secs(5)).unwrap()
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// The schedule line and warnings the form shows for `read` at `now`.
fn shown(read: &ScheduleRead, now: Timestamp) -> (String, Vec<String>) {
    let state = ScheduleState::Known(read.clone());
    (schedule_line(&state, now), schedule_warnings(&state, now))
}

fn kfp(url: &str) -> RetrainTarget {
    target(&format!(
        "kind = \"kfp\"\nurl = \"{url}\"\ntoken_env = \"TOKEN\"\npipeline_id = \"9b1d\"\npipeline_version_id = \"c2e7\"\nexperiment_id = \"4f6c\""
    ))
}

fn argo(url: &str) -> RetrainTarget {
    target(&format!(
        "kind = \"argo\"\nurl = \"{url}\"\ntoken_env = \"TOKEN\"\nnamespace = \"ml\"\ntemplate = \"retrain-model\""
    ))
}

fn github(url: &str) -> RetrainTarget {
    target(&format!(
        "kind = \"github\"\nurl = \"{url}\"\ntoken_env = \"TOKEN\"\nowner = \"acme\"\nrepo = \"ml-pipelines\"\nworkflow = \"retrain.yml\"\nref = \"main\""
    ))
}

// Stand-in: Kubeflow Pipelines needs a Kubernetes cluster, which this machine lacks. The
// recurring run of the configured version is found among others of the experiment, and the
// newest run of that version is the last run, still running. Its cron (seconds first) is due
// at 03:00 UTC, 23 minutes after the test's clock.
#[tokio::test]
async fn kfp_schedule_is_the_recurring_run_of_the_pipeline_version() {
    let recurring = r#"{"recurringRuns":[
        {"display_name":"etl","pipeline_version_reference":{"pipeline_id":"aaaa","pipeline_version_id":"bbbb"},"trigger":{"cron_schedule":{"cron":"0 0 1 * * *"}},"status":"ENABLED"},
        {"display_name":"nightly retrain","pipeline_version_reference":{"pipeline_id":"9b1d","pipeline_version_id":"c2e7"},"trigger":{"cron_schedule":{"cron":"0 0 3 * * *"}},"status":"ENABLED"}],"total_size":2}"#;
    let runs = r#"{"runs":[
        {"run_id":"r2","state":"RUNNING","created_at":"2026-12-06T03:00:00Z","pipeline_version_reference":{"pipeline_id":"9b1d","pipeline_version_id":"c2e7"}},
        {"run_id":"r1","state":"SUCCEEDED","created_at":"2026-12-05T03:00:00Z","pipeline_version_reference":{"pipeline_id":"9b1d","pipeline_version_id":"c2e7"}}]}"#;
    let server = StandIn::start(vec![reply(200, recurring), reply(200, runs)]).await;
    let now = at("2026-12-07T02:37:00Z");
    let read = schedule(&client(), &kfp(&server.url), now).await.unwrap();
    let expected = PipelineSchedule {
        description: Some("cron 0 0 3 * * * (recurring run nightly retrain)".into()),
        paused: false,
        last: Some(LastRun { state: "RUNNING".into(), at: Some(at("2026-12-06T03:00:00Z")) }),
        next: Some(at("2026-12-07T03:00:00Z")),
        in_progress: true,
    };
    assert_eq!(read, ScheduleRead::Read(expected));
    let (line, warnings) = shown(&read, now);
    assert!(line.ends_with("; next 2026-12-07 03:00 UTC (in 23 min)"), "{line}");
    assert_eq!(warnings, ["⚠ a run is in progress", "⚠ the next scheduled run is due in 23 min"]);
    let sent: Vec<String> = server.requests().iter().map(|r| format!("{} {}", r.method, r.target)).collect();
    assert_eq!(
        sent,
        [
            "GET /apis/v2beta1/recurringruns?page_size=100&experiment_id=4f6c",
            "GET /apis/v2beta1/runs?page_size=20&experiment_id=4f6c&sort_by=created_at+desc",
        ]
    );
    assert!(server.requests().iter().all(|r| r.header("authorization") == Some("Bearer s3cr3t-token")));
}

// Stand-in: Argo Workflows needs a Kubernetes cluster, which this machine lacks. The list
// holds a CronWorkflow of another template first, then the one for ours with a running
// workflow; a namespace without CronWorkflows answers `items: null`. Ours runs at 03:00 in
// Paris, 02:00 UTC in winter: 40 minutes after the test's clock, not 03:00 UTC.
#[tokio::test]
async fn argo_schedule_is_the_cron_workflow_of_the_template() {
    let list = r#"{"metadata":{},"items":[
        {"metadata":{"name":"other"},"spec":{"schedule":"0 1 * * *","workflowSpec":{"workflowTemplateRef":{"name":"etl"}}}},
        {"metadata":{"name":"retrain-nightly"},"spec":{"schedules":["0 3 * * *"],"timezone":"Europe/Paris","suspend":false,
         "workflowSpec":{"workflowTemplateRef":{"name":"retrain-model"}}},
         "status":{"active":[{"kind":"Workflow","name":"retrain-nightly-1733454000"}],"lastScheduledTime":"2026-12-06T02:00:00Z"}}]}"#;
    let server = StandIn::start(vec![reply(200, list), reply(200, r#"{"metadata":{},"items":null}"#)]).await;
    let now = at("2026-12-07T01:20:00Z");
    let read = schedule(&client(), &argo(&server.url), now).await.unwrap();
    let expected = PipelineSchedule {
        description: Some("cron 0 3 * * * Europe/Paris (CronWorkflow retrain-nightly)".into()),
        paused: false,
        last: Some(LastRun { state: "scheduled".into(), at: Some(at("2026-12-06T02:00:00Z")) }),
        next: Some(at("2026-12-07T02:00:00Z")),
        in_progress: true,
    };
    assert_eq!(read, ScheduleRead::Read(expected));
    let (line, warnings) = shown(&read, now);
    assert!(line.ends_with("; next 2026-12-07 02:00 UTC (in 40 min)"), "{line}");
    assert_eq!(warnings, ["⚠ a run is in progress", "⚠ the next scheduled run is due in 40 min"]);
    let sent = server.only_request();
    assert_eq!((sent.method.as_str(), sent.target.as_str()), ("GET", "/api/v1/cron-workflows/ml"));
    assert_eq!(sent.header("authorization"), Some("Bearer s3cr3t-token"));
    let none = schedule(&client(), &argo(&server.url), now).await.unwrap();
    assert_eq!(none, ScheduleRead::Read(PipelineSchedule::default()));
}

// Stand-in: GitHub is a remote service and is never contacted from the tests. The
// workflow names its file; the file, asked for raw, has two crons; the newest run is queued.
// The test's clock is Monday 14:30 UTC: the weekday cron at 15:00 comes first.
#[tokio::test]
async fn github_schedule_is_the_workflow_files_crons_and_its_newest_runs() {
    let workflow = r#"{"id":161335,"name":"Retrain","path":".github/workflows/retrain.yml","state":"active"}"#;
    let file = "name: Retrain\non:\n  workflow_dispatch:\n  schedule:\n    - cron: '0 3 * * *'\n    - cron: \"0 15 * * 1-5\"\n";
    let runs = r#"{"total_count":2,"workflow_runs":[
        {"id":2,"status":"queued","conclusion":null,"event":"schedule","created_at":"2026-12-06T03:00:04Z"},
        {"id":1,"status":"completed","conclusion":"success","event":"workflow_dispatch","created_at":"2026-12-05T09:00:00Z"}]}"#;
    let server = StandIn::start(vec![reply(200, workflow), reply(200, file), reply(200, runs)]).await;
    let now = at("2026-12-07T14:30:00Z");
    let read = schedule(&client(), &github(&server.url), now).await.unwrap();
    let expected = PipelineSchedule {
        description: Some("cron 0 3 * * *, 0 15 * * 1-5 UTC".into()),
        paused: false,
        last: Some(LastRun { state: "queued".into(), at: Some(at("2026-12-06T03:00:04Z")) }),
        next: Some(at("2026-12-07T15:00:00Z")),
        in_progress: true,
    };
    assert_eq!(read, ScheduleRead::Read(expected));
    let (line, warnings) = shown(&read, now);
    assert!(line.ends_with("; next 2026-12-07 15:00 UTC (in 30 min)"), "{line}");
    assert_eq!(warnings, ["⚠ a run is in progress", "⚠ the next scheduled run is due in 30 min"]);
    let sent = server.requests();
    let targets: Vec<&str> = sent.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(
        targets,
        [
            "/repos/acme/ml-pipelines/actions/workflows/retrain.yml",
            "/repos/acme/ml-pipelines/contents/.github/workflows/retrain.yml",
            "/repos/acme/ml-pipelines/actions/workflows/retrain.yml/runs?per_page=10",
        ]
    );
    assert_eq!(sent[1].header("accept"), Some("application/vnd.github.raw+json"));
    assert!(sent.iter().all(|r| r.method == "GET" && r.header("authorization") == Some("Bearer s3cr3t-token")));
}
