//! Acting on what the operator sees, in the pure state update: cursors held by identity
//! through re-sorts and refreshes, a vanished item handing the cursor to its neighbour (and
//! the footer saying so), one target for every key, the "already silenced" warning, the
//! labels left out of a silence, and the one health verdict.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::SignedDuration;
use modeldeck::app::{App, Pane, RetrainTargets, Screen};
use modeldeck::backends::pipelines::RetrainTarget;
use modeldeck::domain::ActionRequest;
use modeldeck::domain::{
    AlertSnapshot, AlertState, CellValue, ColumnId, FleetSnapshot, Severity, SourceData, SourceId, Status,
};
use modeldeck::domain::{Effect, Event};
use modeldeck::domain::{Matcher, Silence, SilenceState};

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn press(app: &mut App, c: char) -> Vec<Effect> {
    key(app, KeyCode::Char(c))
}

/// A fleet refresh with accuracy per model (the other columns empty).
fn accuracy(values: &[(&str, f64)]) -> Event {
    let column: HashMap<String, CellValue> =
        values.iter().map(|(m, v)| (m.to_string(), CellValue::Number(*v))).collect();
    let versions: HashMap<String, CellValue> =
        values.iter().map(|(m, _)| (m.to_string(), CellValue::Text("7".into()))).collect();
    let snapshot = FleetSnapshot {
        columns: vec![(ColumnId::Accuracy, Ok(column)), (ColumnId::Version, Ok(versions))],
        pending_alerts: Vec::new(),
    };
    common::update(SourceId::Prometheus, SourceData::Fleet(snapshot), 1)
}

fn alerts(list: Vec<modeldeck::domain::Alert>) -> Event {
    let snapshot = AlertSnapshot {
        alerts: list.into_iter().map(std::sync::Arc::new).collect(),
        peer: "am".into(),
        ..AlertSnapshot::default()
    };
    common::update(SourceId::Alertmanager, SourceData::Alerts(snapshot), 1)
}

fn selected_model(app: &App) -> Option<&str> {
    app.selected_model().map(|r| r.name.as_str())
}

#[test]
fn the_models_cursor_stays_on_its_model_when_health_reorders_the_rows() {
    let mut app = common::app(0, 0);
    app.update(accuracy(&[("a", 0.99), ("b", 0.98), ("c", 0.97)]));
    press(&mut app, 'j');
    assert_eq!(selected_model(&app), Some("b"));
    // b turns critical and sorts to the top; the row number it had now holds another model.
    app.update(accuracy(&[("a", 0.99), ("b", 0.50), ("c", 0.97)]));
    assert_eq!(app.fleet.visible_rows().next().map(|r| r.name.as_str()), Some("b"));
    assert_eq!((selected_model(&app), app.fleet_selected()), (Some("b"), 0));
    assert_eq!(app.message, None, "nothing vanished: nothing to say");
}

#[test]
fn a_model_that_drops_out_hands_the_cursor_to_its_neighbour_and_the_footer_says_so() {
    let mut app = common::app(0, 0);
    app.update(accuracy(&[("a", 0.99), ("b", 0.98), ("c", 0.97)]));
    press(&mut app, 'j');
    app.update(accuracy(&[("a", 0.99), ("c", 0.97)]));
    assert_eq!(selected_model(&app), Some("c"), "the model that followed it");
    let (_, text) = app.message.clone().expect("a notice");
    assert_eq!(text, "b is no longer listed; cursor on c");
}

#[test]
fn the_alerts_cursor_follows_its_alert_and_a_then_shift_a_act_on_the_same_one() {
    let mut app = common::app(3, 0);
    let warn = common::alert("ModelDriftHigh", Severity::Warning, "churn-predictor", AlertState::Active, 60);
    let crit = common::alert("ModelAccuracyLow", Severity::Critical, "fraud-detector", AlertState::Active, 60);
    app.update(alerts(vec![warn.clone(), crit.clone()]));
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.target().alert.map(|a| a.name), Some("ModelAccuracyLow".into()), "critical first");
    press(&mut app, 'j');
    assert_eq!(app.target().alert.map(|a| a.name), Some("ModelDriftHigh".into()));

    // The drift alert is silenced and sorts below another critical one: the cursor goes with it.
    let mut silenced = warn.clone();
    silenced.state = AlertState::Silenced;
    silenced.silenced_by = vec!["s-1".into()];
    let other = common::alert("GpuTooHot", Severity::Critical, "recsys-ranker", AlertState::Active, 30);
    app.update(alerts(vec![silenced, crit, other]));
    let target = app.target();
    assert_eq!(target.alert.as_ref().map(|a| a.name.as_str()), Some("ModelDriftHigh"));
    assert_eq!(target.model.as_deref(), Some("churn-predictor"));
    assert_eq!(app.alert_selected(), 2);
    press(&mut app, 'A');
    let confirm = app.confirm().expect("the un-acknowledge confirmation");
    assert_eq!(confirm.lines[0], "Expire 1 silence(s) muting ModelDriftHigh on churn-predictor:");
    assert!(matches!(
        &confirm.request,
        Some(ActionRequest::ExpireSilences { ids, alert: Some(a), .. }) if ids == &["s-1".to_string()] && a.name == "ModelDriftHigh"
    ));
}

