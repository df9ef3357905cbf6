//! The one-second tick. Between data refreshes a tick changes only what reads the clock
//! (the header's data ages and clock, the alerts' ages), so rebuilding the whole frame for
//! it is waste: [`TickRedraw`] keeps the last frame and draws only those widgets over it.
//! Views stay pure: they still render from `&App`, into the areas they always draw.

use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use ratatui::widgets::Block;

use super::{alerts, header, text};
use crate::app::{App, Screen};
use crate::domain::{Health, SourceId};
use crate::theme::Theme;

/// Where a tick can change the overview when nothing else changed, and the layout they
/// sit in: when a row comes or goes (a startup notice ending) the rest moves too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockAreas {
    header: Rect,
    alerts: Rect,
    fleet: Rect,
}

/// The clock-reading areas, or `None` where a tick may change more than they show: any
/// screen but the overview (ages in the model screen, silences, the retraining view), a
/// modal or the help over it, the log panel, a text cursor, and a models pane that shows
/// an age (STALE while Prometheus fails, the CHG column).
pub fn clock_areas(app: &App, area: Rect) -> Option<ClockAreas> {
    let quiet_fleet = app.journal.last_change.is_empty()
        && !matches!(app.health.get(&SourceId::Prometheus), Some(Health::Failing { last_ok: Some(_), .. }));
    let plain = app.screen == Screen::Overview && app.modal.is_none() && !app.show_log && app.input.is_none();
    if !(plain && quiet_fleet) || area.width < super::MIN_WIDTH || area.height < super::MIN_HEIGHT {
        return None;
    }
    let areas = super::layout(app, area);
    let [fleet, alerts] = super::overview_split(app, areas.body);
    Some(ClockAreas { header: areas.header, alerts, fleet })
}

/// Draws frames through ratatui's [`Terminal`], and ticks without it.
///
/// A full frame goes through [`Terminal::draw`]: the views render into a blank buffer that
/// is compared cell by cell with the last one. A tick instead draws the clock-reading
/// widgets into a buffer that already holds what the screen shows, compares only their
/// areas and sends only what changed: the 200×60 copy and comparison a full `draw` makes
/// were most of a tick's cost (on 50 models, about half of the CPU time of an idle
/// minute). Between ticks that screen image stays in the terminal's current buffer; the
/// next full frame first swaps it to where ratatui keeps the last frame, so its comparison
/// starts from what the screen shows.
#[derive(Default)]
pub struct TickRedraw {
    /// The last full frame, handed to the terminal's current buffer at the first tick after it.
    last: Buffer,
    /// The area of the last full frame and where its clock-reading widgets are.
    areas: Option<(Rect, ClockAreas)>,
    /// Whether the terminal's current buffer holds the screen (ticks were drawn into it).
    ticking: bool,
    /// Scratch: the clock-reading areas before and after a tick.
    before: Vec<Buffer>,
    after: Vec<Buffer>,
}

impl TickRedraw {
    /// Draws `app` on `terminal`. With `clock_only` (only the clock moved since the last
    /// draw) and the same layout as the last full frame, only the clock-reading widgets are
    /// drawn and sent; otherwise the whole frame is. Either way the terminal ends up showing
    /// what [`super::draw`] alone would draw. True when partial.
    pub fn draw<B: Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        app: &App,
        theme: &Theme,
        clock_only: bool,
    ) -> Result<bool, B::Error> {
        let area = terminal.get_frame().area();
        if let Some((last_area, now)) = self.areas
            && clock_only
            && last_area == area
            && clock_areas(app, area) == Some(now)
        {
            self.tick(terminal, app, theme, now)?;
            return Ok(true);
        }
        if self.ticking {
            // The screen image becomes the last frame, and a blank buffer the one drawn into.
            terminal.swap_buffers();
            self.ticking = false;
        }
        let last = &mut self.last;
        let mut areas = None;
        terminal.draw(|frame| {
            super::draw(frame, app, theme);
            let area = frame.area();
            areas = clock_areas(app, area).map(|now| (area, now));
            if areas.is_some() {
                let buffer = frame.buffer_mut();
                last.area = buffer.area;
                last.content.clone_from(&buffer.content);
            }
        })?;
        self.areas = areas;
        Ok(false)
    }

    fn tick<B: Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        app: &App,
        theme: &Theme,
        now: ClockAreas,
    ) -> Result<(), B::Error> {
        if !self.ticking {
            // After `Terminal::draw` the current buffer is blank and the frame on screen is
            // out of reach: take the copy kept of it (it is copied again at the next frame).
            std::mem::swap(&mut terminal.current_buffer_mut().content, &mut self.last.content);
            self.ticking = true;
        }
        let rects = [now.header, now.alerts];
        self.before.resize_with(rects.len(), Buffer::default);
        self.after.resize_with(rects.len(), Buffer::default);
        for (rect, before) in rects.iter().zip(&mut self.before) {
            copy(terminal.current_buffer_mut(), before, *rect);
        }
        let mut frame = terminal.get_frame();
        for rect in rects {
            clear(frame.buffer_mut(), rect);
            frame.render_widget(Block::new().style(theme.base), rect);
        }
        header::draw(&mut frame, now.header, app, theme);
        alerts::draw(&mut frame, now.alerts, app, theme);
        for (rect, after) in rects.iter().zip(&mut self.after) {
            text::inert_area(frame.buffer_mut(), *rect);
            copy(frame.buffer_mut(), after, *rect);
        }
        let changed: Vec<(u16, u16, Cell)> = self
            .before
            .iter()
            .zip(&self.after)
            .flat_map(|(before, after)| before.diff(after))
            .map(|(x, y, cell)| (x, y, cell.clone()))
            .collect();
        let backend = terminal.backend_mut();
        if !changed.is_empty() {
            backend.draw(changed.iter().map(|(x, y, cell)| (*x, *y, cell)))?;
        }
        backend.flush()
    }
}

/// The cells of `rect` as a new frame starts them.
fn clear(buffer: &mut Buffer, rect: Rect) {
    for y in rect.top()..rect.bottom() {
        for x in rect.left()..rect.right() {
            buffer[(x, y)].reset();
        }
    }
}

/// The cells of `rect` in `from`, as a buffer of that area.
fn copy(from: &Buffer, to: &mut Buffer, rect: Rect) {
    if to.area != rect {
        to.resize(rect);
    }
    let width = usize::from(rect.width);
    for (row, y) in (rect.top()..rect.bottom()).enumerate() {
        let start = from.index_of(rect.x, y);
        to.content[row * width..(row + 1) * width].clone_from_slice(&from.content[start..start + width]);
    }
}
