//! Alerts as the console holds them: Alertmanager's firing and silenced ones, Prometheus's
//! pending ones, and the peers of an Alertmanager cluster.

use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;

use super::Labels;

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
    pub labels: Labels,
    pub annotations: Labels,
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

/// Everything one Alertmanager refresh produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertSnapshot {
    /// Shared: an alert that did not change since the last poll is the same allocation.
    pub alerts: Vec<Arc<Alert>>,
    /// The peer that answered.
    pub peer: String,
    /// Every silence the peer knows (active, pending and expired).
    pub silences: Vec<super::Silence>,
    /// Each configured peer's health in this poll.
    pub peers: Vec<PeerHealth>,
}

impl PeerHealth {
    /// `http://am-1:9093/` → `am-1:9093`, for the header.
    pub fn name(&self) -> &str {
        self.url.trim_start_matches("http://").trim_start_matches("https://").trim_end_matches('/')
    }
}

/// One Alertmanager of an HA cluster, as last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerHealth {
    pub url: String,
    /// Why it failed, or `None` when it answered.
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_most_urgent_first() {
        assert!(Severity::Critical < Severity::Warning);
        assert_eq!(Severity::from_label(Some("PAGE")), Severity::Critical);
        assert_eq!(Severity::from_label(None), Severity::None);
    }
}