#[test]
fn a_resolved_alert_moves_the_cursor_to_a_neighbour_with_a_notice() {
    let mut app = common::app(3, 0);
    let a = common::alert("ModelAccuracyLow", Severity::Critical, "fraud-detector", AlertState::Active, 60);
    let b = common::alert("ModelDriftHigh", Severity::Warning, "churn-predictor", AlertState::Active, 60);
    app.update(alerts(vec![a.clone(), b]));
    key(&mut app, KeyCode::Tab);
    press(&mut app, 'j');
    app.update(alerts(vec![a]));
    // The row that followed it: Prometheus's pending alert, listed after Alertmanager's.
    assert_eq!(app.target().alert.map(|a| a.name), Some("ModelErrorsSlowBurn".into()));
    let (_, text) = app.message.clone().expect("a notice");
    assert_eq!(
        text,
        "ModelDriftHigh on churn-predictor is no longer listed; cursor on ModelErrorsSlowBurn on churn-predictor"
    );
}

#[test]
fn an_unfocused_alerts_pane_starts_on_its_most_urgent_alert() {
    let mut app = common::app(3, 0);
    let pending = common::alert("Slow", Severity::Warning, "churn-predictor", AlertState::Pending, 60);
    let mut fleet_with_pending = common::fleet(3);
    fleet_with_pending.pending_alerts = vec![pending];
    app.update(common::update(SourceId::Prometheus, SourceData::Fleet(fleet_with_pending), 1));
    let crit = common::alert("ModelAccuracyLow", Severity::Critical, "fraud-detector", AlertState::Active, 60);
    app.update(alerts(vec![crit]));
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.target().alert.map(|a| a.name), Some("ModelAccuracyLow".into()));
}

/// The app with the demo pipeline for every model, on the drift alert of churn-predictor in
/// the alerts pane, while the models pane's cursor is on fraud-detector.
fn on_drift_alert() -> App {
    let mut app = common::app(5, 2);
    app.settings.retrain = RetrainTargets(Arc::new(vec![("*".into(), RetrainTarget::demo())]));
    let crit = common::alert("ModelAccuracyLow", Severity::Critical, "fraud-detector", AlertState::Active, 60);
    let drift = common::alert("ModelDriftHigh", Severity::Warning, "churn-predictor", AlertState::Active, 60);
    app.update(alerts(vec![crit, drift]));
    assert_eq!(selected_model(&app), Some("fraud-detector"));
    key(&mut app, KeyCode::Tab);
    press(&mut app, 'j');
    assert_eq!(app.focus, Pane::Alerts);
    assert_eq!(app.target().model.as_deref(), Some("churn-predictor"));
    app
}

#[test]
fn from_the_alerts_pane_v_r_t_n_and_enter_act_on_the_alerts_model() {
    let mut app = on_drift_alert();
    let effects = press(&mut app, 'v');
    assert_eq!(app.screen, Screen::Versions("churn-predictor".into()));
    assert!(matches!(&effects[..], [Effect::LoadVersions { model, .. }] if model == "churn-predictor"));
    let target = app.target();
    assert_eq!(target.alert.map(|a| a.name), Some("ModelDriftHigh".into()), "the alert stays part of the target");
    key(&mut app, KeyCode::Esc);

    let effects = press(&mut app, 'R');
    assert_eq!(app.screen, Screen::Versions("churn-predictor".into()));
    assert!(matches!(&effects[..], [Effect::LoadVersions { model, .. }] if model == "churn-predictor"));
    assert!(app.versions.as_ref().is_some_and(|v| v.pick_validated), "R picks the last validated version");
    key(&mut app, KeyCode::Esc);

    press(&mut app, 'T');
    let form = app.retrain().expect("the retrain form");
    assert_eq!(form.request.model, "churn-predictor");
    assert_eq!(form.target.alert.as_ref().map(|a| a.name.as_str()), Some("ModelDriftHigh"));
    assert!(form.request.reason.starts_with("ModelDriftHigh"), "{}", form.request.reason);
    key(&mut app, KeyCode::Esc);

    press(&mut app, 'n');
    let subject = &app.editor().expect("the note editor").subject;
    assert_eq!(subject.model.as_deref(), Some("churn-predictor"));
    assert_eq!(subject.alertname.as_deref(), Some("ModelDriftHigh"));
    key(&mut app, KeyCode::Esc);

    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Model("churn-predictor".into()));
    assert_eq!(app.target().alert.map(|a| a.name), Some("ModelDriftHigh".into()));
}

