//! The versions screen and the rollback flow in the pure state update: opening, the cursor,
//! the confirmation's fields, the validation gate, production's typed name, read-only
//! refusal, and what a finished rollback does to the screen. Also the screens, as snapshots.

mod common;

use common::keys::{act, ctrl, key, typed};

use crossterm::event::KeyCode;
use modeldeck::app::{App, MessageLevel, RollbackStage, Screen};
use modeldeck::domain::RollbackPlan;
use modeldeck::domain::{ActionOutcome, ActionReport, ActionRequest, ReportKind};
use modeldeck::domain::{DatasetInput, Lineage, ModelVersion, RegisteredModel};
use modeldeck::domain::{Effect, Event};
use modeldeck::domain::{GovernanceFacts, RollbackSpec, SpecBackend, VersionFigures, VersionsSnapshot};
use modeldeck::input::keymap::Command;

fn version(v: &str, validation: &str) -> ModelVersion {
    ModelVersion {
        version: v.into(),
        created: Some(common::now() - jiff::SignedDuration::from_hours(24 * (4 - v.parse::<i64>().unwrap()))),
        source: format!("s3://models/fraud/{v}"),
        run_id: format!("run-{v}"),
        description: format!("build {v}"),
        status: "READY".into(),
        tags: vec![("validation_status".into(), validation.into())],
        aliases: if v == "3" { vec!["champion".into()] } else { Vec::new() },
        lineage: lineage(v),
    }
}

/// v1's run logged no data; the others trained on that month's transactions.
fn lineage(v: &str) -> Lineage {
    if v == "1" {
        return Lineage::Datasets(Vec::new());
    }
    Lineage::Datasets(vec![DatasetInput {
        name: format!("transactions-0{v}"),
        digest: format!("a1b2c{v}"),
        source_type: "s3".into(),
        source: format!("s3://data/tx-0{v}.parquet"),
        context: "training".into(),
    }])
}

fn snapshot(allow_override: bool) -> VersionsSnapshot {
    VersionsSnapshot {
        model: "fraud-detector".into(),
        registered: Some(RegisteredModel {
            name: "fraud-detector".into(),
            description: "card fraud classifier".into(),
            tags: vec![("owner".into(), "risk-ml".into())],
            aliases: vec![("champion".into(), "3".into())],
            versions: vec![version("3", "approved"), version("2", "approved"), version("1", "pending")],
        }),
        live: Some("3".into()),
        spec: Some(RollbackSpec {
            backend: SpecBackend::Mlflow { registry: "http://127.0.0.1:5000".into() },
            registered_model: "fraud-detector".into(),
            alias: "champion".into(),
            validation_tag: "validation_status".into(),
            validated_values: vec!["approved".into()],
            allow_override,
        }),
        governance: GovernanceFacts {
            owner: Some("risk-ml".into()),
            description: Some("card fraud classifier".into()),
            validation: Some("approved".into()),
            ..Default::default()
        },
        figures: vec![
            VersionFigures { version: "3".into(), accuracy: Some(0.851), latency: Some(0.052) },
            VersionFigures { version: "2".into(), accuracy: Some(0.958), latency: Some(0.047) },
        ],
        warnings: Vec::new(),
    }
}

/// The app on fraud-detector's versions screen, loaded.
fn on_versions(production: bool, allow_override: bool) -> App {
    let mut app = common::app(5, 2);
    if production {
        act(&mut app, Command::Environment(None));
        app.update(common::update(
            modeldeck::domain::SourceId::Prometheus,
            modeldeck::domain::SourceData::Fleet(common::fleet(5)),
            app.generation,
        ));
    }
    let effects = act(&mut app, Command::Versions(None));
    let Some(Effect::LoadVersions { model, seq }) = effects.first().cloned() else {
        panic!("v asks for the versions: {effects:?}")
    };
    assert_eq!(model, "fraud-detector");
    app.update(Event::VersionsLoaded { seq, result: Ok(Box::new(snapshot(allow_override))) });
    app
}

fn plan_of(effects: &[Effect]) -> &RollbackPlan {
    match effects {
        [Effect::Act(request)] => match request.as_ref() {
            ActionRequest::Rollback(plan) => plan,
            other => panic!("not a rollback: {other:?}"),
        },
        other => panic!("expected one action, got {other:?}"),
    }
}

#[test]
fn v_opens_the_versions_with_the_cursor_after_the_live_version() {
    let app = on_versions(false, false);
    assert_eq!(app.screen, Screen::Versions("fraud-detector".into()));
    let view = app.versions.as_ref().unwrap();
    assert_eq!(view.selected_version().map(|v| v.version.as_str()), Some("2"));
}

