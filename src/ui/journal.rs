//! The journal screen: entries newest first, and one entry in full.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Wrap};

use super::{format, widgets};
use crate::app::App;
use crate::domain::sanitize;
use crate::domain::{Entry, Outcome};
use crate::theme::Theme;

pub fn draw_list(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let view = &app.journal;
    let mut title = vec![
        Span::styled(" Journal ", theme.title),
        Span::styled(format!("{}/{} ", view.visible.len(), view.entries.len()), theme.dim),
    ];
    if !view.filter_text.is_empty() {
        title.push(Span::styled(format!("/{} ", view.filter_text), theme.input));
    }
    let demo = app.settings.journal_path.starts_with("DEMO");
    title
        .push(Span::styled(format!("{} ", app.settings.journal_path), if demo { theme.badge_demo } else { theme.dim }));
    let block = Block::bordered().border_style(theme.border(true)).title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let header = Row::new(["TIME (UTC)", "AUTHOR", "KIND", "SUBJECT", "RESULT", "NOTE"]).style(theme.table_header);
    let widths = [
        Constraint::Length(16),
        Constraint::Length(16),
        Constraint::Length(8),
        Constraint::Length(24),
        Constraint::Length(7),
        Constraint::Min(10),
    ];
    if view.visible.is_empty() {
        let text = match (&view.error, view.loaded, view.entries.is_empty()) {
            (Some(e), _, _) => format!("cannot read the journal: {e}"),
            (None, false, _) => "loading…".to_string(),
            (None, true, true) => "no entries yet: press n to write a note".to_string(),
            (None, true, false) => "no entry matches the filter (Esc clears it)".to_string(),
        };
        let row = Row::new([Cell::from(Span::styled(text, theme.dim))]);
        frame.render_widget(Table::new([row], [Constraint::Min(10)]).header(header), inner);
        return;
    }
    let height = inner.height.saturating_sub(1) as usize;
    let offset = widgets::scroll_offset(view.selected(), height, view.visible.len());
    let rows: Vec<Row> = view.visible[offset..(offset + height).min(view.visible.len())]
        .iter()
        .enumerate()
        .filter_map(|(k, i)| view.entries.get(*i).map(|e| (offset + k, e)))
        .map(|(i, entry)| {
            let row = entry_row(entry, theme);
            if i == view.selected() { row.style(theme.selected) } else { row }
        })
        .collect();
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), inner);
}

fn short_time(ts: &str) -> String {
    // "2026-11-25T12:00:00.123Z" → "11-25 12:00:00"
    ts.get(5..19).map_or_else(|| ts.to_string(), |s| s.replace('T', " "))
}

fn result_style(outcome: &Outcome, theme: &Theme) -> ratatui::style::Style {
    match outcome {
        Outcome::Ok => theme.status_ok,
        Outcome::Failed { .. } => theme.status_critical,
        Outcome::Unknown { .. } => theme.status_warn,
        Outcome::Suppressed { .. } | Outcome::Started => theme.dim,
    }
}

fn entry_row<'a>(entry: &'a Entry, theme: &Theme) -> Row<'a> {
    // Entries may come from other operators' hands (a shared file): sanitise on display.
    Row::new([
        Cell::from(short_time(&entry.ts)),
        Cell::from(sanitize::clean(&entry.author)),
        Cell::from(sanitize::clean(entry.kind.label())),
        Cell::from(sanitize::clean(&entry.subject.describe())),
        Cell::from(Span::styled(entry.result.label(), result_style(&entry.result, theme))),
        Cell::from(sanitize::clean(entry.headline())),
    ])
}

pub fn draw_entry(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, seq: u64) {
    let block = Block::bordered().border_style(theme.border(true)).title(Line::from(vec![
        Span::styled(format!(" Journal entry {seq} "), theme.title),
        Span::styled("Esc: back ", theme.dim),
    ]));
    let Some(entry) = app.journal.find(seq) else {
        frame.render_widget(Paragraph::new(Span::styled("entry not found", theme.dim)).block(block), area);
        return;
    };
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:<12}"), theme.key),
            Span::styled(sanitize::clean(&value), theme.base),
        ])
    };
    let mut lines = vec![
        field("time", entry.ts.clone()),
        field("author", entry.author.clone()),
        field("environment", entry.environment.clone()),
        field("kind", entry.kind.label().to_string() + if entry.demo { " (demo)" } else { "" }),
        field("subject", entry.subject.describe()),
        Line::from(vec![
            Span::styled(format!("{:<12}", "result"), theme.key),
            Span::styled(
                match &entry.result {
                    Outcome::Ok => "ok".to_string(),
                    Outcome::Failed { error } => format!("failed: {}", sanitize::clean(error)),
                    Outcome::Unknown { reason } => format!("unknown: {}", sanitize::clean(reason)),
                    Outcome::Suppressed { reason } => format!("suppressed: {}", sanitize::clean(reason)),
                    Outcome::Started => "started (sent; the result follows in its own entry)".to_string(),
                },
                result_style(&entry.result, theme),
            ),
        ]),
        field("id", format!("{} (seq {})", entry.id, entry.seq)),
        field("hash", format::fit(&entry.hash, 24)),
        Line::from(""),
        Line::from(Span::styled("Note", theme.table_header)),
    ];
    lines.extend(entry.note.lines().map(|l| Line::from(Span::styled(format!("  {}", sanitize::clean(l)), theme.base))));
    for (name, value) in [("Request", &entry.request), ("Before", &entry.before), ("After", &entry.after)] {
        if let Some(value) = value {
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(name, theme.table_header)));
            let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
            lines.extend(
                pretty.lines().map(|l| Line::from(Span::styled(format!("  {}", sanitize::clean(l)), theme.dim))),
            );
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}
