//! Where outside text meets the operator. The app holds every string exactly as a backend
//! sent it (a label value goes back into PromQL and silence matchers byte for byte); the
//! views make it inert here: control characters become visible symbols (`␛[2J`), bidi
//! overrides `�`, echoed credentials are masked, and long values are cut. [`inert_buffer`]
//! then checks every cell of a drawn frame, so a string a view forgot still cannot reach
//! the terminal.

use std::borrow::Cow;

use ratatui::buffer::Buffer;
use ratatui::text::{Line, Span};

use crate::app::Target;
use crate::domain::sanitize;
use crate::theme::Theme;

/// One outside string, safe to draw.
pub fn inert(text: &str) -> Cow<'_, str> {
    sanitize::sanitize(text)
}

/// [`inert`], owned.
pub fn shown(text: &str) -> String {
    sanitize::clean(text)
}

/// `on: environment prod-eu · model fraud-detector · version 3 · alert …`: the first line
/// of every confirmation, naming everything the action is about.
pub fn target_line(target: &Target, theme: &Theme) -> Line<'static> {
    Line::from(vec![Span::styled("on: ", theme.key), Span::styled(shown(&target.describe()), theme.title)])
}

/// Replaces whatever unsafe character is left in a drawn frame. Views make outside text
/// inert where they lay it out (so widths are right); this is the last line of defence.
pub fn inert_buffer(buffer: &mut Buffer) {
    for cell in buffer.content.iter_mut() {
        let symbol = cell.symbol();
        if symbol.chars().any(sanitize::is_unsafe) {
            let clean = sanitize::clean(symbol);
            cell.set_symbol(&clean);
        }
    }
}

/// [`inert_buffer`] for the cells of `area` alone, after a partial redraw.
pub fn inert_area(buffer: &mut Buffer, area: ratatui::layout::Rect) {
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let cell = &mut buffer[(x, y)];
            if cell.symbol().chars().any(sanitize::is_unsafe) {
                let clean = sanitize::clean(cell.symbol());
                cell.set_symbol(&clean);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Rect;

    use super::*;

    #[test]
    fn a_raw_cell_is_made_inert() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 3, 1));
        buffer[(0, 0)].set_symbol("\u{202e}");
        buffer[(1, 0)].set_symbol("\x1b");
        buffer[(2, 0)].set_symbol("a");
        inert_buffer(&mut buffer);
        let cells: Vec<&str> = (0..3).map(|x| buffer[(x, 0)].symbol()).collect();
        assert_eq!(cells, ["\u{FFFD}", "␛", "a"]);
    }
}
