//! The acknowledge form and its confirmation, and the generic confirmation for expire and
//! extend: each shows exactly what will be sent before anything is.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::form;
use super::text::{shown, target_line};
use crate::app::{AckField, AckForm, AckStage, App, Confirm, PRESETS, Preview, Target};
use crate::theme::Theme;

pub fn draw_form(frame: &mut Frame, area: Rect, app: &App, form: &AckForm, theme: &Theme) {
    let title = match form.stage {
        AckStage::Editing => " Acknowledge: create a silence ",
        AckStage::Confirming => " Acknowledge: confirm ",
        AckStage::Submitting => " Acknowledge: sending… ",
    };
    let hint = match form.stage {
        AckStage::Editing => " Tab field · Space drop matcher · ~ regex · ←→ presets · Enter review · Esc cancel ",
        AckStage::Confirming => " Enter: create the silence · Esc: back to the form ",
        AckStage::Submitting => " waiting for Alertmanager ",
    };
    let size = (96, area.height.saturating_sub(2).min(30));
    let inner = form::frame(frame, area, size, app, form::title(title.into(), theme), form::hint(hint, theme), theme);
    if form.stage != AckStage::Editing {
        frame.render_widget(Paragraph::new(summary(app, form, theme)).wrap(Wrap { trim: false }), inner);
        return;
    }
    let rows = form.rows.len() as u16 + 1;
    let [on, matchers, duration, comment, error, preview] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(rows),
        Constraint::Length(2),
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Min(2),
    ])
    .areas(inner);
    let label = |text: &str, field: AckField| {
        let style = if form.field == field { theme.key } else { theme.table_header };
        Line::from(Span::styled(text.to_string(), style))
    };
    frame.render_widget(Paragraph::new(target_line(&form_target(app, form), theme)).wrap(Wrap { trim: false }), on);
    let mut lines = vec![label("Matchers (remove one to widen)", AckField::Matchers)];
    for (i, row) in form.rows.iter().enumerate() {
        let mark = if row.enabled { "[x]" } else { "[ ]" };
        let style = if !row.enabled {
            theme.dim
        } else if form.field == AckField::Matchers && i == form.cursor {
            theme.selected
        } else {
            theme.base
        };
        let cursor = if form.field == AckField::Matchers && i == form.cursor { "›" } else { " " };
        let mut spans = vec![Span::styled(format!("{cursor}{mark} {}", shown(&row.matcher.describe())), style)];
        if row.volatile {
            spans.push(Span::styled("  (changes across a rollback or restart)", theme.dim));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), matchers);

    let mut presets = vec![Span::styled(format!("  {} ", form.duration), theme.input)];
    for p in PRESETS {
        let style = if p == form.duration { theme.key } else { theme.dim };
        presets.push(Span::styled(format!(" {p}"), style));
    }
    if let Err(e) = form.parsed_duration() {
        presets.push(Span::styled(format!("  ✗ {e}"), theme.error));
    }
    frame.render_widget(Paragraph::new(vec![label("Duration", AckField::Duration), Line::from(presets)]), duration);

    let shown = if form.comment.is_empty() && form.field != AckField::Comment { "(required)" } else { &form.comment };
    let cursor = if form.field == AckField::Comment { "█" } else { "" };
    frame.render_widget(
        Paragraph::new(vec![
            label(&format!("Comment (by {})", app.settings.author), AckField::Comment),
            Line::from(Span::styled(format!("  {shown}{cursor}"), theme.input)),
        ]),
        comment,
    );
    if let Some(e) = &form.error {
        frame.render_widget(Paragraph::new(Span::styled(format!("✗ {e}"), theme.error)), error);
    }
    frame.render_widget(Paragraph::new(preview_lines(form, theme)), preview);
}

