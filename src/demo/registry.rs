//! The demo's model registry: a few versions per model with governance tags, `champion` on
//! the live one, and rollbacks that move it and lift a degrading model back up.

use jiff::{SignedDuration, Timestamp};

use super::{DEGRADING, DemoFleet, MODELS};
use crate::domain::ports::{BoxFuture, Registry};
use crate::domain::{DatasetInput, Lineage, ModelVersion, RegisteredModel};
use crate::domain::{RegistrySnapshot, SourceData, SourceId};
use crate::domain::{RollbackPlan, RollbackResult};
use crate::domain::{RollbackSpec, SpecBackend, VersionFigures, VersionsSnapshot};

const ALIAS: &str = "champion";
const OWNERS: [&str; 4] = ["risk-ml", "growth-ml", "search-ml", "platform-ml"];

#[derive(Debug, Clone)]
pub struct DemoRegistry {
    fleet: DemoFleet,
}

impl DemoRegistry {
    pub fn new(fleet: DemoFleet) -> DemoRegistry {
        DemoRegistry { fleet }
    }

    fn model(&self, i: usize) -> RegisteredModel {
        let m = &MODELS[i];
        let shipped: u32 = m.version.parse().unwrap_or(1);
        let live = self.fleet.live_version(i);
        let started = self.fleet.started;
        // Four releases up to the shipped one, a day apart, and a newer candidate that failed
        // validation, to show the gate.
        let mut versions: Vec<ModelVersion> = (shipped.saturating_sub(3).max(1)..=shipped + 1)
            .rev()
            .map(|n| {
                let candidate = n > shipped;
                let age = SignedDuration::from_hours(24 * i64::from(shipped + 1 - n) + 3);
                let mut tags = vec![
                    ("git_sha".to_string(), format!("{:07x}", 0x3a1f00 + n * 977 + i as u32)),
                    ("validation_status".into(), if candidate { "failed" } else { "approved" }.into()),
                ];
                if !candidate {
                    let date = started.checked_sub(age).unwrap_or(started).strftime("%Y-%m-%d").to_string();
                    tags.push(("validated_at".into(), date));
                }
                tags.sort();
                ModelVersion {
                    version: n.to_string(),
                    created: started.checked_sub(age).ok(),
                    source: format!("s3://models/{}/{n}", m.name),
                    run_id: format!("run-{:04x}", n * 31 + i as u32),
                    description: if candidate {
                        "candidate: failed the holdout check".into()
                    } else {
                        format!("build {n}")
                    },
                    status: "READY".into(),
                    tags,
                    aliases: Vec::new(),
                    lineage: lineage(m.name, n),
                }
            })
            .collect();
        if let Some(v) = versions.iter_mut().find(|v| v.version == live) {
            v.aliases.push(ALIAS.into());
        }
        RegisteredModel {
            name: m.name.into(),
            description: format!("{} (demo)", m.name.replace('-', " ")),
            tags: vec![
                ("data_sources".into(), "events.transactions, features.daily".into()),
                ("owner".into(), OWNERS[i % OWNERS.len()].into()),
                ("pii".into(), if i.is_multiple_of(3) { "yes" } else { "no" }.into()),
            ],
            aliases: vec![(ALIAS.into(), live)],
            versions,
        }
    }

    /// Every model's `champion`, as the registry source reads it.
    pub fn live(&self, now: Timestamp) -> RegistrySnapshot {
        let live = MODELS.iter().enumerate().map(|(i, m)| (m.name.to_string(), self.fleet.live_version(i))).collect();
        RegistrySnapshot { live, started: now }
    }

