//! The retraining pipelines' answers (Kubeflow Pipelines, Airflow, Argo Workflows, GitHub,
//! webhooks) on arbitrary bodies and statuses: a trigger becomes a run or an error, a state
//! a `RunState`, never a panic, and every message is free of control characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modeldeck::backends::pipelines::{self as retrain, RunState, kfp, webhook};
use modeldeck::backends::http::Answer;

fn assert_inert(text: &str) {
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "a control character survived: {text:?}");
}

fn check_state(state: RunState) {
    match state {
        RunState::Failed(why) | RunState::Unknown(why) => assert_inert(&why),
        RunState::Queued | RunState::Running | RunState::Succeeded => {}
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
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        check_state(kfp::state(&value));
        check_state(retrain::airflow::state(&value));
        check_state(retrain::argo::state(&value));
        check_state(retrain::github::state(&value));
    }
});
