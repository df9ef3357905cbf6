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

/// One drift metric: its name, how its values read, and the label naming the feature.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftMetric {
    pub name: String,
    pub kind: DriftKind,
    /// The label naming the feature (TrustyAI: `subcategory`).
    pub feature_label: String,
}

/// The drift panel's metrics. A fleet may export distances for some models and p-values for
/// others; when the list holds both kinds the panel charts one score (see [`p_value_score`]).
#[derive(Debug, Clone, PartialEq)]
pub struct DriftConfig {
    pub metrics: Vec<DriftMetric>,
}

/// How the drift panel reads its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriftScale {
    /// Every metric is a distance: higher is worse.
    Distance,
    /// Every metric is a p-value: lower is worse.
    PValue,
    /// Both kinds: distances as they are, p-values mapped by [`p_value_score`]; higher is worse.
    Score,
}

impl DriftConfig {
    pub fn scale(&self) -> DriftScale {
        let p_values = self.metrics.iter().filter(|m| m.kind == DriftKind::PValue).count();
        match p_values {
            0 => DriftScale::Distance,
            n if n == self.metrics.len() => DriftScale::PValue,
            _ => DriftScale::Score,
        }
    }

    /// The label that names the panel's lines: the first metric's.
    pub fn feature_label(&self) -> &str {
        self.metrics.first().map_or("feature", |m| m.feature_label.as_str())
    }
}

/// The TrustyAI drift tests, whose values are p-values.
pub const TRUSTYAI_P_VALUES: [&str; 4] =
    ["trustyai_meanshift", "trustyai_kstest", "trustyai_approxkstest", "trustyai_fouriermmd"];

/// A drift p-value as a score on the distance (PSI) scale, so that one column and one chart
/// can hold both kinds with one direction and one pair of thresholds: p = 0.1 reads 0.1 (the
/// PSI warning line), p = 0.05 reads 0.25 (the critical line), every halving of p adds 0.15,
/// and the score is held to 0..1 (0 for p above about 0.16, 1 for p below about 0.0016).
pub fn p_value_score(p_value: &str) -> String {
    format!("clamp(0.1 + 0.15 * log2(0.1 / {p_value}), 0, 1)")
}

#[derive(Debug, Clone, PartialEq)]
pub struct DetailConfig {
    pub quality: Vec<String>,
    pub drift: DriftConfig,
    pub data_quality: Vec<String>,
    /// The resources panel's source (`[resources]`); off: no panel.
    pub resources: super::resources::Resources,
}