    pub fn snapshot(&self, model: &str) -> VersionsSnapshot {
        let Some(i) = MODELS.iter().position(|m| m.name == model) else {
            return VersionsSnapshot {
                model: model.into(),
                warnings: vec![format!("the demo registry has no model `{model}`")],
                ..Default::default()
            };
        };
        let registered = self.model(i);
        let live = registered.alias(ALIAS).map(str::to_string);
        let live_version = live.as_deref().and_then(|v| registered.version(v));
        let g = crate::config::rollback::Governance::default();
        let governance = g.facts(&registered, live_version);
        let t = self.fleet.seconds_in(Timestamp::now());
        let m = &MODELS[i];
        // The live version and the two releases before it, as Prometheus would have them.
        let from_live = registered.versions.iter().position(|v| Some(&v.version) == live.as_ref()).unwrap_or(0);
        let figures = registered
            .versions
            .iter()
            .skip(from_live)
            .take(3)
            .map(|v| {
                let current = Some(&v.version) == live.as_ref();
                let accuracy = if current { self.fleet.accuracy(i, t) } else { m.accuracy - 0.004 };
                VersionFigures { version: v.version.clone(), accuracy: Some(accuracy), latency: Some(m.latency) }
            })
            .collect();
        VersionsSnapshot {
            model: model.into(),
            spec: Some(RollbackSpec {
                backend: SpecBackend::Demo,
                registered_model: model.into(),
                alias: ALIAS.into(),
                validation_tag: g.validation_tag.clone(),
                validated_values: g.validated_values.clone(),
                allow_override: true,
            }),
            registered: Some(registered),
            live,
            governance,
            figures,
            warnings: Vec::new(),
        }
    }

    pub fn rollback(&self, plan: &RollbackPlan) -> RollbackResult {
        let Some(i) = MODELS.iter().position(|m| m.name == plan.model) else {
            return RollbackResult::failed(
                Vec::new(),
                format!("the demo registry has no model `{}`", plan.model),
                None,
            );
        };
        let live = self.fleet.live_version(i);
        if Some(&live) != plan.current.as_ref() {
            let error = format!("`{ALIAS}` moved to {live} since the screen loaded");
            return RollbackResult::failed(Vec::new(), error, Some(live));
        }
        let now = Timestamp::now();
        self.fleet.roll_back(i, &plan.target, now);
        if i == DEGRADING {
            self.fleet.fix(i, now);
        }
        RollbackResult::done(vec![format!("`{ALIAS}` points at {} (demo)", plan.target)], plan.target.clone())
    }
}

impl Registry for DemoRegistry {
    fn load<'a>(&'a self, model: &'a str) -> BoxFuture<'a, Result<VersionsSnapshot, String>> {
        Box::pin(std::future::ready(Ok(self.snapshot(model))))
    }

    fn rollback<'a>(&'a self, plan: &'a RollbackPlan) -> BoxFuture<'a, RollbackResult> {
        Box::pin(std::future::ready(DemoRegistry::rollback(self, plan)))
    }
}

/// The demo's training and evaluation snapshots: a new training snapshot per release.
fn lineage(model: &str, n: u32) -> Lineage {
    let set = |name: &str, digest: String, context: &str| DatasetInput {
        name: name.into(),
        digest,
        source_type: "s3".into(),
        source: format!("s3://datasets/{model}/{name}.parquet"),
        context: context.into(),
    };
    Lineage::Datasets(vec![
        set(&format!("{model}-train"), format!("{:08x}", 0x5eed_0000 + n * 4099), "training"),
        set(&format!("{model}-holdout"), "0badc0de".into(), "evaluation"),
    ])
}

/// The demo's registry source: the simulated registry's aliases.
pub struct DemoLive(pub DemoRegistry);

impl crate::sources::Source for DemoLive {
    fn id(&self) -> SourceId {
        SourceId::Registry
    }

    async fn fetch(&mut self) -> Result<SourceData, String> {
        Ok(SourceData::Registry(self.0.live(Timestamp::now())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_version_names_its_training_data() {
        let registry = DemoRegistry::new(DemoFleet::new(Timestamp::now()));
        let snapshot = registry.snapshot("churn-predictor");
        let versions = snapshot.versions();
        assert!(!versions.is_empty());
        for v in versions {
            let summary = v.lineage.summary();
            assert_eq!(summary.len(), 2, "{v:?}");
            assert!(
                summary[0].starts_with("churn-predictor-train@") && summary[0].ends_with("(training)"),
                "{summary:?}"
            );
        }
        // Each release trained on a snapshot of its own.
        assert_ne!(versions[0].lineage.summary()[0], versions[1].lineage.summary()[0]);
    }
}
