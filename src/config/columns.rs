//! Default fleet columns. Each is ONE PromQL query for the whole fleet, aggregated
//! `by (model)`, so the number of queries per refresh never grows with the fleet.
//! `{model_label}`, `{version_label}` and `{gpu_label}` are filled from `[discovery]`.

use std::time::Duration;

use super::file::{self, FileConfig};
use super::resources::Resources;
use super::{ConfigError, Discovery};
use crate::domain::{ColumnId, Direction, Thresholds};

#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSpec {
    pub id: ColumnId,
    pub title: String,
    /// The query with placeholders filled in.
    pub query: String,
    pub thresholds: Thresholds,
    /// Range columns (the sparkline) look back this far; instant columns ignore it.
    pub range: Duration,
}

pub struct ColumnDefault {
    pub id: ColumnId,
    pub title: &'static str,
    pub query: &'static str,
    pub direction: Direction,
    pub warn: Option<f64>,
    pub critical: Option<f64>,
}

pub const DEFAULTS: [ColumnDefault; 13] = [
    ColumnDefault {
        id: ColumnId::Version,
        title: "VER",
        query: "max by ({model_label}, {version_label}) (model_accuracy or model_infer_request_success_total)",
        direction: Direction::None,
        warn: None,
        critical: None,
    },
    ColumnDefault {
        id: ColumnId::Accuracy,
        title: "ACC",
        query: "max by ({model_label}) (model_accuracy)",
        direction: Direction::HigherIsBetter,
        warn: Some(0.92),
        critical: Some(0.90),
    },
    ColumnDefault {
        id: ColumnId::Drift,
        title: "DRIFT",
        // Distances as they are, TrustyAI p-values as scores on the same scale (see
        // `detail::p_value_score`), so either kind of fleet lights up with one direction.
        query: DRIFT_QUERY,
        direction: Direction::LowerIsBetter,
        warn: Some(0.1),
        critical: Some(0.25),
    },
    ColumnDefault {
        id: ColumnId::LatencyP95,
        title: "P95",
        query: "histogram_quantile(0.95, sum by ({model_label}, le) (rate(model_infer_request_duration_bucket[5m])))",
        direction: Direction::LowerIsBetter,
        warn: Some(0.5),
        critical: Some(1.0),
    },
    ColumnDefault {
        id: ColumnId::Throughput,
        title: "REQ/S",
        query: "sum by ({model_label}) (rate(model_infer_request_success_total[5m]))",
        direction: Direction::None,
        warn: None,
        critical: None,
    },
    ColumnDefault {
        id: ColumnId::ErrorRate,
        title: "ERR",
        query: "sum by ({model_label}) (rate(model_infer_request_failure_total[5m])) / (sum by ({model_label}) (rate(model_infer_request_success_total[5m])) + sum by ({model_label}) (rate(model_infer_request_failure_total[5m])))",
        direction: Direction::LowerIsBetter,
        warn: Some(0.01),
        critical: Some(0.05),
    },
    ColumnDefault {
        id: ColumnId::Gpu,
        title: "GPU",
        query: "avg by ({model_label}) (label_replace(DCGM_FI_DEV_GPU_UTIL, \"{model_label}\", \"$1\", \"{gpu_label}\", \"(.+)\"))",
        direction: Direction::LowerIsBetter,
        warn: Some(90.0),
        critical: Some(98.0),
    },
    // The resource columns' queries come from `[resources]` (an empty query here).
    ColumnDefault {
        id: ColumnId::Cpu,
        title: "CPU",
        query: "",
        direction: Direction::LowerIsBetter,
        warn: None,
        critical: None,
    },
    ColumnDefault {
        id: ColumnId::Memory,
        title: "MEM",
        query: "",
        direction: Direction::LowerIsBetter,
        warn: None,
        critical: None,
    },
    ColumnDefault {
        id: ColumnId::Throttled,
        title: "THR",
        query: "",
        direction: Direction::LowerIsBetter,
        warn: Some(0.25),
        critical: Some(0.5),
    },
    ColumnDefault {
        id: ColumnId::Trend,
        title: "ACC 1h",
        query: "max by ({model_label}) (model_accuracy)",
        direction: Direction::HigherIsBetter,
        warn: Some(0.92),
        critical: Some(0.90),
    },
    // A limit's thresholds judge its column as a share of it: 80 % warns, 95 % is critical.
    ColumnDefault {
        id: ColumnId::CpuLimit,
        title: "CPU LIM",
        query: "",
        direction: Direction::LowerIsBetter,
        warn: Some(0.8),
        critical: Some(0.95),
    },
    ColumnDefault {
        id: ColumnId::MemoryLimit,
        title: "MEM LIM",
        query: "",
        direction: Direction::LowerIsBetter,
        warn: Some(0.8),
        critical: Some(0.95),
    },
];

