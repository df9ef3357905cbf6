//! The demo's pollers: the simulated fleet, alerts and registry, polled like the real
//! sources so that the console runs unchanged.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use super::{DemoFleet, DemoLive, DemoRegistry, DemoSilences};
use crate::config::ColumnSpec;
use crate::domain::ports::SourceStarter;
use crate::domain::{Event, SourceData, SourceId};
use crate::sources::Source;
use crate::sources::poller::{Schedule, run};

/// The demo's stand-in for Prometheus.
pub struct DemoMetrics {
    pub fleet: DemoFleet,
    pub columns: Vec<ColumnSpec>,
}

impl Source for DemoMetrics {
    fn id(&self) -> SourceId {
        SourceId::Prometheus
    }

    async fn fetch(&mut self) -> Result<SourceData, String> {
        Ok(SourceData::Fleet(self.fleet.fleet(Timestamp::now(), &self.columns)))
    }
}

/// The demo's stand-in for Alertmanager.
pub struct DemoAlerts {
    pub fleet: DemoFleet,
    pub accuracy_critical: f64,
    pub silences: DemoSilences,
}

impl Source for DemoAlerts {
    fn id(&self) -> SourceId {
        SourceId::Alertmanager
    }

    async fn fetch(&mut self) -> Result<SourceData, String> {
        let now = Timestamp::now();
        let mut snapshot = self.fleet.alerts(now, self.accuracy_critical);
        self.silences.apply(&mut snapshot.alerts, now);
        snapshot.silences = self.silences.list(now);
        Ok(SourceData::Alerts(snapshot))
    }
}

/// Starts the demo sources; they ignore the environment and refresh every second.
pub struct DemoSources {
    pub fleet: DemoFleet,
    pub columns: Vec<ColumnSpec>,
    pub accuracy_critical: f64,
    pub silences: DemoSilences,
}

impl SourceStarter for DemoSources {
    fn start(
        &self,
        _environment: usize,
        generation: u64,
        tx: &mpsc::UnboundedSender<Event>,
        refresh: &Arc<Notify>,
    ) -> Vec<JoinHandle<()>> {
        let schedule = Schedule::new(Duration::from_secs(1), Duration::from_secs(1));
        let metrics = DemoMetrics { fleet: self.fleet.clone(), columns: self.columns.clone() };
        let alerts = DemoAlerts {
            fleet: self.fleet.clone(),
            accuracy_critical: self.accuracy_critical,
            silences: self.silences.clone(),
        };
        let live = DemoLive(DemoRegistry::new(self.fleet.clone()));
        vec![
            tokio::spawn(run(metrics, schedule, generation, tx.clone(), refresh.clone())),
            tokio::spawn(run(alerts, schedule, generation, tx.clone(), refresh.clone())),
            tokio::spawn(run(live, schedule, generation, tx.clone(), refresh.clone())),
        ]
    }
}

/// One snapshot of each simulated source, thirty seconds into the simulation so that the
/// degraded model shows: what `modeldeck status --demo` prints.
pub fn one_shot(now: Timestamp, columns: &[ColumnSpec]) -> Vec<(SourceId, Result<SourceData, String>)> {
    let started = now.checked_sub(jiff::SignedDuration::from_secs(30)).unwrap_or(now);
    let fleet = DemoFleet::new(started);
    let registry = DemoRegistry::new(fleet.clone());
    vec![
        (SourceId::Prometheus, Ok(SourceData::Fleet(fleet.fleet(now, columns)))),
        (SourceId::Alertmanager, Ok(SourceData::Alerts(fleet.alerts(now, 0.9)))),
        (SourceId::Registry, Ok(SourceData::Registry(registry.live(now)))),
    ]
}
