//! Champion against challenger on the versions screen, in the pure state update: the
//! default pick, the operator's pick held by version, the fetch as an effect, the key that
//! rolls back to the better version, and the pane as a snapshot.

mod common;

use std::time::Duration;

use common::keys::{act, key};
use crossterm::event::KeyCode;
use modeldeck::app::{App, MessageLevel, Modal};
use modeldeck::domain::{Effect, Event, ModelVersion, RegisteredModel, WindowComparison, WindowFigures};
use modeldeck::domain::{RollbackSpec, SpecBackend, VersionsSnapshot};
use modeldeck::input::keymap::Command;

const HOUR: Duration = Duration::from_secs(3600);

fn version(v: &str) -> ModelVersion {
    ModelVersion {
        version: v.into(),
        created: Some(common::now() - jiff::SignedDuration::from_hours(24 * (5 - v.parse::<i64>().unwrap()))),
        source: format!("s3://models/fraud/{v}"),
        description: format!("build {v}"),
        status: "READY".into(),
        tags: vec![("validation_status".into(), "approved".into())],
        ..Default::default()
    }
}

/// Versions `listed` (newest first) with 3 live.
fn snapshot(listed: &[&str]) -> VersionsSnapshot {
    VersionsSnapshot {
        model: "fraud-detector".into(),
        registered: Some(RegisteredModel {
            name: "fraud-detector".into(),
            versions: listed.iter().map(|v| version(v)).collect(),
            aliases: vec![("champion".into(), "3".into())],
            ..Default::default()
        }),
        live: Some("3".into()),
        spec: Some(RollbackSpec {
            backend: SpecBackend::Mlflow { registry: "http://127.0.0.1:5000".into() },
            registered_model: "fraud-detector".into(),
            alias: "champion".into(),
            validation_tag: "validation_status".into(),
            validated_values: vec!["approved".into()],
            allow_override: false,
        }),
        ..Default::default()
    }
}

fn figures(version: &str, throughput: f64, counts: Option<(f64, f64)>, gauge: Option<f64>) -> WindowFigures {
    WindowFigures {
        version: version.into(),
        accuracy_gauge: gauge,
        correct: counts.map(|c| c.0),
        predictions: counts.map(|c| c.1),
        latency_p95: Some(0.052),
        latency_mean: Some(0.021),
        throughput: Some(throughput),
        error_rate: Some(0.004),
    }
}

/// 3 (live) on most traffic, 2 on a canary slice and better, 4 and 1 idle.
fn canary() -> WindowComparison {
    let mut two = figures("2", 4.2, Some((5_520.0, 6_000.0)), Some(0.92));
    two.latency_p95 = Some(0.061);
    two.latency_mean = Some(0.018);
    two.error_rate = Some(0.002);
    WindowComparison {
        model: "fraud-detector".into(),
        window: HOUR,
        versions: vec![
            figures("1", 0.0, None, None),
            two,
            figures("3", 38.0, Some((44_800.0, 50_000.0)), Some(0.896)),
            figures("4", 0.0, None, Some(0.93)),
        ],
        warnings: Vec::new(),
    }
}

/// The app on fraud-detector's versions screen, loaded; returns the comparison's seq.
fn on_versions(listed: &[&str]) -> (App, u64) {
    let mut app = common::app(5, 2);
    let effects = act(&mut app, Command::Versions(None));
    let Some(Effect::LoadVersions { seq, .. }) = effects.first().cloned() else { panic!("{effects:?}") };
    let effects = app.update(Event::VersionsLoaded { seq, result: Ok(Box::new(snapshot(listed))) });
    let [Effect::CompareVersions { model, window, seq }] = &effects[..] else { panic!("{effects:?}") };
    assert_eq!((model.as_str(), *window), ("fraud-detector", HOUR), "the model, over the default window");
    let seq = *seq;
    (app, seq)
}

fn compared(app: &mut App, seq: u64, window: WindowComparison) {
    app.update(Event::VersionsCompared { seq, result: Ok(Box::new(window)) });
}

fn pair(app: &App) -> (Option<String>, Option<String>) {
    let pair = app.comparison_pair();
    (pair.champion, pair.challenger)
}

fn select(app: &mut App, version: &str) {
    let at = app.versions.as_ref().unwrap().versions().iter().position(|v| v.version == version).unwrap();
    act(app, Command::Top);
    for _ in 0..at {
        act(app, Command::Down);
    }
}

#[test]
fn the_default_pair_is_the_live_version_and_the_newest_other_serving_traffic() {
    let (mut app, seq) = on_versions(&["4", "3", "2", "1"]);
    assert_eq!(pair(&app), (Some("3".into()), None), "nothing known to serve yet");
    compared(&mut app, seq, canary());
    assert_eq!(pair(&app), (Some("3".into()), Some("2".into())), "4 is newer but serves nothing");
    // An answer to an older request changes nothing.
    let mut stale = canary();
    stale.versions.retain(|f| f.version != "2");
    compared(&mut app, seq - 1, stale);
    assert_eq!(pair(&app).1.as_deref(), Some("2"));
}

