//! The one-second tick. Between data refreshes a tick changes only what reads the clock
//! (the header's data ages and clock, the alerts' ages), so rebuilding the whole frame for
//! it is waste: [`TickRedraw`] keeps the last frame and draws only those widgets over it.
//! Views stay pure: they still render from `&App`, into the areas they always draw.

use ratatui::Frame;
use ratatui::buffer::Buffer;
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

/// The last full frame and where its clock-reading widgets are.
#[derive(Default)]
pub struct TickRedraw {
    last: Buffer,
    areas: Option<ClockAreas>,
}

impl TickRedraw {
    /// Draws `app` into `frame`. With `clock_only` (only the clock moved since the last
    /// draw) and the same layout as the last full frame, that frame is the start and only
    /// the clock-reading widgets are drawn again; otherwise the whole frame is. Either way
    /// the buffer ends up as [`super::draw`] alone would leave it. True when partial.
    pub fn draw(&mut self, frame: &mut Frame, app: &App, theme: &Theme, clock_only: bool) -> bool {
        let area = frame.area();
        let areas = clock_areas(app, area);
        let partial = match areas {
            Some(now) => clock_only && self.areas == Some(now) && self.last.area == area,
            None => false,
        };
        if let (true, Some(now)) = (partial, areas) {
            frame.buffer_mut().content.clone_from(&self.last.content);
            for rect in [now.header, now.alerts] {
                clear(frame.buffer_mut(), rect);
                frame.render_widget(Block::new().style(theme.base), rect);
            }
            header::draw(frame, now.header, app, theme);
            alerts::draw(frame, now.alerts, app, theme);
            for rect in [now.header, now.alerts] {
                text::inert_area(frame.buffer_mut(), rect);
                copy(frame.buffer_mut(), &mut self.last, rect);
            }
        } else {
            super::draw(frame, app, theme);
            let buffer = frame.buffer_mut();
            self.last.area = buffer.area;
            self.last.content.clone_from(&buffer.content);
            self.areas = areas;
        }
        partial
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

fn copy(from: &Buffer, to: &mut Buffer, rect: Rect) {
    for y in rect.top()..rect.bottom() {
        let start = from.index_of(rect.x, y);
        let end = start + usize::from(rect.width);
        to.content[start..end].clone_from_slice(&from.content[start..end]);
    }
}
