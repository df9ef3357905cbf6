//! The fleet table's data: columns, the values per model, and how a value is judged
//! against its column's thresholds.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::Alert;

/// Which way a metric gets worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Accuracy, a drift p-value: lower is worse.
    HigherIsBetter,
    /// Latency, error rate, a drift distance such as PSI: higher is worse.
    LowerIsBetter,
    /// Informational (throughput): never coloured.
    #[default]
    None,
}

/// Cell colouring, from a value and its column's thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Neutral,
    Missing,
    Warn,
    Critical,
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Thresholds {
    pub direction: Direction,
    pub warn: Option<f64>,
    pub critical: Option<f64>,
}

/// Old DCGM exporters report "not available" as values near `i64::MAX`.
const SENTINEL: f64 = 9.0e18;

impl Thresholds {
    pub fn classify(&self, value: f64) -> Status {
        if value.is_nan() || value.abs() >= SENTINEL && value.is_finite() {
            return Status::Missing;
        }
        let worse = |limit: f64| match self.direction {
            Direction::HigherIsBetter => value < limit,
            Direction::LowerIsBetter => value > limit,
            Direction::None => false,
        };
        if self.direction == Direction::None {
            return Status::Neutral;
        }
        if self.critical.is_some_and(worse) {
            Status::Critical
        } else if self.warn.is_some_and(worse) {
            Status::Warn
        } else {
            Status::Ok
        }
    }
}

/// The fleet table's columns, each backed by one PromQL query for every model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnId {
    Version,
    Accuracy,
    Drift,
    LatencyP95,
    Throughput,
    ErrorRate,
    Gpu,
    Trend,
    /// CPU in use, in cores (a share of the limit where the model has one).
    Cpu,
    /// Memory in use, in bytes (a share of the limit where the model has one).
    Memory,
    /// The share of CFS periods in which the containers were throttled.
    Throttled,
    /// The CPU limit in cores: not a column of its own, the measure of `Cpu`.
    CpuLimit,
    /// The memory limit in bytes: not a column of its own, the measure of `Memory`.
    MemoryLimit,
}

impl ColumnId {
    pub const ALL: [ColumnId; 13] = [
        ColumnId::Version,
        ColumnId::Accuracy,
        ColumnId::Drift,
        ColumnId::LatencyP95,
        ColumnId::Throughput,
        ColumnId::ErrorRate,
        ColumnId::Gpu,
        ColumnId::Trend,
        ColumnId::Cpu,
        ColumnId::Memory,
        ColumnId::Throttled,
        ColumnId::CpuLimit,
        ColumnId::MemoryLimit,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ColumnId::Version => "version",
            ColumnId::Accuracy => "accuracy",
            ColumnId::Drift => "drift",
            ColumnId::LatencyP95 => "latency_p95",
            ColumnId::Throughput => "throughput",
            ColumnId::ErrorRate => "error_rate",
            ColumnId::Gpu => "gpu",
            ColumnId::Trend => "trend",
            ColumnId::Cpu => "cpu",
            ColumnId::Memory => "memory",
            ColumnId::Throttled => "throttled",
            ColumnId::CpuLimit => "cpu_limit",
            ColumnId::MemoryLimit => "memory_limit",
        }
    }

    /// The column whose value is this one's limit: CPU and memory are judged as a share of
    /// it where a model has one.
    pub fn limit(self) -> Option<ColumnId> {
        match self {
            ColumnId::Cpu => Some(ColumnId::CpuLimit),
            ColumnId::Memory => Some(ColumnId::MemoryLimit),
            _ => None,
        }
    }

    /// Whether the column is drawn; limits are fetched but only measure another column.
    pub fn is_shown(self) -> bool {
        !matches!(self, ColumnId::CpuLimit | ColumnId::MemoryLimit)
    }

    pub fn from_key(key: &str) -> Option<ColumnId> {
        ColumnId::ALL.into_iter().find(|c| c.key() == key)
    }
}

impl fmt::Display for ColumnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// One model's value in one column.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum CellValue {
    Number(f64),
    /// Label columns, such as the live version(s).
    Text(String),
    /// Range columns (the sparkline): evenly spaced samples, oldest first; NaN marks a gap.
    Series(Vec<f64>),
}

/// What one column query returned: per model, or the reason it failed.
pub type ColumnResult = Result<HashMap<String, CellValue>, String>;

/// Everything one Prometheus refresh produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FleetSnapshot {
    pub columns: Vec<(ColumnId, ColumnResult)>,
    /// Prometheus's own pending alerts (firing ones arrive through Alertmanager).
    pub pending_alerts: Vec<Alert>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_follow_direction() {
        let acc = Thresholds { direction: Direction::HigherIsBetter, warn: Some(0.92), critical: Some(0.9) };
        assert_eq!(acc.classify(0.97), Status::Ok);
        assert_eq!(acc.classify(0.91), Status::Warn);
        assert_eq!(acc.classify(0.71), Status::Critical);
        assert_eq!(acc.classify(f64::NAN), Status::Missing);
        let psi = Thresholds { direction: Direction::LowerIsBetter, warn: Some(0.1), critical: Some(0.25) };
        assert_eq!(psi.classify(0.05), Status::Ok);
        assert_eq!(psi.classify(0.2), Status::Warn);
        assert_eq!(psi.classify(f64::INFINITY), Status::Critical);
        assert_eq!(psi.classify(9.223372036854776e18), Status::Missing);
        let none = Thresholds::default();
        assert_eq!(none.classify(12.0), Status::Neutral);
    }
}
