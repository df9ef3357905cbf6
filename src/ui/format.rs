//! Number formatting per column, so a cell never shows a misleading 0 for missing data.

use crate::domain::{CellValue, ColumnId};

pub const MISSING: &str = "–";

pub fn cell(id: ColumnId, value: Option<&CellValue>) -> String {
    match value {
        None => MISSING.to_string(),
        Some(CellValue::Text(t)) if t.is_empty() => MISSING.to_string(),
        Some(CellValue::Text(t)) => t.clone(),
        Some(CellValue::Series(_)) => String::new(),
        Some(CellValue::Number(v)) => number(id, *v),
    }
}

pub fn number(id: ColumnId, v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    if v.abs() >= 9.0e18 {
        return "n/a".into();
    }
    match id {
        ColumnId::Accuracy | ColumnId::Trend | ColumnId::Drift => ratio(v),
        ColumnId::LatencyP95 => seconds(v),
        ColumnId::Throughput => rate(v),
        ColumnId::ErrorRate => percent(v * 100.0),
        ColumnId::Gpu => format!("{v:.0}%"),
        ColumnId::Version => format!("{v}"),
        ColumnId::Cpu | ColumnId::CpuLimit => cores(v),
        ColumnId::Memory | ColumnId::MemoryLimit => bytes(v),
        ColumnId::Throttled => share(v),
    }
}

