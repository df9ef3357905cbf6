//! Retraining and runbook rules in the pure state update: the form, its confirmation with
//! the exact request, following a run to its end, suggestions on alert rows, and automatic
//! actions with their rate limit (a second trigger inside the window is suppressed).

mod common;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::SignedDuration;
use modeldeck::app::{App, MessageLevel, Pane, RetrainStage, RetrainTargets};
use modeldeck::backends::pipelines::{RetrainTarget, RunState, argo_schedule};
use modeldeck::config::runbook::{Rule, Suggestion};
use modeldeck::domain::StartedRun;
use modeldeck::domain::schedule::{LastRun, PipelineSchedule, ScheduleRead};
use modeldeck::domain::{ActionOutcome, ActionReport, ActionRequest, ReportKind};
use modeldeck::domain::{AlertSnapshot, AlertState, Severity, SourceData, SourceId};
use modeldeck::domain::{Effect, Event};

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn rule(alert: &str, suggest: Suggestion, automatic: bool) -> Rule {
    Rule {
        alert: alert.into(),
        for_at_least: None,
        model: None,
        suggest,
        automatic,
        rate_limit: automatic.then_some(Duration::from_secs(6 * 3600)),
    }
}

/// The common app with the demo pipeline for every model and the given rules.
fn app_with(rules: Vec<Rule>) -> App {
    let mut app = common::app(5, 2);
    app.settings.retrain = RetrainTargets(Arc::new(vec![("*".into(), RetrainTarget::demo())]));
    app.settings.runbook = rules;
    app
}

fn drift_alerts(started_s_ago: i64) -> Event {
    let alert =
        common::alert("ModelDriftHigh", Severity::Warning, "churn-predictor", AlertState::Active, started_s_ago);
    let snapshot =
        AlertSnapshot { alerts: vec![std::sync::Arc::new(alert)], peer: "am".into(), ..AlertSnapshot::default() };
    common::update(SourceId::Alertmanager, SourceData::Alerts(snapshot), 1)
}

/// The requests, an automatic rule's taken out of its claim (checked to be on the model).
fn acts(effects: &[Effect]) -> Vec<&ActionRequest> {
    effects
        .iter()
        .filter_map(|e| if let Effect::Act(r) = e { Some(r.as_ref()) } else { None })
        .map(|r| match r {
            ActionRequest::Automatic { claim, action, held } => {
                assert_eq!(claim.model, held.model);
                assert!(claim.occurrence.starts_with("0|"), "{claim:?}");
                action.as_ref()
            }
            other => other,
        })
        .collect()
}

#[test]
fn t_opens_the_form_and_enter_shows_the_exact_request_before_sending() {
    let mut app = app_with(Vec::new());
    let read = Effect::ReadSchedule { model: "fraud-detector".into(), target: "demo".into() };
    assert_eq!(key(&mut app, KeyCode::Char('T')), vec![read], "only the schedule is read");
    let form = app.retrain().expect("the retrain form");
    assert_eq!(form.request.model, "fraud-detector");
    assert_eq!(form.request.params.len(), 2);
    // No note yet: Enter says why and stays.
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.retrain().unwrap().stage, RetrainStage::Editing);
    assert!(app.retrain().unwrap().error.as_deref().unwrap().contains("note"));
    typed(&mut app, "drift on amount");
    key(&mut app, KeyCode::Enter);
    let form = app.retrain().unwrap();
    assert_eq!(form.stage, RetrainStage::Confirming);
    assert!(form.described.contains("model_name=fraud-detector") && form.described.contains("lookback_days=30"));
    let effects = key(&mut app, KeyCode::Enter);
    match acts(&effects).as_slice() {
        [ActionRequest::Retrain(order)] => {
            assert_eq!(order.request.note, "drift on amount");
            assert!(order.automatic.is_none());
        }
        other => panic!("expected the trigger, got {other:?}"),
    }
    assert_eq!(app.retrain().unwrap().stage, RetrainStage::Sending);
}

#[test]
fn parameters_are_editable_and_a_bad_number_is_refused() {
    let mut app = app_with(Vec::new());
    key(&mut app, KeyCode::Char('T'));
    typed(&mut app, "n");
    // Up twice: from the note to the reason, then to lookback_days.
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Backspace);
    typed(&mut app, "x7");
    key(&mut app, KeyCode::Enter);
    assert!(app.retrain().unwrap().error.as_deref().unwrap().contains("must be a number"));
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Backspace);
    typed(&mut app, "7");
    key(&mut app, KeyCode::Enter);
    assert!(app.retrain().unwrap().described.contains("lookback_days=7"));
}

#[test]
fn read_only_refuses_retraining() {
    let mut app = app_with(Vec::new());
    app.settings.read_only = true;
    key(&mut app, KeyCode::Char('T'));
    assert!(app.retrain().is_none());
    assert!(app.message.as_ref().unwrap().1.starts_with("read-only"));
}

