//! I/O-free types shared by sources, the app state and the views. Strings in these types
//! have already been sanitised by the source that built them.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Where a piece of data came from; one task polls each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceId {
    Prometheus,
    Alertmanager,
    /// The model registry's live versions; only where an environment has a registry.
    Registry,
}

impl SourceId {
    pub const ALL: [SourceId; 3] = [SourceId::Prometheus, SourceId::Alertmanager, SourceId::Registry];

    pub fn label(self) -> &'static str {
        match self {
            SourceId::Prometheus => "prometheus",
            SourceId::Alertmanager => "alertmanager",
            SourceId::Registry => "registry",
        }
    }

    pub fn short(self) -> &'static str {
        match self {
            SourceId::Prometheus => "prom",
            SourceId::Alertmanager => "am",
            SourceId::Registry => "reg",
        }
    }
}

/// A source's health as the operator sees it in the header.
#[derive(Debug, Clone, PartialEq)]
pub enum Health {
    /// No answer yet.
    Connecting,
    /// The last fetch succeeded at `at`.
    Ok { at: Timestamp },
    /// The last fetch failed; `last_ok` tells how old the data on screen is.
    Failing { error: String, since: Timestamp, last_ok: Option<Timestamp>, retry_in_ms: u64 },
}

impl Health {
    pub fn is_ok(&self) -> bool {
        matches!(self, Health::Ok { .. })
    }

    pub fn last_ok(&self) -> Option<Timestamp> {
        match self {
            Health::Connecting => None,
            Health::Ok { at } => Some(*at),
            Health::Failing { last_ok, .. } => *last_ok,
        }
    }
}

/// Alert severity, ordered so that the most urgent sorts first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Warning,
    Info,
    None,
}

impl Severity {
    pub fn from_label(value: Option<&str>) -> Severity {
        match value.map(str::to_ascii_lowercase).as_deref() {
            Some("critical" | "page" | "error" | "high") => Severity::Critical,
            Some("warning" | "warn" | "medium") => Severity::Warning,
            Some("info" | "low" | "informational" | "none") => Severity::Info,
            _ => Severity::None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::None => "-",
        }
    }
}

/// What Alertmanager (or Prometheus, for pending alerts) says about an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    Active,
    Silenced,
    Inhibited,
    Unprocessed,
    /// Evaluated by Prometheus but not yet past its `for:` duration.
    Pending,
}

impl AlertState {
    pub fn label(self) -> &'static str {
        match self {
            AlertState::Active => "active",
            AlertState::Silenced => "silenced",
            AlertState::Inhibited => "inhibited",
            AlertState::Unprocessed => "unprocessed",
            AlertState::Pending => "pending",
        }
    }

    /// Alerts that page someone right now.
    pub fn is_firing(self) -> bool {
        matches!(self, AlertState::Active | AlertState::Unprocessed)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// Alertmanager's fingerprint, or a stable hash of the labels for Prometheus alerts.
    pub fingerprint: String,
    pub name: String,
    pub severity: Severity,
    pub model: Option<String>,
    pub state: AlertState,
    pub starts_at: Option<Timestamp>,
    pub summary: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub silenced_by: Vec<String>,
    pub generator_url: Option<String>,
    /// Fingerprints of the alerts inhibiting this one.
    pub inhibited_by: Vec<String>,
    pub receivers: Vec<String>,
}

impl Alert {
    /// `ModelAccuracyLow on fraud-detector`: an alert named with its model, never alone.
    pub fn title(&self) -> String {
        match &self.model {
            Some(model) => format!("{} on {model}", self.name),
            None => format!("{} (no model label)", self.name),
        }
    }
}

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
}

impl ColumnId {
    pub const ALL: [ColumnId; 8] = [
        ColumnId::Version,
        ColumnId::Accuracy,
        ColumnId::Drift,
        ColumnId::LatencyP95,
        ColumnId::Throughput,
        ColumnId::ErrorRate,
        ColumnId::Gpu,
        ColumnId::Trend,
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
        }
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

/// Everything one Alertmanager refresh produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertSnapshot {
    pub alerts: Vec<Alert>,
    /// The peer that answered.
    pub peer: String,
    /// Every silence the peer knows (active, pending and expired).
    pub silences: Vec<crate::actions::silence::Silence>,
    /// Each configured peer's health in this poll.
    pub peers: Vec<PeerHealth>,
}

/// One Alertmanager of an HA cluster, as last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerHealth {
    pub url: String,
    /// Why it failed, or `None` when it answered.
    pub error: Option<String>,
}

/// Everything one registry refresh produced. Names and versions are the registry's own
/// text, not sanitised: they are compared with Prometheus's labels, and shown only through
/// the views, which sanitise.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistrySnapshot {
    /// Model → the version its alias (`[governance] alias`) points at.
    pub live: HashMap<String, String>,
    /// When the poll began: a rollback read back after this is newer than what it saw.
    pub started: Timestamp,
}

/// A source's payload.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceData {
    Fleet(FleetSnapshot),
    Alerts(AlertSnapshot),
    Registry(RegistrySnapshot),
}

impl SourceData {
    pub fn source(&self) -> SourceId {
        match self {
            SourceData::Fleet(_) => SourceId::Prometheus,
            SourceData::Alerts(_) => SourceId::Alertmanager,
            SourceData::Registry(_) => SourceId::Registry,
        }
    }
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

    #[test]
    fn severity_orders_most_urgent_first() {
        assert!(Severity::Critical < Severity::Warning);
        assert_eq!(Severity::from_label(Some("PAGE")), Severity::Critical);
        assert_eq!(Severity::from_label(None), Severity::None);
    }
}
