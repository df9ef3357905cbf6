//! The versions screen: the registry's versions with the live one marked (left), and the
//! governance panel with the live-against-previous figures and the selected version in full
//! (right).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Wrap};

use super::{compare, format, widgets};
use crate::app::App;
use crate::domain::VersionsSnapshot;
use crate::domain::sanitize::clean;
use crate::domain::{Lineage, ModelVersion};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, model: &str) {
    let Some(view) = app.versions.as_ref() else { return };
    let area = if view.compare.open && area.height > compare::HEIGHT + 6 {
        let [top, bottom] = Layout::vertical([Constraint::Min(6), Constraint::Length(compare::HEIGHT)]).areas(area);
        compare::draw(frame, bottom, app, theme);
        top
    } else {
        area
    };
    let challenger = app.comparison_pair().challenger;
    let side_width = (area.width * 2 / 5).clamp(36, 48);
    let [list, side] = Layout::horizontal([Constraint::Min(40), Constraint::Length(side_width)]).areas(area);
    let mut title = vec![Span::styled(format!(" {} · versions ", clean(model)), theme.title)];
    if let Some(spec) = view.snapshot.as_ref().and_then(|s| s.spec.as_ref()) {
        title.push(Span::styled(format!("rollback via {} ", spec.label()), theme.dim));
    }
    if view.loading {
        title.push(Span::styled("loading… ", theme.dim));
    }
    let block = Block::bordered().border_style(theme.border(true)).title(Line::from(title));
    let inner = block.inner(list);
    frame.render_widget(block, list);
    let shown = columns(inner.width);
    let header = Row::new(shown.iter().map(|c| c.title())).style(theme.table_header);
    let widths: Vec<Constraint> = shown.iter().map(|c| c.width()).collect();
    let snapshot = view.snapshot.as_ref();
    let versions = view.versions();
    if versions.is_empty() {
        let text = match (&view.error, snapshot) {
            (Some(e), _) => format!("cannot read the versions: {}", clean(e)),
            (None, None) => "loading…".to_string(),
            (None, Some(s)) => s.warnings.first().map_or_else(|| "the registry lists no versions".into(), |w| clean(w)),
        };
        let style = if view.error.is_some() { theme.error } else { theme.dim };
        let row = Row::new([Cell::from(""), Cell::from(Span::styled(text, style))]);
        frame.render_widget(Table::new([row], [Constraint::Length(2), Constraint::Min(10)]).header(header), inner);
    } else {
        let spec = snapshot.and_then(|s| s.spec.as_ref());
        let live = snapshot.and_then(|s| s.live.as_deref());
        let height = inner.height.saturating_sub(1) as usize;
        let offset = widgets::scroll_offset(view.selected(), height, versions.len());
        let rows: Vec<Row> = versions
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(i, v)| {
                let is_live = live == Some(v.version.as_str());
                let is_challenger = challenger.as_deref() == Some(v.version.as_str());
                let validation = spec.and_then(|s| v.tag(&s.validation_tag));
                let validated = spec.is_some_and(|s| s.is_validated(validation));
                let row = Row::new(shown.iter().map(|column| match column {
                    Column::Live if is_challenger => Cell::from(Span::styled("◆", theme.status_warn)),
                    Column::Live => Cell::from(Span::styled(if is_live { "▶" } else { "" }, theme.status_ok)),
                    Column::Version => Cell::from(clean(&v.version)),
                    Column::Created => Cell::from(v.created.map_or_else(|| "–".into(), short_time)),
                    Column::Validation => Cell::from(Span::styled(
                        validation.map_or_else(|| "–".into(), clean),
                        if validated { theme.status_ok } else { theme.status_warn },
                    )),
                    Column::Status => Cell::from(clean(&v.status)),
                    Column::Source => Cell::from(clean(if v.source.is_empty() { &v.run_id } else { &v.source })),
                }));
                if i == view.selected() { row.style(theme.selected) } else { row }
            })
            .collect();
        frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), inner);
    }
    draw_side(frame, side, app, theme, snapshot, view.selected_version());
}

/// The versions table's columns, in the order they appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Live,
    Version,
    Created,
    Validation,
    Status,
    Source,
}

impl Column {
    fn title(self) -> &'static str {
        match self {
            Column::Live => "",
            Column::Version => "VERSION",
            Column::Created => "CREATED UTC",
            Column::Validation => "VALIDATION",
            Column::Status => "STATUS",
            Column::Source => "SOURCE / RUN",
        }
    }

    fn width(self) -> Constraint {
        match self {
            Column::Live => Constraint::Length(2),
            Column::Version => Constraint::Length(9),
            Column::Created => Constraint::Length(11),
            Column::Validation => Constraint::Length(11),
            Column::Status => Constraint::Length(9),
            Column::Source => Constraint::Min(10),
        }
    }
}