#[test]
fn a_started_run_is_followed_until_it_ends_and_the_end_is_recorded() {
    let mut app = app_with(Vec::new());
    let run = StartedRun {
        model: "fraud-detector".into(),
        target: "demo".into(),
        run_id: Some("run-7".into()),
        url: None,
        pollable: true,
        automatic: false,
    };
    let report = ActionReport {
        kind: ReportKind::Retrain,
        started: Some(run),
        ok: true,
        outcome: ActionOutcome::Ok,
        message: "retrain of fraud-detector started: run run-7".into(),
        entry: None,
        read_back: None,
    };
    app.update(Event::ActionFinished(Box::new(report)));
    let effects = app.update(Event::Tick(common::now() + SignedDuration::from_secs(3)));
    let poll = effects.iter().find_map(|e| {
        if let Effect::PollRun { index, run_id, .. } = e { Some((*index, run_id.clone())) } else { None }
    });
    let (index, run_id) = poll.expect("a poll is due");
    assert_eq!(run_id, "run-7");
    // While that poll is out, the next tick does not send another.
    let again = app.update(Event::Tick(common::now() + SignedDuration::from_secs(10)));
    assert!(!again.iter().any(|e| matches!(e, Effect::PollRun { .. })));
    assert!(app.update(Event::RunPolled { index, run_id: run_id.clone(), result: Ok(RunState::Running) }).is_empty());
    let effects = app.update(Event::Tick(common::now() + SignedDuration::from_secs(20)));
    assert!(effects.iter().any(|e| matches!(e, Effect::PollRun { .. })));
    let failed = RunState::Failed("task train failed".into());
    let effects = app.update(Event::RunPolled { index, run_id, result: Ok(failed) });
    match acts(&effects).as_slice() {
        [ActionRequest::RunEnded(end)] => assert_eq!(end.state, RunState::Failed("task train failed".into())),
        other => panic!("expected the run's end to be recorded, got {other:?}"),
    }
    let (level, text) = app.message.clone().unwrap();
    assert_eq!(level, MessageLevel::Error);
    assert!(text.contains("failed: task train failed"), "{text}");
    // Ended runs are not polled again.
    let effects = app.update(Event::Tick(common::now() + SignedDuration::from_secs(60)));
    assert!(!effects.iter().any(|e| matches!(e, Effect::PollRun { .. })));
}

#[test]
fn the_alert_row_suggests_and_bang_opens_the_retrain_form_with_the_reason() {
    let mut app = app_with(vec![rule("ModelDriftHigh", Suggestion::Retrain { target: None }, false)]);
    app.update(drift_alerts(600));
    let alert = app.alerts[0].clone();
    assert_eq!(app.suggestion_label(&alert).as_deref(), Some("retrain"));
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Pane::Alerts);
    key(&mut app, KeyCode::Char('!'));
    let form = app.retrain().expect("the form, from the suggestion");
    assert_eq!(form.request.model, "churn-predictor");
    assert!(form.request.reason.starts_with("ModelDriftHigh"), "{}", form.request.reason);
}

#[test]
fn for_at_least_holds_the_suggestion_back() {
    let mut r = rule("ModelDriftHigh", Suggestion::Retrain { target: None }, false);
    r.for_at_least = Some(Duration::from_secs(30 * 60));
    let mut app = app_with(vec![r]);
    app.update(drift_alerts(600));
    assert_eq!(app.suggestion_label(&app.alerts[0].clone()), None);
}

#[test]
fn an_automatic_rule_runs_once_per_occurrence_and_the_rate_limit_suppresses_the_next() {
    let mut app = app_with(vec![rule("ModelDriftHigh", Suggestion::Retrain { target: None }, true)]);
    let effects = app.update(drift_alerts(60));
    match acts(&effects).as_slice() {
        [ActionRequest::Retrain(order)] => {
            assert!(order.automatic.as_deref().unwrap().contains("runbook rule 1"));
            assert_eq!(order.request.model, "churn-predictor");
        }
        other => panic!("expected an automatic trigger, got {other:?}"),
    }
    // The same alert on the next poll is the same occurrence: nothing more.
    assert!(acts(&app.update(drift_alerts(60))).is_empty());
    // It resolves and fires again (a new start) inside the 6 h window: suppressed, journaled.
    let effects = app.update(drift_alerts(5));
    match acts(&effects).as_slice() {
        [ActionRequest::Suppressed(s)] => {
            assert_eq!((s.model.as_str(), s.action.as_str()), ("churn-predictor", "retrain"));
            assert!(s.until > common::now());
        }
        other => panic!("expected a suppression, got {other:?}"),
    }
}

#[test]
fn automatic_rules_never_act_in_read_only_mode() {
    let mut app = app_with(vec![rule("ModelDriftHigh", Suggestion::Retrain { target: None }, true)]);
    app.settings.read_only = true;
    assert!(acts(&app.update(drift_alerts(60))).is_empty());
    assert!(app.message.as_ref().unwrap().1.contains("read-only"));
}

