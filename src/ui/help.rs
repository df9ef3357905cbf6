//! The help overlay, generated from the keymap and the command list.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::widgets;
use crate::app::App;
use crate::app::{COMMANDS, Command};
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

/// The command line and the filter syntax, the command names padded to the longest.
pub fn command_lines(theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled("Commands (:)", theme.title))];
    let width = COMMANDS.iter().map(|(cmd, _)| cmd.chars().count()).max().unwrap_or(0) + 1;
    for (cmd, what) in COMMANDS {
        lines.push(Line::from(vec![
            Span::styled(format!("  {cmd:<width$}"), theme.key),
            Span::styled(what, theme.base),
        ]));
    }
    lines
}

fn filter_lines(theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled("Filter (/)", theme.title))];
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
    lines.push(Line::from(""));
    lines.extend(filter_lines(theme));
    lines
}

/// The overlay's frame; when the text is taller than the frame, its bottom edge says which
/// lines show, that more follows, and the keys that scroll.
fn frame_block(app: &App, theme: &Theme, top: u16, visible: u16, total: u16) -> Block<'static> {
    let block =
        Block::bordered().border_style(theme.border(true)).title(Span::styled(" Help — ? or Esc closes ", theme.title));
    if total <= visible {
        return block;
    }
    let keymap = &app.settings.keymap;
    let arrow = match (top > 0, top + visible < total) {
        (true, true) => "↕ more above and below",
        (false, _) => "↓ more below",
        (true, false) => "↑ more above",
    };
    let position = format!(
        " {arrow} · {}/{} scroll · lines {}–{} of {total} ",
        keymap.primary(Command::Down),
        keymap.primary(Command::Up),
        top + 1,
        top + visible
    );
    block.title_bottom(Line::from(Span::styled(position, theme.key)).right_aligned())
}

/// The overlay over `area`. The narrow layout leaves the `footer` row (inside `area`) alone;
/// the wide one needs every row of a 100×40 terminal to fit without scrolling.
pub fn draw(frame: &mut Frame, area: Rect, footer: Rect, app: &App, theme: &Theme, scroll: u16) {
    if area.width >= 100 {
        return draw_wide(frame, area, app, theme, scroll);
    }
    let area = Rect { height: area.height.saturating_sub(footer.height), ..area };
    let content = lines(app, theme);
    let total = content.len() as u16;
    let popup = widgets::centered(area, 72, (total + 2).min(area.height));
    let visible = popup.height.saturating_sub(2);
    let top = scroll.min(total.saturating_sub(visible));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(content).block(frame_block(app, theme, top, visible, total)).scroll((top, 0)).style(theme.base),
        popup,
    );
}

/// Two columns: the sections split where the taller column is shortest, so everything fits
/// without scrolling on a 100×40 terminal; a smaller one scrolls, and says so.
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
    sections.push(filter_lines(theme));
    let sizes: Vec<usize> = sections.iter().map(Vec::len).collect();
    let total: usize = sizes.iter().sum();
    let split = (0..=sections.len())
        .min_by_key(|&k| {
            let left: usize = sizes[..k].iter().sum();
            left.max(total - left)
        })
        .unwrap_or(0);
    let mut left = Vec::new();
    let mut right = Vec::new();
    for (k, section) in sections.into_iter().enumerate() {
        if k < split { left.extend(section) } else { right.extend(section) }
    }
    let tall = left.len().max(right.len()) as u16;
    let popup = widgets::centered(area, area.width.min(120), (tall + 2).min(area.height));
    let visible = popup.height.saturating_sub(2);
    let top = scroll.min(tall.saturating_sub(visible));
    let block = frame_block(app, theme, top, visible, tall);
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block.style(theme.base), popup);
    // The left column as wide as its longest line and a space, the right one the rest.
    let left_width = left.iter().map(Line::width).max().unwrap_or(0) as u16 + 1;
    let [keys, commands] = ratatui::layout::Layout::horizontal([
        ratatui::layout::Constraint::Length(left_width),
        ratatui::layout::Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(left).scroll((top, 0)), keys);
    frame.render_widget(Paragraph::new(right).scroll((top, 0)), commands);
}
