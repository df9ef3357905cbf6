//! The embedded demo fleet: eight models whose values evolve with time, one of which
//! degrades and fires alerts. It implements the same ports as the live backends (sources,
//! silences, registry, charts, pipelines), so the console runs unchanged.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use crate::config::ColumnSpec;
use crate::domain::{Alert, AlertSnapshot, AlertState, CellValue, ColumnId, FleetSnapshot, Labels, Severity};
mod backends;
mod compare;
mod detail;
mod registry;
mod resources;
mod retrain;
pub mod silences;
mod sources;

pub use backends::backends;
pub use registry::{DemoLive, DemoRegistry};
pub use retrain::DemoRetrain;
pub use silences::DemoSilences;
pub use sources::one_shot;

use crate::sources::prometheus::TREND_POINTS;

struct DemoModel {
    name: &'static str,
    version: &'static str,
    accuracy: f64,
    drift: f64,
    latency: f64,
    rps: f64,
    gpu: Option<f64>,
}

const MODELS: [DemoModel; 8] = [
    DemoModel {
        name: "fraud-detector",
        version: "14",
        accuracy: 0.962,
        drift: 0.04,
        latency: 0.045,
        rps: 420.0,
        gpu: Some(71.0),
    },
    DemoModel {
        name: "churn-predictor",
        version: "7",
        accuracy: 0.931,
        drift: 0.06,
        latency: 0.120,
        rps: 35.0,
        gpu: None,
    },
    DemoModel {
        name: "recsys-ranker",
        version: "22",
        accuracy: 0.948,
        drift: 0.03,
        latency: 0.210,
        rps: 1850.0,
        gpu: Some(84.0),
    },
    DemoModel { name: "credit-risk", version: "5", accuracy: 0.957, drift: 0.02, latency: 0.080, rps: 64.0, gpu: None },
    DemoModel {
        name: "search-embed",
        version: "3",
        accuracy: 0.975,
        drift: 0.05,
        latency: 0.018,
        rps: 2600.0,
        gpu: Some(63.0),
    },
    DemoModel {
        name: "support-intent",
        version: "11",
        accuracy: 0.944,
        drift: 0.08,
        latency: 0.060,
        rps: 140.0,
        gpu: Some(38.0),
    },
    DemoModel {
        name: "price-forecast",
        version: "9",
        accuracy: 0.938,
        drift: 0.07,
        latency: 0.350,
        rps: 12.0,
        gpu: None,
    },
    DemoModel {
        name: "image-moderation",
        version: "4",
        accuracy: 0.969,
        drift: 0.02,
        latency: 0.095,
        rps: 310.0,
        gpu: Some(92.0),
    },
];

/// The degrading model: its accuracy slides below the critical line within seconds.
const DEGRADING: usize = 0;
/// Seconds the simulated serving side takes to pick up a rolled-back version.
const ROLLOUT_S: f64 = 20.0;

/// A deterministic simulation: every value is a function of the model, the time, and the
/// operator's fixes (a rollback or a retrain lifts a degrading model back up).
#[derive(Debug, Clone)]
pub struct DemoFleet {
    started: Timestamp,
    state: Arc<std::sync::Mutex<DemoState>>,
}

#[derive(Debug, Default)]
struct DemoState {
    /// The live version per model, where an operator changed it.
    live: HashMap<usize, String>,
    /// The version served before the last rollback, and when (seconds into the demo) it was.
    rollouts: HashMap<usize, (String, f64)>,
    /// When (seconds into the demo) a model's problem was fixed.
    fixed_at: HashMap<usize, f64>,
    /// Simulated retraining runs: id → (model, seconds into the demo it started).
    runs: HashMap<String, (String, f64)>,
}

