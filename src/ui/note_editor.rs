//! The note editor overlay.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{App, NoteEditor};
use crate::app::{Command, Mode};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, editor: &NoteEditor, theme: &Theme) {
    let save = app.settings.keymap.primary_in(Mode::Form, &Command::Save);
    let title = Line::from(vec![
        Span::styled(" Note on ", theme.title),
        Span::styled(format!("{} ", super::text::shown(&editor.subject.describe())), theme.title),
    ]);
    let status = if editor.saving {
        Span::styled(" saving… ", theme.hint)
    } else if let Some(error) = &editor.error {
        Span::styled(format!(" {error} "), theme.error)
    } else {
        Span::styled(format!(" {save} save · Esc discard · by {} ", app.settings.author), theme.hint)
    };
    let size = (76.min(area.width.saturating_sub(4)), 16.min(area.height.saturating_sub(2)));
    let inner = super::form::frame(frame, area, size, app, title, Line::from(status), theme);
    let (line, col) = editor.position();
    let height = inner.height as usize;
    let skip = line.saturating_sub(height.saturating_sub(1));
    let lines: Vec<Line> = editor
        .text
        .split('\n')
        .skip(skip)
        .take(height)
        .map(|l| Line::from(Span::styled(l.to_string(), theme.input)))
        .collect();
    frame.render_widget(Paragraph::new(lines).style(theme.base), inner);
    let x = inner.x + (col as u16).min(inner.width.saturating_sub(1));
    let y = inner.y + (line - skip) as u16;
    frame.set_cursor_position(Position::new(x, y));
}
