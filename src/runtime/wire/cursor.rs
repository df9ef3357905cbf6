//! Cursor moves: nothing when the cursor is already there, otherwise the shortest of the
//! absolute move (`ESC[row;colH`) and the relative ones (`ESC[nC`, `ESC[nA`, CR, LF …).

use std::io::Write;

use ratatui::layout::Position;

/// Where the terminal's cursor is, as far as the bytes written so far tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// Nothing known (start of a frame): only an absolute move is safe.
    Unknown,
    /// At this cell.
    At(Position),
    /// Just printed into the last column of `row`: terminals differ on where the cursor
    /// stands until the next character (the pending wrap), so only moves that set the
    /// column outright (CR, absolute) are safe.
    EndOf(u16),
}

impl Cursor {
    /// The cursor after printing a character `width` cells wide at `at` on a screen
    /// `screen_width` columns wide.
    pub fn after_print(at: Position, width: u16, screen_width: u16) -> Cursor {
        let next = at.x.saturating_add(width);
        if width == 0 {
            Cursor::Unknown
        } else if next >= screen_width {
            Cursor::EndOf(at.y)
        } else {
            Cursor::At(Position::new(next, at.y))
        }
    }
}

/// Writes the shortest move from `from` to `to`; nothing when the cursor is already there.
pub fn write_move(out: &mut Vec<u8>, from: Cursor, to: Position) {
    let mut best = absolute(to);
    let mut consider = |candidate: Vec<u8>| {
        if candidate.len() < best.len() {
            best = candidate;
        }
    };
    match from {
        Cursor::At(at) if at == to => return,
        Cursor::At(at) => {
            // On a tie the line start: CR and LF are what a reader of the bytes expects.
            consider(from_line_start(at.y, to));
            consider(from_column(at, to));
        }
        Cursor::EndOf(row) => consider(from_line_start(row, to)),
        Cursor::Unknown => {}
    }
    out.extend_from_slice(&best);
}

/// `ESC[row;colH`, with the parameters the terminal defaults to left out.
fn absolute(to: Position) -> Vec<u8> {
    match (to.x, to.y) {
        (0, 0) => b"\x1b[H".to_vec(),
        (0, y) => format!("\x1b[{}H", y + 1).into_bytes(),
        (x, y) => format!("\x1b[{};{}H", y + 1, x + 1).into_bytes(),
    }
}

/// Up or down with the column kept, then left, right or to an absolute column.
fn from_column(at: Position, to: Position) -> Vec<u8> {
    if to.x == 0 {
        let mut out = vec![b'\r'];
        out.extend_from_slice(&vertical(at.y, to.y));
        return out;
    }
    let mut out = vertical(at.y, to.y);
    let relative = match to.x.cmp(&at.x) {
        std::cmp::Ordering::Equal => Vec::new(),
        std::cmp::Ordering::Greater => csi(to.x - at.x, b'C'),
        std::cmp::Ordering::Less => csi(at.x - to.x, b'D'),
    };
    let column = format!("\x1b[{}G", to.x + 1).into_bytes();
    out.extend_from_slice(if column.len() < relative.len() { &column } else { &relative });
    out
}

/// CR to the first column, down by line feeds (or up), then right.
fn from_line_start(row: u16, to: Position) -> Vec<u8> {
    let mut out = vec![b'\r'];
    if to.y > row {
        // The rows below exist, so these line feeds never scroll.
        let down = usize::from(to.y - row);
        let by_csi = csi(to.y - row, b'B');
        if down <= by_csi.len() {
            out.extend(std::iter::repeat_n(b'\n', down));
        } else {
            out.extend_from_slice(&by_csi);
        }
    } else {
        out.extend_from_slice(&vertical(row, to.y));
    }
    if to.x > 0 {
        out.extend_from_slice(&csi(to.x, b'C'));
    }
    out
}

/// Up or down with the column kept: `ESC[nA`, and down by line feeds (in raw mode a line
/// feed keeps the column) or `ESC[nB`, whichever is shorter. The rows below exist, so the
/// line feeds never scroll.
fn vertical(from: u16, to: u16) -> Vec<u8> {
    match to.cmp(&from) {
        std::cmp::Ordering::Equal => Vec::new(),
        std::cmp::Ordering::Greater => {
            let by_csi = csi(to - from, b'B');
            let down = usize::from(to - from);
            if down <= by_csi.len() { vec![b'\n'; down] } else { by_csi }
        }
        std::cmp::Ordering::Less => csi(from - to, b'A'),
    }
}

/// `ESC[nX`, with n = 1 left out.
fn csi(n: u16, command: u8) -> Vec<u8> {
    let mut out = b"\x1b[".to_vec();
    if n != 1 {
        let _ = write!(out, "{n}");
    }
    out.push(command);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moved(from: Cursor, to: (u16, u16)) -> String {
        let mut out = Vec::new();
        write_move(&mut out, from, Position::new(to.0, to.1));
        String::from_utf8(out).unwrap()
    }

    fn at(x: u16, y: u16) -> Cursor {
        Cursor::At(Position::new(x, y))
    }

    #[test]
    fn no_move_when_the_cursor_is_already_there() {
        assert_eq!(moved(at(7, 3), (7, 3)), "");
    }

    #[test]
    fn forward_on_the_same_row_is_relative() {
        assert_eq!(moved(at(7, 3), (8, 3)), "\x1b[C");
        assert_eq!(moved(at(7, 3), (19, 3)), "\x1b[12C");
        assert_eq!(moved(at(150, 40), (5, 40)), "\x1b[6G");
    }

    #[test]
    fn next_rows_use_carriage_return_and_line_feeds() {
        assert_eq!(moved(at(120, 3), (0, 4)), "\r\n");
        assert_eq!(moved(at(120, 3), (1, 4)), "\r\n\x1b[C");
        assert_eq!(moved(at(120, 3), (0, 5)), "\r\n\n");
        assert_eq!(moved(Cursor::EndOf(3), (0, 4)), "\r\n");
    }

    #[test]
    fn down_in_the_same_column_is_a_line_feed() {
        assert_eq!(moved(at(22, 3), (22, 4)), "\n");
        assert_eq!(moved(at(23, 3), (22, 4)), "\n\x1b[D");
        assert_eq!(moved(at(23, 3), (29, 5)), "\n\n\x1b[6C");
        assert_eq!(moved(at(23, 3), (23, 13)), "\x1b[10B");
    }

    #[test]
    fn absolute_when_nothing_is_known_or_it_is_shortest() {
        assert_eq!(moved(Cursor::Unknown, (0, 0)), "\x1b[H");
        assert_eq!(moved(Cursor::Unknown, (9, 4)), "\x1b[5;10H");
        assert_eq!(moved(at(0, 50), (180, 2)), "\x1b[3;181H");
    }

    #[test]
    fn the_pending_wrap_at_the_last_column_allows_no_relative_column_move() {
        // From the last column, `ESC[nD` would count from a column terminals disagree on.
        assert_eq!(moved(Cursor::EndOf(3), (195, 3)), "\r\x1b[195C");
        assert_eq!(Cursor::after_print(Position::new(199, 3), 1, 200), Cursor::EndOf(3));
        assert_eq!(Cursor::after_print(Position::new(10, 3), 2, 200), at(12, 3));
    }
}
