//! The model screen: a summary line, then one chart per panel (quality, drift, data quality,
//! latency, throughput, GPU) over the chosen time range, thresholds drawn as lines.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Paragraph};

use super::format;
use super::text::shown;
use crate::app::{App, DetailView, LiveState};
use crate::domain::sanitize::sanitize;
use crate::domain::{CellValue, ColumnId};
use crate::domain::{DetailSnapshot, Line as ChartLine, PanelId, Unit};
use crate::domain::{GPU_PLOTTED, VOLUME};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, model: &str) {
    let range = app.detail.as_ref().map(|d| d.range.label(app.now.as_second())).unwrap_or_default();
    let block = Block::bordered().border_style(theme.border(true)).title(Line::from(vec![
        Span::styled(format!(" {} ", shown(model)), theme.title),
        Span::styled(format!("{range} "), theme.key),
        Span::styled("+/- zoom · [ ] pan · 0 live · Esc back ", theme.dim),
    ]));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let live = app.live.get(model);
    let mut runs = super::retrain::schedule_lines(app, model, theme);
    runs.extend(super::retrain::run_lines(app, model, theme));
    let [summary, live_area, runs_area, charts] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::from(live.is_some())),
        Constraint::Length(runs.len() as u16),
        Constraint::Min(4),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(summary_line(app, model, theme)), summary);
    if let Some(state) = live {
        frame.render_widget(Paragraph::new(live_line(state, app.now, theme)), live_area);
    }
    frame.render_widget(Paragraph::new(runs), runs_area);

    let Some(detail) = app.detail.as_ref().filter(|d| d.model == model) else { return };
    draw_charts(frame, charts, detail, app, theme);
}

fn summary_line(app: &App, model: &str, theme: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    if let Some(row) = app.fleet.find(model) {
        for spec in app.settings.columns.iter().filter(|c| c.id.is_shown()) {
            let text = match row.cells.get(&spec.id) {
                _ if spec.id == ColumnId::Version => match app.version_text(row) {
                    Some(v) => Span::styled(
                        sanitize(&v.text).into_owned(),
                        if v.mismatch { theme.status_warn } else { theme.base },
                    ),
                    None => continue,
                },
                Some(CellValue::Number(_)) => match crate::app::reading(spec, &row.cells, &app.settings.columns) {
                    Some(r) if r.of_limit => Span::styled(format::share(r.value), theme.status(r.status)),
                    Some(r) => Span::styled(format::number(spec.id, r.value), theme.status(r.status)),
                    None => continue,
                },
                Some(CellValue::Text(t)) => Span::styled(t.clone(), theme.base),
                _ => continue,
            };
            spans.push(Span::styled(format!("{} ", spec.title), theme.dim));
            spans.push(text);
            spans.push(Span::raw("  "));
        }
    }
    let firing: Vec<String> = app
        .alert_rows()
        .filter(|a| a.model.as_deref() == Some(model) && a.state.is_firing())
        .map(|a| shown(&a.name))
        .collect();
    if !firing.is_empty() {
        spans.push(Span::styled(format!("firing: {}", firing.join(", ")), theme.status_critical));
    }
    Line::from(spans)
}

/// `live: 12.3 req/s · 0.1 err/s · mean 42ms · ready ✓ · GPU 71% 10.2/80.0 GiB · 2s ago`,
/// from the model's own serving endpoint; or why the last scrape failed.
fn live_line(state: &LiveState, now: jiff::Timestamp, theme: &Theme) -> Line<'static> {
    let ago = |at: jiff::Timestamp| format!("{} ago", format::age(now.as_second() - at.as_second()));
    let mut spans = vec![Span::styled("live: ", theme.dim)];
    let mut parts: Vec<Span<'static>> = Vec::new();
    if let Some(error) = &state.error {
        parts.push(Span::styled(format!("scrape failed: {}", format::fit(error, 60)), theme.status_critical));
        if let Some(f) = &state.figures {
            parts.push(Span::styled(format!("last figures {}", ago(f.at)), theme.dim));
        }
    } else if let Some(f) = &state.figures {
        let rate = |v: Option<f64>| v.map_or_else(|| "–".to_string(), per_second);
        if f.requests_total.is_some() {
            parts.push(Span::styled(format!("{} req/s", rate(f.requests_per_s)), theme.base));
        }
        if f.failures_total.is_some() {
            let style = if f.errors_per_s.is_some_and(|e| e > 0.0) { theme.status_warn } else { theme.base };
            parts.push(Span::styled(format!("{} err/s", rate(f.errors_per_s)), style));
        }
        if let Some(mean) = f.mean_latency_s {
            parts.push(Span::styled(format!("mean {}", format::seconds(mean)), theme.base));
        }
        match f.ready {
            Some(true) => parts.push(Span::styled("ready ✓", theme.status_ok)),
            Some(false) => parts.push(Span::styled("not ready ✗", theme.status_critical)),
            None => {}
        }
        if let Some(gpu) = &f.gpu {
            let gib = |mib: f64| format!("{:.1}", mib / 1024.0);
            let memory = match (gpu.memory_used_mib, gpu.memory_total_mib) {
                (Some(used), Some(total)) => format!(" {}/{} GiB", gib(used), gib(total)),
                (Some(used), None) => format!(" {} GiB", gib(used)),
                _ => String::new(),
            };
            parts.push(Span::styled(format!("GPU {:.0}%{memory}", gpu.utilisation_pct), theme.base));
        }
        if parts.is_empty() {
            parts.push(Span::styled("no serving metrics for this model", theme.dim));
        }
        parts.push(Span::styled(ago(f.at), theme.dim));
    }
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim));
        }
        spans.push(part);
    }
    Line::from(spans)
}

