//! A one-second tick redraws only the widgets that read the clock, over the last frame:
//! after every event of a session the partial redraw must leave exactly the buffer (and
//! cursor) a full redraw gives.

mod common;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::{SignedDuration, Timestamp};
use modeldeck::app::App;
use modeldeck::domain::{AlertState, Event, Severity, SourceData, SourceId, SourceUpdate};
use modeldeck::theme::Theme;
use modeldeck::ui::clock::TickRedraw;
use ratatui::Terminal;
use ratatui::backend::{Backend, TestBackend};
use ratatui::buffer::Buffer;

/// Two terminals fed the same app: one through [`TickRedraw`], one always drawn in full.
struct Pair {
    partial: Terminal<TestBackend>,
    full: Terminal<TestBackend>,
    frames: TickRedraw,
    theme: Theme,
    partial_draws: usize,
}

impl Pair {
    fn new(width: u16, height: u16) -> Pair {
        Pair {
            partial: Terminal::new(TestBackend::new(width, height)).unwrap(),
            full: Terminal::new(TestBackend::new(width, height)).unwrap(),
            frames: TickRedraw::default(),
            theme: Theme::default_theme(),
            partial_draws: 0,
        }
    }

    /// Draws `app` both ways, as the main loop does when it is dirty, and compares.
    fn draw(&mut self, app: &mut App, step: &str) -> Buffer {
        if !app.is_dirty() {
            return self.full.backend().buffer().clone();
        }
        let clock_only = app.clock_only();
        let (frames, theme) = (&mut self.frames, &self.theme);
        let partial = frames.draw(&mut self.partial, app, theme, clock_only).unwrap();
        self.full.draw(|frame| modeldeck::ui::draw(frame, app, theme)).unwrap();
        self.partial_draws += usize::from(partial);
        assert_eq!(self.partial.backend().buffer(), self.full.backend().buffer(), "after {step}");
        assert_eq!(
            self.partial.backend_mut().get_cursor_position().unwrap(),
            self.full.backend_mut().get_cursor_position().unwrap(),
            "cursor after {step}"
        );
        app.mark_clean();
        self.full.backend().buffer().clone()
    }
}

