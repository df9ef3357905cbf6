//! The silence inventory: active and pending silences with who, why and how long.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table};

use super::text::shown;
use super::{format, widgets};
use crate::app::App;
use crate::app::Command;
use crate::app::alerting_text::matchers_text;
use crate::domain::SilenceState;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let silences = app.live_silences();
    let block = Block::bordered().border_style(theme.border(true)).title(Line::from(vec![
        Span::styled(" Silences ", theme.title),
        Span::styled(format!("{} active or pending ", silences.len()), theme.dim),
        Span::styled(
            format!(
                "{} expire · {} extend · Esc back ",
                app.settings.keymap.primary(Command::Expire),
                app.settings.keymap.primary(Command::Extend)
            ),
            theme.dim,
        ),
    ]));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let header = Row::new(["STATE", "ENDS IN", "BY", "MATCHERS", "COMMENT", ""]).style(theme.table_header);
    let widths = [
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(14),
        Constraint::Percentage(38),
        Constraint::Min(20),
        Constraint::Length(10),
    ];
    if silences.is_empty() {
        let row = Row::new([Cell::from(Span::styled("no active silences", theme.dim))]);
        frame.render_widget(Table::new([row], [Constraint::Min(10)]).header(header), inner);
        return;
    }
    let height = inner.height.saturating_sub(1) as usize;
    let offset = widgets::scroll_offset(app.silence_selected(), height, silences.len());
    let rows: Vec<Row> = silences
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, s)| {
            let left = s.ends_at.as_second() - app.now.as_second();
            let stale = app.silence_mutes_nothing(s);
            let row = Row::new([
                Cell::from(match s.state {
                    SilenceState::Active => "active",
                    SilenceState::Pending => "pending",
                    SilenceState::Expired => "expired",
                }),
                Cell::from(format::age(left)),
                Cell::from(format::fit(&shown(&s.created_by), 14)),
                Cell::from(shown(&matchers_text(s))),
                Cell::from(shown(&s.comment)),
                Cell::from(Span::styled(if stale { "no alert" } else { "" }, theme.status_warn)),
            ]);
            if i == app.silence_selected() { row.style(theme.selected) } else { row }
        })
        .collect();
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), inner);
}
