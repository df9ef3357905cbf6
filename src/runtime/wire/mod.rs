//! A ratatui backend that sends each frame in as few bytes as it can: over SSH the bytes on
//! the wire are what an operator feels. For every changed cell of ratatui's diff it skips
//! the cursor move when the cursor is already there (see [`cursor`]), and changes the style
//! with one SGR sequence that names only what changed (see [`sgr`]). It remembers what the
//! screen shows (see [`shadow`]): cells that already look right are left out and runs of
//! plain blanks are erased, whenever that is shorter. A frame is collected in memory and
//! written at `flush`, in one write.

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Cell, CellWidth};
use ratatui::layout::{Position, Size};
use ratatui::style::Color;

pub mod cursor;
pub mod order;
pub mod scroll;
pub mod sgr;
pub mod shadow;
pub mod shift;

use cursor::Cursor;
use sgr::Pen;
use shadow::Shadow;

/// Where the screen size comes from.
#[derive(Debug, Clone, Copy)]
enum Screen {
    /// The controlling terminal, asked each time.
    Terminal,
    /// A fixed size, for a writer that is not a terminal (tests, captures).
    Fixed(Size),
}

/// The byte-lean backend over any writer (stdout in the console).
#[derive(Debug)]
pub struct WireBackend<W: Write> {
    writer: W,
    screen: Screen,
    /// The frame being built; written out at `flush`.
    pending: Vec<u8>,
    cursor: Cursor,
    pen: Pen,
    /// `None` until the first hide or show: the terminal's own state is not known.
    cursor_visible: Option<bool>,
    shadow: Shadow,
}

impl<W: Write> WireBackend<W> {
    /// A backend for the terminal `writer` writes to.
    pub fn new(writer: W) -> Self {
        Self::with_screen(writer, Screen::Terminal)
    }

    /// A backend with a fixed screen size, for a writer that is no terminal.
    pub fn with_size(writer: W, size: Size) -> Self {
        Self::with_screen(writer, Screen::Fixed(size))
    }

    fn with_screen(writer: W, screen: Screen) -> Self {
        WireBackend {
            writer,
            screen,
            pending: Vec::with_capacity(16 * 1024),
            cursor: Cursor::Unknown,
            pen: Pen::default(),
            cursor_visible: None,
            shadow: Shadow::default(),
        }
    }

    pub fn writer(&self) -> &W {
        &self.writer
    }

    pub fn writer_mut(&mut self) -> &mut W {
        &mut self.writer
    }

    fn print(&mut self, x: u16, y: u16, cell: &Cell, screen_width: u16) {
        let at = Position::new(x, y);
        cursor::write_move(&mut self.pending, self.cursor, at);
        let pen = pen_of(cell);
        // A plain blank shows only its background: any pen with that background will do.
        if !(shadow::is_plain_blank(cell) && blank_with(self.pen, cell.bg)) {
            sgr::write_change(&mut self.pending, self.pen, pen);
            self.pen = pen;
        }
        self.pending.extend_from_slice(cell.symbol().as_bytes());
        // The terminal advances by the symbol's display width: 2 for CJK, and ratatui's diff
        // then leaves out the cell the wide character covers.
        let width = cell.cell_width();
        self.shadow.printed(x, y, cell, width);
        self.cursor = Cursor::after_print(at, width, screen_width);
    }

    /// Sends the cells of `cells` from `start` on and returns where the next run begins:
    /// a run the terminal already shows is skipped, a run of plain blanks is erased, when
    /// that is shorter than printing them; otherwise one cell is printed.
    fn send_run(&mut self, cells: &[(u16, u16, &Cell)], start: usize, screen_width: u16) -> usize {
        let (x, y, cell) = cells[start];
        let at = Position::new(x, y);
        let next = |end: usize| cells.get(end).map(|&(x, y, _)| Position::new(x, y));
        let shown = run_end(cells, start, |x, y, c| self.shadow.shows(x, y, c));
        if shown > start {
            let skip = next(shown).map_or(0, |to| move_len(self.cursor, to));
            if skip < self.print_cost(cells, start, shown, screen_width) {
                return shown;
            }
        }
        let blanks = run_end(cells, start, |_, _, c| shadow::erases_plainly(c));
        if blanks > start + 1 {
            let count = (blanks - start) as u16;
            let erase = erase_sequence(count).len() + next(blanks).map_or(0, |to| move_len(Cursor::At(at), to));
            if erase < self.print_cost(cells, start, blanks, screen_width) - move_len(self.cursor, at) {
                cursor::write_move(&mut self.pending, self.cursor, at);
                if !blank_with(self.pen, Color::Reset) {
                    sgr::write_change(&mut self.pending, self.pen, pen_of(cell));
                    self.pen = pen_of(cell);
                }
                self.pending.extend_from_slice(&erase_sequence(count));
                self.shadow.erased(x, y, count);
                self.cursor = Cursor::At(at);
                return blanks;
            }
        }
        self.print(x, y, cell, screen_width);
        start + 1
    }