fn per_second(v: f64) -> String {
    match v.abs() {
        a if a >= 100.0 => format!("{v:.0}"),
        a if a > 0.0 && a < 0.1 => format!("{v:.2}"),
        _ => format!("{v:.1}"),
    }
}

fn draw_charts(frame: &mut Frame, area: Rect, detail: &DetailView, app: &App, theme: &Theme) {
    let (cols, rows) = if area.width >= 150 { (3, 2) } else { (2, 3) };
    let row_areas = Layout::vertical(vec![Constraint::Ratio(1, rows); rows as usize]).split(area);
    let cells: Vec<Rect> = row_areas
        .iter()
        .flat_map(|r| Layout::horizontal(vec![Constraint::Ratio(1, cols); cols as usize]).split(*r).to_vec())
        .collect();
    for (id, cell) in PanelId::ALL.iter().zip(cells) {
        if *id == PanelId::Gpu && app.settings.detail.resources.enabled() {
            draw_gpu_and_resources(frame, cell, detail, app, theme);
        } else {
            draw_panel(frame, cell, *id, detail, app, theme);
        }
    }
}

/// The resources panel shares the GPU panel's place: half of it when the model has GPU
/// figures (side by side where there is room), all of it when it has none.
fn draw_gpu_and_resources(frame: &mut Frame, area: Rect, detail: &DetailView, app: &App, theme: &Theme) {
    let gpu = detail.snapshot.as_ref().and_then(|s| s.panel(PanelId::Gpu)).map(|d| &d.result);
    if gpu.is_some_and(|r| r.as_ref().is_ok_and(Vec::is_empty)) {
        draw_panel(frame, area, PanelId::Resources, detail, app, theme);
        return;
    }
    let halves = [Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)];
    let [left, right] =
        if area.width >= 60 { Layout::horizontal(halves).areas(area) } else { Layout::vertical(halves).areas(area) };
    draw_panel(frame, left, PanelId::Gpu, detail, app, theme);
    draw_panel(frame, right, PanelId::Resources, detail, app, theme);
}

/// The resources figures that are not charted: memory (as a share of its limit where there
/// is one) and the throttled share of CPU periods.
fn resources_summary(lines: &[ChartLine]) -> String {
    let last = |name: &str| lines.iter().find(|l| l.name == name).and_then(ChartLine::last);
    let mut parts = Vec::new();
    match (last("memory"), last("memory_limit")) {
        (Some(used), Some(limit)) if limit > 0.0 => {
            parts.push(format!("mem {}/{} {}", format::bytes(used), format::bytes(limit), format::share(used / limit)))
        }
        (Some(used), _) => parts.push(format!("mem {}", format::bytes(used))),
        _ => {}
    }
    if let Some(t) = last("throttled") {
        parts.push(format!("thr {}", format::share(t)));
    }
    parts.join(" · ")
}

fn line_styles(theme: &Theme) -> [Style; 6] {
    [theme.key, theme.status_ok, theme.severity_warning, theme.title, theme.hint, theme.input]
}

/// A value in a panel's unit, formatted like the fleet column of the same kind.
fn unit_text(unit: Unit, v: f64) -> String {
    use crate::domain::ColumnId;
    match unit {
        Unit::Ratio => format::number(ColumnId::Accuracy, v),
        Unit::Seconds => format::number(ColumnId::LatencyP95, v),
        Unit::Percent => format::number(ColumnId::Gpu, v),
        Unit::Number => format::number(ColumnId::Throughput, v),
        Unit::Cores => format::cores(v),
    }
}

/// The GPU figures that are not charted, from their latest values: memory, temperature,
/// power and SM clock of the first GPU that reports them.
fn gpu_summary(lines: &[ChartLine]) -> String {
    let last = |name: &str| lines.iter().find(|l| l.name.split(' ').next() == Some(name)).and_then(ChartLine::last);
    let mut parts = Vec::new();
    if let (Some(used), Some(free)) = (last("fb_used"), last("fb_free")) {
        parts.push(format!("mem {:.1}/{:.1} GiB", used / 1024.0, (used + free) / 1024.0));
    }
    if let Some(t) = last("temp") {
        parts.push(format!("{t:.0}°C"));
    }
    if let Some(p) = last("power") {
        parts.push(format!("{p:.0} W"));
    }
    if let Some(c) = last("sm_clock") {
        parts.push(format!("{c:.0} MHz"));
    }
    parts.join(" · ")
}

