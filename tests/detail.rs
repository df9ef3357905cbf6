//! The model screen: opening, the time range keys, reloads, and the rendered charts (from
//! the demo's deterministic panels at a fixed time).

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use modeldeck::app::{App, Screen};
use modeldeck::demo::DemoFleet;
use modeldeck::domain::TimeRange;
use modeldeck::domain::{Effect, Event};

use common::screen;

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn load(effects: &[Effect]) -> (String, (f64, f64, f64), u64) {
    match effects {
        [Effect::LoadDetail { model, bounds, seq }] => (model.clone(), *bounds, *seq),
        other => panic!("expected one LoadDetail, got {other:?}"),
    }
}

/// The demo fleet started 30 minutes before the fixture's clock.
fn demo_fleet() -> DemoFleet {
    DemoFleet::new(common::now() - jiff::SignedDuration::from_mins(30))
}

fn opened(model_index: usize) -> App {
    let mut app = common::app(5, 2);
    for _ in 0..model_index {
        press(&mut app, KeyCode::Char('j'));
    }
    let (model, bounds, seq) = load(&press(&mut app, KeyCode::Enter));
    let snapshot = demo_fleet().detail(&demo_name(&model), bounds);
    app.update(Event::DetailLoaded { seq, result: Ok(Box::new(snapshot)) });
    app
}

/// The fixture fleet's first model is named like the demo's first model.
fn demo_name(model: &str) -> String {
    if model == "fraud-detector" { model.into() } else { "recsys-ranker".into() }
}

#[test]
fn enter_opens_the_model_and_loads_the_last_hour() {
    let mut app = common::app(5, 2);
    let (model, (start, end, step), _) = load(&press(&mut app, KeyCode::Enter));
    assert_eq!(model, "fraud-detector");
    assert_eq!(app.screen, Screen::Model(model));
    assert_eq!(end - start, 3600.0);
    assert_eq!(end, common::now().as_second() as f64 + 2.0, "live: ends at the app's clock");
    assert!((end - start) / step <= 11_000.0);
}

#[test]
fn zoom_pan_and_live_reload_with_new_bounds() {
    let mut app = opened(0);
    let (_, (s1, e1, _), _) = load(&press(&mut app, KeyCode::Char('+')));
    assert_eq!(e1 - s1, 900.0, "zoomed in to 15m");
    let (_, (s2, e2, _), _) = load(&press(&mut app, KeyCode::Char('-')));
    assert_eq!(e2 - s2, 3600.0);
    let (_, (_, e3, _), _) = load(&press(&mut app, KeyCode::Char('[')));
    assert_eq!(e3, e2 - 1800.0, "panned back half a window");
    assert!(!app.detail.as_ref().unwrap().range.is_live());
    let (_, (_, e4, _), _) = load(&press(&mut app, KeyCode::Char('0')));
    assert_eq!(e4, e2, "live again");
}

#[test]
fn stale_answers_are_dropped_and_live_screens_reload() {
    let mut app = opened(0);
    let (_, bounds, seq) = load(&press(&mut app, KeyCode::Char('+')));
    let old = demo_fleet().detail("fraud-detector", (0.0, 60.0, 60.0));
    app.update(Event::DetailLoaded { seq: seq - 1, result: Ok(Box::new(old)) });
    assert_ne!(app.detail.as_ref().unwrap().snapshot.as_ref().unwrap().start, 0.0, "an older answer is ignored");
    app.update(Event::DetailLoaded { seq, result: Ok(Box::new(demo_fleet().detail("fraud-detector", bounds))) });
    // The refresh interval is 5 s: a tick 6 s later reloads, one at 1 s does not.
    let later = |s| common::now() + jiff::SignedDuration::from_secs(s);
    assert!(app.update(Event::Tick(later(3))).is_empty());
    assert_eq!(load(&app.update(Event::Tick(later(9)))).0, "fraud-detector");
}

#[test]
fn opening_from_an_alert_anchors_the_range_at_its_start() {
    let mut app = common::app(5, 2);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.screen, Screen::Alert(_)));
    let (_, (start, end, _), _) = load(&press(&mut app, KeyCode::Enter));
    let alert_start = (common::now() - jiff::SignedDuration::from_secs(125)).as_second() as f64;
    assert!(start <= alert_start && alert_start <= end, "{start} {alert_start} {end}");
    assert_eq!(
        app.detail.as_ref().unwrap().range,
        TimeRange::anchored(alert_start as i64, common::now().as_second() + 2)
    );
}

#[test]
fn detail_80x24() {
    let app = opened(0);
    let text = screen(&app, 80, 24);
    assert!(text.contains("fraud-detector last 1h · live"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn detail_200x60() {
    let app = opened(0);
    let text = screen(&app, 200, 60);
    for title in
        ["Quality: accuracy", "Drift score by feature", "Data quality", "Latency p50/p95/p99", "Requests/s", "GPU %"]
    {
        assert!(text.contains(title), "{title}\n{text}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn a_failed_panel_says_why_and_the_rest_still_draw() {
    let mut app = common::app(5, 2);
    let (_, bounds, seq) = load(&press(&mut app, KeyCode::Enter));
    let mut snapshot = demo_fleet().detail("fraud-detector", bounds);
    snapshot.panels[1].result = Err("bad_data: parse error".into());
    app.update(Event::DetailLoaded { seq, result: Ok(Box::new(snapshot)) });
    let text = screen(&app, 200, 60);
    assert!(text.contains("query failed: bad_data: parse error"), "{text}");
    assert!(text.contains("p95"), "{text}");
}

/// A young alert's window reaches past now: it reloads like a live one until its end has
/// passed, and then stays put like a paused one.
#[test]
fn an_anchored_window_fills_until_its_end_then_stays() {
    let mut app = common::app(5, 2);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Enter);
    let (_, bounds, seq) = load(&press(&mut app, KeyCode::Enter));
    app.update(Event::DetailLoaded { seq, result: Ok(Box::new(demo_fleet().detail("fraud-detector", bounds))) });
    let range = app.detail.as_ref().unwrap().range;
    let end = range.end.expect("an anchored window has an end");
    assert!(end > common::now().as_second(), "the alert is 125 s old: its window reaches past now");
    let text = screen(&app, 120, 30);
    assert!(text.contains("UTC · anchored"), "{text}");
    let at = |s: i64| jiff::Timestamp::from_second(s).unwrap();
    let (_, again, seq) = load(&app.update(Event::Tick(at(common::now().as_second() + 9))));
    assert_eq!(again, bounds, "the same window, reloaded for the seconds that came in");
    app.update(Event::DetailLoaded { seq, result: Ok(Box::new(demo_fleet().detail("fraud-detector", bounds))) });
    assert!(app.update(Event::Tick(at(end + 30))).is_empty(), "past its end it no longer reloads");
    assert!(screen(&app, 120, 30).contains("UTC · paused"));
}
