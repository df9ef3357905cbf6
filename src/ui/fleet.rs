//! The fleet table: one row per model. Only the rows that fit are laid out, so the cost of
//! a frame does not grow with the fleet.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table};

use super::text::shown;
use super::{format, widgets};
use crate::app::ColumnSpec;
use crate::app::SortKey;
use crate::app::{App, ModelRow, Pane, VersionText};
use crate::domain::SourceId;
use crate::domain::{CellValue, ColumnId, Status};
use crate::theme::Theme;

/// The sparkline grows with the terminal, between these widths; at most one cell per point
/// of the trend series (60).
const TREND_MIN: u16 = 8;
const TREND_MAX: u16 = 60;
/// The name column takes the longest name on screen, between these widths.
const NAME_MIN: u16 = 12;
const NAME_MAX: u16 = 48;
/// "CHG": when the journal last recorded something about the model.
const CHANGED_WIDTH: u16 = 4;
/// VER widens to its longest text on screen (`12 (serving 11,12)`), up to this.
const VERSION_MAX: u16 = 20;

fn width_of(id: ColumnId) -> u16 {
    match id {
        ColumnId::Version => 6,
        ColumnId::Accuracy | ColumnId::Drift | ColumnId::ErrorRate => 6,
        ColumnId::LatencyP95 | ColumnId::Throughput => 6,
        ColumnId::Gpu | ColumnId::Throttled => 4,
        ColumnId::Cpu => 5,
        ColumnId::Memory => 6,
        ColumnId::CpuLimit | ColumnId::MemoryLimit => 0,
        ColumnId::Trend => TREND_MIN,
    }
}