/// The default DRIFT column: the worst of a model's distances and p-value scores.
pub const DRIFT_QUERY: &str = "max by ({model_label}) (model_drift_score or clamp(0.1 + 0.15 * log2(0.1 / min by ({model_label}) ({__name__=~\"trustyai_meanshift|trustyai_kstest|trustyai_approxkstest|trustyai_fouriermmd\"})), 0, 1))";

pub const DEFAULT_TREND_RANGE: Duration = Duration::from_secs(3600);

pub fn expand(template: &str, model_label: &str, version_label: &str, gpu_label: &str) -> String {
    template
        .replace("{model_label}", model_label)
        .replace("{version_label}", version_label)
        .replace("{gpu_label}", gpu_label)
}

pub(super) fn resolve(
    raw: &FileConfig,
    discovery: &Discovery,
    resources: &Resources,
    at_column: &dyn Fn(&str, &str, String) -> ConfigError,
) -> Result<Vec<ColumnSpec>, ConfigError> {
    for key in raw.fleet.columns.keys() {
        if ColumnId::from_key(key).is_none() {
            let known: Vec<_> = ColumnId::ALL.iter().map(|c| c.key()).collect();
            return Err(at_column(
                key,
                key,
                format!("unknown fleet column `{key}`, expected one of {}", known.join(", ")),
            ));
        }
    }
    let mut columns = Vec::new();
    for default in &DEFAULTS {
        let user = raw.fleet.columns.get(default.id.key());
        // Resource columns come with their `[resources]` source, or with a query of one's own.
        let resource = resources.column_query(default.id, &discovery.model_label);
        let own_query = user.and_then(|u| u.query.clone());
        if default.query.is_empty() && resource.is_none() && own_query.is_none() {
            continue;
        }
        let get = |f: fn(&file::FileColumn) -> Option<f64>, d: Option<f64>| user.and_then(f).or(d);
        if user.and_then(|u| u.enabled) == Some(false) {
            continue;
        }
        let template = own_query.or(resource).unwrap_or_else(|| default.query.to_string());
        if template.trim().is_empty() {
            return Err(at_column(
                default.id.key(),
                "query",
                format!("fleet column `{}` has an empty query", default.id),
            ));
        }
        let warn = get(|u| u.warn, default.warn);
        let critical = get(|u| u.critical, default.critical);
        if warn.is_some_and(|v| !v.is_finite()) || critical.is_some_and(|v| !v.is_finite()) {
            return Err(at_column(
                default.id.key(),
                "warn",
                format!("thresholds of `{}` must be finite numbers", default.id),
            ));
        }
        columns.push(ColumnSpec {
            id: default.id,
            title: user.and_then(|u| u.title.clone()).unwrap_or_else(|| default.title.to_string()),
            query: expand(&template, &discovery.model_label, &discovery.version_label, &discovery.gpu_label),
            thresholds: Thresholds {
                direction: user.and_then(|u| u.direction).unwrap_or(default.direction),
                warn,
                critical,
            },
            range: user.and_then(|u| u.range).unwrap_or(DEFAULT_TREND_RANGE),
        });
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::detail::{TRUSTYAI_P_VALUES, p_value_score};

    #[test]
    fn the_drift_column_scores_p_values_as_the_drift_panel_does() {
        let p_values = format!("min by ({{model_label}}) ({{__name__=~\"{}\"}})", TRUSTYAI_P_VALUES.join("|"));
        let expected = format!("max by ({{model_label}}) (model_drift_score or {})", p_value_score(&p_values));
        assert_eq!(DRIFT_QUERY, expected);
    }
}