impl Default for DetailConfig {
    fn default() -> Self {
        DetailConfig {
            quality: vec!["model_accuracy".into()],
            drift: DriftConfig { metrics: DEFAULT_DRIFT.iter().map(|m| known_metric(m, None, None)).collect() },
            data_quality: vec![
                "model_input_null_ratio".into(),
                "model_input_schema_violation_ratio".into(),
                "model_input_out_of_range_ratio".into(),
            ],
            resources: Default::default(),
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
    pub metric: Option<MetricList>,
    pub kind: Option<DriftKind>,
    pub feature_label: Option<String>,
}

/// `metric = "name"` or `metric = ["a", "b"]`.
#[derive(Debug)]
pub struct MetricList(pub Vec<String>);

impl<'de> Deserialize<'de> for MetricList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let expected = "a metric name or a list of metric names";
        match toml::Value::deserialize(d)? {
            toml::Value::String(name) => Ok(MetricList(vec![name])),
            toml::Value::Array(items) => items
                .into_iter()
                .map(|v| match v {
                    toml::Value::String(name) => Ok(name),
                    _ => Err(D::Error::custom(format!("expected {expected}"))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(MetricList),
            _ => Err(D::Error::custom(format!("expected {expected}"))),
        }
    }
}

/// The built-in drift metrics: the fleet's distance and TrustyAI's p-value tests, so that
/// either kind of fleet charts without a config.
pub const DEFAULT_DRIFT: [&str; 5] =
    ["model_drift_score", TRUSTYAI_P_VALUES[0], TRUSTYAI_P_VALUES[1], TRUSTYAI_P_VALUES[2], TRUSTYAI_P_VALUES[3]];

/// A drift metric with its kind and feature label: the given ones, else what the name is
/// known to be, else a distance by `feature`.
fn known_metric(name: &str, kind: Option<DriftKind>, feature_label: Option<&str>) -> DriftMetric {
    let (known_kind, known_label) = known(name).unwrap_or((DriftKind::Distance, "feature"));
    DriftMetric {
        name: name.to_string(),
        kind: kind.unwrap_or(known_kind),
        feature_label: feature_label.unwrap_or(known_label).to_string(),
    }
}

/// TrustyAI's per-column drift metrics are p-values keyed by `subcategory`; its Fourier MMD
/// test is one p-value per model.
fn known(metric: &str) -> Option<(DriftKind, &'static str)> {
    match metric {
        "trustyai_meanshift" | "trustyai_kstest" | "trustyai_approxkstest" | "trustyai_fouriermmd" => {
            Some((DriftKind::PValue, "subcategory"))
        }
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
            let names = match &d.metric {
                Some(MetricList(names)) => names.clone(),
                None => DEFAULT_DRIFT.iter().map(|m| m.to_string()).collect(),
            };
            check("metric", &names)?;
            let label = d.feature_label.as_deref();
            DriftConfig { metrics: names.iter().map(|name| known_metric(name, d.kind, label)).collect() }
        }
    };
    Ok(DetailConfig { quality, drift, data_quality, resources: Default::default() })
}

pub(super) fn is_metric_name(s: &str) -> bool {
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
            PanelId::Drift => {
                let drift = &detail.drift;
                let names = || drift.metrics.iter().map(|m| short(&m.name)).collect::<Vec<_>>().join(", ");
                let by = drift.feature_label();
                match drift.scale() {
                    DriftScale::Distance => (
                        format!("Drift: {} by {by}", names()),
                        scale(Direction::LowerIsBetter, Some(0.1), Some(0.25), Unit::Ratio),
                    ),
                    DriftScale::PValue => (
                        format!("Drift p-value: {} by {by}", names()),
                        scale(Direction::HigherIsBetter, Some(0.1), Some(0.05), Unit::Ratio),
                    ),
                    // Short, so the current value still fits beside it on 80 columns.
                    DriftScale::Score => (
                        format!("Drift score by {by}"),
                        scale(Direction::LowerIsBetter, Some(0.1), Some(0.25), Unit::Ratio),
                    ),
                }
            }
            PanelId::DataQuality => {
                ("Data quality".into(), scale(Direction::LowerIsBetter, Some(0.02), Some(0.05), Unit::Ratio))
            }
            PanelId::Serving => {
                ("Latency p50/p95/p99".into(), scale(Direction::LowerIsBetter, Some(0.5), Some(1.0), Unit::Seconds))
            }
            PanelId::Throughput => ("Requests/s".into(), scale(Direction::None, None, None, Unit::Number)),
            PanelId::Gpu => ("GPU %".into(), scale(Direction::LowerIsBetter, Some(90.0), Some(98.0), Unit::Percent)),
            PanelId::Resources => ("CPU".into(), scale(Direction::None, None, None, Unit::Cores)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drift(metric: &[&str], kind: Option<DriftKind>) -> DriftConfig {
        let metric = Some(MetricList(metric.iter().map(|m| m.to_string()).collect()));
        let raw =
            FileDetail { drift: Some(FileDrift { metric, kind, ..FileDrift::default() }), ..FileDetail::default() };
        resolve(&raw).unwrap().drift
    }

    #[test]
    fn trustyai_names_default_to_p_values() {
        let d = drift(&["trustyai_meanshift"], None);
        assert_eq!((d.scale(), d.feature_label()), (DriftScale::PValue, "subcategory"));
        assert_eq!(drift(&["my_js"], Some(DriftKind::Distance)).scale(), DriftScale::Distance);
        let bad = FileDetail { quality: Some(vec!["bad name".into()]), ..FileDetail::default() };
        assert_eq!(resolve(&bad).unwrap_err().0, "quality");
        let empty = FileDrift { metric: Some(MetricList(vec![])), ..FileDrift::default() };
        let raw = FileDetail { drift: Some(empty), ..FileDetail::default() };
        assert_eq!(resolve(&raw).unwrap_err().0, "metric");
    }

    #[test]
    fn both_kinds_chart_one_score_and_the_default_holds_both() {
        let both = drift(&["model_drift_psi", "trustyai_kstest"], None);
        assert_eq!(both.scale(), DriftScale::Score);
        let kinds: Vec<_> = both.metrics.iter().map(|m| (m.kind, m.feature_label.as_str())).collect();
        assert_eq!(kinds, [(DriftKind::Distance, "feature"), (DriftKind::PValue, "subcategory")]);
        let default = DetailConfig::default().drift;
        assert_eq!(default.scale(), DriftScale::Score);
        assert_eq!(default.feature_label(), "feature");
        let (title, scale) = DetailConfig::default().panel(PanelId::Drift);
        assert_eq!(title, "Drift score by feature");
        assert_eq!(scale.thresholds.direction, Direction::LowerIsBetter);
    }

    #[test]
    fn the_p_value_score_meets_the_distance_bands() {
        // The PromQL expression, evaluated here the way Prometheus does.
        let score = |p: f64| (0.1 + 0.15 * (0.1 / p).log2()).clamp(0.0, 1.0);
        assert_eq!(p_value_score("x"), "clamp(0.1 + 0.15 * log2(0.1 / x), 0, 1)");
        assert!((score(0.1) - 0.1).abs() < 1e-12 && (score(0.05) - 0.25).abs() < 1e-12);
        assert_eq!((score(0.5), score(0.0)), (0.0, 1.0));
        assert!(score(0.08) > 0.1 && score(0.08) < 0.25, "a warning p-value is a warning score");
        assert!(score(0.01) > 0.25, "a critical p-value is a critical score");
    }
}
