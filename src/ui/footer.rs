//! The bottom line: the input being typed, else the last message, else key hints drawn
//! from the keymap.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::shown;
use crate::app::{App, InputKind, MessageLevel};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if let Some(input) = &app.input {
        let prompt = match input.kind {
            InputKind::Filter => "/",
            InputKind::Command => ":",
        };
        let line = Line::from(vec![Span::styled(prompt, theme.key), Span::styled(input.text.as_str(), theme.input)]);
        frame.render_widget(Paragraph::new(line), area);
        let x = area.x
            + 1
            + input.text[..input.text.char_indices().nth(input.cursor).map_or(input.text.len(), |(i, _)| i)]
                .chars()
                .count() as u16;
        frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
        return;
    }
    if let Some(busy) = &app.busy {
        frame.render_widget(Paragraph::new(Span::styled(format!(" ⟳ {}", shown(busy)), theme.hint)), area);
        return;
    }
    if let Some((level, text)) = &app.message {
        let style = match level {
            MessageLevel::Info => theme.hint,
            MessageLevel::Error => theme.error,
        };
        frame.render_widget(Paragraph::new(Span::styled(format!(" {}", shown(text)), style)), area);
        return;
    }
    let mut spans = Vec::new();
    let mut used = 0;
    for (key, what) in app.settings.keymap.hints_for(app.hint_context()) {
        let (key, what) = (format!(" {key}"), format!(" {what} "));
        // Whole hints only: a hint cut in the middle reads as a different key.
        used += super::format::display_width(&key) + super::format::display_width(&what);
        if used > area.width as usize + 1 {
            break;
        }
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::styled(what, theme.hint));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
