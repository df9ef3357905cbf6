//! The alerts panel: Alertmanager's alerts by severity then age, Prometheus's pending
//! alerts dimmed after them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table};

use super::text::shown;
use super::{format, widgets};
use crate::app::{App, Pane};
use crate::domain::{Alert, AlertState};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Pane::Alerts;
    let title = Line::from(vec![
        Span::styled(" Alerts ", theme.title),
        Span::styled(
            format!(
                "{} firing · {} silenced · {} pending ",
                app.firing_count(),
                app.alerts.len() - app.firing_count(),
                app.pending.len()
            ),
            theme.dim,
        ),
    ]);
    let block = Block::bordered().border_style(theme.border(focused)).title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let header = Row::new(["SEV", "ALERT", "MODEL", "AGE", "STATE", "SUMMARY"]).style(theme.table_header);
    let widths = [
        Constraint::Length(4),
        Constraint::Length(22),
        Constraint::Length(16),
        Constraint::Length(6),
        Constraint::Length(14),
        Constraint::Min(10),
    ];
    let total = app.alert_count();
    if total == 0 {
        let text = if app.health.values().all(|h| h.last_ok().is_none()) { "waiting for data" } else { "no alerts" };
        let row = Row::new([Cell::from(""), Cell::from(Span::styled(text, theme.dim))]);
        frame.render_widget(Table::new([row], widths).header(header), inner);
        return;
    }
    let height = inner.height.saturating_sub(1) as usize;
    let offset = widgets::scroll_offset(app.alert_selected(), height, total);
    let rows: Vec<Row> = app
        .alert_rows()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, alert)| {
            let row = alert_row(app, alert, theme);
            if i == app.alert_selected() && focused { row.style(theme.selected) } else { row }
        })
        .collect();
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), inner);
}

fn alert_row<'a>(app: &App, alert: &'a Alert, theme: &Theme) -> Row<'a> {
    let sev = match alert.severity.label() {
        "critical" => "CRIT",
        "warning" => "WARN",
        "info" => "INFO",
        _ => " -",
    };
    let age = alert.starts_at.map_or_else(|| "–".to_string(), |t| format::age(app.now.as_second() - t.as_second()));
    let state_style = match alert.state {
        AlertState::Active | AlertState::Unprocessed => theme.severity(alert.severity),
        AlertState::Silenced | AlertState::Inhibited => theme.alert_silenced,
        AlertState::Pending => theme.dim,
    };
    // The summary is one row of a table: newlines in a long description become spaces.
    let summary = shown(&alert.summary.split_whitespace().collect::<Vec<_>>().join(" "));
    let row = Row::new([
        Cell::from(Span::styled(sev, theme.severity(alert.severity))),
        Cell::from(shown(&alert.name)),
        Cell::from(alert.model.as_deref().map_or_else(|| "–".to_string(), shown)),
        Cell::from(age),
        Cell::from(Span::styled(
            match app.silenced_for(alert) {
                Some(left) => format!("silenced {}", format::age(left.as_secs())),
                None => alert.state.label().to_string(),
            },
            state_style,
        )),
        Cell::from(match app.suggestion_label(alert) {
            Some(hint) => Line::from(vec![Span::styled(format!("→ {hint} (!) "), theme.key), Span::raw(summary)]),
            None => Line::from(summary),
        }),
    ]);
    match alert.state {
        AlertState::Pending => row.style(theme.dim),
        AlertState::Silenced | AlertState::Inhibited => row.style(theme.alert_silenced),
        _ => row,
    }
}
