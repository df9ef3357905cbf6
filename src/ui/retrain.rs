//! The retraining form and its confirmation, and the runs line on the model screens.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::format;
use crate::app::{App, RetrainField, RetrainForm, RetrainStage, param_label};
use crate::domain::RunState;
use crate::domain::sanitize::clean;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, form: &RetrainForm, theme: &Theme) {
    let r = &form.request;
    let (title, hint) = match form.stage {
        RetrainStage::Editing => (
            format!(" Retrain {} — {} ", clean(&r.model), clean(&r.environment)),
            " Tab/↑↓ field · type to edit · Enter review · Esc cancel ",
        ),
        RetrainStage::Confirming => {
            (format!(" Retrain {}: confirm ", clean(&r.model)), " Enter: send it · Esc: back to the form ")
        }
        RetrainStage::Sending => (format!(" Retrain {}: sending… ", clean(&r.model)), " waiting for the pipeline "),
    };
    let key = |k: &str| Span::styled(format!("{k:<14}"), theme.key);
    let mut lines = vec![
        Line::from(vec![
            key("environment"),
            Span::styled(
                format!("{}{}", clean(&r.environment), if form.production { "  (PRODUCTION)" } else { "" }),
                if form.production { theme.badge_production } else { theme.base },
            ),
        ]),
        Line::from(vec![key("model"), Span::styled(clean(&r.model), theme.title)]),
    ];
    if let Some(version) = &form.target.version {
        lines.push(Line::from(vec![key("version"), Span::styled(clean(version), theme.base)]));
    }
    if let Some(alert) = &form.target.alert {
        let text = format!("{} ({})", crate::app::alert_words(alert), alert.fingerprint);
        lines.push(Line::from(vec![key("alert"), Span::styled(clean(&text), theme.base)]));
    }
    lines.push(Line::from(vec![key("target"), Span::styled(clean(&r.target.label), theme.title)]));
    lines.extend(super::form::team_lines(&form.team, form.take_over.as_ref(), app.now, theme));
    lines.extend(schedule_lines(app, &r.model, theme));
    if form.stage == RetrainStage::Editing {
        let cursor = |on: bool| if on { "█" } else { "" };
        let selected = form.current();
        for (i, p) in r.params.iter().enumerate() {
            let on = matches!(selected, RetrainField::Param(k) if k == i);
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{:<24}", format::fit(&param_label(p), 23)),
                    if on { theme.key } else { theme.dim },
                ),
                Span::styled(format!("{}{}", p.value, cursor(on)), theme.input),
            ]));
        }
        let field = |name: &str, value: &str, on: bool| {
            Line::from(vec![
                Span::styled(format!("{name:<24}"), if on { theme.key } else { theme.dim }),
                Span::styled(format!("{value}{}", cursor(on)), theme.input),
            ])
        };
        lines.push(field("reason", &r.reason, matches!(selected, RetrainField::Reason)));
        lines.push(field(
            &format!("note (by {})", clean(&app.settings.author)),
            &r.note,
            matches!(selected, RetrainField::Note),
        ));
        if form.production {
            let label = format!("type `{}` to confirm", clean(&r.model));
            lines.push(field(&label, &form.confirm, matches!(selected, RetrainField::Confirm)));
        }
        lines.push(Line::from(""));
        match &form.error {
            Some(e) => lines.push(Line::from(Span::styled(format!("✗ {}", clean(e)), theme.error))),
            None => {
                let ready = form
                    .blocker()
                    .map_or_else(|| "ready: Enter shows the request".into(), |w| format!("to go on: {w}"));
                lines.push(Line::from(Span::styled(ready, theme.dim)));
            }
        }
    } else {
        lines.push(Line::from(vec![key("reason"), Span::styled(clean(&r.reason), theme.base)]));
        lines.push(Line::from(vec![key("note"), Span::styled(clean(&r.note), theme.base)]));
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("will send:", theme.table_header)));
        for l in form.described.lines() {
            lines.push(Line::from(Span::styled(format!("  {}", clean(l)), theme.base)));
        }
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("It is sent once and journaled with the run id or the error.", theme.dim)));
    }
    let width = 100.min(area.width.saturating_sub(2));
    let height = (lines.len() as u16 + 4).min(area.height.saturating_sub(2));
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

/// The pipeline's schedule for `model` and, in the warning colour, a run in progress or
/// one due within the hour; nothing until a read was asked for.
pub fn schedule_lines(app: &App, model: &str, theme: &Theme) -> Vec<Line<'static>> {
    let Some((line, warnings)) = app.schedule_text(model) else { return Vec::new() };
    let mut lines = vec![Line::from(Span::styled(clean(&line), theme.base))];
    lines.extend(warnings.iter().map(|w| Line::from(Span::styled(clean(w), theme.status_warn))));
    lines
}

/// One line per followed run of `model`, newest first.
pub fn run_lines(app: &App, model: &str, theme: &Theme) -> Vec<Line<'static>> {
    app.runs_of(model)
        .take(3)
        .map(|r| {
            let style = match r.state {
                RunState::Succeeded => theme.status_ok,
                RunState::Failed(_) => theme.status_critical,
                _ => theme.status_warn,
            };
            let age = format::age(app.now.as_second() - r.started.as_second());
            let id = r.run.run_id.as_deref().map_or_else(|| "(no id)".into(), clean);
            let mut text = format!("retrain {} run {id}: {} ({age} ago)", clean(&r.run.target), r.state);
            if !r.run.pollable {
                text.push_str(" — not followed (no status API)");
            }
            if let Some(e) = &r.error {
                text.push_str(&format!(" — poll failed: {}", clean(e)));
            }
            Line::from(Span::styled(clean(&text), style))
        })
        .collect()
}