/// The columns that fit `width` whole. What a rollback decides on (version, date,
/// validation) always shows; where the table is narrow the source gives way first, then
/// the status, rather than every column being cut short.
fn columns(width: u16) -> Vec<Column> {
    let cells = |c: Column| match c.width() {
        Constraint::Length(n) | Constraint::Min(n) => n + 1,
        _ => 1,
    };
    let mut shown = vec![Column::Live, Column::Version, Column::Created, Column::Validation];
    let mut used: u16 = shown.iter().map(|c| cells(*c)).sum();
    for optional in [Column::Status, Column::Source] {
        if used + cells(optional) <= width + 1 {
            used += cells(optional);
            shown.push(optional);
        }
    }
    shown
}

fn short_time(t: jiff::Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::UTC).strftime("%m-%d %H:%M").to_string()
}

fn draw_side(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    theme: &Theme,
    snapshot: Option<&VersionsSnapshot>,
    selected: Option<&ModelVersion>,
) {
    let block = Block::bordered().border_style(theme.border(false)).title(Span::styled(" Governance ", theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(s) = snapshot else { return };
    let field = |name: &str, value: Option<&String>| {
        Line::from(vec![
            Span::styled(format!("{name:<13}"), theme.key),
            Span::styled(value.map_or_else(|| "–".into(), |v| clean(v)), theme.base),
        ])
    };
    let g = &s.governance;
    let mut lines = vec![
        field("owner", g.owner.as_ref()),
        field("description", g.description.as_ref()),
        field("data sources", g.data_sources.as_ref()),
        field("PII", g.pii.as_ref()),
        field("live", s.live.as_ref()),
        field("validation", g.validation.as_ref()),
        field("validated at", g.validated_at.as_ref()),
    ];
    if !s.figures.is_empty() {
        lines.push(Line::from(""));
        // Narrow enough for the side panel at 80 columns (34 cells inside).
        let header = format!("{:<8}{:>9}{:>12}", "version", "accuracy", "p95 latency");
        lines.push(Line::from(Span::styled(header, theme.table_header)));
        for f in &s.figures {
            let live = s.live.as_deref() == Some(f.version.as_str());
            lines.push(Line::from(Span::styled(
                format!(
                    "{:<8}{:>9}{:>12}{}",
                    format::fit(&clean(&f.version), 7),
                    f.accuracy.map_or_else(|| "–".into(), |a| format!("{a:.3}")),
                    f.latency.map_or_else(|| "–".into(), format::seconds),
                    if live { " live" } else { "" }
                ),
                if live { theme.status_ok } else { theme.base },
            )));
        }
    }
    if let Some(v) = selected {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(format!("version {}", clean(&v.version)), theme.table_header)));
        if !v.description.is_empty() {
            lines.push(Line::from(Span::styled(clean(&v.description), theme.base)));
        }
        if !v.run_id.is_empty() {
            lines.push(field("run", Some(&v.run_id)));
        }
        lines.extend(data_lines(v, theme));
        for (k, value) in &v.tags {
            lines.push(Line::from(vec![
                Span::styled(format!("{} ", clean(k)), theme.dim),
                Span::styled(clean(value), theme.base),
            ]));
        }
    }
    for w in &s.warnings {
        lines.push(Line::from(Span::styled(format!("! {}", clean(w)), theme.status_warn)));
    }
    let hint = if app.read_only() { "read-only: rollback is disabled" } else { "R rolls back to the selected version" };
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(hint, theme.hint)));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The data the version was trained on, `DATA  context: name@digest (source)` a line each;
/// nothing for a version without a run, where there is nothing to read.
fn data_lines(version: &ModelVersion, theme: &Theme) -> Vec<Line<'static>> {
    let head = |text: &str| {
        Line::from(vec![Span::styled(format!("{:<13}", "DATA"), theme.key), Span::styled(text.to_string(), theme.dim)])
    };
    match &version.lineage {
        Lineage::Unread if version.run_id.is_empty() => Vec::new(),
        Lineage::Unread => vec![head("not read")],
        Lineage::NotRecorded => vec![head("not recorded by this registry")],
        Lineage::Datasets(sets) if sets.is_empty() => vec![head("none logged by the run")],
        Lineage::Datasets(sets) => sets
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let context = if d.context.is_empty() { "input" } else { &d.context };
                let source = if d.source.is_empty() { &d.source_type } else { &d.source };
                Line::from(vec![
                    Span::styled(format!("{:<13}", if i == 0 { "DATA" } else { "" }), theme.key),
                    Span::styled(clean(&format!("{context}: {} ({source})", d.label())), theme.base),
                ])
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_gives_way_first_then_the_status() {
        use Column::*;
        assert_eq!(columns(42), [Live, Version, Created, Validation]);
        assert_eq!(columns(46), [Live, Version, Created, Validation, Status]);
        assert_eq!(columns(57), [Live, Version, Created, Validation, Status, Source]);
        assert_eq!(columns(200).len(), 6);
    }
}