/// The columns that fit in `width`, dropping the least essential first on narrow terminals,
/// and how the spare width is shared: the name column up to the longest name on screen
/// (`name_width`), then the sparkline. Returns (columns, name width, sparkline width).
fn fitting<'a>(
    columns: impl IntoIterator<Item = &'a ColumnSpec>,
    width: u16,
    version_width: u16,
    name_width: u16,
) -> (Vec<&'a ColumnSpec>, u16, u16) {
    let width_of = |id| if id == ColumnId::Version { version_width } else { width_of(id) };
    // The resource columns go first: 80 columns keep the table they had without them.
    const DROP_ORDER: [ColumnId; 7] = [
        ColumnId::Throttled,
        ColumnId::Memory,
        ColumnId::Cpu,
        ColumnId::Gpu,
        ColumnId::Throughput,
        ColumnId::Version,
        ColumnId::Trend,
    ];
    let mut shown: Vec<&ColumnSpec> = columns.into_iter().collect();
    // marker + name + the columns + the alert count + last change, one space between each.
    let need_with = |cols: &[&ColumnSpec], name: u16| {
        1 + name + cols.iter().map(|c| width_of(c.id) + 1).sum::<u16>() + 3 + 1 + CHANGED_WIDTH + 2
    };
    let need = |cols: &[&ColumnSpec]| need_with(cols, NAME_MIN);
    let full_name = name_width.clamp(NAME_MIN, NAME_MAX);
    for drop in DROP_ORDER {
        // The resource columns give way before a model's name is cut; the others only
        // once the name is at its minimum.
        let name =
            if matches!(drop, ColumnId::Cpu | ColumnId::Memory | ColumnId::Throttled) { full_name } else { NAME_MIN };
        if need_with(&shown, name) <= width {
            break;
        }
        shown.retain(|c| c.id != drop);
    }
    let spare = width.saturating_sub(need(&shown));
    let name_extra = spare.min(name_width.clamp(NAME_MIN, NAME_MAX) - NAME_MIN);
    let trend = TREND_MIN + (spare - name_extra).min(TREND_MAX - TREND_MIN);
    (shown, NAME_MIN + name_extra, trend)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Pane::Fleet;
    let arrow = if app.sort_descending { "↑" } else { "↓" };
    let mut title = vec![
        Span::styled(" Models ", theme.title),
        Span::styled(format!("{}/{} ", app.fleet.visible.len(), app.fleet.total()), theme.dim),
    ];
    if app.sort != SortKey::Health || app.sort_descending {
        title.push(Span::styled(format!("sort:{}{arrow} ", app.sort.label()), theme.dim));
    }
    if !app.filter_text.is_empty() {
        title.push(Span::styled(format!("/{} ", shown(&app.filter_text)), theme.input));
    }
    // While Prometheus fails the rows are the last good answer: say so where they are.
    if let Some(crate::domain::Health::Failing { last_ok: Some(at), .. }) = app.health.get(&SourceId::Prometheus) {
        let age = super::format::age(app.now.as_second() - at.as_second());
        title.push(Span::styled(format!("STALE: last good data {age} ago "), theme.status_warn));
    }
    let block = Block::bordered().border_style(theme.border(focused)).title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let height = inner.height.saturating_sub(1) as usize;
    let len = app.fleet.visible.len();
    let offset = widgets::scroll_offset(app.fleet_selected(), height, len);
    let on_screen = offset..(offset + height).min(len);
    let version_width = on_screen
        .clone()
        .filter_map(|i| app.fleet.row(i).and_then(|row| app.version_text(row)))
        .map(|v| shown(&v.text).chars().count() as u16)
        .fold(width_of(ColumnId::Version), u16::max)
        .min(VERSION_MAX);
    let name_width = on_screen
        .clone()
        .filter_map(|i| app.fleet.row(i))
        .map(|row| format::display_width(&shown(&row.name)) as u16)
        .max()
        .unwrap_or(NAME_MIN);
    // On a thin link no sparkline: it is the most redrawn cell on the screen.
    let low_bandwidth = app.settings.low_bandwidth;
    let specs = app.settings.columns.iter().filter(|c| c.id.is_shown() && !(low_bandwidth && c.id == ColumnId::Trend));
    let (columns, name_width, trend_width) = fitting(specs, inner.width, version_width, name_width);
    let col_width = |id: ColumnId| match id {
        ColumnId::Trend => trend_width,
        ColumnId::Version => version_width,
        id => width_of(id),
    };
    let mut widths = vec![Constraint::Length(1), Constraint::Length(name_width)];
    widths.extend(columns.iter().map(|c| Constraint::Length(col_width(c.id))));
    widths.push(Constraint::Length(3));
    widths.push(Constraint::Length(CHANGED_WIDTH));

    let mut header: Vec<Cell> = vec![Cell::from(""), Cell::from("MODEL")];
    header.extend(columns.iter().map(|c| Cell::from(format::fit(&c.title, col_width(c.id) as usize))));
    header.push(Cell::from("ALR"));
    header.push(Cell::from("CHG"));

    if len == 0 {
        let text = if app.fleet.total() > 0 {
            "no model matches the filter (Esc clears it)"
        } else {
            "no models yet: waiting for Prometheus"
        };
        let table = Table::new(
            [Row::new([Cell::from(""), Cell::from(Span::styled(text, theme.dim))])],
            [Constraint::Length(1), Constraint::Min(10)],
        )
        .header(Row::new(header).style(theme.table_header));
        frame.render_widget(table, inner);
        return;
    }
    let rows: Vec<Row> = on_screen
        .filter_map(|i| app.fleet.row(i).map(|r| (i, r)))
        .map(|(i, row)| {
            let style = if i == app.fleet_selected() && focused {
                theme.selected
            } else if i == app.fleet_selected() {
                theme.base.patch(theme.dim)
            } else {
                theme.base
            };
            model_row(app, row, &columns, (name_width, trend_width, version_width), theme).style(style)
        })
        .collect();
    let table = Table::new(rows, widths).header(Row::new(header).style(theme.table_header)).column_spacing(1);
    frame.render_widget(table, inner);
}

fn model_row<'a>(
    app: &App,
    row: &'a ModelRow,
    columns: &[&ColumnSpec],
    (name_width, trend_width, version_width): (u16, u16, u16),
    theme: &Theme,
) -> Row<'a> {
    let health = row.health();
    let marker = match health {
        Status::Critical => Span::styled("!", theme.status_critical),
        Status::Warn => Span::styled("•", theme.status_warn),
        _ => Span::raw(" "),
    };
    let name_style = if health == Status::Critical { theme.status_critical } else { Style::default() };
    let mut cells = vec![
        Cell::from(marker),
        Cell::from(Span::styled(format::fit(&shown(&row.name), name_width as usize), name_style)),
    ];
    for spec in columns {
        cells.push(match spec.id {
            ColumnId::Version => version_cell(app.version_text(row), version_width, theme),
            _ => value_cell(spec, row, &app.settings.columns, trend_width, theme),
        });
    }
    let alerts = if row.firing > 0 { row.firing.to_string() } else { String::new() };
    let alert_style = row.worst_alert.map_or(theme.dim, |s| theme.severity(s));
    cells.push(Cell::from(Span::styled(alerts, alert_style)));
    let changed =
        app.journal.last_change.get(&row.name).map(|t| format::age_short(app.now.as_second() - t.as_second()));
    cells.push(Cell::from(Span::styled(changed.unwrap_or_default(), theme.dim)));
    Row::new(cells)
}

