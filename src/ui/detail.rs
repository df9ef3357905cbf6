//! The model screen: every fleet value for one model with its status and thresholds, and
//! the alerts that name it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::format;
use crate::app::App;
use crate::domain::{CellValue, Direction, Status};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, model: &str) {
    let block = Block::bordered().border_style(theme.border(true)).title(Line::from(vec![
        Span::styled(format!(" {model} "), theme.title),
        Span::styled("Esc: back ", theme.dim),
    ]));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(row) = app.fleet.find(model) else {
        frame.render_widget(Paragraph::new(Span::styled("this model is not in the current data", theme.dim)), inner);
        return;
    };
    let alerts: Vec<_> = app.alert_rows().filter(|a| a.model.as_deref() == Some(model)).collect();
    let [values, alerts_area] =
        Layout::vertical([Constraint::Length(app.settings.columns.len() as u16 + 2), Constraint::Min(3)]).areas(inner);

    let mut lines = vec![Line::from(Span::styled("Fleet values", theme.table_header))];
    for spec in &app.settings.columns {
        let value = row.cells.get(&spec.id);
        let (text, style, status) = match value {
            Some(CellValue::Number(v)) => {
                let status = spec.thresholds.classify(*v);
                (format::number(spec.id, *v), theme.status(status), Some(status))
            }
            Some(CellValue::Series(s)) => {
                let last = s.iter().rev().find(|v| v.is_finite()).copied();
                let status = last.map(|v| spec.thresholds.classify(v));
                (format::sparkline(s, 40, 0.05), status.map_or(theme.status_missing, |s| theme.status(s)), status)
            }
            other => (format::cell(spec.id, other), theme.base, None),
        };
        let limits = match (spec.thresholds.direction, spec.thresholds.warn, spec.thresholds.critical) {
            (Direction::None, ..) | (_, None, None) => String::new(),
            (dir, warn, crit) => {
                let op = if dir == Direction::HigherIsBetter { "<" } else { ">" };
                let f = |v: Option<f64>| v.map_or("–".into(), |v| format::number(spec.id, v));
                format!("warn {op} {} · critical {op} {}", f(warn), f(crit))
            }
        };
        let status_text = match status {
            Some(Status::Critical) => "CRITICAL",
            Some(Status::Warn) => "warn",
            Some(Status::Ok) => "ok",
            _ => "",
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<10}", format::fit(&spec.title, 10)), theme.key),
            Span::styled(format!("{text:<14} "), style),
            Span::styled(format!("{status_text:<9}"), style),
            Span::styled(limits, theme.dim),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), values);

    let mut lines = vec![Line::from(Span::styled(format!("Alerts ({})", alerts.len()), theme.table_header))];
    if alerts.is_empty() {
        lines.push(Line::from(Span::styled("  none", theme.dim)));
    }
    for alert in alerts {
        let since = alert.starts_at.map_or("–".to_string(), |t| format::age(app.now.as_second() - t.as_second()));
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<9}", alert.severity.label()), theme.severity(alert.severity)),
            Span::styled(format!("{} ", alert.name), theme.base),
            Span::styled(format!("{} for {since} ", alert.state.label()), theme.dim),
            Span::styled(alert.summary.as_str(), theme.base),
        ]));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), alerts_area);
}
