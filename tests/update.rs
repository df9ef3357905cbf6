//! The pure state update: keys, filter, focus, sorting and environment switches, with no
//! terminal and no network.

mod common;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use modeldeck::app::{App, InputKind, Pane, Screen};
use modeldeck::domain::{ColumnId, Health, SourceData, SourceId};
use modeldeck::domain::{Effect, Event, SourceUpdate};
use modeldeck::input::command::SortKey;

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ch(app: &mut App, c: char) -> Vec<Effect> {
    key(app, KeyCode::Char(c))
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        ch(app, c);
    }
}

fn names(app: &App) -> Vec<String> {
    app.fleet.visible_rows().map(|r| r.name.clone()).collect()
}

#[test]
fn data_builds_rows_with_the_critical_model_first() {
    let app = common::app(20, 5);
    assert_eq!(app.fleet.total(), 20);
    let first = app.fleet.row(0).unwrap();
    assert_eq!(first.name, "fraud-detector");
    assert!(first.critical(), "a model with a critical alert is marked");
    assert_eq!(first.firing, 1);
    assert_eq!(app.health[&SourceId::Prometheus], Health::Ok { at: common::now() });
    assert_eq!(app.pending.len(), 1);
}

#[test]
fn navigation_moves_and_clamps() {
    let mut app = common::app(20, 5);
    ch(&mut app, 'j');
    ch(&mut app, 'j');
    assert_eq!(app.fleet_selected(), 2);
    ch(&mut app, 'k');
    assert_eq!(app.fleet_selected(), 1);
    ch(&mut app, 'G');
    assert_eq!(app.fleet_selected(), 19);
    ch(&mut app, 'j');
    assert_eq!(app.fleet_selected(), 19, "stays on the last row");
    ch(&mut app, 'g');
    assert_eq!(app.fleet_selected(), 0);
    key(&mut app, KeyCode::Up);
    assert_eq!(app.fleet_selected(), 0);
}

#[test]
fn tab_switches_focus_and_keys_move_the_focused_list() {
    let mut app = common::app(20, 5);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Pane::Alerts);
    ch(&mut app, 'j');
    assert_eq!(app.alert_selected(), 1);
    assert_eq!(app.fleet_selected(), 0);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Pane::Fleet);
}

#[test]
fn filter_narrows_live_and_esc_clears() {
    let mut app = common::app(20, 5);
    ch(&mut app, '/');
    assert_eq!(app.input.as_ref().map(|i| i.kind), Some(InputKind::Filter));
    typed(&mut app, "fraud");
    assert_eq!(names(&app), ["fraud-detector"], "filters while typing");
    key(&mut app, KeyCode::Enter);
    assert!(app.input.is_none());
    assert_eq!(app.filter_text, "fraud");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.fleet.visible.len(), 20, "Esc on the overview clears the filter");
}

#[test]
fn filter_by_label_value() {
    let mut app = common::app(20, 5);
    ch(&mut app, '/');
    typed(&mut app, "version=3");
    key(&mut app, KeyCode::Enter);
    let shown = names(&app);
    assert!(!shown.is_empty());
    for row in app.fleet.visible_rows() {
        assert_eq!(row.text(ColumnId::Version), Some("3"), "{shown:?}");
    }
}

#[test]
fn filter_that_matches_nothing_keeps_selection_in_range() {
    let mut app = common::app(20, 5);
    ch(&mut app, 'G');
    ch(&mut app, '/');
    typed(&mut app, "zzz");
    assert!(app.fleet.visible.is_empty());
    assert_eq!(app.fleet_selected(), 0);
    assert!(app.selected_model().is_none());
}

#[test]
fn enter_opens_the_model_and_esc_returns() {
    let mut app = common::app(20, 5);
    ch(&mut app, 'j');
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Model(names(&app)[1].clone()));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Overview);
}

#[test]
fn enter_on_an_alert_opens_its_model() {
    let mut app = common::app(20, 5);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.screen, Screen::Alert(_)), "Enter on an alert shows the alert first");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Model("fraud-detector".into()));
}

#[test]
fn help_opens_scrolls_and_closes() {
    let mut app = common::app(5, 2);
    ch(&mut app, '?');
    assert_eq!(app.help(), Some(0));
    ch(&mut app, 'j');
    assert_eq!(app.help(), Some(1));
    assert_eq!(app.fleet_selected(), 0, "keys go to the overlay, not the table");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.help(), None);
}

#[test]
fn quit_by_q_and_ctrl_c() {
    let mut app = common::app(5, 2);
    assert_eq!(ch(&mut app, 'q'), vec![Effect::Quit]);
    assert!(app.should_quit);
    let mut app = common::app(5, 2);
    app.update(Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)));
    assert!(app.should_quit);
}

#[test]
fn q_inside_the_filter_is_text_not_quit() {
    let mut app = common::app(5, 2);
    ch(&mut app, '/');
    ch(&mut app, 'q');
    assert!(!app.should_quit);
    assert_eq!(app.filter_text, "q");
}

