//! Screen snapshots (ratatui TestBackend + insta). Times are fixed by the fixtures, so the
//! snapshots are stable; the Debug form records styles, so `default` and `mono` differ.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use modeldeck::app::App;
use modeldeck::backends::alertmanager::parse as alertmanager;
use modeldeck::domain::Event;
use modeldeck::domain::{SourceData, SourceId};
use modeldeck::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use common::buffer_text as text;

fn render(app: &App, theme: &Theme, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| modeldeck::ui::draw(frame, app, theme)).unwrap();
    terminal.backend().buffer().clone()
}

fn press(app: &mut App, c: char) {
    app.update(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
}

#[test]
fn overview_80x24_default() {
    let app = common::app(12, 6);
    insta::assert_debug_snapshot!(render(&app, &Theme::default_theme(), 80, 24));
}

/// On a thin link: no sparkline anywhere and the clock at minute resolution.
#[test]
fn low_bandwidth_fleet_120x30() {
    let mut app = common::app(12, 6);
    app.settings.low_bandwidth = true;
    let screen = text(&render(&app, &Theme::default_theme(), 120, 30));
    assert!(!screen.contains(['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█']), "{screen}");
    assert!(!screen.contains("ACC 1h"), "no trend column:\n{screen}");
    assert!(screen.contains(" · 12:00 UTC"), "{screen}");
    assert!(!screen.contains("12:00:00"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn overview_80x24_mono() {
    let app = common::app(12, 6);
    insta::assert_debug_snapshot!(render(&app, &Theme::mono(), 80, 24));
}

#[test]
fn overview_200x60_default() {
    let app = common::app(60, 20);
    insta::assert_debug_snapshot!(render(&app, &Theme::default_theme(), 200, 60));
}

#[test]
fn overview_200x60_mono() {
    let app = common::app(60, 20);
    insta::assert_debug_snapshot!(render(&app, &Theme::mono(), 200, 60));
}

#[test]
fn production_environment_is_unmistakable() {
    let mut app = common::app(5, 2);
    press(&mut app, 'e');
    let screen = text(&render(&app, &Theme::default_theme(), 100, 24));
    assert!(screen.contains("▲ PRODUCTION prod-eu"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn help_overlay_is_generated_from_the_keymap() {
    let mut app = common::app(5, 2);
    press(&mut app, '?');
    let screen = text(&render(&app, &Theme::default_theme(), 100, 40));
    for (keys, what) in app.settings.keymap.help().into_iter().flat_map(|(_, rows)| rows) {
        assert!(screen.contains(&keys) && screen.contains(what), "missing `{keys}` {what}\n{screen}");
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn model_screen_while_its_panels_load() {
    let mut app = common::app(5, 2);
    app.update(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    insta::assert_snapshot!(text(&render(&app, &Theme::default_theme(), 100, 30)));
}

#[test]
fn filter_line_and_empty_result() {
    let mut app = common::app(5, 2);
    press(&mut app, '/');
    for c in "nomatch".chars() {
        press(&mut app, c);
    }
    let screen = text(&render(&app, &Theme::default_theme(), 80, 24));
    assert!(screen.contains("/nomatch"), "{screen}");
    assert!(screen.contains("no model matches the filter"), "{screen}");
}

#[test]
fn too_small_terminal_shows_a_message() {
    let app = common::app(5, 2);
    let screen = text(&render(&app, &Theme::default_theme(), 40, 10));
    assert!(screen.contains("terminal too small"), "{screen}");
    assert!(screen.contains("need 60×15, have 40×10"), "{screen}");
}

#[test]
fn missing_values_show_a_dash_never_zero() {
    let app = common::app(5, 2);
    let screen = text(&render(&app, &Theme::default_theme(), 120, 24));
    // model-0004 has no GPU series in the fixture.
    let line = screen.lines().find(|l| l.contains("model-0004")).unwrap();
    assert!(line.contains('–'), "{line}");
    assert!(!line.contains(" 0% "), "{line}");
}

#[test]
fn escape_sequences_from_backends_are_inert() {
    let body = br#"[{"labels":{"alertname":"Evil\u001b[2J","model":"fraud-detector","severity":"critical"},
        "annotations":{"summary":"boom \u001b]0;pwned\u0007 \u009b31m"},"fingerprint":"f1","startsAt":"2026-11-25T11:58:00Z",
        "status":{"state":"active","silencedBy":[],"inhibitedBy":[]}}]"#;
    let alerts = alertmanager::parse_alerts(200, body, "model").unwrap();
    let mut app = common::app(5, 0);
    app.update(common::update(
        SourceId::Alertmanager,
        SourceData::Alerts(modeldeck::domain::AlertSnapshot {
            alerts: alerts.into_iter().map(std::sync::Arc::new).collect(),
            peer: "am".into(),
            ..Default::default()
        }),
        1,
    ));
    let buffer = render(&app, &Theme::default_theme(), 120, 24);
    let screen = text(&buffer);
    assert!(!screen.chars().any(|c| c.is_control() && c != '\n'), "raw control character on screen:\n{screen}");
    assert!(screen.contains("Evil␛[2J"), "{screen}");
    assert!(screen.contains("boom ␛]0;pwned␇"), "{screen}");
}

#[test]
fn a_failing_column_query_shows_in_the_header() {
    let mut app = common::app(5, 2);
    let mut snapshot = common::fleet(5);
    for (id, result) in &mut snapshot.columns {
        if *id == modeldeck::domain::ColumnId::Drift {
            *result = Err("drift: bad_data: parse error".into());
        }
    }
    app.update(common::update(SourceId::Prometheus, SourceData::Fleet(snapshot), 1));
    let screen = text(&render(&app, &Theme::default_theme(), 140, 24));
    assert!(screen.contains("prom ◐ 1/8 queries failing: drift: bad_data"), "{screen}");
}

fn journal_entry(seq: u64, model: &str, note: &str) -> modeldeck::journal::Entry {
    use modeldeck::journal::{Entry, Kind, Outcome, Subject};
    Entry {
        v: 1,
        seq,
        id: format!("{seq:016x}"),
        ts: format!("2026-11-25T11:{:02}:00Z", 50 + seq),
        author: "alice@ops-1".into(),
        environment: "staging".into(),
        kind: if seq == 2 { Kind::Ack } else { Kind::Note },
        subject: Subject { model: Some(model.into()), version: Some("3".into()), ..Subject::default() },
        note: note.into(),
        request: None,
        before: None,
        after: None,
        result: if seq == 2 { Outcome::Failed { error: "HTTP 503".into() } } else { Outcome::Ok },
        demo: false,
        prev: "0".repeat(64),
        hash: "ab".repeat(32),
    }
}

fn app_with_journal() -> App {
    let mut app = common::app(5, 2);
    app.settings.journal_path = "/srv/modeldeck/journal.jsonl".into();
    app.update(Event::JournalLoaded(Ok(vec![
        journal_entry(1, "fraud-detector", "paged at 03:10\nchecking drift first"),
        journal_entry(2, "churn-predictor", "ack while the upstream fix lands"),
        journal_entry(3, "fraud-detector", "evil \u{1b}[2J note"),
    ])));
    app
}

#[test]
fn journal_view_and_entry() {
    let mut app = app_with_journal();
    press(&mut app, 'J');
    let list = text(&render(&app, &Theme::default_theme(), 120, 20));
    assert!(list.contains("Journal 3/3"), "{list}");
    assert!(list.contains("evil ␛[2J note"), "{list}");
    insta::assert_snapshot!("journal_list", list);
    app.update(Event::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE)));
    app.update(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    insta::assert_snapshot!("journal_entry", text(&render(&app, &Theme::default_theme(), 100, 24)));
}

#[test]
fn fleet_shows_when_each_model_last_changed() {
    let app = app_with_journal();
    let screen = text(&render(&app, &Theme::default_theme(), 120, 24));
    let line = screen.lines().find(|l| l.contains("fraud-detector")).unwrap();
    // Entry 3 on fraud-detector is at 11:53; the fixture's clock is 12:00:02.
    assert!(line.trim_end_matches('│').trim_end().ends_with("7m"), "{line}");
}

#[test]
fn note_editor_overlay() {
    let mut app = common::app(5, 2);
    press(&mut app, 'n');
    for c in "paged: accuracy dip".chars() {
        press(&mut app, c);
    }
    app.update(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    for c in "looking at drift".chars() {
        press(&mut app, c);
    }
    insta::assert_snapshot!(text(&render(&app, &Theme::default_theme(), 100, 24)));
}

#[test]
fn wide_help_shows_keys_and_commands_side_by_side() {
    let mut app = common::app(5, 2);
    press(&mut app, '?');
    let screen = text(&render(&app, &Theme::default_theme(), 140, 40));
    for (keys, what) in app.settings.keymap.help().into_iter().flat_map(|(_, rows)| rows) {
        assert!(screen.contains(&keys) && screen.contains(what), "missing `{keys}` {what}\n{screen}");
    }
    for (cmd, _) in modeldeck::input::command::COMMANDS {
        assert!(screen.contains(cmd), "missing command {cmd}\n{screen}");
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn a_failing_prometheus_marks_the_rows_stale_where_they_are() {
    let mut app = common::app(5, 2);
    let later = common::now() + jiff::SignedDuration::from_secs(95);
    app.update(Event::Tick(later));
    app.update(Event::Source(modeldeck::domain::SourceUpdate {
        generation: app.generation,
        source: modeldeck::domain::SourceId::Prometheus,
        at: later,
        outcome: Err("connection refused".into()),
        next_in: std::time::Duration::from_secs(8),
    }));
    let screen = text(&render(&app, &Theme::default_theme(), 120, 30));
    assert!(screen.contains("STALE: last good data 1m ago"), "{screen}");
    assert!(screen.contains("fraud-detector"), "the last good rows stay:\n{screen}");
}

/// A registry says what is live; Prometheus still reports what serves: VER shows the
/// registry's version and what serves where they differ, in the warning colour.
#[test]
fn fleet_row_marks_a_registry_mismatch() {
    use modeldeck::domain::{CellValue, ColumnId, RegistrySnapshot};
    let mut settings = common::settings(&[("staging", false)]);
    settings.environments[0].registry = true;
    let mut app = App::new(settings, 0, common::now());
    let mut fleet = common::fleet(4);
    for (id, values) in &mut fleet.columns {
        if let (ColumnId::Version, Ok(values)) = (id, values) {
            values.insert("fraud-detector".into(), CellValue::Text("3".into()));
            values.insert("churn-predictor".into(), CellValue::Text("2,3".into()));
        }
    }
    app.update(common::update(SourceId::Prometheus, SourceData::Fleet(fleet), 1));
    let live = [("fraud-detector", "2"), ("churn-predictor", "3"), ("recsys-ranker", "3")];
    let live = live.into_iter().map(|(m, v)| (m.to_string(), v.to_string())).collect();
    app.update(common::update(
        SourceId::Registry,
        SourceData::Registry(RegistrySnapshot { live, started: common::now() }),
        1,
    ));
    app.update(Event::Tick(common::now() + jiff::SignedDuration::from_secs(2)));

    let theme = Theme::default_theme();
    let buffer = render(&app, &theme, 120, 16);
    let screen = text(&buffer);
    let row = |model: &str| screen.lines().find(|l| l.contains(model)).unwrap_or_else(|| panic!("{screen}"));
    assert!(row("fraud-detector").contains("2 (serving 3)"), "{screen}");
    assert!(row("churn-predictor").contains("3 (serving 2,3)"), "{screen}");
    assert!(row("recsys-ranker").contains(" 3 ") && !row("recsys-ranker").contains("serving"), "{screen}");
    assert!(row("model-0003").contains(" 4 "), "no registry version: Prometheus's as it is\n{screen}");
    assert!(screen.lines().next().unwrap().contains("reg ●"), "{screen}");
    let y = screen.lines().position(|l| l.contains("fraud-detector")).unwrap() as u16;
    let x = screen.lines().nth(y as usize).unwrap().chars().position(|c| c == '(').unwrap() as u16;
    assert_eq!(buffer[(x, y)].fg, theme.status_warn.fg.unwrap(), "a mismatch is in the warning colour");
    insta::assert_snapshot!(screen);
}
