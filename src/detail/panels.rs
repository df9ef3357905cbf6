//! The detail panels and their default queries. `{model}` is the model's name; the other
//! placeholders come from `[discovery]`. Each panel is ONE range query whose series are the
//! chart's lines, named by `series_label`.

use crate::domain::{Direction, Thresholds};

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
    pub title: &'static str,
    pub query: String,
    /// The label whose value names each line.
    pub series_label: String,
    pub scale: PanelScale,
}

fn scale(direction: Direction, warn: Option<f64>, critical: Option<f64>, unit: Unit) -> PanelScale {
    PanelScale { thresholds: Thresholds { direction, warn, critical }, unit }
}

/// The default panels for `model`, with label names from discovery.
pub fn default_panels(model: &str, model_label: &str, version_label: &str, gpu_label: &str) -> Vec<PanelSpec> {
    let m = model.replace('\\', "\\\\").replace('"', "\\\"");
    let sel = format!("{model_label}=\"{m}\"");
    let quantile = |q: &str, name: &str| {
        format!(
            "label_replace(histogram_quantile({q}, sum by (le) (rate(model_infer_request_duration_bucket{{{sel}}}[5m]))), \"q\", \"{name}\", \"\", \"\")"
        )
    };
    vec![
        PanelSpec {
            id: PanelId::Quality,
            title: "Quality (accuracy)",
            query: format!("max by ({version_label}) (model_accuracy{{{sel}}})"),
            series_label: version_label.to_string(),
            scale: scale(Direction::HigherIsBetter, Some(0.92), Some(0.90), Unit::Ratio),
        },
        PanelSpec {
            id: PanelId::Drift,
            title: "Drift (PSI per feature)",
            query: format!("max by (feature) (model_drift_score{{{sel}}})"),
            series_label: "feature".into(),
            scale: scale(Direction::LowerIsBetter, Some(0.1), Some(0.25), Unit::Ratio),
        },
        PanelSpec {
            id: PanelId::DataQuality,
            title: "Data quality (null rate)",
            query: format!("max by (feature) (model_input_null_ratio{{{sel}}})"),
            series_label: "feature".into(),
            scale: scale(Direction::LowerIsBetter, Some(0.02), Some(0.05), Unit::Ratio),
        },
        PanelSpec {
            id: PanelId::Serving,
            title: "Latency p50 / p95 / p99",
            query: format!("{} or {} or {}", quantile("0.5", "p50"), quantile("0.95", "p95"), quantile("0.99", "p99")),
            series_label: "q".into(),
            scale: scale(Direction::LowerIsBetter, Some(0.5), Some(1.0), Unit::Seconds),
        },
        PanelSpec {
            id: PanelId::Throughput,
            title: "Requests/s and errors/s",
            query: format!(
                "label_replace(sum(rate(model_infer_request_success_total{{{sel}}}[5m])), \"kind\", \"ok\", \"\", \"\") or label_replace(sum(rate(model_infer_request_failure_total{{{sel}}}[5m])), \"kind\", \"errors\", \"\", \"\")"
            ),
            series_label: "kind".into(),
            scale: scale(Direction::None, None, None, Unit::Number),
        },
        PanelSpec {
            id: PanelId::Gpu,
            title: "GPU utilisation",
            query: format!("max by (gpu) (DCGM_FI_DEV_GPU_UTIL{{{gpu_label}=\"{m}\"}})"),
            series_label: "gpu".into(),
            scale: scale(Direction::LowerIsBetter, Some(90.0), Some(98.0), Unit::Percent),
        },
    ]
}