#[test]
fn environment_switch_by_command_and_key() {
    let mut app = common::app(20, 5);
    ch(&mut app, ':');
    typed(&mut app, "env prod-eu");
    let effects = key(&mut app, KeyCode::Enter);
    assert_eq!(effects, vec![Effect::StartSources { index: 1, generation: 2 }]);
    assert_eq!(app.environment_info().name, "prod-eu");
    assert!(app.environment_info().production);
    assert_eq!(app.fleet.total(), 0, "old environment's data is gone");
    assert!(app.health.values().all(|h| *h == Health::Connecting));

    // A late answer from the old environment's tasks is ignored.
    app.update(common::update(SourceId::Prometheus, SourceData::Fleet(common::fleet(3)), 1));
    assert_eq!(app.fleet.total(), 0);
    app.update(common::update(SourceId::Prometheus, SourceData::Fleet(common::fleet(3)), 2));
    assert_eq!(app.fleet.total(), 3);

    let effects = ch(&mut app, 'e');
    assert_eq!(effects, vec![Effect::StartSources { index: 0, generation: 3 }]);
    assert_eq!(app.environment_info().name, "staging");
}

#[test]
fn unknown_environment_is_an_error_message() {
    let mut app = common::app(5, 2);
    ch(&mut app, ':');
    typed(&mut app, "env nowhere");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    let (_, text) = app.message.clone().unwrap();
    assert!(text.contains("nowhere") && text.contains("staging"), "{text}");
    assert_eq!(app.environment, 0);
}

#[test]
fn sort_cycles_and_reverses() {
    let mut app = common::app(20, 5);
    ch(&mut app, 's');
    assert_eq!(app.sort, SortKey::Name);
    let sorted = names(&app);
    let mut expected = sorted.clone();
    expected.sort();
    assert_eq!(sorted, expected);
    ch(&mut app, 'S');
    let reversed = names(&app);
    expected.reverse();
    assert_eq!(reversed, expected);
}

#[test]
fn failure_keeps_data_and_reports_age() {
    let mut app = common::app(5, 2);
    let later = common::now() + jiff::SignedDuration::from_secs(30);
    app.update(Event::Source(SourceUpdate {
        generation: 1,
        source: SourceId::Prometheus,
        at: later,
        outcome: Err("connection refused".into()),
        next_in: Duration::from_secs(10),
    }));
    match &app.health[&SourceId::Prometheus] {
        Health::Failing { error, last_ok, retry_in_ms, .. } => {
            assert_eq!(error, "connection refused");
            assert_eq!(*last_ok, Some(common::now()));
            assert_eq!(*retry_in_ms, 10_000);
        }
        other => panic!("expected failing, got {other:?}"),
    }
    assert_eq!(app.fleet.total(), 5, "the last good data stays on screen");
}

#[test]
fn a_failed_column_shows_missing_cells_not_zero() {
    let mut app = common::app(5, 2);
    let mut snapshot = common::fleet(5);
    for (id, result) in &mut snapshot.columns {
        if *id == ColumnId::Drift {
            *result = Err("drift: bad_data: parse error".into());
        }
    }
    app.update(common::update(SourceId::Prometheus, SourceData::Fleet(snapshot), 1));
    assert!(app.fleet.column_errors.contains_key(&ColumnId::Drift));
    assert!(app.fleet.visible_rows().all(|r| r.number(ColumnId::Drift).is_none()));
    assert!(app.fleet.visible_rows().all(|r| r.number(ColumnId::Accuracy).is_some()));
}

#[test]
fn nothing_changes_means_nothing_to_draw() {
    let mut app = common::app(5, 2);
    app.mark_clean();
    assert!(!app.is_dirty());
    app.update(Event::Key(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE)));
    assert!(app.is_dirty(), "any key may change the message line");
    app.mark_clean();
    app.update(common::update(SourceId::Prometheus, SourceData::Fleet(common::fleet(3)), 99));
    assert!(!app.is_dirty(), "a stale message changes nothing");
}

#[test]
fn a_tick_redraws_each_second_but_on_a_thin_link_only_once_a_minute() {
    let at = |s: i64| Event::Tick(common::now() + jiff::SignedDuration::from_secs(s));
    let mut app = common::app(5, 2);
    app.mark_clean();
    app.update(at(3));
    assert!(app.is_dirty(), "the header's ages change every second");

    let mut thin = common::app(5, 2);
    thin.settings.low_bandwidth = true;
    thin.mark_clean();
    for s in 3..60 {
        thin.update(at(s));
        assert!(!thin.is_dirty(), "a tick alone redraws nothing ({s}s)");
    }
    thin.update(at(60));
    assert!(thin.is_dirty(), "a new minute redraws, so a silent source shows as stale");
    thin.mark_clean();
    thin.update(common::update(SourceId::Prometheus, SourceData::Fleet(common::fleet(6)), 1));
    assert!(thin.is_dirty(), "new data redraws");
    thin.mark_clean();
    ch(&mut thin, 'j');
    assert!(thin.is_dirty(), "a key redraws");
}

#[test]
fn shutdown_signal_quits() {
    let mut app = common::app(5, 2);
    assert_eq!(app.update(Event::Shutdown("SIGHUP")), vec![Effect::Quit]);
    assert!(app.should_quit);
}