impl DemoFleet {
    pub fn new(started: Timestamp) -> DemoFleet {
        DemoFleet { started, state: Default::default() }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, DemoState> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn live_version(&self, i: usize) -> String {
        self.state().live.get(&i).cloned().unwrap_or_else(|| MODELS[i].version.to_string())
    }

    /// What the simulated serving side reports at `t`: a rollback takes [`ROLLOUT_S`] to
    /// reach it, so VER shows the mismatch meanwhile, as it would in production.
    fn serving_version(&self, i: usize, t: f64) -> String {
        let rolling_out = self.state().rollouts.get(&i).filter(|(_, at)| t < at + ROLLOUT_S).map(|(v, _)| v.clone());
        rolling_out.unwrap_or_else(|| self.live_version(i))
    }

    /// Model `i`'s alias moves to `version` at `at`.
    fn roll_back(&self, i: usize, version: &str, at: Timestamp) {
        let t = self.seconds_in(at);
        let previous = self.live_version(i);
        let mut state = self.state();
        state.rollouts.insert(i, (previous, t));
        state.live.insert(i, version.to_string());
    }

    /// How far a fix has lifted model `i` at `t` (0 = not fixed, 1 = fully recovered).
    fn recovery(&self, i: usize, t: f64) -> f64 {
        self.state().fixed_at.get(&i).map_or(0.0, |at| ((t - at) / 4.0).clamp(0.0, 1.0))
    }

    /// Marks model `i` fixed now: its accuracy and drift return to normal over a few seconds.
    fn fix(&self, i: usize, at: Timestamp) {
        let t = self.seconds_in(at);
        self.state().fixed_at.entry(i).or_insert(t);
    }

    fn seconds_in(&self, at: Timestamp) -> f64 {
        (at.as_millisecond() - self.started.as_millisecond()) as f64 / 1000.0
    }

    fn accuracy(&self, i: usize, t: f64) -> f64 {
        let m = &MODELS[i];
        // A slow swing (visible in the hour-long sparkline) plus a little per-refresh jitter.
        let wobble = 0.006 * ((t / 900.0) + i as f64).sin() + 0.0015 * ((t / 3.0) + i as f64).sin();
        if i == DEGRADING && t > 0.0 {
            // From 0.962 to about 0.85 over the first 8 s, then it hovers there.
            let fall = 0.11 * (t / 8.0).min(1.0) * (1.0 - self.recovery(i, t));
            return m.accuracy - fall + wobble;
        }
        m.accuracy + wobble
    }

    fn drift(&self, i: usize, t: f64) -> f64 {
        let m = &MODELS[i];
        let base = m.drift + 0.01 * ((t / 11.0) + 2.0 * i as f64).sin().abs();
        if i == DEGRADING && t > 0.0 { base + 0.3 * (t / 30.0).min(1.0) * (1.0 - self.recovery(i, t)) } else { base }
    }

    pub fn fleet(&self, at: Timestamp, columns: &[ColumnSpec]) -> FleetSnapshot {
        let t = self.seconds_in(at);
        let mut out = Vec::new();
        for spec in columns {
            let mut values = HashMap::new();
            for (i, m) in MODELS.iter().enumerate() {
                let phase = (t / 5.0 + i as f64).sin();
                let value = match spec.id {
                    ColumnId::Version => Some(CellValue::Text(self.serving_version(i, t))),
                    ColumnId::Accuracy => Some(CellValue::Number(self.accuracy(i, t))),
                    ColumnId::Drift => Some(CellValue::Number(self.drift(i, t))),
                    ColumnId::LatencyP95 => Some(CellValue::Number(m.latency * (1.0 + 0.15 * phase))),
                    ColumnId::Throughput => Some(CellValue::Number(m.rps * (1.0 + 0.1 * phase))),
                    ColumnId::ErrorRate => {
                        let errors = if i == DEGRADING { 0.004 + 0.02 * (t / 40.0).min(1.0) } else { 0.001 };
                        Some(CellValue::Number(errors * (1.0 + 0.3 * phase)))
                    }
                    ColumnId::Gpu => m.gpu.map(|g| CellValue::Number((g + 6.0 * phase).clamp(0.0, 100.0))),
                    ColumnId::Trend => {
                        let step = spec.range.as_secs_f64().max(60.0) / TREND_POINTS as f64;
                        let series = (0..TREND_POINTS)
                            .map(|k| self.accuracy(i, t - step * (TREND_POINTS - 1 - k) as f64))
                            .collect();
                        Some(CellValue::Series(series))
                    }
                    id => self.resource_cell(id, i, t),
                };
                if let Some(v) = value {
                    values.insert(m.name.to_string(), v);
                }
            }
            out.push((spec.id, Ok(values)));
        }
        let pending_alerts = if t > 3.0 && t < 30.0 {
            vec![alert(
                self.started,
                "ModelDriftHigh",
                Severity::Warning,
                MODELS[DEGRADING].name,
                AlertState::Pending,
                "Drift on fraud-detector is rising",
                3.0,
            )]
        } else {
            Vec::new()
        };
        FleetSnapshot { columns: out, pending_alerts }
    }

    pub fn alerts(&self, at: Timestamp, accuracy_critical: f64) -> AlertSnapshot {
        let t = self.seconds_in(at);
        let mut alerts = Vec::new();
        for (i, m) in MODELS.iter().enumerate() {
            let acc = self.accuracy(i, t);
            if acc < accuracy_critical {
                alerts.push(alert(
                    self.started,
                    "ModelAccuracyLow",
                    Severity::Critical,
                    m.name,
                    AlertState::Active,
                    &format!("Accuracy of {} v{} is {acc:.3}", m.name, self.live_version(i)),
                    2.0,
                ));
            }
            if self.drift(i, t) > 0.25 {
                alerts.push(alert(
                    self.started,
                    "ModelDriftHigh",
                    Severity::Warning,
                    m.name,
                    AlertState::Active,
                    &format!("Drift on {} is {:.2}", m.name, self.drift(i, t)),
                    30.0,
                ));
            }
        }
        // A long-running, acknowledged GPU alert shows what a silenced row looks like.
        alerts.push(alert(
            self.started,
            "GpuTooHot",
            Severity::Warning,
            MODELS[7].name,
            AlertState::Silenced,
            "GPU 3 on gpu-node-2 at 86C",
            -2400.0,
        ));
        let alerts = alerts.into_iter().map(Arc::new).collect();
        AlertSnapshot { alerts, peer: "demo".into(), ..AlertSnapshot::default() }
    }
}

fn alert(
    started: Timestamp,
    name: &str,
    severity: Severity,
    model: &str,
    state: AlertState,
    summary: &str,
    at: f64,
) -> Alert {
    let labels: Labels = [("alertname", name), ("model", model), ("severity", severity.label())].into_iter().collect();
    let annotations: Labels = [("summary", summary)].into_iter().collect();
    Alert {
        fingerprint: format!("demo-{name}-{model}"),
        name: name.to_string(),
        severity,
        model: Some(model.to_string()),
        state,
        starts_at: started.checked_add(SignedDuration::from_millis((at * 1000.0) as i64)).ok(),
        summary: summary.to_string(),
        labels,
        annotations,
        // The id the demo's seeded silence gets (the first one the simulation creates).
        silenced_by: if state == AlertState::Silenced { vec!["demo-silence-1".into()] } else { Vec::new() },
        generator_url: None,
        inhibited_by: Vec::new(),
        receivers: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rollback_moves_the_alias_at_once_and_the_serving_version_after_the_rollout() {
        let start = Timestamp::now();
        let fleet = DemoFleet::new(start);
        let registry = DemoRegistry::new(fleet.clone());
        let spec = registry.snapshot("churn-predictor").spec.unwrap();
        let plan = crate::domain::RollbackPlan {
            model: "churn-predictor".into(),
            current: Some("7".into()),
            target: "6".into(),
            spec,
            request: Vec::new(),
            validation: None,
            validated: true,
            target_data: Vec::new(),
            override_validation: false,
            note: String::new(),
            take_over: None,
        };
        assert_eq!(registry.rollback(&plan).outcome, crate::journal::Outcome::Ok);
        assert_eq!(registry.live(start).live["churn-predictor"], "6");
        let served = |after: i64| {
            let at = start.checked_add(SignedDuration::from_secs(after)).unwrap();
            let fleet = fleet.fleet(at, &crate::config::from_str("", None, &|_| None).unwrap().columns);
            let (_, versions) = fleet.columns.into_iter().find(|(id, _)| *id == ColumnId::Version).unwrap();
            versions.unwrap()["churn-predictor"].clone()
        };
        assert_eq!(served(1), CellValue::Text("7".into()), "still rolling out");
        assert_eq!(served(ROLLOUT_S as i64 + 1), CellValue::Text("6".into()));
    }

    #[test]
    fn degrading_model_fires_within_seconds() {
        let start = Timestamp::from_second(1_800_000_000).unwrap();
        let fleet = DemoFleet::new(start);
        let early = fleet.alerts(start, 0.90);
        assert!(early.alerts.iter().all(|a| a.name != "ModelAccuracyLow"));
        let later = fleet.alerts(start.checked_add(SignedDuration::from_secs(5)).unwrap(), 0.90);
        assert!(
            later.alerts.iter().any(|a| a.name == "ModelAccuracyLow" && a.model.as_deref() == Some("fraud-detector"))
        );
    }
}
