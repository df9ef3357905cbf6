//! The Airflow retraining target against a real Airflow 3.3.2 (tests/harness/airflow.rs):
//! targets resolved from config text as an operator writes it, a trigger that logs in with
//! a password or sends a token, runs followed until they succeed or fail, the `conf` as
//! Airflow stored it and as the task received it, and Airflow's own rejections.
//!
//! One Airflow for the binary (a start takes 15-50 s), one scenario after another.

mod harness;
mod live;

use std::time::{Duration, Instant};

use harness::Airflow;
use jiff::Timestamp;
use modeldeck::backends::http;
use modeldeck::backends::pipelines::{RetrainTarget, RunState, TriggerRequest, airflow, poll, schedule, trigger};
use modeldeck::config::retrain::{FileRetrain, resolve};
use modeldeck::domain::schedule::{PipelineSchedule, ScheduleRead};
use serde_json::json;

/// A task run takes 5-15 s here (the LocalExecutor forks a supervisor, which imports the
/// task SDK); allow for a parallel build.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);
const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// What the operator writes in a `[[model]]` block; `auth` is the credentials lines.
fn target(airflow: &Airflow, dag: &str, auth: &str, secret: String) -> RetrainTarget {
    let text = format!(
        r#"kind = "airflow"
url = "{url}"
dag = "{dag}"
{auth}
params = {{ model_name = "{{model}}", lookback_days = 30, full_refresh = false, region = "{{environment}}" }}"#,
        url = airflow.url()
    );
    let raw: FileRetrain = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let lookup = move |key: &str| matches!(key, "AIRFLOW_PASSWORD" | "AIRFLOW_TOKEN").then(|| secret.clone());
    resolve(&raw, &lookup).unwrap_or_else(|(key, message)| panic!("{key}: {message}\n{text}"))
}

fn with_password(airflow: &Airflow, dag: &str) -> RetrainTarget {
    let auth = format!("username = \"{}\"\npassword_env = \"AIRFLOW_PASSWORD\"", airflow.username());
    target(airflow, dag, &auth, airflow.password().to_string())
}

async fn with_token(airflow: &Airflow, dag: &str) -> RetrainTarget {
    target(airflow, dag, "token_env = \"AIRFLOW_TOKEN\"", airflow.token().await)
}

/// As the console fills it: `at` is the moment the form opened, to the nanosecond.
fn request(target: RetrainTarget) -> TriggerRequest {
    TriggerRequest {
        params: target.params.clone(),
        target,
        model: "fraud-detector".into(),
        environment: "prod-eu".into(),
        note: "drift on income".into(),
        author: "alice@ops-1".into(),
        reason: "ModelDriftHigh: drift above 0.25".into(),
        at: Timestamp::now(),
    }
}

fn client() -> reqwest::Client {
    http::client(Duration::from_secs(10)).unwrap()
}

