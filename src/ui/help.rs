//! The help overlay, generated from the keymap and the command list.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::widgets;
use crate::app::App;
use crate::app::COMMANDS;
use crate::theme::Theme;

/// The key bindings, by section.
pub fn key_lines(app: &App, theme: &Theme) -> Vec<Line<'static>> {
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
    lines
}

/// The command line and the filter syntax.
pub fn command_lines(theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled("Commands (:)", theme.title))];
    for (cmd, what) in COMMANDS {
        lines.push(Line::from(vec![Span::styled(format!("  {cmd:<14}"), theme.key), Span::styled(what, theme.base)]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Filter (/)", theme.title)));
    for text in [
        "  words match model names;",
        "  key=value matches a column: version=3",
        "  in the journal: model= kind= author=",
    ] {
        lines.push(Line::from(Span::styled(text, theme.base)));
    }
    lines
}

/// Everything in one column, for narrow terminals.
pub fn lines(app: &App, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = key_lines(app, theme);
    lines.extend(command_lines(theme));
    lines
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, scroll: u16) {
    if area.width >= 100 {
        return draw_wide(frame, area, app, theme, scroll);
    }
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

/// Two columns: the key sections split where the halves are closest, the commands after
/// them, so everything fits without scrolling on a 100×40 terminal.
fn draw_wide(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, scroll: u16) {
    let mut sections: Vec<Vec<Line<'static>>> = Vec::new();
    // Section titles stand out on their own; the blank lines between sections would cost
    // the rows that let everything fit.
    for line in key_lines(app, theme).into_iter().filter(|l| l.width() > 0) {
        let starts_section =
            line.spans.len() == 1 && !line.spans[0].content.starts_with(' ') && !line.spans[0].content.is_empty();
        if starts_section || sections.is_empty() {
            sections.push(Vec::new());
        }
        if let Some(last) = sections.last_mut() {
            last.push(line);
        }
    }
    sections.push(command_lines(theme));
    let total: usize = sections.iter().map(Vec::len).sum();
    let mut left = Vec::new();
    let mut right = Vec::new();
    for section in sections {
        if left.len() + section.len() / 2 <= total / 2 && right.is_empty() {
            left.extend(section);
        } else {
            right.extend(section);
        }
    }
    let tall = left.len().max(right.len()) as u16 + 2;
    let width = area.width.min(120);
    let popup = widgets::centered(area, width, tall.min(area.height));
    let block =
        Block::bordered().border_style(theme.border(true)).title(Span::styled(" Help — ? or Esc closes ", theme.title));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block.style(theme.base), popup);
    let [keys, commands] = ratatui::layout::Layout::horizontal([
        ratatui::layout::Constraint::Percentage(50),
        ratatui::layout::Constraint::Percentage(50),
    ])
    .areas(inner);
    let max_scroll = tall.saturating_sub(popup.height);
    frame.render_widget(Paragraph::new(left).scroll((scroll.min(max_scroll), 0)), keys);
    frame.render_widget(Paragraph::new(right).scroll((scroll.min(max_scroll), 0)), commands);
}