#[test]
fn an_old_answer_is_dropped() {
    let mut app = on_versions(false, false);
    let seq = app.versions.as_ref().unwrap().seq;
    let mut stale = snapshot(false);
    stale.live = Some("1".into());
    app.update(Event::VersionsLoaded { seq: seq - 1, result: Ok(Box::new(stale)) });
    assert_eq!(app.versions.as_ref().unwrap().snapshot.as_ref().unwrap().live.as_deref(), Some("3"));
}

#[test]
fn rollback_needs_a_note_then_sends_the_plan_the_form_showed() {
    let mut app = on_versions(false, false);
    assert!(act(&mut app, Command::Rollback).is_empty());
    let form = app.rollback().expect("the confirmation is open");
    assert_eq!((form.plan.current.as_deref(), form.plan.target.as_str()), (Some("3"), "2"));
    assert!(form.plan.request[0].contains("registered-models/alias"), "{:?}", form.plan.request);
    assert!(form.plan.request[0].contains(r#""version":"2""#), "{:?}", form.plan.request);

    // Enter without a note does nothing but say why.
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(app.rollback().unwrap().error.as_deref().unwrap().contains("change note"));

    typed(&mut app, "accuracy fell after v3");
    let effects = key(&mut app, KeyCode::Enter);
    let plan = plan_of(&effects);
    assert_eq!(plan.model, "fraud-detector");
    assert_eq!((plan.current.as_deref(), plan.target.as_str()), (Some("3"), "2"));
    assert_eq!(plan.note, "accuracy fell after v3");
    assert!(plan.validated && !plan.override_validation);
    assert_eq!(plan.target_data, ["transactions-02@a1b2c2 (training)"]);
    assert_eq!(app.rollback().unwrap().stage, RollbackStage::Running);
    assert!(app.busy.as_deref().unwrap().contains("3 → 2"));
    // Keys do nothing while it runs.
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert!(app.rollback().is_some());
}

#[test]
fn the_confirmation_names_the_targets_data_or_says_unknown() {
    let mut app = on_versions(false, true);
    act(&mut app, Command::Rollback);
    let screen = common::screen(&app, 120, 30);
    assert!(screen.contains("trained on  transactions-02@a1b2c2 (training)"), "{screen}");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('j'));
    act(&mut app, Command::Rollback);
    assert_eq!(app.rollback().unwrap().plan.target, "1");
    assert!(app.rollback().unwrap().plan.target_data.is_empty());
    let screen = common::screen(&app, 120, 30);
    assert!(screen.contains("trained on  unknown"), "{screen}");
}

#[test]
fn outside_dataset_names_stay_raw_in_state_and_inert_on_screen() {
    let mut app = common::app(5, 2);
    let hostile =
        DatasetInput { name: "tx\u{1b}]0;pwned\u{7}".into(), context: "training".into(), ..Default::default() };
    let mut snapshot = snapshot(true);
    snapshot.registered.as_mut().unwrap().versions[1].lineage = Lineage::Datasets(vec![hostile]);
    let seq = match act(&mut app, Command::Versions(None)).first() {
        Some(Effect::LoadVersions { seq, .. }) => *seq,
        other => panic!("a reload: {other:?}"),
    };
    app.update(Event::VersionsLoaded { seq, result: Ok(Box::new(snapshot)) });
    act(&mut app, Command::Rollback);
    assert_eq!(app.rollback().unwrap().plan.target_data, ["tx\u{1b}]0;pwned\u{7} (training)"]);
    let screen = common::screen(&app, 120, 30);
    assert!(!screen.contains('\u{1b}') && !screen.contains('\u{7}'), "{screen:?}");
    assert!(screen.contains("trained on  tx"), "{screen}");
}

#[test]
fn production_asks_for_the_model_name() {
    let mut app = on_versions(true, false);
    act(&mut app, Command::Rollback);
    typed(&mut app, "roll back");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(app.rollback().unwrap().error.as_deref().unwrap().contains("type the model name"));
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "fraud-detectr");
    assert!(key(&mut app, KeyCode::Enter).is_empty(), "a typo does not confirm");
    key(&mut app, KeyCode::Backspace);
    typed(&mut app, "or");
    let effects = key(&mut app, KeyCode::Enter);
    assert_eq!(plan_of(&effects).target, "2");
}

#[test]
fn an_unvalidated_target_is_refused_when_overrides_are_off() {
    let mut app = on_versions(false, false);
    act(&mut app, Command::Bottom);
    assert!(act(&mut app, Command::Rollback).is_empty());
    assert!(app.rollback().is_none());
    let (level, text) = app.message.clone().unwrap();
    assert_eq!(level, MessageLevel::Error);
    assert!(text.contains("refused") && text.contains("pending"), "{text}");
}