/// Polls until a final state; returns each distinct state in the order seen.
async fn follow(airflow: &Airflow, target: &RetrainTarget, run_id: &str) -> Vec<RunState> {
    let started = Instant::now();
    let mut seen: Vec<RunState> = Vec::new();
    loop {
        let state =
            poll(&client(), target, run_id).await.unwrap_or_else(|e| panic!("poll {run_id}: {e}\n{}", airflow.logs()));
        if seen.last() != Some(&state) {
            seen.push(state.clone());
        }
        if state.is_final() {
            return seen;
        }
        if started.elapsed() >= RUN_TIMEOUT {
            panic!("run {run_id} not final after {RUN_TIMEOUT:?}, states {seen:?}\n{}", airflow.logs());
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// One path segment of the REST API, escaped.
fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// One test, so that Airflow sees one writing request at a time (see
/// tests/harness/airflow.rs: with SQLite its API server deadlocks on two); each run is
/// followed to its end before the next trigger.
#[tokio::test]
async fn airflow_target_against_a_real_airflow() {
    let airflow = Airflow::start().await;
    unknown_dag_and_wrong_password_are_airflows_own_words(&airflow).await;
    let succeeded = password_login_triggers_a_run_that_succeeds_with_its_conf(&airflow).await;
    the_same_request_again_is_a_conflict_not_a_second_run(&airflow, &succeeded).await;
    token_auth_follows_a_run_whose_task_raises_until_it_fails(&airflow).await;
    the_console_follows_a_run_to_its_end_and_journals_a_refused_trigger(&airflow).await;
    schedules_next_and_last_runs_as_airflow_has_them(&airflow).await;
}

async fn read_schedule(airflow: &Airflow, target: &RetrainTarget) -> PipelineSchedule {
    match schedule(&client(), target, Timestamp::now()).await {
        Ok(ScheduleRead::Read(s)) => s,
        other => panic!("{other:?}\n{}", airflow.logs()),
    }
}

/// The paused nightly DAG: its cron in Airflow's words, its next run on record (never
/// created while paused), no run yet; a manual run stays queued and shows as in progress.
/// A DAG without a schedule shows its last run, ended.
async fn schedules_next_and_last_runs_as_airflow_has_them(airflow: &Airflow) {
    let nightly = with_password(airflow, "retrain_nightly");
    let before = read_schedule(airflow, &nightly).await;
    let description = before.description.clone().unwrap_or_default();
    assert!(description.contains("03:00"), "{before:?}");
    assert!(before.paused && !before.in_progress && before.last.is_none(), "{before:?}");
    let next = before.next.unwrap_or_else(|| panic!("no next run: {before:?}"));
    assert_eq!(next.strftime("%H:%M:%S").to_string(), "03:00:00", "{before:?}");
    assert!((next.as_second() - Timestamp::now().as_second()).abs() <= 86_400, "{next}");

    let triggered = trigger(&client(), &request(nightly.clone())).await.unwrap_or_else(|e| panic!("{e:?}"));
    let queued = read_schedule(airflow, &nightly).await;
    assert!(queued.in_progress, "{queued:?}");
    assert_eq!(queued.last.as_ref().map(|l| l.state.as_str()), Some("queued"), "{triggered:?}");
    let state = modeldeck::app::ScheduleState::Known(ScheduleRead::Read(queued));
    let warnings = modeldeck::app::schedule_warnings(&state, Timestamp::now());
    assert_eq!(warnings, ["⚠ a run is in progress"]);
    let line = modeldeck::app::schedule_line(&state, Timestamp::now());
    assert!(line.starts_with(&format!("schedule: {description} (paused); last run queued")), "{line}");

    let ok = read_schedule(airflow, &with_password(airflow, "retrain_ok")).await;
    assert!(!ok.paused && !ok.in_progress && ok.next.is_none(), "{ok:?}");
    let last = ok.last.clone().unwrap_or_else(|| panic!("retrain_ok ran before: {ok:?}"));
    assert_eq!(last.state, "success");
    assert!(last.at.is_some_and(|at| at <= Timestamp::now()), "{last:?}");
}

/// The console's own flow: `T`, the note, the confirmation; the run is polled until it ends
/// and both the trigger and the end are journaled. A trigger Airflow refuses shows Airflow's
/// message and is journaled as failed.
async fn the_console_follows_a_run_to_its_end_and_journals_a_refused_trigger(airflow: &Airflow) {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use modeldeck::domain::Event;
    use modeldeck::journal::{Journal, Kind, Outcome};

    let dir = tempfile::tempdir().unwrap();
    let journal = std::sync::Arc::new(Journal::open(&dir.path().join("journal.jsonl")).unwrap().0);
    let text = format!(
        "refresh = \"1s\"\n[[environment]]\nname = \"it\"\nprometheus = {{ url = \"http://127.0.0.1:9\" }}\n\
         [[model]]\nname = \"fraud\"\nretrain = {{ kind = \"airflow\", url = \"{url}\", dag = \"retrain_ok\", username = \"{user}\", password_env = \"AIRFLOW_PASSWORD\", params = {{ model_name = \"{{model}}\" }} }}\n\
         [[model]]\nname = \"churn\"\nretrain = {{ kind = \"airflow\", url = \"{url}\", dag = \"retrain_missing\", username = \"{user}\", password_env = \"AIRFLOW_PASSWORD\" }}\n",
        url = airflow.url(),
        user = airflow.username()
    );
    let password = airflow.password().to_string();
    let lookup = move |key: &str| (key == "AIRFLOW_PASSWORD").then(|| password.clone());
    let config = modeldeck::config::from_str(&text, None, &lookup).unwrap();
    let mut live = live::Live::start_with(&config, false, Some(journal.clone()));
    let key = |live: &mut live::Live, code: KeyCode| live.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    let typed = |live: &mut live::Live, text: &str| text.chars().for_each(|c| key(live, KeyCode::Char(c)));
    let retrain = |live: &mut live::Live, model: &str, note: &str| {
        key(live, KeyCode::Char(':'));
        typed(live, &format!("versions {model}"));
        key(live, KeyCode::Enter);
        key(live, KeyCode::Char('T'));
        assert!(live.app.retrain().is_some(), "no retrain form: {:?}", live.app.message);
        typed(live, note);
        key(live, KeyCode::Enter);
        key(live, KeyCode::Enter);
    };
    // Results only: each rollback or retraining also has its `started` entry before it.
    let results =
        || journal.read_all().unwrap().into_iter().filter(|e| e.result != Outcome::Started).collect::<Vec<_>>();
    let entries = |kind: Kind| results().into_iter().filter(move |e| e.kind == kind).count();

    retrain(&mut live, "fraud", "from the console");
    live.until("the run's end", RUN_TIMEOUT, |_| entries(Kind::Retrain) == 2).await;
    let all = results();
    assert_eq!(all[0].result, Outcome::Ok, "{:?}", all[0]);
    assert_eq!(all[0].note, "from the console");
    // The entry holds what was sent: values filled in, the URL, no credentials.
    let request = all[0].request.as_ref().unwrap();
    assert_eq!(request["params"], json!({ "model_name": "fraud" }));
    let sent = &request["sent"];
    assert_eq!(sent["method"], "POST");
    assert_eq!(sent["url"], format!("{}/api/v2/dags/retrain_ok/dagRuns", airflow.url()));
    assert_eq!(sent["login"], json!({ "method": "POST", "url": format!("{}/auth/token", airflow.url()) }));
    assert_eq!(sent["headers"], json!(["Authorization"]));
    assert_eq!(sent["body"]["conf"], json!({ "model_name": "fraud" }));
    let run_id = all[0].after.as_ref().unwrap()["run_id"].clone();
    assert_eq!(sent["body"]["dag_run_id"], run_id, "the body the run came from");
    assert!(request.get("reason").is_some() && request.get("automatic").is_some(), "{request}");
    let line = std::fs::read_to_string(journal.path().expect("a file journal")).unwrap();
    assert!(!line.contains("{model}") && !line.contains(airflow.password()), "{line}");
    assert_eq!(all[1].result, Outcome::Ok, "the run succeeded: {:?}", all[1]);
    assert!(all[1].note.ends_with("ended: succeeded"), "{}", all[1].note);
    assert_eq!(live.app.runs.last().map(|r| r.state.clone()), Some(RunState::Succeeded));

    retrain(&mut live, "churn", "missing DAG");
    live.until("the refusal", Duration::from_secs(30), |app| app.retrain().is_none() || app.busy.is_none()).await;
    live.until("the refusal's entry", Duration::from_secs(30), |_| entries(Kind::Retrain) == 3).await;
    let refused = results().pop().unwrap();
    assert!(
        matches!(&refused.result, Outcome::Failed { error } if error.contains("Dag with dag_id: 'retrain_missing' not found")),
        "{refused:?}"
    );
    let shown = live.app.retrain().and_then(|f| f.error.clone()).or(live.app.message.clone().map(|m| m.1)).unwrap();
    assert!(shown.contains("retrain_missing") && shown.contains("not found"), "{shown}");
}

async fn unknown_dag_and_wrong_password_are_airflows_own_words(airflow: &Airflow) {
    let error = trigger(&client(), &request(with_password(airflow, "retrain_missing"))).await.unwrap_err();
    assert_eq!(error.message, "HTTP 404: Dag with dag_id: 'retrain_missing' not found");
    assert!(!error.unknown);

    let auth = format!("username = \"{}\"\npassword_env = \"AIRFLOW_PASSWORD\"", airflow.username());
    let wrong = target(airflow, "retrain_ok", &auth, "not-the-password".into());
    let error = trigger(&client(), &request(wrong)).await.unwrap_err();
    assert_eq!(error.message, "Airflow login: HTTP 401: Invalid credentials");
    assert!(!error.unknown);
}

/// Returns the request, already sent once.
async fn password_login_triggers_a_run_that_succeeds_with_its_conf(airflow: &Airflow) -> TriggerRequest {
    let request = request(with_password(airflow, "retrain_ok"));
    let triggered = trigger(&client(), &request).await.unwrap_or_else(|e| panic!("{e}\n{}", airflow.logs()));
    let run_id = triggered.run_id.clone().expect("a dag_run_id");
    assert_eq!(run_id, airflow::run_id(&request));
    assert!(triggered.pollable);
    let link = triggered.url.expect("a link to the run");
    assert!(link.starts_with(&format!("{}/dags/retrain_ok/runs/modeldeck__", airflow.url())), "{link}");
    let page = client().get(&link).send().await.unwrap_or_else(|e| panic!("GET {link}: {e}"));
    assert!(page.status().is_success(), "GET {link} answered {}", page.status());

    let seen = follow(airflow, &request.target, &run_id).await;
    assert_eq!(seen.last(), Some(&RunState::Succeeded));
    assert!(seen.iter().all(|s| matches!(s, RunState::Queued | RunState::Running | RunState::Succeeded)), "{seen:?}");

    // Typed as the config file typed them: Airflow hands `conf` to the task as JSON.
    let conf = json!({
        "model_name": "fraud-detector",
        "lookback_days": 30,
        "full_refresh": false,
        "region": "prod-eu",
    });
    let run = airflow.get(&format!("api/v2/dags/retrain_ok/dagRuns/{}", segment(&run_id))).await;
    assert_eq!(run["conf"], conf);
    assert_eq!(
        run["note"],
        "triggered from modeldeck by alice@ops-1 in prod-eu; reason: ModelDriftHigh: drift above 0.25; \
         note: drift on income"
    );
    assert_eq!(run["triggering_user_name"], airflow.username());
    let logical: Timestamp = run["logical_date"].as_str().expect("a logical_date").parse().unwrap();
    assert_eq!(logical.as_microsecond(), request.at.as_microsecond());

    // The task returns the conf it received, which Airflow keeps as its XCom.
    let xcom = format!(
        "api/v2/dags/retrain_ok/dagRuns/{}/taskInstances/train/xcomEntries/return_value?deserialize=true",
        segment(&run_id)
    );
    assert_eq!(airflow.get(&xcom).await["value"], conf);
    request
}

/// The run id is fixed by the request, so sending the same confirmed request again (after
/// an unknown outcome, say) cannot start a second run.
async fn the_same_request_again_is_a_conflict_not_a_second_run(airflow: &Airflow, sent: &TriggerRequest) {
    let error = trigger(&client(), sent).await.unwrap_err();
    assert!(error.message.starts_with("HTTP 409: "), "{error:?}");
    assert!(error.message.ends_with("(this exact request was sent before: check the DAG's runs before retrying)"));
    assert!(!error.unknown);
    let runs = airflow.get("api/v2/dags/retrain_ok/dagRuns").await;
    assert_eq!(runs["total_entries"], 1, "{runs}");
}

async fn token_auth_follows_a_run_whose_task_raises_until_it_fails(airflow: &Airflow) {
    let request = request(with_token(airflow, "retrain_fails").await);
    let triggered = trigger(&client(), &request).await.unwrap_or_else(|e| panic!("{e}\n{}", airflow.logs()));
    let run_id = triggered.run_id.expect("a dag_run_id");

    let seen = follow(airflow, &request.target, &run_id).await;
    assert!(matches!(seen.last(), Some(RunState::Failed(_))), "{seen:?}");
    assert!(seen.iter().all(|s| !matches!(s, RunState::Unknown(_) | RunState::Succeeded)), "{seen:?}");
    let task =
        airflow.get(&format!("api/v2/dags/retrain_fails/dagRuns/{}/taskInstances/train", segment(&run_id))).await;
    assert_eq!(task["state"], "failed");
}
