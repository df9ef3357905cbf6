//! From what a Prometheus holds to what the config says: which presets were found, the
//! fleet's labels, one query per column (several presets' parts joined with `or`, drift on
//! one scale), the model screen's metrics, and what could not be matched.

use std::collections::BTreeSet;

use crate::config::detail::{DriftKind, p_value_score};
use crate::domain::{ColumnId, Direction};

use super::inventory::Inventory;
use super::presets::{Contribution, DriftPart, Fleet, Part, Preset, Stat};

/// One fleet column as the config will write it; `query: None` when nothing feeds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub id: ColumnId,
    pub title: String,
    pub query: Option<String>,
    pub direction: Direction,
    pub warn: Option<f64>,
    pub critical: Option<f64>,
    /// One line per part: "MLServer: rate of …".
    pub from: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub fleet: Fleet,
    /// The DCGM label whose value names the model, if DCGM was found with one.
    pub gpu_label: Option<String>,
    pub found: Vec<Contribution>,
    pub columns: Vec<Column>,
    pub quality: Vec<String>,
    pub data_quality: Vec<String>,
    pub drift_metrics: Vec<String>,
    /// How the drift metrics read, when they all read alike.
    pub drift_kind: Option<DriftKind>,
    pub fairness: Vec<String>,
    /// Names that look like a known exporter's and that no preset reads.
    pub unmatched: Vec<String>,
    /// What was found and cannot be used, and why.
    pub notes: Vec<String>,
}

impl Plan {
    pub fn column(&self, id: ColumnId) -> &Column {
        self.columns.iter().find(|c| c.id == id).expect("every column is planned")
    }

    pub fn presets(&self) -> Vec<Preset> {
        self.found.iter().map(|c| c.preset).collect()
    }
}

/// Prefixes of the exporters' families, for saying what was left unmatched.
const FAMILIES: [&str; 8] = ["model_", "nv_", "vllm:", "trustyai_", "DCGM_", "seldon_", "bentoml_", "request_"];

