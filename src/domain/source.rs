//! Where data comes from, how each source is doing, and what one poll delivers.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Serialize;

use super::{AlertSnapshot, FleetSnapshot};

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
