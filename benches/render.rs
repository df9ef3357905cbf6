//! Frame and update costs. Run with `cargo bench`; the README quotes the numbers.

#[path = "../tests/common/mod.rs"]
mod common;

use modeldeck::domain::{SourceData, SourceId};
use modeldeck::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn main() {
    divan::main();
}

/// One full frame of the overview: 200 models, 1,000 alerts, a 200×60 terminal.
#[divan::bench]
fn overview_200_models_1000_alerts_200x60(bencher: divan::Bencher) {
    let app = common::app(200, 1000);
    let theme = Theme::default_theme();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    bencher.bench_local(|| {
        terminal.draw(|frame| modeldeck::ui::draw(frame, &app, &theme)).unwrap();
    });
}

/// The frame cost must not grow with the fleet: only visible rows are laid out.
#[divan::bench(args = [100, 1_000, 10_000])]
fn overview_by_fleet_size_200x60(bencher: divan::Bencher, models: usize) {
    let app = common::app(models, 100);
    let theme = Theme::default_theme();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    bencher.bench_local(|| {
        terminal.draw(|frame| modeldeck::ui::draw(frame, &app, &theme)).unwrap();
    });
}

/// Ingesting one Prometheus refresh (rebuild rows, sort, filter) for a fleet.
#[divan::bench(args = [200, 1_000, 10_000])]
fn ingest_fleet_refresh(bencher: divan::Bencher, models: usize) {
    let snapshot = common::fleet(models);
    bencher
        .with_inputs(|| {
            (common::app(models, 100), common::update(SourceId::Prometheus, SourceData::Fleet(snapshot.clone()), 1))
        })
        .bench_local_values(|(mut app, event)| {
            app.update(event);
            app
        });
}

/// Ingesting one Alertmanager refresh (sort the alerts, count them per model, re-sort the
/// fleet) for 1,000 models.
#[divan::bench(args = [1_000, 10_000])]
fn ingest_alerts_refresh(bencher: divan::Bencher, alerts: usize) {
    let snapshot = common::alerts(alerts, 1_000);
    bencher
        .with_inputs(|| {
            let event = common::update(SourceId::Alertmanager, SourceData::Alerts(snapshot.clone()), 1);
            (common::app(1_000, alerts), event)
        })
        .bench_local_values(|(mut app, event)| {
            app.update(event);
            app
        });
}

/// Only the alert rows that fit are laid out either.
#[divan::bench(args = [1_000, 10_000])]
fn overview_by_alert_count_200x60(bencher: divan::Bencher, alerts: usize) {
    let app = common::app(1_000, alerts);
    let theme = Theme::default_theme();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    bencher.bench_local(|| {
        terminal.draw(|frame| modeldeck::ui::draw(frame, &app, &theme)).unwrap();
    });
}

/// The model screen with six charts of 1,000 points each, at 200×60.
#[divan::bench]
fn detail_six_charts_1000_points_200x60(bencher: divan::Bencher) {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use modeldeck::domain::{Effect, Event};
    let mut app = common::app(200, 100);
    let effects = app.update(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let Some(Effect::LoadDetail { seq, .. }) = effects.first() else { panic!("no load") };
    let end = common::now().as_second() as f64;
    // 1,000 points per panel: a 16.65-hour window at a 60 s step.
    let bounds = (end - 59_940.0, end, 60.0);
    let fleet = modeldeck::demo::DemoFleet::new(common::now() - jiff::SignedDuration::from_hours(20));
    let mut snapshot = fleet.detail("fraud-detector", bounds);
    for panel in &mut snapshot.panels {
        if let Ok(lines) = &mut panel.result {
            lines.truncate(1);
        }
    }
    app.update(Event::DetailLoaded { seq: *seq, result: Ok(Box::new(snapshot)) });
    let theme = Theme::default_theme();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    bencher.bench_local(|| {
        terminal.draw(|frame| modeldeck::ui::draw(frame, &app, &theme)).unwrap();
    });
}

/// The one-second tick on the overview (200 models, 1,000 alerts, 200×60): only the header
/// and the alerts pane are drawn again, over the last frame. Each iteration is one second
/// later, so the ages really change.
#[divan::bench]
fn overview_tick_redraw_200x60(bencher: divan::Bencher) {
    let mut app = common::app(200, 1000);
    let theme = Theme::default_theme();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let mut frames = modeldeck::ui::clock::TickRedraw::default();
    frames.draw(&mut terminal, &app, &theme, false).unwrap();
    app.mark_clean();
    let mut second = 2;
    bencher.bench_local(|| {
        second += 1;
        app.update(modeldeck::domain::Event::Tick(common::now() + jiff::SignedDuration::from_secs(second)));
        let clock_only = app.clock_only();
        let partial = frames.draw(&mut terminal, &app, &theme, clock_only).unwrap();
        app.mark_clean();
        assert!(partial);
    });
}

/// What ratatui costs for a 200×60 frame that draws nothing: clearing the buffer and
/// comparing it with the last one, the floor under every redraw.
#[divan::bench]
fn empty_frame_200x60(bencher: divan::Bencher) {
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    bencher.bench_local(|| {
        terminal.draw(|_| {}).unwrap();
    });
}

/// Copying a 200×60 buffer, as the tick redraw does to start from the last frame.
#[divan::bench]
fn buffer_copy_200x60(bencher: divan::Bencher) {
    let app = common::app(200, 1000);
    let theme = Theme::default_theme();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let last = terminal.draw(|frame| modeldeck::ui::draw(frame, &app, &theme)).unwrap().buffer.clone();
    let mut into = ratatui::buffer::Buffer::empty(last.area);
    bencher.bench_local(|| {
        into.content.clone_from(&last.content);
    });
}