pub fn plan(inv: &Inventory) -> Plan {
    // The fleet takes the labels of the first preset found that has them.
    let provisional = Fleet { model_label: "model".into(), version_label: "version".into() };
    let first: Vec<Contribution> = Preset::ALL.iter().filter_map(|p| p.contribute(inv, &provisional)).collect();
    let labels = || first.iter().filter_map(|c| c.labels.as_ref());
    let fleet = Fleet {
        model_label: labels().next().map_or_else(|| "model".into(), |l| l.model.clone()),
        version_label: labels().find_map(|l| l.version.clone()).unwrap_or_else(|| "version".into()),
    };
    let found: Vec<Contribution> = Preset::ALL.iter().filter_map(|p| p.contribute(inv, &fleet)).collect();
    let defaults = crate::config::from_str("", None, &|_| None).expect("the built-in config resolves").columns;
    // The built-in columns: the resource columns come with `[resources]`, not from here.
    let columns = ColumnId::ALL
        .iter()
        .filter(|id| defaults.iter().any(|c| c.id == **id))
        .map(|&id| {
            let default = defaults.iter().find(|c| c.id == id).expect("a default per column");
            let mut column = Column {
                id,
                title: default.title.clone(),
                query: None,
                direction: default.thresholds.direction,
                warn: default.thresholds.warn,
                critical: default.thresholds.critical,
                from: Vec::new(),
            };
            if id == ColumnId::Drift {
                drift(&found, &mut column);
            } else {
                join(&found, &mut column);
            }
            column
        })
        .collect();
    let union = |f: fn(&Contribution) -> &Vec<String>| {
        let mut out: Vec<String> = Vec::new();
        for name in found.iter().flat_map(|c| f(c).iter()) {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        out
    };
    let mut notes: Vec<String> =
        found.iter().flat_map(|c| c.notes.iter().map(|n| format!("{}: {n}", c.preset.name()))).collect();
    for c in &found {
        let detail = !c.quality.is_empty() || !c.drift_metrics.is_empty() || !c.data_quality.is_empty();
        if let Some(l) = c.labels.as_ref().filter(|l| detail && l.model != fleet.model_label) {
            notes.push(format!(
                "{}: its series name models by `{}`, the model screen's panels select by `{}`: they stay empty for these",
                c.preset.name(),
                l.model,
                fleet.model_label
            ));
        }
    }
    // TrustyAI's tests are p-values; every other preset's drift metric is a distance.
    let kinds: BTreeSet<bool> =
        found.iter().filter(|c| !c.drift_metrics.is_empty()).map(|c| c.preset == Preset::TrustyAi).collect();
    let drift_kind = match kinds.into_iter().collect::<Vec<_>>().as_slice() {
        [true] => Some(DriftKind::PValue),
        [false] => Some(DriftKind::Distance),
        _ => None,
    };
    Plan {
        drift_kind,
        gpu_label: found.iter().find_map(|c| c.gpu_label.clone()),
        quality: union(|c| &c.quality),
        data_quality: union(|c| &c.data_quality),
        drift_metrics: union(|c| &c.drift_metrics),
        fairness: union(|c| &c.fairness),
        unmatched: unmatched(inv, &found),
        columns,
        notes,
        fleet,
        found,
    }
}

/// The parts of every preset for `column`, joined with `or`: each is already one vector per
/// model, and a model served by two presets keeps the first one's value.
fn join(found: &[Contribution], column: &mut Column) {
    let parts: Vec<(&Contribution, &Part)> = found
        .iter()
        .flat_map(|c| c.columns.iter().filter(|(id, _)| *id == column.id).map(move |(_, p)| (c, p)))
        .collect();
    if parts.is_empty() {
        return;
    }
    column.from = parts.iter().map(|(c, p)| format!("{}: {}", c.preset.name(), p.what)).collect();
    column.query = Some(match parts.as_slice() {
        [(_, one)] => one.query.clone(),
        _ => parts.iter().map(|(_, p)| format!("({})", p.query)).collect::<Vec<_>>().join(" or "),
    });
    if column.id == ColumnId::LatencyP95 {
        let stats: BTreeSet<_> = parts.iter().filter_map(|(_, p)| p.stat.map(|s| s == Stat::P95)).collect();
        column.title = match (stats.contains(&true), stats.contains(&false)) {
            (true, false) => "P95",
            (false, true) => "MEAN",
            _ => "LAT",
        }
        .into();
    }
}

/// The DRIFT column: every preset's drift on the distance scale, the worst per model.
/// Distances stay raw series (their metric name keeps them apart from the rest), p-values
/// become scores, shares of drifted batches are read as they are.
fn drift(found: &[Contribution], column: &mut Column) {
    let parts: Vec<(&Contribution, &DriftPart)> =
        found.iter().flat_map(|c| c.drift.iter().map(move |p| (c, p))).collect();
    if parts.is_empty() {
        return;
    }
    let aggregated = parts.iter().filter(|(_, p)| !matches!(p, DriftPart::Distance { .. })).count();
    let mut pieces = Vec::new();
    for (n, (c, part)) in parts.iter().enumerate() {
        let (piece, what) = match part {
            DriftPart::Distance { series, what } => (series.clone(), what),
            DriftPart::PValue { min, what } => (p_value_score(min), what),
            DriftPart::Share { query, what } => (format!("({query})"), what),
        };
        // Two aggregated parts carry the same labels; a tag keeps both for the max.
        let piece = if aggregated > 1 && !matches!(part, DriftPart::Distance { .. }) {
            format!("label_replace({piece}, \"drift_part\", \"{n}\", \"\", \"\")")
        } else {
            piece
        };
        pieces.push(piece);
        column.from.push(format!("{}: {what}", c.preset.name()));
    }
    column.query = Some(format!("max by ({{model_label}}) ({})", pieces.join(" or ")));
}

fn family(name: &str) -> &str {
    ["_bucket", "_sum", "_count", "_created"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name)
}

fn unmatched(inv: &Inventory, found: &[Contribution]) -> Vec<String> {
    let read: BTreeSet<&str> = found.iter().flat_map(|c| c.found.iter().map(|n| family(n))).collect();
    let mut out: Vec<String> = Vec::new();
    for name in inv.names().filter(|n| FAMILIES.iter().any(|p| n.starts_with(p))) {
        let base = family(name);
        if !read.contains(base) && !out.iter().any(|o| o == base) {
            out.push(base.to_string());
        }
    }
    out
}