#[test]
fn an_unvalidated_target_needs_the_explicit_override_when_allowed() {
    let mut app = on_versions(false, true);
    act(&mut app, Command::Bottom);
    act(&mut app, Command::Rollback);
    typed(&mut app, "v2 broke too, going to v1");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(app.rollback().unwrap().error.as_deref().unwrap().contains("not validated"));
    ctrl(&mut app, 'o');
    let effects = key(&mut app, KeyCode::Enter);
    let plan = plan_of(&effects);
    assert_eq!(plan.target, "1");
    assert!(!plan.validated && plan.override_validation);
    assert_eq!(plan.validation.as_deref(), Some("pending"));
}

#[test]
fn the_live_version_is_not_a_target() {
    let mut app = on_versions(false, false);
    act(&mut app, Command::Top);
    act(&mut app, Command::Rollback);
    assert!(app.rollback().is_none());
    assert!(app.message.as_ref().unwrap().1.contains("already live"));
}

#[test]
fn read_only_refuses_before_any_form() {
    let mut app = on_versions(false, false);
    app.settings.read_only = true;
    assert!(act(&mut app, Command::Rollback).is_empty());
    assert!(app.rollback().is_none());
    assert!(app.message.as_ref().unwrap().1.starts_with("read-only"));
}

#[test]
fn esc_cancels_without_effects() {
    let mut app = on_versions(false, false);
    act(&mut app, Command::Rollback);
    typed(&mut app, "x");
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert!(app.rollback().is_none());
    assert!(app.message.as_ref().unwrap().1.contains("nothing was changed"));
}

#[test]
fn a_finished_rollback_closes_the_form_and_reloads_the_versions() {
    let mut app = on_versions(false, false);
    act(&mut app, Command::Rollback);
    typed(&mut app, "note");
    key(&mut app, KeyCode::Enter);
    let report = ActionReport {
        kind: ReportKind::Rollback,
        started: None,
        ok: false,
        outcome: ActionOutcome::Failed,
        message: "rollback FAILED (fraud-detector 3 → 2): INVALID_PARAMETER_VALUE: nope".into(),
        entry: None,
        read_back: None,
    };
    let effects = app.update(Event::ActionFinished(Box::new(report)));
    assert!(app.rollback().is_none());
    assert!(effects.iter().any(|e| matches!(e, Effect::LoadVersions { .. })), "{effects:?}");
    let (level, text) = app.message.clone().unwrap();
    assert_eq!(level, MessageLevel::Error);
    assert!(text.contains("INVALID_PARAMETER_VALUE"));
    assert!(app.busy.is_none());
}

#[test]
fn esc_goes_back_where_the_screen_was_opened() {
    let mut app = on_versions(false, false);
    act(&mut app, Command::Back);
    assert_eq!(app.screen, Screen::Overview);
}

#[test]
fn versions_screen_snapshot() {
    let app = on_versions(false, false);
    insta::assert_snapshot!(common::screen(&app, 120, 30));
}

#[test]
fn rollback_confirmation_snapshot_in_production() {
    let mut app = on_versions(true, false);
    act(&mut app, Command::Rollback);
    typed(&mut app, "accuracy fell after v3");
    insta::assert_snapshot!(common::screen(&app, 120, 30));
}

/// What a rollback decides on (version, date, validation) shows whole at 80 columns; the
/// source column gives way first, then the status.
#[test]
fn versions_screen_80x24() {
    let app = on_versions(false, false);
    let screen = common::screen(&app, 80, 24);
    let header = screen.lines().find(|l| l.contains("VERSION")).unwrap();
    assert!(header.contains("CREATED UTC") && header.contains("VALIDATION"), "{screen}");
    assert!(!header.contains("SOURCE"), "the source gives way first: {screen}");
    let row = screen.lines().find(|l| l.contains("▶")).unwrap();
    assert!(row.contains("11-24 12:00") && row.contains("approved"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn versions_screen_200x60() {
    let app = on_versions(false, false);
    let screen = common::screen(&app, 200, 60);
    let header = screen.lines().find(|l| l.contains("VERSION")).unwrap();
    for column in ["CREATED UTC", "VALIDATION", "STATUS", "SOURCE / RUN"] {
        assert!(header.contains(column), "{column}: {screen}");
    }
    assert!(screen.contains("s3://models/fraud/3"), "{screen}");
    insta::assert_snapshot!(screen);
}
