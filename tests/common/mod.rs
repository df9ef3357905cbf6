//! Deterministic app states for update, render and benchmark tests.
#![allow(dead_code)]

pub mod keys;
pub mod standin;

use std::collections::HashMap;
use std::time::Duration;

use jiff::Timestamp;
use modeldeck::app::{App, EnvironmentInfo, Settings};
use modeldeck::config;
use modeldeck::domain::{
    Alert, AlertSnapshot, AlertState, CellValue, ColumnId, FleetSnapshot, Labels, Severity, SourceData, SourceId,
};
use modeldeck::domain::{Event, SourceUpdate};
use modeldeck::input::keymap::Keymap;

pub fn now() -> Timestamp {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

pub fn settings(environments: &[(&str, bool)]) -> Settings {
    let config = config::from_str("", None, &|_| None).unwrap();
    let mut settings = Settings::from_config(&config, Keymap::default(), false, false);
    settings.author = "alice@ops-1".into();
    settings.environments = environments
        .iter()
        .map(|(name, production)| EnvironmentInfo {
            name: name.to_string(),
            production: *production,
            read_only: false,
            registry: false,
        })
        .collect();
    settings
}

/// `n` models: the first is `fraud-detector` with accuracy 0.71 (critical), the rest are
/// healthy with a few warnings; every fifth model has no GPU (missing cell).
pub fn fleet(n: usize) -> FleetSnapshot {
    const GI: f64 = 1024.0 * 1024.0 * 1024.0;
    let names: Vec<String> = (0..n)
        .map(|i| match i {
            0 => "fraud-detector".to_string(),
            1 => "churn-predictor".to_string(),
            2 => "recsys-ranker".to_string(),
            i => format!("model-{i:04}"),
        })
        .collect();
    let mut columns = Vec::new();
    for id in ColumnId::ALL {
        let mut values = HashMap::new();
        for (i, name) in names.iter().enumerate() {
            let f = i as f64;
            let value = match id {
                ColumnId::Version => CellValue::Text(format!("{}", 1 + i % 9)),
                ColumnId::Accuracy if i == 0 => CellValue::Number(0.71),
                ColumnId::Accuracy => CellValue::Number(0.95 - (i % 5) as f64 * 0.007),
                ColumnId::Drift => CellValue::Number(0.02 + (i % 13) as f64 * 0.01),
                ColumnId::LatencyP95 => CellValue::Number(0.040 + (i % 11) as f64 * 0.05),
                ColumnId::Throughput => CellValue::Number(10.0 + f * 3.5),
                ColumnId::ErrorRate => CellValue::Number(0.001 * (1 + i % 4) as f64),
                ColumnId::Gpu if i % 5 == 4 => continue,
                ColumnId::Gpu => CellValue::Number(40.0 + (i % 6) as f64 * 10.0),
                ColumnId::Trend => CellValue::Series(
                    (0..60)
                        .map(|k| if i == 0 { 0.96 - k as f64 * 0.004 } else { 0.95 + ((k + i) % 7) as f64 * 0.002 })
                        .collect(),
                ),
                // churn-predictor at its CPU limit and throttled, recsys-ranker near its
                // memory limit, model-0003 without limits.
                ColumnId::Cpu if i == 1 => CellValue::Number(1.96),
                ColumnId::Cpu => CellValue::Number(0.5 + (i % 4) as f64 * 0.4),
                ColumnId::Memory if i == 2 => CellValue::Number(3.6 * GI),
                ColumnId::Memory => CellValue::Number((0.5 + (i % 3) as f64) * GI),
                ColumnId::Throttled | ColumnId::CpuLimit | ColumnId::MemoryLimit if i == 3 => continue,
                ColumnId::Throttled => CellValue::Number(if i == 1 { 0.41 } else { 0.02 }),
                ColumnId::CpuLimit => CellValue::Number(if i == 1 { 2.0 } else { 4.0 }),
                ColumnId::MemoryLimit => CellValue::Number(4.0 * GI),
            };
            values.insert(name.clone(), value);
        }
        columns.push((id, Ok(values)));
    }
    FleetSnapshot {
        columns,
        pending_alerts: vec![alert(
            "ModelErrorsSlowBurn",
            Severity::Warning,
            "churn-predictor",
            AlertState::Pending,
            300,
        )],
    }
}

pub fn alert(name: &str, severity: Severity, model: &str, state: AlertState, age_s: i64) -> Alert {
    let labels: Labels = [("alertname", name), ("model", model), ("severity", severity.label())].into_iter().collect();
    Alert {
        fingerprint: format!("{name}-{model}"),
        name: name.into(),
        severity,
        model: Some(model.into()),
        state,
        starts_at: Some(now() - jiff::SignedDuration::from_secs(age_s)),
        summary: format!("{name} on {model}"),
        labels,
        annotations: Labels::default(),
        silenced_by: Vec::new(),
        generator_url: None,
        inhibited_by: Vec::new(),
        receivers: Vec::new(),
    }
}

/// `n` alerts: a critical accuracy alert on fraud-detector, a silenced drift warning, then
/// filler warnings spread over the fleet.
pub fn alerts(n: usize, models: usize) -> AlertSnapshot {
    let mut alerts = vec![
        alert("ModelAccuracyLow", Severity::Critical, "fraud-detector", AlertState::Active, 125),
        alert("ModelDriftHigh", Severity::Warning, "recsys-ranker", AlertState::Silenced, 3600),
    ];
    for i in alerts.len()..n {
        let model = format!("model-{:04}", 3 + i % models.saturating_sub(3).max(1));
        alerts.push(alert(&format!("LatencyHigh{i}"), Severity::Warning, &model, AlertState::Active, 60 + i as i64));
    }
    alerts.truncate(n);
    let alerts = alerts.into_iter().map(std::sync::Arc::new).collect();
    AlertSnapshot { alerts, peer: "http://127.0.0.1:9093/".into(), ..AlertSnapshot::default() }
}

pub fn update(source: SourceId, data: SourceData, generation: u64) -> Event {
    Event::Source(SourceUpdate { generation, source, at: now(), outcome: Ok(data), next_in: Duration::from_secs(5) })
}

/// An app that has received one Prometheus and one Alertmanager refresh.
pub fn app(models: usize, alert_count: usize) -> App {
    let mut app = App::new(settings(&[("staging", false), ("prod-eu", true)]), 0, now());
    app.update(update(SourceId::Prometheus, SourceData::Fleet(fleet(models)), 1));
    app.update(update(SourceId::Alertmanager, SourceData::Alerts(alerts(alert_count, models)), 1));
    app.update(Event::Tick(now() + jiff::SignedDuration::from_secs(2)));
    app
}

/// A rendered screen as text, one line per row.
pub fn buffer_text(buffer: &ratatui::buffer::Buffer) -> String {
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// `app` drawn at `width`×`height` with the default theme, as text.
pub fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| modeldeck::ui::draw(frame, app, &modeldeck::theme::Theme::default_theme())).unwrap();
    buffer_text(terminal.backend().buffer())
}
