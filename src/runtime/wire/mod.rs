//! A ratatui backend that sends each frame in as few bytes as it can: over SSH the bytes on
//! the wire are what an operator feels. For every changed cell of ratatui's diff it skips
//! the cursor move when the cursor is already there (see [`cursor`]), and changes the style
//! with one SGR sequence that names only what changed (see [`sgr`]). A frame is collected
//! in memory and written at `flush`, in one write.

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Cell, CellWidth};
use ratatui::layout::{Position, Size};

pub mod cursor;
pub mod sgr;

use cursor::Cursor;
use sgr::Pen;

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
        let pen = Pen { fg: cell.fg, bg: cell.bg, underline_color: cell.underline_color, modifier: cell.modifier };
        sgr::write_change(&mut self.pending, self.pen, pen);
        self.pen = pen;
        self.pending.extend_from_slice(cell.symbol().as_bytes());
        // The terminal advances by the symbol's display width: 2 for CJK, and ratatui's diff
        // then leaves out the cell the wide character covers.
        self.cursor = Cursor::after_print(at, cell.cell_width(), screen_width);
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
        let screen_width = self.size().map(|s| s.width).unwrap_or(0);
        for (x, y, cell) in content {
            self.print(x, y, cell, screen_width);
        }
        self.plain();
        Ok(())
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.plain();
        self.pending.extend(std::iter::repeat_n(b'\n', usize::from(n)));
        self.cursor = Cursor::Unknown;
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
        self.flush()
    }

    fn size(&self) -> io::Result<Size> {
        match self.screen {
            Screen::Fixed(size) => Ok(size),
            Screen::Terminal => crossterm::terminal::size().map(|(width, height)| Size { width, height }),
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

impl<W: Write> Drop for WireBackend<W> {
    /// What was queued after the last frame (showing the cursor on the way out) still goes.
    fn drop(&mut self) {
        let _ = self.flush();
    }
}
