//! The rollback confirmation: what will change, how, and the fields the operator must fill.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{App, RollbackField, RollbackForm, RollbackStage};
use crate::domain::sanitize::clean;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, form: &RollbackForm, theme: &Theme) {
    let (title, hint) = match form.stage {
        RollbackStage::Editing => (
            format!(" Roll back {} — {} ", clean(&form.plan.model), clean(&form.environment)),
            if form.production {
                " type the note · Tab: confirm field · Enter: roll back · Esc: cancel "
            } else {
                " type the note · Enter: roll back · Esc: cancel "
            },
        ),
        RollbackStage::Running => {
            (format!(" Rolling back {}… ", clean(&form.plan.model)), " waiting for the backend and the check ")
        }
    };
    let key = |k: &str| Span::styled(format!("{k:<12}"), theme.key);
    let mut lines = vec![
        Line::from(vec![
            key("environment"),
            Span::styled(
                format!("{}{}", clean(&form.environment), if form.production { "  (PRODUCTION)" } else { "" }),
                if form.production { theme.badge_production } else { theme.base },
            ),
        ]),
        Line::from(vec![key("model"), Span::styled(clean(&form.plan.model), theme.title)]),
        Line::from(vec![
            key("version"),
            Span::styled(
                format!(
                    "{} → {}",
                    form.plan.current.as_deref().map_or_else(|| "unknown".into(), clean),
                    clean(&form.plan.target)
                ),
                theme.title,
            ),
        ]),
        Line::from(vec![key("backend"), Span::styled(form.plan.spec.label(), theme.base)]),
    ];
    if let Some(alert) = &form.alert {
        let text = format!("{} ({})", crate::app::alert_words(alert), alert.fingerprint);
        lines.push(Line::from(vec![key("alert"), Span::styled(clean(&text), theme.base)]));
    }
    let validation = form.plan.validation.as_deref().map_or_else(|| "no tag".into(), clean);
    let (status, style) = match (form.plan.validated, form.plan.override_validation) {
        (true, _) => (format!("{validation} (validated)"), theme.status_ok),
        (false, true) => (format!("{validation} — NOT validated, OVERRIDDEN (journaled)"), theme.status_critical),
        (false, false) => (format!("{validation} — NOT validated; Ctrl-o to override"), theme.status_warn),
    };
    lines.push(Line::from(vec![key("validation"), Span::styled(status, style)]));
    let data =
        if form.plan.target_data.is_empty() { "unknown".into() } else { clean(&form.plan.target_data.join(", ")) };
    lines.push(Line::from(vec![key("trained on"), Span::styled(data, theme.base)]));
    lines.extend(super::form::team_lines(&form.team, form.plan.take_over.as_ref(), app.now, theme));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("will run:", theme.table_header)));
    for request in &form.plan.request {
        lines.push(Line::from(Span::styled(format!("  {}", clean(request)), theme.base)));
    }
    lines.push(Line::from(""));
    let cursor =
        |field: RollbackField| if form.field == field && form.stage == RollbackStage::Editing { "█" } else { "" };
    lines.push(Line::from(vec![
        Span::styled(format!("change note (by {}): ", clean(&app.settings.author)), theme.key),
        Span::styled(format!("{}{}", form.plan.note, cursor(RollbackField::Note)), theme.input),
    ]));
    if form.production {
        lines.push(Line::from(vec![
            Span::styled(format!("type `{}` to confirm: ", clean(&form.plan.model)), theme.key),
            Span::styled(format!("{}{}", form.confirm, cursor(RollbackField::Confirm)), theme.input),
        ]));
    }
    lines.push(Line::from(""));
    match (&form.error, form.stage) {
        (_, RollbackStage::Running) => {
            lines.push(Line::from(Span::styled(app.busy.clone().unwrap_or_else(|| "running…".into()), theme.dim)))
        }
        (Some(e), _) => lines.push(Line::from(Span::styled(format!("✗ {e}"), theme.error))),
        (None, _) => {
            let ready =
                form.blocker().map_or_else(|| "ready: Enter rolls back".into(), |why| format!("to go on: {why}"));
            lines.push(Line::from(Span::styled(ready, theme.dim)));
        }
    }
    lines.push(Line::from(Span::styled(
        "The result is checked afterwards and journaled (ok, failed or unknown).",
        theme.dim,
    )));
    let width = 100.min(area.width.saturating_sub(2));
    // Wrapped request lines need a little more room than one row each.
    let height = (lines.len() as u16 + 4 + form.plan.request.len() as u16).min(area.height.saturating_sub(2));
    let inner = super::form::frame(
        frame,
        area,
        (width, height),
        app,
        super::form::title(title, theme),
        super::form::hint(hint, theme),
        theme,
    );
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).style(theme.base), inner);
}
