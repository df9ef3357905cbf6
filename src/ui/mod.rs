//! Views: `draw` lays the screen out and delegates to one file per panel. Nothing here
//! mutates the app; it all renders from `&App`.

mod ack;
mod alert_detail;
mod alerts;
pub mod clock;
mod compare;
mod detail;
pub mod fleet;
mod footer;
mod form;
pub mod format;
mod header;
mod help;
mod journal;
mod log_panel;
mod note_editor;
mod retrain;
mod rollback;
mod silences;
pub mod text;
mod versions;
pub mod widgets;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::app::{App, Modal, Screen};
use crate::theme::Theme;

/// Below this the layout is replaced by a message instead of being mangled.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = frame.area();
    frame.render_widget(Block::new().style(theme.base), area);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = vec![
            Line::from(Span::styled("terminal too small", theme.error)),
            Line::from(format!("need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{}", area.width, area.height)),
        ];
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let Areas { header, notice, production_rule, body, log, footer } = layout(app, area);
    header::draw(frame, header, app, theme);
    if notice.height > 0 {
        header::draw_notice(frame, notice, app, theme);
    }
    if production_rule.height > 0 {
        // A full-width rule in the production colour: hard to miss even at a glance.
        let rule = "▀".repeat(production_rule.width as usize);
        frame.render_widget(
            Paragraph::new(Span::styled(
                rule,
                theme.badge_production.remove_modifier(ratatui::style::Modifier::REVERSED),
            )),
            production_rule,
        );
    }
    match &app.screen {
        Screen::Overview => {
            let [fleet_area, alerts_area] = overview_split(app, body);
            fleet::draw(frame, fleet_area, app, theme);
            alerts::draw(frame, alerts_area, app, theme);
        }
        Screen::Model(name) => detail::draw(frame, body, app, theme, name),
        Screen::Alert(fp) => alert_detail::draw(frame, body, app, theme, fp),
        Screen::Silences => silences::draw(frame, body, app, theme),
        Screen::Journal => journal::draw_list(frame, body, app, theme),
        Screen::JournalEntry(seq) => journal::draw_entry(frame, body, app, theme, *seq),
        Screen::Versions(model) => versions::draw(frame, body, app, theme, model),
    }
    if log.height > 0 {
        log_panel::draw(frame, log, theme);
    }
    footer::draw(frame, footer, app, theme);
    match &app.modal {
        Some(Modal::Ack(form)) => ack::draw_form(frame, body, app, form, theme),
        Some(Modal::Rollback(form)) => rollback::draw(frame, body, app, form, theme),
        Some(Modal::Retrain(form)) => retrain::draw(frame, body, app, form, theme),
        Some(Modal::Confirm(confirm)) => ack::draw_confirm(frame, body, app, confirm, theme),
        Some(Modal::Editor(editor)) => note_editor::draw(frame, body, app, editor, theme),
        // Over everything but the footer, which names the help's own keys.
        Some(Modal::Help(scroll)) => help::draw(frame, area, footer, app, theme, *scroll),
        None => {}
    }
    text::inert_buffer(frame.buffer_mut());
}

/// The rows of the screen, top to bottom.
struct Areas {
    header: Rect,
    notice: Rect,
    production_rule: Rect,
    body: Rect,
    log: Rect,
    footer: Rect,
}

fn layout(app: &App, area: Rect) -> Areas {
    let log_height = if app.show_log { (area.height / 3).max(5) } else { 0 };
    let [header, notice, production_rule, body, log, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::from(app.startup_notice().is_some())),
        Constraint::Length(u16::from(app.environment_info().production)),
        Constraint::Min(5),
        Constraint::Length(log_height),
        Constraint::Length(1),
    ])
    .areas(area);
    Areas { header, notice, production_rule, body, log, footer }
}

/// The overview's body: the models above, the alerts below.
fn overview_split(app: &App, body: Rect) -> [Rect; 2] {
    let alerts_rows = (app.alert_count() as u16 + 3).clamp(5, body.height / 2);
    Layout::vertical([Constraint::Min(5), Constraint::Length(alerts_rows)]).areas(body)
}