fn at(s: i64) -> Timestamp {
    common::now() + SignedDuration::from_secs(s)
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Alertmanager's answer with a fresh critical alert, whose age counts in seconds.
fn alerts_with_fresh_one(models: usize) -> Event {
    let mut snapshot = common::alerts(6, models);
    let mut fresh = common::alert("ModelErrorsHigh", Severity::Critical, "model-0004", AlertState::Active, 0);
    fresh.starts_at = Some(at(1));
    snapshot.alerts.push(std::sync::Arc::new(fresh));
    common::update(SourceId::Alertmanager, SourceData::Alerts(snapshot), 1)
}

#[test]
fn a_tick_redraw_draws_what_a_full_redraw_draws() {
    let mut app = common::app(40, 6);
    let mut pair = Pair::new(200, 60);
    pair.draw(&mut app, "the first frame");
    let mut s = 2;
    let mut tick = |app: &mut App, pair: &mut Pair, step: &str| {
        s += 1;
        app.update(Event::Tick(at(s)));
        pair.draw(app, &format!("a tick at {s}s after {step}"))
    };
    let events: Vec<(&str, Event)> = vec![
        ("a fresh alert", alerts_with_fresh_one(40)),
        ("a cursor move", key(KeyCode::Char('j'))),
        ("a Prometheus refresh", common::update(SourceId::Prometheus, SourceData::Fleet(common::fleet(40)), 1)),
        ("the alerts pane focused", key(KeyCode::Tab)),
        ("an alert selected", key(KeyCode::Char('j'))),
        ("the models pane focused", key(KeyCode::Tab)),
        ("the help", key(KeyCode::Char('?'))),
        ("the help closed", key(KeyCode::Esc)),
        ("the filter typed", key(KeyCode::Char('/'))),
        ("a filter letter", key(KeyCode::Char('m'))),
        ("the filter kept", key(KeyCode::Enter)),
        ("the filter cleared", key(KeyCode::Esc)),
        ("the alerts gone", common::update(SourceId::Alertmanager, SourceData::Alerts(common::alerts(0, 40)), 1)),
        ("the alerts back", alerts_with_fresh_one(40)),
    ];
    tick(&mut app, &mut pair, "the first frame");
    let mut before;
    for (step, event) in events {
        app.update(event);
        pair.draw(&mut app, step);
        before = pair.full.backend().buffer().clone();
        for _ in 0..3 {
            let partial_before = pair.partial_draws;
            let after = tick(&mut app, &mut pair, step);
            if pair.partial_draws > partial_before {
                // Not a vacuous comparison: the partial redraw changed what is on screen.
                assert_ne!(before, after, "a partial tick after {step} changed no age");
            }
            before = after;
        }
    }
    // Most ticks are partial; those with the help or a cursor on screen are full.
    assert!(pair.partial_draws >= 30, "only {} of the ticks were partial", pair.partial_draws);
}

#[test]
fn a_tick_redraws_in_full_where_the_models_pane_shows_an_age() {
    let mut app = common::app(20, 3);
    let mut pair = Pair::new(160, 40);
    pair.draw(&mut app, "the first frame");
    app.update(Event::Tick(at(3)));
    pair.draw(&mut app, "a tick");
    assert_eq!(pair.partial_draws, 1, "a plain tick is partial");

    // The CHG column counts the age of the last journaled change.
    app.journal.last_change.insert("model-0005".into(), at(-30));
    app.mark_dirty();
    pair.draw(&mut app, "a journaled change");
    for s in 4..8 {
        app.update(Event::Tick(at(s)));
        pair.draw(&mut app, "a tick with a CHG age");
    }
    assert_eq!(pair.partial_draws, 1, "the CHG ages need a full redraw");
    app.journal.last_change.clear();

    // While Prometheus fails, the models pane title says how old its rows are.
    let failed = SourceUpdate {
        generation: 1,
        source: SourceId::Prometheus,
        at: at(8),
        outcome: Err("connection refused".into()),
        next_in: Duration::from_secs(5),
    };
    app.update(Event::Source(failed));
    pair.draw(&mut app, "Prometheus failing");
    for s in 9..12 {
        app.update(Event::Tick(at(s)));
        pair.draw(&mut app, "a tick with a STALE age");
    }
    assert_eq!(pair.partial_draws, 1, "the STALE age needs a full redraw");
}

#[test]
fn a_startup_notice_ending_redraws_in_full() {
    let mut app = common::app(20, 3);
    app.settings.startup_notice = Some(("config reloaded".into(), at(5)));
    let mut pair = Pair::new(160, 40);
    pair.draw(&mut app, "the first frame");
    for s in 3..8 {
        // The notice's row goes at 5 s: the layout moves, so that tick is full.
        app.update(Event::Tick(at(s)));
        pair.draw(&mut app, &format!("a tick at {s}s with a notice ending at 5s"));
    }
    assert_eq!(pair.partial_draws, 4, "the ticks at 3, 4, 6 and 7 s are partial, the one at 5 s full");
}

/// An Alertmanager answer at `at_s` seconds holding `alerts`.
fn alertmanager_answer(alerts: modeldeck::domain::AlertSnapshot, at_s: i64) -> Event {
    Event::Source(SourceUpdate {
        generation: 1,
        source: SourceId::Alertmanager,
        at: at(at_s),
        outcome: Ok(SourceData::Alerts(alerts)),
        next_in: Duration::from_secs(5),
    })
}

#[test]
fn an_alertmanager_answer_that_repeats_the_last_one_redraws_only_the_clock_areas() {
    let mut app = common::app(20, 3);
    let mut pair = Pair::new(160, 40);
    pair.draw(&mut app, "the first frame");
    // The same alerts in another order: Alertmanager does not promise one.
    let mut same = common::alerts(3, 20);
    same.alerts.reverse();
    app.update(alertmanager_answer(same, 4));
    assert!(app.clock_only(), "a repeated answer changes only what reads the clock");
    pair.draw(&mut app, "a repeated Alertmanager answer");
    assert_eq!(pair.partial_draws, 1, "a repeated answer is drawn like a tick");

    app.update(alertmanager_answer(common::alerts(2, 20), 5));
    assert!(!app.clock_only(), "an alert fewer is new data");
    pair.draw(&mut app, "an alert resolved");
    let mut silenced = common::alerts(2, 20);
    silenced.silences.push(modeldeck::domain::Silence {
        id: "s-1".into(),
        matchers: Vec::new(),
        starts_at: at(0),
        ends_at: at(3600),
        created_by: "ops".into(),
        comment: "maintenance".into(),
        state: modeldeck::domain::SilenceState::Active,
        updated_at: None,
    });
    app.update(alertmanager_answer(silenced, 6));
    assert!(!app.clock_only(), "a new silence is new data");
    pair.draw(&mut app, "a silence added");
    assert_eq!(pair.partial_draws, 1, "answers with new data are drawn in full");

    // After a failed poll the header's status changes with the next answer.
    let failed = SourceUpdate {
        generation: 1,
        source: SourceId::Alertmanager,
        at: at(7),
        outcome: Err("connection refused".into()),
        next_in: Duration::from_secs(5),
    };
    app.update(Event::Source(failed));
    pair.draw(&mut app, "Alertmanager failing");
    let mut again = common::alerts(2, 20);
    again.silences = app.silences.clone();
    app.update(alertmanager_answer(again, 8));
    assert!(!app.clock_only(), "the first answer after a failure is drawn in full");
    pair.draw(&mut app, "Alertmanager back");
}
