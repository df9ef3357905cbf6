//! The console's own log (tui-logger), toggled with `L`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Block;
use tui_logger::TuiLoggerWidget;

use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, theme: &Theme) {
    let widget = TuiLoggerWidget::default()
        .block(Block::bordered().border_style(theme.border(false)).title(Span::styled(" Log ", theme.title)))
        .style_error(theme.error)
        .style_warn(theme.status_warn)
        .style_info(theme.base)
        .style_debug(theme.dim)
        .style_trace(theme.dim)
        .output_separator(' ')
        .output_timestamp(Some("%H:%M:%S".to_string()))
        .output_level(Some(tui_logger::TuiLoggerLevelOutput::Abbreviated))
        .output_target(false)
        .output_file(false)
        .output_line(false);
    frame.render_widget(widget, area);
}