fn silence(id: &str, ends_in: SignedDuration, app: &App) -> Silence {
    Silence {
        id: id.into(),
        matchers: vec![Matcher::equal("alertname", "ModelDriftHigh"), Matcher::equal("model", "churn-predictor")],
        starts_at: app.now - SignedDuration::from_mins(5),
        ends_at: app.now + ends_in,
        created_by: "bob@ops-2".into(),
        comment: "retraining tonight".into(),
        state: SilenceState::Active,
        updated_at: None,
    }
}

#[test]
fn acknowledging_a_silenced_alert_warns_and_offers_to_extend_instead() {
    let mut app = common::app(5, 0);
    let mut drift = common::alert("ModelDriftHigh", Severity::Warning, "churn-predictor", AlertState::Silenced, 60);
    drift.silenced_by = vec!["s-short".into(), "s-long".into()];
    let silences = vec![
        silence("s-short", SignedDuration::from_mins(10), &app),
        silence("s-long", SignedDuration::from_mins(40), &app),
    ];
    let snapshot = AlertSnapshot {
        alerts: vec![std::sync::Arc::new(drift)],
        peer: "am".into(),
        silences,
        ..AlertSnapshot::default()
    };
    app.update(common::update(SourceId::Alertmanager, SourceData::Alerts(snapshot), 1));
    key(&mut app, KeyCode::Tab);

    assert!(press(&mut app, 'a').is_empty(), "no form, no preview: a warning first");
    assert!(app.ack().is_none());
    let confirm = app.confirm().cloned().expect("the warning");
    assert_eq!(confirm.title, "Already silenced");
    assert_eq!(confirm.lines[0], "ModelDriftHigh on churn-predictor is already silenced by:");
    assert!(confirm.lines.iter().any(|l| l.contains("s-short") && l.contains("bob@ops-2")), "{:?}", confirm.lines);
    // E extends the silence that ends last, by the default duration.
    let effects = press(&mut app, 'E');
    let [Effect::Act(request)] = &effects[..] else { panic!("{effects:?}") };
    let ActionRequest::ExtendSilence { silence, ends_at, .. } = request.as_ref() else { panic!("{request:?}") };
    assert_eq!(silence.id, "s-long");
    assert_eq!(*ends_at, app.now + SignedDuration::from_mins(40) + SignedDuration::from_hours(1));

    // `a` again: the warning, then `a` opens the form anyway.
    press(&mut app, 'a');
    let effects = press(&mut app, 'a');
    assert!(app.confirm().is_none());
    assert!(app.ack().is_some(), "a second silence only when asked for");
    assert!(matches!(&effects[..], [Effect::PreviewSilence { .. }]));
}

#[test]
fn labels_that_change_across_a_rollback_are_unticked_by_default() {
    let mut app = common::app(5, 0);
    let mut alert = common::alert("ModelAccuracyLow", Severity::Critical, "fraud-detector", AlertState::Active, 60);
    alert.labels.insert("version", "3".into());
    alert.labels.insert("pod", "fraud-7d9c".into());
    app.update(alerts(vec![alert]));
    key(&mut app, KeyCode::Tab);
    let effects = press(&mut app, 'a');
    let form = app.ack().expect("the form");
    let ticked: Vec<&str> = form.rows.iter().filter(|r| r.enabled).map(|r| r.matcher.name.as_str()).collect();
    assert_eq!(ticked, ["alertname", "model", "severity"]);
    assert!(form.rows.iter().filter(|r| !r.enabled).all(|r| r.volatile));
    assert!(matches!(&effects[..], [Effect::PreviewSilence { matchers, .. }] if matchers.len() == 3));
}

#[test]
fn one_health_verdict_for_the_mark_and_the_sort() {
    let mut app = common::app(0, 0);
    app.update(accuracy(&[("quiet", 0.99), ("warned", 0.99)]));
    let warning = common::alert("LatencyHigh", Severity::Warning, "warned", AlertState::Active, 60);
    app.update(alerts(vec![warning]));
    let warned = app.fleet.find("warned").unwrap();
    assert_eq!(warned.health(), Status::Warn, "a firing warning alert is a warning, whatever the cells say");
    assert_eq!(app.fleet.find("quiet").unwrap().health(), Status::Ok);
    assert_eq!(app.fleet.visible_rows().next().map(|r| r.name.as_str()), Some("warned"), "the health sort agrees");
}
