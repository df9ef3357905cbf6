//! The frame every form and confirmation is drawn in: centred over the screen, cleared,
//! bordered in the production colour in production, a title on top and the keys at the
//! bottom. One function, so the forms cannot drift apart in how they look.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear};

use super::widgets;
use crate::app::App;
use crate::theme::Theme;

/// Draws the frame and returns the area inside it.
pub fn frame(
    frame: &mut Frame,
    area: Rect,
    (width, height): (u16, u16),
    app: &App,
    title: Line<'static>,
    bottom: Line<'static>,
    theme: &Theme,
) -> Rect {
    let popup = widgets::centered(area, width.min(area.width.saturating_sub(2)), height.min(area.height));
    let border = if app.environment_info().production { theme.badge_production } else { theme.border(true) };
    let block = Block::bordered().border_style(border).title(title).title_bottom(bottom).style(theme.base);
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    inner
}

/// A title in the theme's title style.
pub fn title(text: String, theme: &Theme) -> Line<'static> {
    Line::from(Span::styled(text, theme.title))
}

/// The keys line at the bottom, in the theme's hint style.
pub fn hint(text: &str, theme: &Theme) -> Line<'static> {
    Line::from(Span::styled(text.to_string(), theme.hint))
}

/// Others' work on the form's model, from the shared journal: actions in flight (and
/// whether this one takes them over), then recent actions. Authors and names come from
/// other hands, so they are made inert.
pub fn team_lines(
    team: &crate::domain::team::TeamContext,
    take_over: Option<&crate::domain::team::InFlight>,
    now: jiff::Timestamp,
    theme: &Theme,
) -> Vec<Line<'static>> {
    use crate::domain::sanitize::clean;
    let mut lines = Vec::new();
    for other in &team.in_flight {
        let taken = take_over.is_some_and(|t| t.id == other.id);
        let (text, style) = if taken {
            (format!("⚠ {} — TAKEN OVER (journaled)", clean(&other.describe(now))), theme.status_critical)
        } else {
            (format!("⚠ {} — Ctrl-o takes over", clean(&other.describe(now))), theme.status_warn)
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    if !team.recent.is_empty() {
        lines.push(Line::from(Span::styled("recent on this model:", theme.key)));
        lines.extend(team.recent.iter().map(|r| Line::from(Span::styled(format!("  {}", clean(r)), theme.dim))));
    }
    lines
}
