//! The comparison pane under the versions list: champion and challenger over one window,
//! side by side, the difference coloured by each figure's direction, whether the accuracy
//! difference is significant (or why that cannot be said), and what `B` would do.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::format;
use crate::app::App;
use crate::app::Command;
use crate::domain::sanitize::clean;
use crate::domain::significance::{count_text, p_text};
use crate::domain::{Better, ColumnId, CompareMetric, Significance, WindowFigures, difference, significance};
use crate::theme::Theme;

/// Rows the pane takes, borders included.
pub const HEIGHT: u16 = 12;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(view) = app.versions.as_ref() else { return };
    let compare = &view.compare;
    let pair = app.comparison_pair();
    let name = |v: &Option<String>| v.as_deref().map_or_else(|| "–".to_string(), |v| format::fit(&clean(v), 12));
    let window = crate::domain::duration::format(app.settings.compare_window);
    let mut title = vec![Span::styled(
        format!(" champion {} vs challenger {} · last {window} ", name(&pair.champion), name(&pair.challenger)),
        theme.title,
    )];
    if compare.loading {
        title.push(Span::styled("loading… ", theme.dim));
    }
    let block = Block::bordered().border_style(theme.border(true)).title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let dim = |text: String| Line::from(Span::styled(text, theme.dim));
    let key = |command: Command| app.settings.keymap.primary(command);
    let mut lines = Vec::new();
    match (&compare.window, &pair.champion, &pair.challenger) {
        (None, _, _) if compare.error.is_some() => lines.push(Line::from(Span::styled(
            format!("cannot read the comparison: {}", clean(compare.error.as_deref().unwrap_or_default())),
            theme.error,
        ))),
        (None, _, _) => lines.push(dim("loading…".into())),
        (Some(_), None, _) => {
            lines.push(dim(format!("no live version and no version served traffic in the last {window}")))
        }
        (Some(_), Some(_), None) => lines.push(dim(format!(
            "no other version served traffic in the last {window}: {} marks the one under the cursor",
            key(Command::Challenger)
        ))),
        (Some(_), Some(champion), Some(challenger)) => {
            let empty = WindowFigures::default();
            let a = pair.champion_figures.unwrap_or(&empty);
            let b = pair.challenger_figures.unwrap_or(&empty);
            lines.push(Line::from(Span::styled(
                format!(
                    "{:<13}{:>14}{:>16}  DIFFERENCE",
                    "METRIC",
                    format!("CHAMPION {}", format::fit(&clean(champion), 5)),
                    format!("CHALLENGER {}", format::fit(&clean(challenger), 5))
                ),
                theme.table_header,
            )));
            for metric in CompareMetric::ALL {
                lines.push(metric_line(metric, a, b, theme));
            }
            lines.push(Line::from(""));
            lines.push(verdict(a, b, app, theme));
            lines.push(action(app, a, b, champion, challenger, theme));
        }
    }
    if let Some(w) = compare.window.as_ref() {
        lines.extend(w.warnings.iter().map(|w| Line::from(Span::styled(format!("! {}", clean(w)), theme.status_warn))));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn value_text(metric: CompareMetric, value: Option<f64>) -> String {
    value.map_or_else(|| format::MISSING.to_string(), |v| format::number(column(metric), v))
}

fn column(metric: CompareMetric) -> ColumnId {
    match metric {
        CompareMetric::Accuracy => ColumnId::Accuracy,
        CompareMetric::LatencyP95 | CompareMetric::LatencyMean => ColumnId::LatencyP95,
        CompareMetric::ErrorRate => ColumnId::ErrorRate,
        CompareMetric::Throughput => ColumnId::Throughput,
    }
}

/// Challenger − champion with its sign: `+0.006`, `-12ms`, `+0.10pp`, `-1.7k req/s`.
fn delta_text(metric: CompareMetric, delta: f64) -> String {
    let sign = if delta > 0.0 {
        "+"
    } else if delta < 0.0 {
        "-"
    } else {
        "±"
    };
    let size = delta.abs();
    let text = match metric {
        CompareMetric::ErrorRate => format!("{:.2}pp", size * 100.0),
        CompareMetric::Throughput => format!("{} req/s", format::number(ColumnId::Throughput, size)),
        _ => format::number(column(metric), size),
    };
    format!("{sign}{text}")
}

fn metric_line(metric: CompareMetric, a: &WindowFigures, b: &WindowFigures, theme: &Theme) -> Line<'static> {
    let unit = if metric == CompareMetric::Throughput { " req/s" } else { "" };
    let cell = |f: &WindowFigures| {
        let text = value_text(metric, metric.value(f));
        if text == format::MISSING { text } else { format!("{text}{unit}") }
    };
    let mut spans = vec![
        Span::styled(format!("{:<13}", metric.label()), theme.key),
        Span::styled(format!("{:>14}{:>16}  ", cell(a), cell(b)), theme.base),
    ];
    match difference(metric, a, b) {
        None => spans.push(Span::styled(format::MISSING, theme.dim)),
        Some((delta, better)) => {
            let (word, style): (&str, Style) = match better {
                Better::Challenger => (" better", theme.status_ok),
                Better::Champion => (" worse", theme.status_critical),
                Better::Neither => ("", theme.base),
            };
            spans.push(Span::styled(format!("{}{word}", delta_text(metric, delta)), style));
        }
    }
    Line::from(spans)
}

