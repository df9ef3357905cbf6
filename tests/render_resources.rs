//! CPU and memory per model on screen: the fleet's CPU, MEM and THR columns (a share of the
//! limit where a model has one, cores and bytes where it has none) and the model screen's
//! resources panel beside the GPU panel, from the fixture fleet and the demo's panels.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use modeldeck::app::App;
use modeldeck::config;
use modeldeck::demo::DemoFleet;
use modeldeck::domain::{ColumnId, Effect, Event, SourceData, SourceId, Status};

const KUBERNETES: &str = "[resources]\nsource = \"kubernetes\"\n";

/// The fixture app with `[resources]` on, after a refresh that carries the resource columns.
fn app(models: usize) -> App {
    let mut app = common::app(models, 2);
    let config = config::from_str(KUBERNETES, None, &|_| None).unwrap();
    app.settings.columns = config.columns;
    app.settings.detail = config.detail;
    app.update(common::update(SourceId::Prometheus, SourceData::Fleet(common::fleet(models)), 1));
    app
}

#[test]
fn fleet_columns_read_as_a_share_of_the_limit_or_in_cores_and_bytes() {
    let app = app(6);
    let screen = common::screen(&app, 120, 30);
    let header = screen.lines().find(|l| l.contains("MODEL")).unwrap();
    for title in ["CPU", "MEM", "THR"] {
        assert!(header.contains(title), "{title} in {header}");
    }
    assert!(!header.contains("LIM"), "limits measure CPU and MEM, they are no columns: {header}");
    let row = |name: &str| screen.lines().find(|l| l.contains(name)).unwrap().to_string();
    // churn-predictor: 1.96 of 2 cores, 1.5Gi of 4Gi, throttled 41 % of periods.
    let churn = row("churn-predictor");
    assert!(churn.contains(" 98% ") && churn.contains(" 38% ") && churn.contains(" 41%"), "{churn}");
    // model-0003 has no limits: cores and bytes.
    let unlimited = row("model-0003");
    assert!(unlimited.contains("1.7c") && unlimited.contains("512Mi"), "{unlimited}");
    assert_eq!(app.fleet.find("churn-predictor").unwrap().status, Status::Critical, "98 % of its CPU limit");
    insta::assert_snapshot!(screen);
}

#[test]
fn at_80_columns_the_resource_columns_give_way() {
    let app = app(6);
    let header = |app: &App| common::screen(app, 80, 30).lines().find(|l| l.contains("MODEL")).unwrap().to_string();
    let with = header(&app);
    assert!(!with.contains("CPU") && with.contains("ACC"), "{with}");
    assert_eq!(with, header(&common::app(6, 2)), "the same table as without the resource columns");
}

/// The model screen of `model` with the demo's panels, 30 minutes into the demo.
fn model_screen(model: &str, width: u16, height: u16) -> String {
    let mut app = app(6);
    for _ in 0..6 {
        if app.fleet.row(app.fleet_selected()).is_some_and(|r| r.name == model) {
            break;
        }
        app.update(Event::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE)));
    }
    let effects = app.update(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let [Effect::LoadDetail { bounds, seq, .. }] = effects.as_slice() else { panic!("{effects:?}") };
    let demo = DemoFleet::new(common::now() - jiff::SignedDuration::from_mins(30));
    let snapshot = demo.detail(model, *bounds);
    app.update(Event::DetailLoaded { seq: *seq, result: Ok(Box::new(snapshot)) });
    common::screen(&app, width, height)
}

#[test]
fn model_screen_resources_panel_beside_the_gpu_panel() {
    // fraud-detector has GPUs: the two panels share the place, side by side at 200.
    let wide = model_screen("fraud-detector", 200, 60);
    let both = wide.lines().find(|l| l.contains("GPU %")).unwrap();
    assert!(both.contains("┐┌ CPU mem "), "side by side: {both}");
    assert!(wide.contains("mem 3.1Gi/8.0Gi"), "{wide}");
    insta::assert_snapshot!("resources_200x60", wide);
    // churn-predictor has none: the resources panel takes the place, throttling in its title.
    let narrow = model_screen("churn-predictor", 80, 24);
    assert!(!narrow.contains("GPU %") && narrow.contains("┌ CPU mem 1.1Gi/2.0Gi 55% · thr 4"), "{narrow}");
    insta::assert_snapshot!("resources_80x24", narrow);
    // Narrow with GPUs: one above the other, each keeps its title.
    let stacked = model_screen("fraud-detector", 80, 24);
    let gpu = stacked.lines().position(|l| l.contains("┌ GPU %")).expect(&stacked);
    let cpu = stacked.lines().position(|l| l.contains("┌ CPU mem ")).expect(&stacked);
    assert!(cpu > gpu, "{stacked}");
}

#[test]
fn the_demo_throttles_one_model_and_grows_another() {
    let specs = config::from_str(KUBERNETES, None, &|_| None).unwrap().columns;
    let demo = DemoFleet::new(common::now() - jiff::SignedDuration::from_mins(30));
    let value = |at: jiff::Timestamp, id: ColumnId, model: &str| {
        let snapshot = demo.fleet(at, &specs);
        let (_, column) = snapshot.columns.into_iter().find(|(c, _)| *c == id).unwrap();
        match column.unwrap().get(model) {
            Some(modeldeck::domain::CellValue::Number(v)) => *v,
            other => panic!("{id} of {model}: {other:?}"),
        }
    };
    let now = common::now();
    let early = now - jiff::SignedDuration::from_mins(29);
    assert!(value(now, ColumnId::Cpu, "churn-predictor") / value(now, ColumnId::CpuLimit, "churn-predictor") > 0.95);
    assert!(value(now, ColumnId::Throttled, "churn-predictor") > 0.3);
    let (before, after) =
        (value(early, ColumnId::Memory, "price-forecast"), value(now, ColumnId::Memory, "price-forecast"));
    assert!(after > before * 2.0, "memory grows: {before} then {after}");
}