#[test]
fn c_marks_the_challenger_by_version_and_a_reload_keeps_it() {
    let (mut app, seq) = on_versions(&["4", "3", "2", "1"]);
    compared(&mut app, seq, canary());
    select(&mut app, "1");
    assert!(act(&mut app, Command::Challenger).is_empty());
    assert_eq!(pair(&app), (Some("3".into()), Some("1".into())));
    assert!(app.versions.as_ref().unwrap().compare.open, "marking opens the comparison");

    // A new version arrives on reload: every row moves down one, the pick stays on 1.
    let effects = act(&mut app, Command::Refresh);
    let Some(Effect::LoadVersions { seq, .. }) = effects.first().cloned() else { panic!("{effects:?}") };
    let effects = app.update(Event::VersionsLoaded { seq, result: Ok(Box::new(snapshot(&["5", "4", "3", "2", "1"]))) });
    assert!(matches!(&effects[..], [Effect::CompareVersions { .. }]), "a reload reloads the figures: {effects:?}");
    assert_eq!(pair(&app).1.as_deref(), Some("1"));

    // The champion cannot be its own challenger.
    select(&mut app, "3");
    act(&mut app, Command::Challenger);
    assert_eq!(pair(&app).1.as_deref(), Some("1"));
    let (level, text) = app.message.clone().unwrap();
    assert_eq!(level, MessageLevel::Error);
    assert!(text.contains("version 3 is the champion"), "{text}");
}

#[test]
fn compare_toggles_the_pane_and_fetches_when_nothing_is_there() {
    let (mut app, _) = on_versions(&["4", "3", "2", "1"]);
    // The first answer never came: opening asks again.
    app.versions.as_mut().unwrap().compare.loading = false;
    let effects = act(&mut app, Command::Compare);
    assert!(matches!(&effects[..], [Effect::CompareVersions { .. }]), "{effects:?}");
    assert!(app.versions.as_ref().unwrap().compare.open);
    assert!(act(&mut app, Command::Compare).is_empty());
    assert!(!app.versions.as_ref().unwrap().compare.open);
}

#[test]
fn b_opens_the_rollback_confirmation_for_the_better_version() {
    let (mut app, seq) = on_versions(&["4", "3", "2", "1"]);
    compared(&mut app, seq, canary());
    act(&mut app, Command::RollbackBetter);
    assert!(app.modal.is_none(), "only from the comparison");
    assert!(app.message.as_ref().unwrap().1.contains("open the comparison first (C)"), "{:?}", app.message);

    act(&mut app, Command::Compare);
    // The cursor is elsewhere: the target is the better version, not the selected row.
    select(&mut app, "4");
    assert!(act(&mut app, Command::RollbackBetter).is_empty(), "a confirmation first, nothing sent");
    let form = app.rollback().expect("the rollback confirmation");
    assert_eq!((form.plan.current.as_deref(), form.plan.target.as_str()), (Some("3"), "2"));
    key(&mut app, KeyCode::Esc);
    assert!(app.modal.is_none());
}

#[test]
fn b_does_nothing_when_the_better_version_is_already_live() {
    let (mut app, seq) = on_versions(&["4", "3", "2", "1"]);
    let mut worse = canary();
    worse.versions[1] = figures("2", 4.2, Some((5_100.0, 6_000.0)), None);
    compared(&mut app, seq, worse);
    act(&mut app, Command::Compare);
    assert!(act(&mut app, Command::RollbackBetter).is_empty());
    assert!(!matches!(app.modal, Some(Modal::Rollback(_))));
    let (_, text) = app.message.clone().unwrap();
    assert!(text.contains("version 3 is the better by accuracy and already live"), "{text}");
}

#[test]
fn read_only_refuses_the_rollback_from_the_comparison() {
    let (mut app, seq) = on_versions(&["4", "3", "2", "1"]);
    app.settings.read_only = true;
    compared(&mut app, seq, canary());
    act(&mut app, Command::Compare);
    act(&mut app, Command::RollbackBetter);
    assert!(app.modal.is_none());
}

#[test]
fn not_a_number_from_prometheus_never_panics() {
    let (mut app, seq) = on_versions(&["4", "3", "2", "1"]);
    let mut odd = canary();
    for f in &mut odd.versions {
        f.accuracy_gauge = Some(f64::NAN);
        f.correct = Some(f64::INFINITY);
        f.latency_p95 = Some(f64::NEG_INFINITY);
        f.error_rate = Some(f64::NAN);
    }
    compared(&mut app, seq, odd);
    act(&mut app, Command::Compare);
    let screen = common::screen(&app, 100, 30);
    assert!(screen.contains("champion 3 vs challenger 2"), "{screen}");
    act(&mut app, Command::RollbackBetter);
    assert!(app.modal.is_none());
}

#[test]
fn comparison_with_counts_100x30() {
    let (mut app, seq) = on_versions(&["4", "3", "2", "1"]);
    compared(&mut app, seq, canary());
    act(&mut app, Command::Compare);
    let screen = common::screen(&app, 100, 30);
    assert!(screen.contains("significant at 95 % (p < 0.001, n = 50,000 / 6,000"), "{screen}");
    assert!(screen.contains("B rolls back to 2"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn comparison_without_counts_says_so() {
    let (mut app, seq) = on_versions(&["4", "3", "2", "1"]);
    let mut gauges = canary();
    for f in &mut gauges.versions {
        (f.correct, f.predictions) = (None, None);
    }
    compared(&mut app, seq, gauges);
    act(&mut app, Command::Compare);
    let screen = common::screen(&app, 100, 30);
    assert!(screen.contains("significance cannot be computed without prediction counts"), "{screen}");
    assert!(screen.contains("+0.024 better"), "{screen}");
}