    /// Moves the rows that moved since the last frame (see [`scroll`]) and returns the moves
    /// and the cells of their regions that still differ from the new frame.
    fn move_rows(
        &mut self,
        changed: &[(u16, u16, &Cell)],
        size: Size,
    ) -> (Vec<scroll::RowMove>, Vec<(u16, u16, Cell)>) {
        // A move needs rows that changed above or below one another.
        let mut rows = changed.iter().map(|c| c.1);
        let first = rows.next();
        if first.is_none_or(|first| changed.iter().all(|c| c.1 == first)) {
            return (Vec::new(), Vec::new());
        }
        let (moves, regions) = {
            let rows = scroll::Rows::new(&self.shadow, changed, (size.width, size.height));
            let moves = scroll::plan(&rows);
            let regions: Vec<_> = moves.iter().map(|&m| rows.owned(m)).collect();
            (moves, regions)
        };
        let mut cells = Vec::new();
        for (row_move, region) in moves.iter().zip(regions) {
            self.pending.extend_from_slice(&row_move.sequence());
            self.shadow.moved(row_move.top, row_move.bottom, row_move.by);
            // Where the cursor ends after a scroll region is set differs between terminals.
            self.cursor = Cursor::Unknown;
            cells.extend(scroll::remaining(&self.shadow, region));
        }
        (moves, cells)
    }

    /// Deletes `count` characters at (x, y): the rest of the row moves left.
    fn delete(&mut self, x: u16, y: u16, count: u16) {
        let at = Position::new(x, y);
        cursor::write_move(&mut self.pending, self.cursor, at);
        self.pending.extend_from_slice(&shift::sequence(count));
        self.shadow.deleted(x, y, count);
        self.cursor = Cursor::At(at);
    }

    /// Bytes to print `cells[start..end]` and go on to the cell after them (styles aside).
    fn print_cost(&self, cells: &[(u16, u16, &Cell)], start: usize, end: usize, screen_width: u16) -> usize {
        let (x, y, _) = cells[start];
        let text: usize = cells[start..end].iter().map(|(_, _, c)| c.symbol().len()).sum();
        let (last_x, last_y, last) = cells[end - 1];
        let after = Cursor::after_print(Position::new(last_x, last_y), last.cell_width(), screen_width);
        let onward = cells.get(end).map_or(0, |&(x, y, _)| move_len(after, Position::new(x, y)));
        move_len(self.cursor, Position::new(x, y)) + text + onward
    }

    /// Back to plain text, so that anything drawn outside a frame (a clear, the shell after
    /// exit) is not styled.
    fn plain(&mut self) {
        sgr::write_change(&mut self.pending, self.pen, Pen::default());
        self.pen = Pen::default();
    }
}

