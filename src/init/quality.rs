//! Presets for what a model does rather than how it is served: the `model_*` names the
//! example config uses (accuracy, drift distances, data quality), TrustyAI (drift tests and
//! fairness) and the DCGM exporter (GPUs).

use crate::config::detail::TRUSTYAI_P_VALUES;
use crate::domain::ColumnId;

use super::inventory::Inventory;
use super::presets::{Contribution, DriftPart, Fleet, Preset, labels_of};

/// Quality gauges, in the order the first found becomes the ACC column.
const ACCURACY: [&str; 2] = ["model_accuracy", "model_eval_accuracy"];
const QUALITY: [&str; 4] = ["model_accuracy", "model_eval_accuracy", "model_eval_auc", "model_auc"];
const DISTANCES: [&str; 4] = ["model_drift_score", "model_drift_psi", "model_drift_js", "model_drift_wasserstein"];
const DATA_QUALITY: [&str; 3] =
    ["model_input_null_ratio", "model_input_schema_violation_ratio", "model_input_out_of_range_ratio"];
const FAIRNESS: [&str; 2] = ["trustyai_spd", "trustyai_dir"];
/// GPU utilisation: percent, else a 0..1 ratio.
const GPU: [&str; 2] = ["DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_PROF_GR_ENGINE_ACTIVE"];
/// DCGM labels that name the workload using a GPU, in order of preference.
const WORKLOAD: [&str; 4] = ["container", "exported_container", "pod", "exported_pod"];
/// DCGM fields the model screen's GPU panel reads besides utilisation.
const GPU_PANEL: [&str; 5] = [
    "DCGM_FI_DEV_FB_USED",
    "DCGM_FI_DEV_FB_FREE",
    "DCGM_FI_DEV_GPU_TEMP",
    "DCGM_FI_DEV_POWER_USAGE",
    "DCGM_FI_DEV_SM_CLOCK",
];
/// DCGM labels that name the GPU itself.
const GPU_IDS: [&str; 5] = ["gpu", "UUID", "uuid", "Hostname", "hostname"];

pub fn reads(name: &str) -> bool {
    QUALITY.contains(&name)
        || DISTANCES.contains(&name)
        || DATA_QUALITY.contains(&name)
        || FAIRNESS.contains(&name)
        || TRUSTYAI_P_VALUES.contains(&name)
}

/// The `model_*` gauges modeldeck's example reads, usually pushed by evaluation and
/// monitoring jobs (labels `model` or `model_name`, `version` or `model_version`).
pub fn plain(inv: &Inventory, fleet: &Fleet) -> Option<Contribution> {
    let first = QUALITY.iter().chain(&DISTANCES).chain(&DATA_QUALITY).find(|n| inv.has(n))?;
    let labels = labels_of(inv, first, &["model", "model_name"], &["version", "model_version"])?;
    let mut c = Contribution::new(Preset::Plain, Some(labels.clone()));
    c.find(inv, &QUALITY);
    c.quality = c.found.clone();
    if let Some(accuracy) = ACCURACY.iter().find(|n| inv.has(n)) {
        c.column(ColumnId::Accuracy, fleet.by(&labels, "max", accuracy), format!("{accuracy}, a 0..1 ratio"));
        c.column(ColumnId::Trend, fleet.by(&labels, "max", accuracy), format!("{accuracy} over the last hour"));
        if let Some(v) = &labels.version {
            c.column(ColumnId::Version, fleet.versions(&labels, accuracy), format!("`{v}` of {accuracy}"));
        }
    }
    for name in DISTANCES.iter().filter(|n| inv.has(n)) {
        c.found.push(name.to_string());
        c.drift_metrics.push(name.to_string());
        let series = if labels.model == fleet.model_label {
            name.to_string()
        } else {
            format!("label_replace({name}, \"{{model_label}}\", \"$1\", \"{}\", \"(.+)\")", labels.model)
        };
        c.drift.push(DriftPart::Distance { series, what: format!("{name}, a distance (PSI scale)") });
    }
    let before = c.found.len();
    c.find(inv, &DATA_QUALITY);
    c.data_quality = c.found[before..].to_vec();
    Some(c)
}

/// TrustyAI's scheduled metrics (label `model`; one series per schedule, `request`). Drift
/// tests publish p-values: small means drift. SPD and DIR measure fairness and have no
/// column; the config shows them as ready alternatives (see `render::fairness`).
pub fn trustyai(inv: &Inventory, fleet: &Fleet) -> Option<Contribution> {
    let first = TRUSTYAI_P_VALUES.iter().chain(&FAIRNESS).find(|n| inv.has(n))?;
    let labels = labels_of(inv, first, &["model"], &[])?;
    let mut c = Contribution::new(Preset::TrustyAi, Some(labels.clone()));
    c.find(inv, &TRUSTYAI_P_VALUES);
    c.drift_metrics = c.found.clone();
    if !c.found.is_empty() {
        let names = c.found.join("|");
        let min = fleet.by(&labels, "min", &format!("{{__name__=~\"{names}\"}}"));
        c.drift.push(DriftPart::PValue { min, what: format!("{}: p-values, lower is worse", c.found.join(", ")) });
    }
    let before = c.found.len();
    c.find(inv, &FAIRNESS);
    c.fairness = c.found[before..].to_vec();
    if !c.fairness.is_empty() {
        c.notes.push(format!(
            "{}: fairness, no column of its own; ready alternatives under [fleet.columns.accuracy]",
            c.fairness.join(", ")
        ));
    }
    Some(c)
}

/// NVIDIA's DCGM exporter. It has no model label: a GPU belongs to the model whose name is
/// the value of a workload label (`container` or `pod`, from its Kubernetes mapping).
pub fn dcgm(inv: &Inventory, _fleet: &Fleet) -> Option<Contribution> {
    let metric = GPU.iter().find(|n| inv.has(n))?;
    let mut c = Contribution::new(Preset::Dcgm, None);
    c.found.push(metric.to_string());
    c.find(inv, &GPU_PANEL);
    let ids: Vec<&str> = match inv.labels(metric) {
        Some(labels) => GPU_IDS.iter().filter(|l| labels.contains(**l)).copied().collect(),
        None => vec![],
    };
    let workload = match inv.labels(metric) {
        None => Some(WORKLOAD[0].to_string()),
        Some(labels) => WORKLOAD.iter().find(|l| labels.contains(**l)).map(|l| l.to_string()),
    };
    let Some(workload) = workload else {
        let by = if ids.is_empty() { String::new() } else { format!(" (GPUs by {})", ids.join(", ")) };
        c.notes
            .push(format!("{metric}{by}: no pod or container label, so no GPU can be tied to a model; no GPU column"));
        return Some(c);
    };
    let utilisation = if *metric == GPU[0] { metric.to_string() } else { format!("100 * {metric}") };
    let query = format!(
        "avg by ({{model_label}}) (label_replace({utilisation}, \"{{model_label}}\", \"$1\", \"{{gpu_label}}\", \"(.+)\"))"
    );
    let ids = if ids.is_empty() { String::new() } else { format!("; GPUs by {}", ids.join(", ")) };
    c.column(ColumnId::Gpu, query, format!("{metric} in percent, model from `{workload}`{ids}"));
    c.gpu_label = Some(workload);
    Some(c)
}
