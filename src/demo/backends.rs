//! The demo's side of every port: one simulation behind the sources, silences, registry,
//! charts and pipelines of both demo environments.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use super::sources::DemoSources;
use super::{DemoFleet, DemoRegistry, DemoRetrain, DemoSilences, MODELS};
use crate::config::Config;
use crate::domain::{ColumnId, Matcher, SilenceRequest};
use crate::runtime::backends::{Backends, EnvironmentBackends};

/// The simulation's backends for every environment of `config`, starting now.
pub fn backends(config: &Config) -> Backends {
    let fleet = DemoFleet::new(Timestamp::now());
    let critical = config.column(ColumnId::Accuracy).and_then(|c| c.thresholds.critical).unwrap_or(0.9);
    let silences = seeded_silences();
    let environment = EnvironmentBackends {
        silences: Arc::new(silences.clone()),
        registry: Arc::new(DemoRegistry::new(fleet.clone())),
        charts: Arc::new(fleet.clone()),
    };
    let sources =
        DemoSources { fleet: fleet.clone(), columns: config.columns.clone(), accuracy_critical: critical, silences };
    // The environments share the one simulation.
    let environments = vec![environment; config.environments.len().max(1)];
    Backends::new(Box::new(sources), Arc::new(DemoRetrain::new(fleet)), "model".into(), environments)
}

/// An acknowledged GPU alert, to show what a silenced row and the inventory look like.
fn seeded_silences() -> DemoSilences {
    let silences = DemoSilences::default();
    let now = Timestamp::now();
    silences.create(&SilenceRequest {
        id: None,
        matchers: vec![Matcher::equal("alertname", "GpuTooHot"), Matcher::equal("model", MODELS[7].name)],
        starts_at: now,
        ends_at: now.checked_add(SignedDuration::from_mins(47)).unwrap_or(now),
        created_by: "sam@ops-2".into(),
        comment: "known hot node, ticket HW-2231".into(),
    });
    silences
}