/// A share of a whole (a limit, periods), as a whole percentage: `0.34` → `34%`.
pub fn share(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

/// CPU in cores, in Kubernetes' millicores below a tenth: `1.2c`, `50m`.
pub fn cores(v: f64) -> String {
    match v.abs() {
        a if a != 0.0 && a < 0.1 => format!("{:.0}m", v * 1000.0),
        a if a >= 10.0 => format!("{v:.0}c"),
        _ => format!("{v:.1}c"),
    }
}

/// Bytes in binary units, as Kubernetes writes them: `512Mi`, `1.5Gi`.
pub fn bytes(v: f64) -> String {
    const UNITS: [&str; 5] = ["", "Ki", "Mi", "Gi", "Ti"];
    let mut value = v;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value.abs() < 10.0 && unit > 0 {
        format!("{value:.1}{}", UNITS[unit])
    } else {
        format!("{value:.0}{}", UNITS[unit])
    }
}

fn ratio(v: f64) -> String {
    if v != 0.0 && v.abs() < 0.001 { format!("{v:.0e}") } else { format!("{v:.3}") }
}

pub fn seconds(v: f64) -> String {
    match v.abs() {
        a if a < 0.001 => format!("{:.0}µs", v * 1e6),
        a if a < 1.0 => format!("{:.0}ms", v * 1e3),
        a if a < 100.0 => format!("{v:.2}s"),
        _ => format!("{v:.0}s"),
    }
}

fn rate(v: f64) -> String {
    match v.abs() {
        a if a >= 1e6 => format!("{:.1}M", v / 1e6),
        a if a >= 1e3 => format!("{:.1}k", v / 1e3),
        a if a >= 100.0 => format!("{v:.0}"),
        _ => format!("{v:.1}"),
    }
}

fn percent(p: f64) -> String {
    if p != 0.0 && p.abs() < 0.1 { format!("{p:.2}%") } else { format!("{p:.1}%") }
}

/// "42s", "5m", "3h", "2d": the age of something, compact for tables.
pub fn age(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        s => format!("{}d{}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// "42s", "5m", "3h", "2d": at most four characters, for narrow columns.
pub fn age_short(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline of the whole series squeezed into `width` cells (each cell the mean of its
/// bucket), scaled between the series' own min and max but
/// over at least `min_span`, so that noise on a flat line does not look like a cliff; gaps
/// (NaN) stay blank.
pub fn sparkline(series: &[f64], width: usize, min_span: f64) -> String {
    let resampled = resample(series, width);
    let tail = resampled.as_slice();
    let finite = tail.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return MISSING.to_string();
    }
    let span = (hi - lo).max(min_span);
    let lo = lo - (span - (hi - lo)) / 2.0;
    tail.iter()
        .map(|v| {
            if !v.is_finite() {
                ' '
            } else if span <= f64::EPSILON {
                BARS[3]
            } else {
                BARS[(((v - lo) / span) * 8.0).floor().clamp(0.0, 7.0) as usize]
            }
        })
        .collect()
}

fn resample(series: &[f64], width: usize) -> Vec<f64> {
    if series.len() <= width || width == 0 {
        return series.to_vec();
    }
    (0..width)
        .map(|i| {
            let bucket = &series[i * series.len() / width..(i + 1) * series.len() / width];
            let (sum, n) = bucket.iter().filter(|v| v.is_finite()).fold((0.0, 0), |(s, n), v| (s + v, n + 1));
            if n == 0 { f64::NAN } else { sum / n as f64 }
        })
        .collect()
}

/// The cells `text` takes on a terminal: a CJK character takes two, a combining mark none.
pub fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// Cuts to `width` display columns with an ellipsis.
pub fn fit(text: &str, width: usize) -> String {
    if display_width(text) <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// `text` padded with spaces to `width` display columns, on the right (`left` aligned) or
/// on the left; `format!("{:<w$}")` counts chars, which misaligns wide characters.
pub fn pad(text: &str, width: usize, left: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(display_width(text)));
    if left { format!("{text}{fill}") } else { format!("{fill}{text}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_by_column() {
        assert_eq!(number(ColumnId::Accuracy, 0.9712), "0.971");
        assert_eq!(number(ColumnId::LatencyP95, 0.123), "123ms");
        assert_eq!(number(ColumnId::LatencyP95, 1.5), "1.50s");
        assert_eq!(number(ColumnId::ErrorRate, 0.012), "1.2%");
        assert_eq!(number(ColumnId::Throughput, 1520.0), "1.5k");
        assert_eq!(number(ColumnId::Gpu, 87.4), "87%");
        assert_eq!(number(ColumnId::Drift, f64::NAN), "NaN");
        assert_eq!(number(ColumnId::Drift, f64::INFINITY), "+Inf");
        assert_eq!(number(ColumnId::Gpu, 9.223372036854776e18), "n/a");
        assert_eq!(cell(ColumnId::Accuracy, None), "–");
        assert_eq!(number(ColumnId::Cpu, 1.23), "1.2c");
        assert_eq!(number(ColumnId::Cpu, 0.05), "50m");
        assert_eq!(number(ColumnId::Cpu, 12.4), "12c");
        assert_eq!(number(ColumnId::Memory, 512.0 * 1024.0 * 1024.0), "512Mi");
        assert_eq!(number(ColumnId::Memory, 1.5 * 1024.0 * 1024.0 * 1024.0), "1.5Gi");
        assert_eq!(number(ColumnId::Memory, 900.0), "900");
        assert_eq!(number(ColumnId::Throttled, 0.344), "34%");
        assert_eq!(number(ColumnId::Memory, f64::INFINITY), "+Inf");
    }

    #[test]
    fn sparkline_scales_and_keeps_gaps() {
        assert_eq!(sparkline(&[0.0, 0.5, 1.0], 3, 0.0), "▁▅█");
        // Over a 0.1 floor a 0.01 step is a small step, not the full height.
        assert_eq!(sparkline(&[0.90, 0.91], 2, 0.1), "▄▅");
        assert_eq!(sparkline(&[1.0, f64::NAN, 1.0], 3, 0.0), "▄ ▄");
        assert_eq!(sparkline(&[f64::NAN], 3, 0.0), "–");
        assert_eq!(sparkline(&[0.0, 1.0, 2.0, 3.0], 2, 0.0), "▁█");
        assert_eq!(sparkline(&[0.0, 0.0, f64::NAN, f64::NAN, 1.0, 1.0], 3, 0.0), "▁ █");
    }

    #[test]
    fn width_is_measured_in_terminal_cells() {
        assert_eq!(display_width("sentiment_情感"), 14);
        assert_eq!(display_width("fraud"), 5);
        assert_eq!(pad("情感", 6, true), "情感  ");
        assert_eq!(pad("ab", 4, false), "  ab");
        // A cut never splits a wide character across the limit.
        assert_eq!(fit("情感分析模型", 6), "情感…");
        assert_eq!(display_width(&fit("情感分析模型", 6)), 5);
        assert_eq!(fit("sentiment", 5), "sent…");
    }

    #[test]
    fn ages_are_compact() {
        assert_eq!(age(42), "42s");
        assert_eq!(age(300), "5m");
        assert_eq!(age(3 * 3600 + 120), "3h02m");
        assert_eq!(age(-5), "0s");
    }
}
