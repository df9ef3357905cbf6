//! `[detail]`: which metrics the model screen's quality, drift and data-quality panels
//! chart, and how a drift value reads (a p-value falls when drift grows; a distance rises).

use crate::domain::{Direction, PanelId, PanelScale, Thresholds, Unit, short};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// PSI, Jensen-Shannon, Wasserstein: higher is worse (PSI bands 0.1 and 0.25).
    Distance,
    /// TrustyAI meanshift, KS test: lower is worse (threshold 0.05).
    PValue,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DriftConfig {
    pub metric: String,
    pub kind: DriftKind,
    /// The label naming the feature (TrustyAI: `subcategory`).
    pub feature_label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DetailConfig {
    pub quality: Vec<String>,
    pub drift: DriftConfig,
    pub data_quality: Vec<String>,
}

impl Default for DetailConfig {
    fn default() -> Self {
        DetailConfig {
            quality: vec!["model_accuracy".into()],
            drift: DriftConfig {
                metric: "model_drift_score".into(),
                kind: DriftKind::Distance,
                feature_label: "feature".into(),
            },
            data_quality: vec![
                "model_input_null_ratio".into(),
                "model_input_schema_violation_ratio".into(),
                "model_input_out_of_range_ratio".into(),
            ],
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDetail {
    pub quality: Option<Vec<String>>,
    pub drift: Option<FileDrift>,
    pub data_quality: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDrift {
    pub metric: Option<String>,
    pub kind: Option<DriftKind>,
    pub feature_label: Option<String>,
}

/// TrustyAI's per-column drift metrics are p-values keyed by `subcategory`.
fn known(metric: &str) -> Option<(DriftKind, &'static str)> {
    match metric {
        "trustyai_meanshift" | "trustyai_kstest" | "trustyai_approxkstest" => Some((DriftKind::PValue, "subcategory")),
        "model_drift_psi" | "model_drift_score" | "model_drift_js" | "model_drift_wasserstein" => {
            Some((DriftKind::Distance, "feature"))
        }
        _ => None,
    }
}

/// Resolves the file's `[detail]`; errors are (key, message).
pub fn resolve(raw: &FileDetail) -> Result<DetailConfig, (&'static str, String)> {
    let defaults = DetailConfig::default();
    let check = |key: &'static str, names: &[String]| -> Result<(), (&'static str, String)> {
        if names.is_empty() {
            return Err((key, "list at least one metric".into()));
        }
        match names.iter().find(|n| !is_metric_name(n)) {
            Some(bad) => Err((key, format!("`{bad}` is not a Prometheus metric name"))),
            None => Ok(()),
        }
    };
    let quality = raw.quality.clone().unwrap_or(defaults.quality);
    check("quality", &quality)?;
    let data_quality = raw.data_quality.clone().unwrap_or(defaults.data_quality);
    check("data_quality", &data_quality)?;
    let drift = match &raw.drift {
        None => defaults.drift,
        Some(d) => {
            let metric = d.metric.clone().unwrap_or(defaults.drift.metric);
            if !is_metric_name(&metric) {
                return Err(("metric", format!("`{metric}` is not a Prometheus metric name")));
            }
            let (kind, label) = known(&metric).unwrap_or((DriftKind::Distance, "feature"));
            DriftConfig {
                kind: d.kind.unwrap_or(kind),
                feature_label: d.feature_label.clone().unwrap_or_else(|| label.to_string()),
                metric,
            }
        }
    };
    Ok(DetailConfig { quality, drift, data_quality })
}

fn is_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn scale(direction: Direction, warn: Option<f64>, critical: Option<f64>, unit: Unit) -> PanelScale {
    PanelScale { thresholds: Thresholds { direction, warn, critical }, unit }
}

impl DetailConfig {
    /// A panel's title and how its values read.
    pub fn panel(&self, id: PanelId) -> (String, PanelScale) {
        let detail = self;
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trustyai_names_default_to_p_values() {
        let raw = FileDetail {
            drift: Some(FileDrift { metric: Some("trustyai_meanshift".into()), ..FileDrift::default() }),
            ..FileDetail::default()
        };
        let d = resolve(&raw).unwrap().drift;
        assert_eq!((d.kind, d.feature_label.as_str()), (DriftKind::PValue, "subcategory"));
        let raw = FileDetail {
            drift: Some(FileDrift {
                metric: Some("my_js".into()),
                kind: Some(DriftKind::Distance),
                ..FileDrift::default()
            }),
            ..FileDetail::default()
        };
        assert_eq!(resolve(&raw).unwrap().drift.kind, DriftKind::Distance);
        let bad = FileDetail { quality: Some(vec!["bad name".into()]), ..FileDetail::default() };
        assert_eq!(resolve(&bad).unwrap_err().0, "quality");
    }
}
