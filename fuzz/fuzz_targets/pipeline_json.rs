//! The retraining pipelines' answers (Kubeflow Pipelines, Airflow, Argo Workflows, GitHub,
//! webhooks) on arbitrary bodies and statuses: a trigger becomes a run or an error, a state
//! a `RunState`, never a panic, and every message is free of control characters. The body
//! is also read as a schedule: an Argo CronWorkflow list, a KFP recurring run list, a GitHub
//! workflow file; each next run computed from its crons comes after the clock.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modeldeck::backends::http::Answer;
use modeldeck::backends::pipelines::{
    self as retrain, RunState, argo_schedule, github_schedule, kfp, kfp_schedule, webhook,
};
use modeldeck::domain::schedule::PipelineSchedule;
use modeldeck::domain::{Auth, Endpoint, Kfp};

fn assert_inert(text: &str) {
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "a control character survived: {text:?}");
}

fn check_state(state: RunState) {
    match state {
        RunState::Failed(why) | RunState::Unknown(why) => assert_inert(&why),
        RunState::Queued | RunState::Running | RunState::Succeeded => {}
    }
}

fn check_next(schedule: PipelineSchedule, now: jiff::Timestamp) {
    if let Some(next) = schedule.next {
        assert!(next > now, "a next run at or before the clock: {next}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&status, body)) = data.split_first() else { return };
    let status = [200u16, 201, 204, 400, 404, 409, 422, 500, 502][usize::from(status) % 9];
    let answer = Answer { status, body: body.to_vec() };
    for result in [kfp::created(&answer), webhook::created(&answer)] {
        match result {
            Ok(t) => {
                t.run_id.iter().chain(t.url.iter()).for_each(|s| assert_inert(s));
                assert_inert(&t.detail);
            }
            Err(e) => assert_inert(&e.message),
        }
    }
    if let Some(message) = retrain::server_message(body) {
        assert_inert(&message);
    }
    let now = jiff::Timestamp::from_second(1_796_591_220).unwrap();
    let none = serde_json::Value::Null;
    check_next(github_schedule::parse(&none, &String::from_utf8_lossy(body), &none, now), now);
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        check_state(kfp::state(&value));
        check_state(retrain::airflow::state(&value));
        check_state(retrain::argo::state(&value));
        check_state(retrain::github::state(&value));
        check_next(argo_schedule::parse(&value, "retrain-model", now), now);
        let target = Kfp {
            endpoint: Endpoint { url: "http://127.0.0.1:9".parse().unwrap(), headers: Vec::new(), auth: Auth::None },
            pipeline_id: "p1".into(),
            pipeline_version_id: None,
            experiment_id: None,
            service_account: None,
        };
        check_next(kfp_schedule::parse(&value, &value, &target, now), now);
    }
});