fn preview_lines(form: &AckForm, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    match &form.preview {
        Preview::Loading => lines.push(Line::from(Span::styled("Would mute: asking Alertmanager…", theme.dim))),
        Preview::Failed(e) => {
            lines.push(Line::from(Span::styled(format!("Would mute: preview failed: {e}"), theme.error)))
        }
        Preview::Ready(alerts) => {
            lines.push(Line::from(Span::styled(
                format!("Would mute {} alert(s) (as Alertmanager answers for these matchers):", alerts.len()),
                theme.table_header,
            )));
            for a in alerts {
                lines.push(Line::from(Span::styled(
                    format!(
                        "  {} {} {} [{}]",
                        a.severity.label(),
                        shown(&a.name),
                        a.model.as_deref().map_or_else(|| "–".to_string(), shown),
                        a.state.label()
                    ),
                    theme.severity(a.severity),
                )));
            }
        }
    }
    lines
}

fn summary(app: &App, form: &AckForm, theme: &Theme) -> Vec<Line<'static>> {
    let env = app.environment_info();
    let ends = form
        .parsed_duration()
        .ok()
        .and_then(|d| app.now.checked_add(jiff::SignedDuration::try_from(d).ok()?).ok())
        .map_or_else(|| "?".into(), crate::app::alerting_text::utc);
    let mut lines = vec![
        Line::from(Span::styled(
            format!(
                "POST /api/v2/silences to {} ({}{})",
                app.alertmanager_peer.as_deref().map_or_else(|| "the first healthy Alertmanager".to_string(), shown),
                env.name,
                if env.production { ", PRODUCTION" } else { "" }
            ),
            if env.production { theme.badge_production } else { theme.title },
        )),
        target_line(&form_target(app, form), theme),
        Line::from(""),
        Line::from(Span::styled("matchers:", theme.key)),
    ];
    for m in form.matchers() {
        lines.push(Line::from(Span::styled(format!("  {}", shown(&m.describe())), theme.base)));
    }
    lines.push(Line::from(vec![
        Span::styled("for:      ", theme.key),
        Span::styled(format!("{} (until {ends})", form.duration), theme.base),
    ]));
    lines.push(Line::from(vec![
        Span::styled("by:       ", theme.key),
        Span::styled(app.settings.author.clone(), theme.base),
    ]));
    lines.push(Line::from(vec![
        Span::styled("comment:  ", theme.key),
        Span::styled(shown(form.comment.trim()), theme.base),
    ]));
    lines.push(Line::from(""));
    lines.extend(preview_lines(form, theme));
    let team = crate::domain::team::TeamContext { in_flight: Vec::new(), recent: form.recent.clone() };
    lines.extend(super::form::team_lines(&team, None, app.now, theme));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("It will be recorded in the journal with the result.", theme.dim)));
    lines
}

pub fn draw_confirm(frame: &mut Frame, area: Rect, app: &App, confirm: &Confirm, theme: &Theme) {
    let height = confirm.lines.len() as u16 + 7;
    let hint = match (&confirm.request, &confirm.ack_anyway) {
        (Some(_), Some(_)) => " Enter/E: extend · a: new silence anyway · Esc: cancel ",
        (None, Some(_)) => " a: new silence anyway · Esc: cancel ",
        _ => " Enter: do it · Esc: cancel ",
    };
    let title = form::title(format!(" {} — {} ", confirm.title, shown(&app.environment_info().name)), theme);
    let inner = form::frame(frame, area, (90, height), app, title, form::hint(hint, theme), theme);
    let mut lines = vec![target_line(&confirm.target, theme), Line::from("")];
    lines.extend(confirm.lines.iter().map(|l| Line::from(Span::styled(shown(l), theme.base))));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).style(theme.base), inner);
}

/// What the form is about: its own alert, with the model and version that alert names.
fn form_target(app: &App, form: &AckForm) -> Target {
    let model = form.alert.model.clone();
    let version = form
        .alert
        .labels
        .get(&app.settings.version_label)
        .cloned()
        .or_else(|| model.as_deref().and_then(|m| app.model_version(m)));
    Target { environment: app.environment_info().name.clone(), model, version, alert: Some(form.alert.clone()) }
}