impl<W: Write> Backend for WireBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        // Without a size, every print counts as reaching the last column: only moves that
        // set the column outright are used, which is always correct.
        let size = self.size().unwrap_or_default();
        self.shadow.fit(size);
        let changed: Vec<(u16, u16, &Cell)> = content.collect();
        // Rows that moved first: in their regions the cells to send are what still differs.
        let (moves, moved_cells) = self.move_rows(&changed, size);
        let mut kept: Vec<(u16, u16, &Cell)> =
            changed.iter().filter(|c| !moves.iter().any(|m| m.contains(c.1))).copied().collect();
        kept.extend(moved_cells.iter().map(|(x, y, cell)| (*x, *y, cell)));
        kept.sort_by_key(|&(x, y, _)| (y, x));
        let shifts = shift::plan(&self.shadow, &kept, size.width);
        // A shifted row's cells from the shift on are the ones still wrong after it.
        let shifted = |x: u16, y: u16| shifts.iter().any(|s| s.y == y && s.x <= x);
        let mut cells: Vec<(u16, u16, &Cell)> = kept.into_iter().filter(|c| !shifted(c.0, c.1)).collect();
        cells.extend(shifts.iter().flat_map(|s| s.cells.iter().map(|(x, cell)| (*x, s.y, cell))));
        cells.sort_by_key(|&(x, y, _)| (y, x));
        let mut at_shift: Vec<(usize, &shift::RowShift)> =
            shifts.iter().map(|s| (cells.partition_point(|&(x, y, _)| (y, x) < (s.y, s.x)), s)).collect();
        at_shift.sort_by_key(|(i, _)| *i);
        // The rows moved already; a shift is made where its cells start, in row order.
        if at_shift.is_empty() {
            order::by_style(&mut cells, &self.shadow, self.cursor, self.pen);
        }
        let mut start = 0;
        let mut next_shift = at_shift.iter().peekable();
        while start < cells.len() {
            if let Some((_, shift)) = next_shift.next_if(|(i, _)| *i == start) {
                self.delete(shift.x, shift.y, shift.count);
            }
            // A run stops where the next shift is made.
            let end = next_shift.peek().map_or(cells.len(), |(i, _)| *i);
            start = self.send_run(&cells[..end], start, size.width);
        }
        self.plain();
        Ok(())
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.plain();
        self.pending.extend(std::iter::repeat_n(b'\n', usize::from(n)));
        self.cursor = Cursor::Unknown;
        self.shadow.forget();
        self.flush()
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.cursor_visible != Some(false) {
            self.pending.extend_from_slice(b"\x1b[?25l");
            self.cursor_visible = Some(false);
        }
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if self.cursor_visible != Some(true) {
            self.pending.extend_from_slice(b"\x1b[?25h");
            self.cursor_visible = Some(true);
        }
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        match (self.screen, self.cursor) {
            (Screen::Terminal, _) => {
                self.flush()?;
                crossterm::cursor::position().map(|(x, y)| Position { x, y })
            }
            (Screen::Fixed(_), Cursor::At(at)) => Ok(at),
            (Screen::Fixed(_), _) => Ok(Position::ORIGIN),
        }
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let to = position.into();
        cursor::write_move(&mut self.pending, self.cursor, to);
        self.cursor = Cursor::At(to);
        Ok(())
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        // Erased cells take the current background: clear with the plain pen.
        self.plain();
        let sequence: &[u8] = match clear_type {
            ClearType::All => b"\x1b[2J",
            ClearType::AfterCursor => b"\x1b[J",
            ClearType::BeforeCursor => b"\x1b[1J",
            ClearType::CurrentLine => b"\x1b[2K",
            ClearType::UntilNewLine => b"\x1b[K",
        };
        self.pending.extend_from_slice(sequence);
        self.shadow.fit(self.size().unwrap_or_default());
        match clear_type {
            ClearType::All => self.shadow.cleared(),
            _ => self.shadow.forget(),
        }
        self.flush()
    }

    fn size(&self) -> io::Result<Size> {
        match self.screen {
            Screen::Fixed(size) => Ok(size),
            Screen::Terminal => match stdout_size() {
                Some(size) => Ok(size),
                None => crossterm::terminal::size().map(|(width, height)| Size { width, height }),
            },
        }
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        match self.screen {
            Screen::Fixed(size) => Ok(WindowSize { columns_rows: size, pixels: Size::default() }),
            Screen::Terminal => {
                let size = crossterm::terminal::window_size()?;
                Ok(WindowSize {
                    columns_rows: Size { width: size.columns, height: size.rows },
                    pixels: Size { width: size.width, height: size.height },
                })
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            // Taken even when the write fails: a frame is never sent twice.
            let frame = std::mem::take(&mut self.pending);
            self.writer.write_all(&frame)?;
            self.pending = frame;
            self.pending.clear();
        }
        self.writer.flush()
    }
}

fn pen_of(cell: &Cell) -> Pen {
    Pen { fg: cell.fg, bg: cell.bg, underline_color: cell.underline_color, modifier: cell.modifier }
}

/// Whether `pen` draws a blank with background `bg` and nothing else visible.
fn blank_with(pen: Pen, bg: Color) -> bool {
    let mut blank = Cell::default();
    blank.fg = pen.fg;
    blank.bg = pen.bg;
    blank.modifier = pen.modifier;
    pen.bg == bg && shadow::is_plain_blank(&blank)
}

/// The end (exclusive) of the run of adjacent cells on one row from `start` that all pass
/// `test`.
fn run_end(cells: &[(u16, u16, &Cell)], start: usize, test: impl Fn(u16, u16, &Cell) -> bool) -> usize {
    let mut end = start;
    let mut expected: Option<(u16, u16)> = None;
    for &(x, y, cell) in &cells[start..] {
        if expected.is_some_and(|e| e != (x, y)) || !test(x, y, cell) {
            break;
        }
        expected = Some((x.saturating_add(cell.cell_width().max(1)), y));
        end += 1;
    }
    end
}

fn move_len(from: Cursor, to: Position) -> usize {
    let mut scratch = Vec::new();
    cursor::write_move(&mut scratch, from, to);
    scratch.len()
}

/// `ESC[nX`: erases n cells from the cursor, which stays where it is.
fn erase_sequence(count: u16) -> Vec<u8> {
    if count == 1 { b"\x1b[X".to_vec() } else { format!("\x1b[{count}X").into_bytes() }
}

impl<W: Write> Drop for WireBackend<W> {
    /// What was queued after the last frame (showing the cursor on the way out) still goes.
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// The size of the terminal on stdout, where the console draws: one ioctl. crossterm opens
/// `/dev/tty` for each ask, and ratatui asks twice a frame (open, ioctl and close each
/// time). `None` where stdout is no terminal; crossterm's way is then the fallback.
fn stdout_size() -> Option<Size> {
    #[cfg(unix)]
    {
        let size = rustix::termios::tcgetwinsize(std::io::stdout()).ok()?;
        (size.ws_col > 0 && size.ws_row > 0).then_some(Size { width: size.ws_col, height: size.ws_row })
    }
    #[cfg(not(unix))]
    None
}