#[test]
fn retrain_form_snapshot() {
    let mut app = app_with(Vec::new());
    key(&mut app, KeyCode::Char('T'));
    typed(&mut app, "drift on amount");
    insta::assert_snapshot!("retrain_form", common::screen(&app, 120, 30));
    key(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("retrain_confirmation", common::screen(&app, 120, 30));
}

/// The schedule, read as the form opened, shows on the form with a warning for a run in
/// progress and one due within the hour; a far-off next run warns of nothing.
#[test]
fn the_form_shows_the_schedule_and_warns_of_a_run_in_progress_or_due_soon() {
    let mut app = app_with(Vec::new());
    key(&mut app, KeyCode::Char('T'));
    typed(&mut app, "drift on amount");
    let model = "fraud-detector";
    assert_eq!(app.schedule_text(model), Some((String::from("schedule: reading…"), Vec::<String>::new())));
    let next = app.now + SignedDuration::from_mins(40);
    let schedule = PipelineSchedule {
        description: Some("At 00:00".into()),
        paused: false,
        last: Some(LastRun { state: "running".into(), at: Some(app.now - SignedDuration::from_hours(3)) }),
        next: Some(next),
        in_progress: true,
    };
    let read =
        |s: &PipelineSchedule| Event::ScheduleRead { model: model.into(), result: Ok(ScheduleRead::Read(s.clone())) };
    assert!(app.update(read(&schedule)).is_empty());
    let (line, warnings) = app.schedule_text(model).unwrap();
    let when = next.strftime("%Y-%m-%d %H:%M UTC");
    assert_eq!(line, format!("schedule: At 00:00; last run running 3 h ago; next {when} (in 40 min)"));
    assert_eq!(warnings, ["⚠ a run is in progress", "⚠ the next scheduled run is due in 40 min"]);
    insta::assert_snapshot!("retrain_form_with_schedule", common::screen(&app, 120, 30));

    let later =
        PipelineSchedule { next: Some(app.now + SignedDuration::from_hours(2)), in_progress: false, ..schedule };
    app.update(read(&later));
    assert!(app.schedule_text(model).unwrap().0.ends_with("(in 2 h)"));
    assert!(app.schedule_text(model).unwrap().1.is_empty(), "nothing due within the hour");
    assert!(!common::screen(&app, 120, 30).contains('⚠'));

    app.update(Event::ScheduleRead { model: model.into(), result: Ok(ScheduleRead::NotKnown) });
    assert_eq!(
        app.schedule_text(model),
        Some((String::from("schedule: not known for this kind"), Vec::<String>::new()))
    );
    app.update(Event::ScheduleRead { model: model.into(), result: Err("HTTP 403".into()) });
    assert_eq!(app.schedule_text(model).unwrap().0, "schedule: could not be read: HTTP 403");
}

/// Opening the model screen reads the pipeline's schedule too; it shows with its warning.
#[test]
fn the_model_screen_reads_and_shows_the_schedule() {
    let mut app = app_with(Vec::new());
    let effects = key(&mut app, KeyCode::Enter);
    let read = Effect::ReadSchedule { model: "fraud-detector".into(), target: "demo".into() };
    assert!(effects.contains(&read), "{effects:?}");
    let schedule =
        PipelineSchedule { description: Some("nightly".into()), in_progress: true, ..PipelineSchedule::default() };
    app.update(Event::ScheduleRead { model: "fraud-detector".into(), result: Ok(ScheduleRead::Read(schedule)) });
    let screen = common::screen(&app, 120, 30);
    assert!(screen.contains("schedule: nightly; no run yet"), "{screen}");
    assert!(screen.contains("⚠ a run is in progress"), "{screen}");
}

/// A CronWorkflow keeps no next time: the one computed from its crons in its time zone
/// shows on the form as "next" with the due-soon warning. The clock is Wednesday
/// 12:00:02 UTC; 13:30 in Berlin is 12:30 UTC.
#[test]
fn the_form_shows_the_next_run_computed_from_a_cron() {
    let mut app = app_with(Vec::new());
    key(&mut app, KeyCode::Char('T'));
    let list = serde_json::json!({"items": [{"metadata": {"name": "retrain-weekdays"},
        "spec": {"schedules": ["0 3 * * *", "30 13 * * MON-FRI"], "timezone": "Europe/Berlin",
                 "workflowSpec": {"workflowTemplateRef": {"name": "retrain-model"}}},
        "status": {"lastScheduledTime": "2026-11-25T02:00:00Z"}}]});
    let schedule = argo_schedule::parse(&list, "retrain-model", app.now);
    assert_eq!(schedule.next, Some("2026-11-25T12:30:00Z".parse().unwrap()));
    let model = "fraud-detector";
    app.update(Event::ScheduleRead { model: model.into(), result: Ok(ScheduleRead::Read(schedule)) });
    let (line, warnings) = app.schedule_text(model).unwrap();
    assert!(line.ends_with("; last run scheduled 10 h ago; next 2026-11-25 12:30 UTC (in 29 min)"), "{line}");
    assert_eq!(warnings, ["⚠ the next scheduled run is due in 29 min"]);
    insta::assert_snapshot!("retrain_form_with_cron_schedule", common::screen(&app, 120, 30));
}
