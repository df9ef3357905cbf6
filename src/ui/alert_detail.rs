//! One alert in full: labels, annotations, links, timing, receivers, and what silences or
//! inhibits it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::format;
use super::text::shown;
use crate::app::App;
use crate::app::alerting_text::{matchers_text, utc};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, fingerprint: &str) {
    let block = Block::bordered().border_style(theme.border(true)).title(Line::from(vec![
        Span::styled(" Alert ", theme.title),
        Span::styled("a ack · A unack · n note · Enter model · Esc back ", theme.dim),
    ]));
    let Some(alert) = app.alert_rows().find(|a| a.fingerprint == fingerprint) else {
        frame.render_widget(
            Paragraph::new(Span::styled("this alert is gone (resolved?)", theme.dim)).block(block),
            area,
        );
        return;
    };
    let field = |name: &str, value: String| {
        Line::from(vec![Span::styled(format!("{name:<14}"), theme.key), Span::styled(value, theme.base)])
    };
    let mut state = alert.state.label().to_string();
    if let Some(left) = app.silenced_for(alert) {
        state = format!("{state}, {} left", format::age(left.as_secs()));
    }
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{} ", shown(&alert.name)), theme.title),
            Span::styled(alert.severity.label(), theme.severity(alert.severity)),
        ]),
        field("state", state),
        field(
            "since",
            alert.starts_at.map_or("–".into(), |t| {
                format!("{} ({} ago)", utc(t), format::age(app.now.as_second() - t.as_second()))
            }),
        ),
        field("fingerprint", shown(&alert.fingerprint)),
        field("receivers", if alert.receivers.is_empty() { "–".into() } else { shown(&alert.receivers.join(", ")) }),
        field("source", alert.generator_url.as_deref().map_or_else(|| "–".into(), shown)),
        Line::from(""),
        Line::from(Span::styled("Labels", theme.table_header)),
    ];
    for (k, v) in &alert.labels {
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<20}", shown(k)), theme.key),
            Span::styled(shown(v), theme.base),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Annotations", theme.table_header)));
    if alert.annotations.is_empty() {
        lines.push(Line::from(Span::styled("  none", theme.dim)));
    }
    for (k, v) in &alert.annotations {
        // A description may run over several lines: each keeps its own, indented.
        for (n, text) in v.lines().enumerate() {
            let key = if n == 0 { format!("  {:<20}", shown(k)) } else { " ".repeat(22) };
            lines.push(Line::from(vec![Span::styled(key, theme.key), Span::styled(shown(text), theme.base)]));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Muted by", theme.table_header)));
    if alert.silenced_by.is_empty() && alert.inhibited_by.is_empty() {
        lines.push(Line::from(Span::styled("  nothing: this alert notifies", theme.dim)));
    }
    for id in &alert.silenced_by {
        let text = match app.silences.iter().find(|s| &s.id == id) {
            Some(s) => format!(
                "  silence {id} until {} by {}: \"{}\" [{}]",
                utc(s.ends_at),
                s.created_by,
                s.comment,
                matchers_text(s)
            ),
            None => format!("  silence {id}"),
        };
        lines.push(Line::from(Span::styled(shown(&text), theme.alert_silenced)));
    }
    for fp in &alert.inhibited_by {
        let by = app.alert_rows().find(|a| &a.fingerprint == fp).map_or(String::new(), |a| format!(" ({})", a.name));
        lines.push(Line::from(Span::styled(shown(&format!("  inhibited by alert {fp}{by}")), theme.alert_silenced)));
    }
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}
