//! The help overlay, generated from the keymap and the command list.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::widgets;
use crate::app::App;
use crate::command::COMMANDS;
use crate::theme::Theme;

pub fn lines(app: &App, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (section, rows) in app.settings.keymap.help() {
        lines.push(Line::from(Span::styled(section, theme.title)));
        for (keys, what) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<16}"), theme.key),
                Span::styled(what, theme.base),
            ]));
        }
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled("Commands (:)", theme.title)));
    for (cmd, what) in COMMANDS {
        lines.push(Line::from(vec![Span::styled(format!("  {cmd:<16}"), theme.key), Span::styled(what, theme.base)]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Filter (/)", theme.title)));
    lines.push(Line::from(Span::styled(
        "  words match model names; key=value matches a column, e.g. version=3",
        theme.base,
    )));
    lines
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, scroll: u16) {
    let content = lines(app, theme);
    let height = (content.len() as u16 + 2).min(area.height);
    let popup = widgets::centered(area, 72, height);
    let max_scroll = (content.len() as u16 + 2).saturating_sub(popup.height);
    let block =
        Block::bordered().border_style(theme.border(true)).title(Span::styled(" Help — ? or Esc closes ", theme.title));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(content).block(block).scroll((scroll.min(max_scroll), 0)).style(theme.base),
        popup,
    );
}