fn verdict(a: &WindowFigures, b: &WindowFigures, app: &App, theme: &Theme) -> Line<'static> {
    let (text, style) = match significance(a, b) {
        Significance::Tested { test, champion_n, challenger_n } => {
            let n = format!("{}, n = {} / {}", p_text(test.p_value), count_text(champion_n), count_text(challenger_n));
            if test.significant() {
                (format!("significant at 95 % ({n}, z = {:.2})", test.z), theme.status_ok)
            } else {
                (format!("not significant ({n}, z = {:.2})", test.z), theme.status_warn)
            }
        }
        Significance::NoCounts => {
            let c = &app.settings.detail;
            let gauge = c.quality.first().map_or("accuracy", String::as_str);
            (
                format!(
                    "accuracy from the {} gauge: significance cannot be computed without prediction counts",
                    clean(gauge)
                ),
                theme.dim,
            )
        }
        Significance::NoAccuracy => ("no accuracy for both versions in the window: no significance".into(), theme.dim),
    };
    Line::from(Span::styled(text, style))
}

fn action(
    app: &App,
    a: &WindowFigures,
    b: &WindowFigures,
    champion: &str,
    challenger: &str,
    theme: &Theme,
) -> Line<'static> {
    let key = app.settings.keymap.primary(Command::RollbackBetter);
    let live = app.versions.as_ref().and_then(|v| v.snapshot.as_ref()).and_then(|s| s.live.as_deref());
    let text = match difference(CompareMetric::Accuracy, a, b).map(|(_, better)| better) {
        None | Some(Better::Neither) => "neither is better by accuracy: nothing to roll back to".to_string(),
        Some(better) => {
            let target = if better == Better::Challenger { challenger } else { champion };
            if live == Some(target) {
                format!("{} is better by accuracy and already live", clean(target))
            } else if better == Better::Champion {
                format!("the champion {} is better by accuracy", clean(target))
            } else if app.read_only() {
                format!("{} is better by accuracy (read-only: rollback is disabled)", clean(target))
            } else {
                format!("{key} rolls back to {}, the better by accuracy (confirmation first)", clean(target))
            }
        }
    };
    Line::from(Span::styled(text, theme.hint))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_carry_their_sign_and_unit() {
        assert_eq!(delta_text(CompareMetric::Accuracy, 0.006), "+0.006");
        assert_eq!(delta_text(CompareMetric::LatencyP95, -0.012), "-12ms");
        assert_eq!(delta_text(CompareMetric::ErrorRate, 0.001), "+0.10pp");
        assert_eq!(delta_text(CompareMetric::Throughput, -1665.0), "-1.7k req/s");
        assert_eq!(delta_text(CompareMetric::Accuracy, 0.0), "±0.000");
    }
}
