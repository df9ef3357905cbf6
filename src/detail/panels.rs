//! The detail panels and their queries, built from `[detail]` and `[discovery]`. Each panel
//! is ONE range query for the model whose series are the chart's lines, named by the values
//! of `series_labels`.

use crate::config::Discovery;
use crate::config::detail::{DetailConfig, DriftKind};
use crate::domain::{Direction, Thresholds};
use crate::sources::promql::label_equals;

use super::{PanelScale, Unit};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PanelId {
    Quality,
    Drift,
    DataQuality,
    Serving,
    Gpu,
    Throughput,
}

impl PanelId {
    pub const ALL: [PanelId; 6] =
        [PanelId::Quality, PanelId::Drift, PanelId::DataQuality, PanelId::Serving, PanelId::Throughput, PanelId::Gpu];
}

#[derive(Debug, Clone, PartialEq)]
pub struct PanelSpec {
    pub id: PanelId,
    pub query: String,
    /// The labels whose values, joined, name each line.
    pub series_labels: Vec<String>,
}

/// GPU series other than utilisation are summarised in the panel's title, not plotted.
pub const GPU_PLOTTED: &str = "util";
/// The data-quality panel's input volume (requests/s): in the title, not on the ratio chart.
pub const VOLUME: &str = "input_volume";
/// The drift panel's line for the worst value across features.
pub const OVERALL: &str = "overall";

fn scale(direction: Direction, warn: Option<f64>, critical: Option<f64>, unit: Unit) -> PanelScale {
    PanelScale { thresholds: Thresholds { direction, warn, critical }, unit }
}

/// A panel's title and how its values read.
pub fn meta(id: PanelId, detail: &DetailConfig) -> (String, PanelScale) {
    match id {
        PanelId::Quality => (
            format!("Quality: {}", detail.quality.iter().map(|m| short(m)).collect::<Vec<_>>().join(", ")),
            scale(Direction::HigherIsBetter, Some(0.92), Some(0.90), Unit::Ratio),
        ),
        PanelId::Drift => match detail.drift.kind {
            DriftKind::Distance => (
                format!("Drift: {} by {}", short(&detail.drift.metric), detail.drift.feature_label),
                scale(Direction::LowerIsBetter, Some(0.1), Some(0.25), Unit::Ratio),
            ),
            DriftKind::PValue => (
                format!("Drift p-value: {} by {}", short(&detail.drift.metric), detail.drift.feature_label),
                scale(Direction::HigherIsBetter, Some(0.1), Some(0.05), Unit::Ratio),
            ),
        },
        PanelId::DataQuality => {
            ("Data quality".into(), scale(Direction::LowerIsBetter, Some(0.02), Some(0.05), Unit::Ratio))
        }
        PanelId::Serving => {
            ("Latency p50/p95/p99".into(), scale(Direction::LowerIsBetter, Some(0.5), Some(1.0), Unit::Seconds))
        }
        PanelId::Throughput => ("Requests/s".into(), scale(Direction::None, None, None, Unit::Number)),
        PanelId::Gpu => ("GPU %".into(), scale(Direction::LowerIsBetter, Some(90.0), Some(98.0), Unit::Percent)),
    }
}

/// `model_input_null_ratio` → `input_null_ratio`: the common prefix only takes room.
pub fn short(metric: &str) -> &str {
    metric.strip_prefix("model_").unwrap_or(metric)
}

fn names_regex(names: &[String]) -> String {
    names.iter().map(|n| n.replace('.', "\\\\.")).collect::<Vec<_>>().join("|")
}

/// The panels for `model`, selected by its raw name.
pub fn panels(model: &str, discovery: &Discovery, detail: &DetailConfig) -> Vec<PanelSpec> {
    let sel = label_equals(&discovery.model_label, model);
    let version = discovery.version_label.clone();
    let quantile = |q: &str, name: &str| {
        format!(
            "label_replace(histogram_quantile({q}, sum by (le) (rate(model_infer_request_duration_bucket{{{sel}}}[5m]))), \"q\", \"{name}\", \"\", \"\")"
        )
    };
    let gpu = |metric: &str, name: &str| {
        format!(
            "label_replace(max by (gpu) ({metric}{{{}}}), \"m\", \"{name}\", \"\", \"\")",
            label_equals(&discovery.gpu_label, model)
        )
    };
    let quality_labels =
        if detail.quality.len() > 1 { vec!["__name__".to_string(), version.clone()] } else { vec![version.clone()] };
    vec![
        PanelSpec {
            id: PanelId::Quality,
            query: format!("max by (__name__, {version}) ({{__name__=~\"{}\", {sel}}})", names_regex(&detail.quality)),
            series_labels: quality_labels,
        },
        PanelSpec {
            id: PanelId::Drift,
            // Per feature, plus the overall (worst) value as its own line.
            query: {
                let (f, metric) = (&detail.drift.feature_label, &detail.drift.metric);
                let overall = match detail.drift.kind {
                    DriftKind::Distance => "max",
                    DriftKind::PValue => "min",
                };
                format!(
                    "max by ({f}) ({metric}{{{sel}}}) or label_replace({overall}({metric}{{{sel}}}), \"{f}\", \"{OVERALL}\", \"\", \"\")"
                )
            },
            series_labels: vec![detail.drift.feature_label.clone()],
        },
        PanelSpec {
            id: PanelId::DataQuality,
            // The ratios are charted; the input volume (requests/s) goes in the title.
            query: format!(
                "max by (__name__) ({{__name__=~\"{}\", {sel}}}) or label_replace(sum(rate(model_infer_request_success_total{{{sel}}}[5m])) + sum(rate(model_infer_request_failure_total{{{sel}}}[5m])), \"__name__\", \"{VOLUME}\", \"\", \"\")",
                names_regex(&detail.data_quality)
            ),
            series_labels: vec!["__name__".into()],
        },
        PanelSpec {
            id: PanelId::Serving,
            query: format!("{} or {} or {}", quantile("0.5", "p50"), quantile("0.95", "p95"), quantile("0.99", "p99")),
            series_labels: vec!["q".into()],
        },
        PanelSpec {
            id: PanelId::Throughput,
            query: format!(
                "label_replace(sum(rate(model_infer_request_success_total{{{sel}}}[5m])), \"kind\", \"ok\", \"\", \"\") or label_replace(sum(rate(model_infer_request_failure_total{{{sel}}}[5m])), \"kind\", \"errors\", \"\", \"\")"
            ),
            series_labels: vec!["kind".into()],
        },
        PanelSpec {
            id: PanelId::Gpu,
            // One query for every GPU figure: utilisation is charted, the rest summarised.
            query: [
                gpu("DCGM_FI_DEV_GPU_UTIL", GPU_PLOTTED),
                gpu("DCGM_FI_DEV_FB_USED", "fb_used"),
                gpu("DCGM_FI_DEV_FB_FREE", "fb_free"),
                gpu("DCGM_FI_DEV_GPU_TEMP", "temp"),
                gpu("DCGM_FI_DEV_POWER_USAGE", "power"),
                gpu("DCGM_FI_DEV_SM_CLOCK", "sm_clock"),
            ]
            .join(" or "),
            series_labels: vec!["m".into(), "gpu".into()],
        },
    ]
}
