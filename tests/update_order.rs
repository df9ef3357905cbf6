//! The fleet's calm order: refreshes move a row only when its rank class changes; jitter
//! inside a class, or below the column sort's margin, moves nothing.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use modeldeck::app::App;
use modeldeck::domain::{CellValue, ColumnId, FleetSnapshot, SourceData, SourceId, Status};

fn key(app: &mut App, code: KeyCode) {
    app.update(modeldeck::domain::Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn command(app: &mut App, text: &str) {
    for c in format!(":{text}").chars() {
        key(app, KeyCode::Char(c));
    }
    key(app, KeyCode::Enter);
}

fn names(app: &App) -> Vec<String> {
    app.fleet.visible_rows().map(|r| r.name.clone()).collect()
}

fn refresh(app: &mut App, snapshot: FleetSnapshot) {
    app.update(common::update(SourceId::Prometheus, SourceData::Fleet(snapshot), 1));
}

/// The test fleet with no value on a threshold (some sit right on one), so that a little
/// jitter keeps every model in its health class.
fn off_thresholds(models: usize) -> FleetSnapshot {
    let mut snapshot = common::fleet(models);
    for (id, result) in &mut snapshot.columns {
        let shift = match id {
            ColumnId::Accuracy | ColumnId::Drift => 0.005,
            ColumnId::Gpu => -1.0,
            _ => 0.0,
        };
        for value in result.as_mut().unwrap().values_mut() {
            if let CellValue::Number(v) = value {
                *v += shift;
            }
        }
    }
    snapshot
}

/// The app after a refresh of `off_thresholds`.
fn app() -> App {
    let mut app = common::app(20, 5);
    refresh(&mut app, off_thresholds(20));
    app
}

/// `off_thresholds` with every number moved by up to ±0.4 %, differently per model and
/// round.
fn jittered(models: usize, round: usize) -> FleetSnapshot {
    let mut snapshot = off_thresholds(models);
    for (_, result) in &mut snapshot.columns {
        for (name, value) in result.as_mut().unwrap().iter_mut() {
            if let CellValue::Number(v) = value {
                let seed = name.bytes().map(f64::from).sum::<f64>();
                *v *= 1.0 + 0.004 * (round as f64 * 1.3 + seed * 0.77).sin();
            }
        }
    }
    snapshot
}

fn set(snapshot: &mut FleetSnapshot, id: ColumnId, model: &str, value: CellValue) {
    let (_, result) = snapshot.columns.iter_mut().find(|(c, _)| *c == id).unwrap();
    result.as_mut().unwrap().insert(model.to_string(), value);
}

fn health(app: &App) -> Vec<(String, Status)> {
    let mut classes: Vec<_> = app.fleet.visible_rows().map(|r| (r.name.clone(), r.health())).collect();
    classes.sort_by(|a, b| a.0.cmp(&b.0));
    classes
}

#[test]
fn jitter_within_a_class_never_reorders_the_health_sort() {
    let mut app = app();
    let (order, classes) = (names(&app), health(&app));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    let selected = app.selected_model().unwrap().name.clone();
    for round in 0..60 {
        refresh(&mut app, jittered(20, round));
        assert_eq!(health(&app), classes, "the jitter stays inside every class (round {round})");
        assert_eq!(names(&app), order, "round {round}");
        assert_eq!(app.selected_model().unwrap().name, selected);
    }
}

#[test]
fn jitter_below_the_margin_never_reorders_a_column_sort() {
    let mut app = app();
    command(&mut app, "sort accuracy");
    let order = names(&app);
    let mut sorted_by_value_ever_differed = false;
    for round in 0..60 {
        let snapshot = jittered(20, round);
        refresh(&mut app, snapshot);
        assert_eq!(names(&app), order, "round {round}");
        let mut by_value = names(&app);
        let accuracy = |n: &String| app.fleet.find(n).unwrap().number(ColumnId::Accuracy).unwrap();
        by_value.sort_by(|a, b| accuracy(a).total_cmp(&accuracy(b)).then(a.cmp(b)));
        sorted_by_value_ever_differed |= by_value != order;
    }
    assert!(sorted_by_value_ever_differed, "a plain sort by value would have moved rows: the test has teeth");
}

#[test]
fn a_class_change_moves_the_row_at_once_and_nothing_else() {
    let mut app = app();
    let before = names(&app);
    assert_ne!(before[1], "model-0012");
    let mut snapshot = jittered(20, 1);
    set(&mut snapshot, ColumnId::Accuracy, "model-0012", CellValue::Number(0.70));
    refresh(&mut app, snapshot);
    let after = names(&app);
    assert_eq!(app.fleet.find("model-0012").unwrap().health(), Status::Critical);
    assert_eq!(after[..2], ["fraud-detector", "model-0012"], "critical by alert, then critical by cell");
    let rest: Vec<_> = after.iter().filter(|n| *n != "model-0012").collect();
    let rest_before: Vec<_> = before.iter().filter(|n| *n != "model-0012").collect();
    assert_eq!(rest, rest_before, "every other row keeps its place relative to the others");
}

#[test]
fn a_metric_move_past_the_margin_moves_the_row_under_a_column_sort() {
    let mut app = app();
    command(&mut app, "sort throughput");
    let before = names(&app);
    assert_eq!(before[0], "fraud-detector", "throughput rises with the model number");
    let mut snapshot = off_thresholds(20);
    set(&mut snapshot, ColumnId::Throughput, "fraud-detector", CellValue::Number(1000.0));
    refresh(&mut app, snapshot);
    let after = names(&app);
    assert_eq!(after.last().unwrap(), "fraud-detector");
    assert_eq!(after[..19], before[1..]);
}

#[test]
fn a_new_model_lands_by_name_within_its_class() {
    let mut app = app();
    let before = names(&app);
    let mut snapshot = jittered(20, 3);
    let twin: Vec<_> = snapshot
        .columns
        .iter()
        .filter_map(|(id, r)| r.as_ref().unwrap().get("model-0010").map(|v| (*id, v.clone())))
        .collect();
    for (id, value) in twin {
        set(&mut snapshot, id, "model-0010b", value);
    }
    refresh(&mut app, snapshot);
    let after = names(&app);
    let at = |n: &str| after.iter().position(|m| m == n).unwrap();
    assert_eq!(at("model-0010b"), at("model-0010") + 1, "{after:?}");
    let kept: Vec<_> = after.iter().filter(|n| *n != "model-0010b").cloned().collect();
    assert_eq!(kept, before);
}

#[test]
fn the_sort_command_re_sorts_fully() {
    let mut app = app();
    command(&mut app, "sort accuracy");
    let by_value = |app: &App| {
        let mut names = names(app);
        let accuracy = |n: &String| app.fleet.find(n).unwrap().number(ColumnId::Accuracy).unwrap();
        names.sort_by(|a, b| accuracy(a).total_cmp(&accuracy(b)).then(a.cmp(b)));
        names
    };
    refresh(&mut app, jittered(20, 5));
    assert_ne!(names(&app), by_value(&app), "the calm order lags the jitter");
    command(&mut app, "sort accuracy");
    assert_eq!(names(&app), by_value(&app));
    // Reversing is a re-sort too.
    key(&mut app, KeyCode::Char('S'));
    let accuracy = |n: &String| app.fleet.find(n).unwrap().number(ColumnId::Accuracy).unwrap();
    let values: Vec<f64> = names(&app).iter().map(accuracy).collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
}

#[test]
fn a_filter_keeps_the_calm_order() {
    let mut app = app();
    command(&mut app, "sort accuracy");
    refresh(&mut app, jittered(20, 7));
    let order = names(&app);
    key(&mut app, KeyCode::Char('/'));
    for c in "model".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    let filtered: Vec<_> = order.iter().filter(|n| n.contains("model")).cloned().collect();
    assert_eq!(names(&app), filtered);
}