fn draw_panel(frame: &mut Frame, area: Rect, id: PanelId, detail: &DetailView, app: &App, theme: &Theme) {
    let (title, scale) = app.settings.detail.panel(id);
    let snapshot: Option<&DetailSnapshot> = detail.snapshot.as_ref();
    let data = snapshot.and_then(|s| s.panel(id));
    let styles = line_styles(theme);
    let mut heading = vec![Span::styled(format!(" {title} "), theme.title)];
    // The GPU panel charts utilisation only; its other figures go in the title.
    let plotted: Option<Vec<&ChartLine>> = data.and_then(|d| d.result.as_ref().ok()).map(|lines| {
        lines
            .iter()
            .filter(|l| id != PanelId::Gpu || l.name.split(' ').next() == Some(GPU_PLOTTED))
            .filter(|l| id != PanelId::DataQuality || l.name != VOLUME)
            .filter(|l| id != PanelId::Resources || PanelId::RESOURCES_PLOTTED.contains(&l.name.as_str()))
            .collect()
    });
    if id == PanelId::DataQuality
        && let Some(Ok(lines)) = data.map(|d| &d.result)
        && let Some(v) = lines.iter().find(|l| l.name == VOLUME).and_then(ChartLine::last)
    {
        heading.push(Span::styled(
            format!("volume {}/s ", format::number(crate::domain::ColumnId::Throughput, v)),
            theme.dim,
        ));
    }
    if matches!(id, PanelId::Gpu | PanelId::Resources)
        && let Some(Ok(lines)) = data.map(|d| &d.result)
    {
        let summary = if id == PanelId::Gpu { gpu_summary(lines) } else { resources_summary(lines) };
        if !summary.is_empty() {
            heading.push(Span::styled(format!("{summary} "), theme.dim));
        }
    }
    if let Some(lines) = &plotted {
        for (k, line) in lines.iter().enumerate().take(4) {
            if let Some(v) = line.last() {
                let status = theme.status(scale.thresholds.classify(v));
                heading
                    .push(Span::styled(format!("{} ", format::fit(&shown(&line.name), 16)), styles[k % styles.len()]));
                heading.push(Span::styled(format!("{} ", unit_text(scale.unit, v)), status));
            }
        }
    }
    let block = Block::bordered().border_style(theme.border(false)).title(Line::from(heading));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let message = match (data.map(|d| &d.result), &detail.error, detail.loading) {
        (Some(Err(e)), _, _) => Some(format!("query failed: {e}")),
        (None, Some(e), _) => Some(format!("cannot load: {e}")),
        (None, None, true) => Some("loading…".into()),
        (None, None, false) => Some("no data".into()),
        (Some(Ok(_)), _, _) if plotted.as_ref().is_none_or(|l| l.iter().all(|l| l.points.is_empty())) => {
            Some("no data in this range".into())
        }
        _ => None,
    };
    if let Some(text) = message {
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim)), inner);
        return;
    }
    let (Some(snapshot), Some(lines)) = (snapshot, plotted) else { return };
    let (x0, x1) = (snapshot.start, snapshot.end);
    let values = lines.iter().flat_map(|l| l.points.iter().map(|p| p.1));
    let limits = [scale.thresholds.warn, scale.thresholds.critical].into_iter().flatten();
    let (mut lo, mut hi) =
        values.chain(limits).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if lo > hi {
        return;
    }
    let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.01).max(1e-9);
    // Rates, ratios and latencies are never negative: don't draw an axis below zero.
    lo = if lo >= 0.0 { (lo - pad).max(0.0) } else { lo - pad };
    hi += pad;
    let thresholds: Vec<(Vec<(f64, f64)>, Style)> =
        [(scale.thresholds.warn, theme.status_warn), (scale.thresholds.critical, theme.status_critical)]
            .into_iter()
            .filter_map(|(v, style)| v.map(|v| (vec![(x0, v), (x1, v)], style)))
            .collect();
    let mut datasets: Vec<Dataset> = thresholds
        .iter()
        .map(|(pts, style)| Dataset::default().marker(Marker::Dot).graph_type(GraphType::Line).style(*style).data(pts))
        .collect();
    for (k, line) in lines.iter().enumerate() {
        datasets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(styles[k % styles.len()])
                .data(&line.points),
        );
    }
    let clock = |t: f64| {
        jiff::Timestamp::from_second(t as i64)
            .map(|ts| ts.to_zoned(jiff::tz::TimeZone::UTC).strftime("%H:%M").to_string())
            .unwrap_or_default()
    };
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([x0, x1])
                .labels([Span::styled(clock(x0), theme.dim), Span::styled(clock(x1), theme.dim)])
                .style(theme.dim),
        )
        .y_axis(
            Axis::default()
                .bounds([lo, hi])
                .labels([
                    Span::styled(unit_text(scale.unit, lo), theme.dim),
                    Span::styled(unit_text(scale.unit, hi), theme.dim),
                ])
                .style(theme.dim),
        );
    frame.render_widget(chart, inner);
}