/// The registry's live version, in the warning colour while Prometheus reports another.
fn version_cell<'a>(version: Option<VersionText>, width: u16, theme: &Theme) -> Cell<'a> {
    let Some(version) = version else { return Cell::from(Span::styled(format::MISSING, theme.status_missing)) };
    let style = if version.mismatch { theme.status_warn } else { theme.base };
    Cell::from(Span::styled(format::fit(&shown(&version.text), width as usize), style))
}

fn value_cell<'a>(
    spec: &ColumnSpec,
    row: &ModelRow,
    specs: &[ColumnSpec],
    trend_width: u16,
    theme: &Theme,
) -> Cell<'a> {
    let value = row.cells.get(&spec.id);
    match value {
        Some(CellValue::Series(series)) => {
            let last = series.iter().rev().find(|v| v.is_finite()).copied();
            let style = last.map_or(theme.status_missing, |v| theme.status(spec.thresholds.classify(v)));
            Cell::from(Span::styled(format::sparkline(series, trend_width as usize, 0.05), style))
        }
        Some(CellValue::Number(_)) => {
            let Some(r) = crate::app::reading(spec, &row.cells, specs) else { return Cell::from("") };
            let text = if r.of_limit { format::share(r.value) } else { format::number(spec.id, r.value) };
            Cell::from(Span::styled(text, theme.status(r.status)))
        }
        other => {
            let text = shown(&format::cell(spec.id, other));
            let style = if other.is_none() { theme.status_missing } else { theme.base };
            Cell::from(Span::styled(format::fit(&text, width_of(spec.id) as usize), style))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spare_width_goes_to_the_name_up_to_its_length_then_the_sparkline() {
        let columns: Vec<ColumnSpec> = ColumnId::ALL
            .into_iter()
            .filter(|id| id.is_shown())
            .map(|id| ColumnSpec {
                id,
                title: id.to_string(),
                query: String::new(),
                thresholds: Default::default(),
                range: std::time::Duration::from_secs(3600),
            })
            .collect();
        let (shown, name, trend) = fitting(&columns, 200, 6, 17);
        assert_eq!((shown.len(), name, trend), (columns.len(), 17, TREND_MAX));
        // Narrow: nothing spare, the minimum of each.
        let (_, name, trend) = fitting(&columns, 74, 6, 30);
        assert_eq!((name, trend), (NAME_MIN, TREND_MIN));
        // A very long name stops at its cap and leaves the rest to the sparkline.
        let (_, name, trend) = fitting(&columns, 140, 6, 90);
        assert_eq!(name, NAME_MAX);
        assert!(trend > TREND_MIN, "{trend}");
        // 80 columns: the resource columns give way first, the others keep their place.
        let ids = |shown: Vec<&ColumnSpec>| shown.into_iter().map(|c| c.id).collect::<Vec<_>>();
        let (at_80, _, _) = fitting(&columns, 80, 6, 12);
        let without = [ColumnId::Cpu, ColumnId::Memory, ColumnId::Throttled];
        assert_eq!(
            ids(at_80),
            ColumnId::ALL.into_iter().filter(|id| id.is_shown() && !without.contains(id)).collect::<Vec<_>>()
        );
        // A long name stays whole: THR goes first at 100.
        let (at_100_long, name, _) = fitting(&columns, 100, 6, 16);
        assert_eq!(name, 16);
        assert!(!ids(at_100_long.clone()).contains(&ColumnId::Throttled), "{:?}", ids(at_100_long));
        let (at_100, _, _) = fitting(&columns, 100, 6, 12);
        assert!(
            [ColumnId::Cpu, ColumnId::Memory].iter().all(|id| ids(at_100.clone()).contains(id)),
            "room for CPU and MEM at 100"
        );
    }
}
