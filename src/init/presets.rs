//! The exporters `modeldeck init` knows, and what each contributes: fleet columns, model
//! screen metrics and notes on what it found but cannot use. A preset is recognised by the
//! metric names it exports; the labels naming models and versions are read from the series.
//! Serving servers are here; quality, drift, fairness and GPUs are in `quality`.
//!
//! Every query is one query for the whole fleet, aggregated `by ({model_label})`. A preset
//! whose series name models by another label has it copied onto the fleet's with
//! `label_replace`, so one column can hold models of several servers.

use crate::domain::ColumnId;

use super::inventory::Inventory;
use super::quality;

/// The exporters, in the order their labels are preferred for the fleet's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Preset {
    Mlserver,
    Triton,
    SeldonV2,
    BentoMl,
    Vllm,
    Kserve,
    Plain,
    TrustyAi,
    Dcgm,
}

impl Preset {
    pub const ALL: [Preset; 9] = [
        Preset::Mlserver,
        Preset::Triton,
        Preset::SeldonV2,
        Preset::BentoMl,
        Preset::Vllm,
        Preset::Kserve,
        Preset::Plain,
        Preset::TrustyAi,
        Preset::Dcgm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Preset::Mlserver => "MLServer",
            Preset::Triton => "KServe/Triton",
            Preset::SeldonV2 => "Seldon Core v2",
            Preset::BentoMl => "BentoML",
            Preset::Vllm => "vLLM",
            Preset::Kserve => "KServe model server",
            Preset::Plain => "modeldeck model_* names",
            Preset::TrustyAi => "TrustyAI",
            Preset::Dcgm => "DCGM exporter",
        }
    }

    /// What the preset contributes, or `None` when none of its metrics exist.
    pub fn contribute(self, inv: &Inventory, fleet: &Fleet) -> Option<Contribution> {
        match self {
            Preset::Mlserver => mlserver(inv, fleet),
            Preset::Triton => triton(inv, fleet),
            Preset::SeldonV2 => seldon(inv, fleet),
            Preset::BentoMl => bentoml(inv, fleet),
            Preset::Vllm => vllm(inv, fleet),
            Preset::Kserve => kserve(inv, fleet),
            Preset::Plain => quality::plain(inv, fleet),
            Preset::TrustyAi => quality::trustyai(inv, fleet),
            Preset::Dcgm => quality::dcgm(inv, fleet),
        }
    }
}

/// Every metric name a preset reads, for asking Prometheus which labels they carry.
pub fn reads(name: &str) -> bool {
    const EXACT: [&str; 12] = [
        "model_infer_request_success_total",
        "model_infer_request_duration_bucket",
        "model_infer_request_duration_count",
        "nv_inference_request_success",
        "seldon_model_infer_total",
        "seldon_model_drift_count",
        "bentoml_service_request_total",
        "bentoml_api_server_request_total",
        "request_predict_seconds_count",
        "DCGM_FI_DEV_GPU_UTIL",
        "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
        "vllm:request_success_total",
    ];
    EXACT.contains(&name) || quality::reads(name)
}

/// The fleet's own labels: the `[discovery]` model and version labels every column ends in.
#[derive(Debug, Clone, PartialEq)]
pub struct Fleet {
    pub model_label: String,
    pub version_label: String,
}

/// The labels a preset's series name models and versions by.
#[derive(Debug, Clone, PartialEq)]
pub struct Labels {
    pub model: String,
    pub version: Option<String>,
}

impl Fleet {
    /// `inner` with its model label (and, for `version`, its version label) copied onto the
    /// fleet's where they differ.
    fn relabel(&self, labels: &Labels, inner: &str, version: bool) -> String {
        let copy = |expr: String, to: &str, from: &str| {
            format!("label_replace({expr}, \"{to}\", \"$1\", \"{from}\", \"(.+)\")")
        };
        let mut expr = inner.to_string();
        if labels.model != self.model_label {
            expr = copy(expr, "{model_label}", &labels.model);
        }
        match &labels.version {
            Some(v) if version && *v != self.version_label => copy(expr, "{version_label}", v),
            _ => expr,
        }
    }

    /// `op by ({model_label}) (inner)`.
    pub fn by(&self, labels: &Labels, op: &str, inner: &str) -> String {
        format!("{op} by ({{model_label}}) ({})", self.relabel(labels, inner, false))
    }

    /// The 95th percentile of a classic histogram, per model.
    pub fn p95(&self, labels: &Labels, bucket: &str) -> String {
        let inner = self.relabel(labels, &format!("rate({bucket}[5m])"), false);
        format!("histogram_quantile(0.95, sum by ({{model_label}}, le) ({inner}))")
    }

    /// The versions a model serves: `max by ({model_label}, {version_label}) (inner)`.
    pub fn versions(&self, labels: &Labels, inner: &str) -> String {
        format!("max by ({{model_label}}, {{version_label}}) ({})", self.relabel(labels, inner, true))
    }

    /// Per-second rate of a counter, summed per model.
    pub fn rate(&self, labels: &Labels, counter: &str) -> String {
        self.by(labels, "sum", &format!("rate({counter}[5m])"))
    }

    /// Failed requests as a share of all, from a counter of all requests: `failed / all`,
    /// or 0 where no failure series exists yet (many servers create it at the first one).
    pub fn share(&self, labels: &Labels, failed: &str, all: &str) -> String {
        let (f, a) = (self.rate(labels, failed), self.rate(labels, all));
        format!("({f} / {a}) or (0 * {a})")
    }

    /// The same from separate success and failure counters: `failed / (ok + failed)`.
    pub fn share_of_both(&self, labels: &Labels, failed: &str, ok: &str) -> String {
        let (f, s) = (self.rate(labels, failed), self.rate(labels, ok));
        format!("({f} / ({s} + {f})) or (0 * {s})")
    }
}

/// How a latency column's parts measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stat {
    P95,
    Mean,
}

/// One preset's query for one column, and a line saying what it reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub query: String,
    pub what: String,
    pub stat: Option<Stat>,
}

/// One preset's share of the DRIFT column; the plan puts them on one scale.
#[derive(Debug, Clone, PartialEq)]
pub enum DriftPart {
    /// A distance's raw series (not aggregated, so no two parts' series coincide).
    Distance { series: String, what: String },
    /// The smallest p-value per model, to be scored.
    PValue { min: String, what: String },
    /// A share of drifted batches per model, read on the distance scale.
    Share { query: String, what: String },
}

/// What one preset found and contributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub preset: Preset,
    /// `None` for exporters without a model label (DCGM).
    pub labels: Option<Labels>,
    /// The metric names it found.
    pub found: Vec<String>,
    pub columns: Vec<(ColumnId, Part)>,
    pub drift: Vec<DriftPart>,
    /// `[detail]` metrics.
    pub quality: Vec<String>,
    pub data_quality: Vec<String>,
    pub drift_metrics: Vec<String>,
    /// TrustyAI fairness metrics found (`trustyai_spd`, `trustyai_dir`).
    pub fairness: Vec<String>,
    /// The DCGM label whose value names the model.
    pub gpu_label: Option<String>,
    /// What it found and cannot use, and why.
    pub notes: Vec<String>,
}

impl Contribution {
    pub fn new(preset: Preset, labels: Option<Labels>) -> Contribution {
        Contribution {
            preset,
            labels,
            found: Vec::new(),
            columns: Vec::new(),
            drift: Vec::new(),
            quality: Vec::new(),
            data_quality: Vec::new(),
            drift_metrics: Vec::new(),
            fairness: Vec::new(),
            gpu_label: None,
            notes: Vec::new(),
        }
    }

    pub fn column(&mut self, id: ColumnId, query: String, what: impl Into<String>) {
        self.columns.push((id, Part { query, what: what.into(), stat: None }));
    }

    fn latency(&mut self, stat: Stat, query: String, what: impl Into<String>) {
        self.columns.push((ColumnId::LatencyP95, Part { query, what: what.into(), stat: Some(stat) }));
    }

    /// Records the names of `candidates` that exist; true if any does.
    pub fn find(&mut self, inv: &Inventory, candidates: &[&str]) -> bool {
        let before = self.found.len();
        self.found.extend(candidates.iter().filter(|n| inv.has(n)).map(|n| n.to_string()));
        self.found.len() > before
    }
}

/// The labels of `metric`: a model label from `models`, a version label from `versions`.
pub fn labels_of(inv: &Inventory, metric: &str, models: &[&str], versions: &[&str]) -> Option<Labels> {
    let model = inv.pick_label(metric, models)?;
    let version = if versions.is_empty() { None } else { inv.pick_label(metric, versions) };
    Some(Labels { model, version })
}

/// MLServer's built-in counters (labels `model`, `version`); its latency is a summary
/// without buckets, so the mean unless a histogram exists.
fn mlserver(inv: &Inventory, fleet: &Fleet) -> Option<Contribution> {
    const OK: &str = "model_infer_request_success_total";
    const FAILED: &str = "model_infer_request_failure_total";
    if !inv.has(OK) {
        return None;
    }
    let labels = labels_of(inv, OK, &["model", "model_name"], &["version", "model_version"])?;
    let mut c = Contribution::new(Preset::Mlserver, Some(labels.clone()));
    c.find(inv, &[OK, FAILED]);
    if let Some(v) = &labels.version {
        // Calls made without a version are counted under the string "None".
        let query = fleet.versions(&labels, &format!("{OK}{{{v}!=\"None\"}}"));
        c.column(ColumnId::Version, query, format!("`{v}` of {OK}"));
    }
    c.column(ColumnId::Throughput, fleet.rate(&labels, OK), format!("rate of {OK}"));
    let share = fleet.share_of_both(&labels, FAILED, OK);
    c.column(ColumnId::ErrorRate, share, format!("{FAILED} over it plus {OK}"));
    const DURATION: &str = "model_infer_request_duration";
    if c.find(inv, &["model_infer_request_duration_bucket"]) {
        let bucket = format!("{DURATION}_bucket");
        c.latency(Stat::P95, fleet.p95(&labels, &bucket), format!("p95 of the {DURATION} histogram"));
    } else if c.find(inv, &["model_infer_request_duration_sum", "model_infer_request_duration_count"]) {
        let mean = format!(
            "{} / {}",
            fleet.rate(&labels, &format!("{DURATION}_sum")),
            fleet.rate(&labels, &format!("{DURATION}_count"))
        );
        c.latency(Stat::Mean, mean, format!("mean of {DURATION} (_sum / _count): a summary without buckets"));
    }
    Some(c)
}

/// Triton's per-model counters (labels `model`, `version`; no `_total` suffix). Latency is a
/// cumulative microsecond counter, so the mean per successful request.
fn triton(inv: &Inventory, fleet: &Fleet) -> Option<Contribution> {
    const OK: &str = "nv_inference_request_success";
    const FAILED: &str = "nv_inference_request_failure";
    const DURATION: &str = "nv_inference_request_duration_us";
    if !inv.has(OK) {
        return None;
    }
    let labels = labels_of(inv, OK, &["model", "model_name"], &["version", "model_version"])?;
    let mut c = Contribution::new(Preset::Triton, Some(labels.clone()));
    c.find(inv, &[OK, FAILED]);
    if let Some(v) = &labels.version {
        c.column(ColumnId::Version, fleet.versions(&labels, OK), format!("`{v}` of {OK}"));
    }
    c.column(ColumnId::Throughput, fleet.rate(&labels, OK), format!("rate of {OK}"));
    let share = fleet.share_of_both(&labels, FAILED, OK);
    c.column(ColumnId::ErrorRate, share, format!("{FAILED} over it plus {OK}"));
    if c.find(inv, &[DURATION]) {
        let mean = format!("{} / {} / 1e6", fleet.rate(&labels, DURATION), fleet.rate(&labels, OK));
        c.latency(Stat::Mean, mean, format!("mean of {DURATION} per success, in seconds"));
    }
    let gpu: Vec<&str> =
        ["nv_gpu_utilization", "nv_gpu_memory_used_bytes"].into_iter().filter(|n| inv.has(n)).collect();
    if !gpu.is_empty() {
        c.notes.push(format!("{}: per GPU (`gpu_uuid`), not per model; GPU comes from DCGM", gpu.join(", ")));
    }
    Some(c)
}

/// Seldon Core v2's agent counters (label `model`; `model_internal` is `<model>_<version>`),
/// and alibi-detect's drift flags logged through MLServer (`seldon_model_drift`, label
/// `model_name`: the detector's name).
fn seldon(inv: &Inventory, fleet: &Fleet) -> Option<Contribution> {
    const INFER: &str = "seldon_model_infer_total";
    const SECONDS: &str = "seldon_model_infer_seconds_total";
    const DRIFT: &str = "seldon_model_drift";
    let has_infer = inv.has(INFER);
    let has_drift = inv.has(&format!("{DRIFT}_count"));
    if !has_infer && !has_drift {
        return None;
    }
    let labels = if has_infer {
        labels_of(inv, INFER, &["model"], &[])?
    } else {
        labels_of(inv, &format!("{DRIFT}_count"), &["model_name", "model"], &[])?
    };
    let mut c = Contribution::new(Preset::SeldonV2, Some(labels.clone()));
    if has_infer {
        c.find(inv, &[INFER]);
        let ok = format!("{INFER}{{code=~\"2..|OK\"}}");
        let failed = format!("{INFER}{{code!~\"2..|OK\"}}");
        c.column(ColumnId::Throughput, fleet.rate(&labels, &ok), format!("rate of {INFER} answered 2xx or OK"));
        c.column(ColumnId::ErrorRate, fleet.share(&labels, &failed, INFER), format!("{INFER} by `code`"));
        if c.find(inv, &[SECONDS]) {
            let mean = format!("{} / {}", fleet.rate(&labels, SECONDS), fleet.rate(&labels, INFER));
            c.latency(Stat::Mean, mean, format!("mean of {SECONDS} per call"));
        }
        if inv.labels(INFER).is_none_or(|l| l.contains("model_internal")) {
            let with_version =
                format!("label_replace({INFER}, \"{{version_label}}\", \"$1\", \"model_internal\", \".+_([0-9]+)\")");
            let query = format!(
                "max by ({{model_label}}, {{version_label}}) ({})",
                fleet.relabel(&labels, &with_version, false)
            );
            c.column(ColumnId::Version, query, "the version suffix of `model_internal`");
        }
    }
    if has_drift {
        let drift_labels = labels_of(inv, &format!("{DRIFT}_count"), &["model_name", "model"], &[])?;
        c.find(inv, &["seldon_model_drift_sum", "seldon_model_drift_count"]);
        let flagged = fleet.by(&drift_labels, "sum", &format!("increase({DRIFT}_sum[1h])"));
        let batches = fleet.by(&drift_labels, "sum", &format!("increase({DRIFT}_count[1h])"));
        c.drift.push(DriftPart::Share {
            query: format!("{flagged} / {batches}"),
            what: "alibi-detect: share of batches flagged as drift over 1h (named by the detector)".into(),
        });
    }
    Some(c)
}

/// BentoML's request counter and latency histogram (labels `service_name`,
/// `service_version`); 1.2 and later name them `bentoml_service_request_*`, 1.0 and 1.1
/// `bentoml_api_server_request_*`.
fn bentoml(inv: &Inventory, fleet: &Fleet) -> Option<Contribution> {
    let prefix = ["bentoml_service_request", "bentoml_api_server_request"]
        .into_iter()
        .find(|p| inv.has(&format!("{p}_total")))?;
    let total = format!("{prefix}_total");
    let labels = labels_of(inv, &total, &["service_name"], &["service_version"])?;
    let mut c = Contribution::new(Preset::BentoMl, Some(labels.clone()));
    c.find(inv, &[&total]);
    // Health and metrics probes are requests too; they are not the model's traffic.
    let api = "endpoint!~\"/(healthz|livez|readyz|metrics)\"";
    let ok = format!("{total}{{{api}, http_response_code=~\"2..\"}}");
    let failed = format!("{total}{{{api}, http_response_code!~\"2..\"}}");
    let all = format!("{total}{{{api}}}");
    c.column(ColumnId::Throughput, fleet.rate(&labels, &ok), format!("rate of {total} answered 2xx"));
    c.column(ColumnId::ErrorRate, fleet.share(&labels, &failed, &all), format!("{total} by `http_response_code`"));
    if let Some(v) = &labels.version {
        c.column(ColumnId::Version, fleet.versions(&labels, &total), format!("`{v}` of {total}"));
    }
    let bucket = format!("{prefix}_duration_seconds_bucket");
    if c.find(inv, &[&bucket]) {
        let query = fleet.p95(&labels, &format!("{bucket}{{{api}}}"));
        c.latency(Stat::P95, query, format!("p95 of the {prefix}_duration_seconds histogram"));
    }
    Some(c)
}

/// vLLM's engine metrics (label `model_name`). It counts finished requests, not failed ones.
fn vllm(inv: &Inventory, fleet: &Fleet) -> Option<Contribution> {
    let found: Vec<String> = inv.names().filter(|n| n.starts_with("vllm:")).map(str::to_string).collect();
    let signal = found.iter().find(|n| !n.ends_with("_bucket"))?;
    const OK: &str = "vllm:request_success_total";
    const LATENCY: &str = "vllm:e2e_request_latency_seconds";
    let signal = if inv.has(OK) { OK } else { signal.as_str() };
    let labels = labels_of(inv, signal, &["model_name", "model"], &[])?;
    let mut c = Contribution::new(Preset::Vllm, Some(labels.clone()));
    if c.find(inv, &[OK]) {
        c.column(ColumnId::Throughput, fleet.rate(&labels, OK), format!("rate of {OK}"));
    }
    if c.find(inv, &["vllm:e2e_request_latency_seconds_bucket"]) {
        c.latency(Stat::P95, fleet.p95(&labels, &format!("{LATENCY}_bucket")), format!("p95 of {LATENCY}"));
    }
    if c.found.is_empty() {
        c.found.push(signal.to_string());
    }
    c.notes.push("it counts finished requests by reason, not failures: no ERR from it".into());
    if inv.has("vllm:kv_cache_usage_perc") || inv.has("vllm:gpu_cache_usage_perc") {
        c.notes.push("vllm:kv_cache_usage_perc is KV-cache use, not GPU use: GPU comes from DCGM".into());
    }
    Some(c)
}

/// KServe's Python model server (sklearn, xgboost, lightgbm, custom predictors): latency
/// histograms per step, label `model_name`.
fn kserve(inv: &Inventory, fleet: &Fleet) -> Option<Contribution> {
    const PREDICT: &str = "request_predict_seconds";
    if !inv.has(&format!("{PREDICT}_count")) {
        return None;
    }
    let labels = labels_of(inv, &format!("{PREDICT}_count"), &["model_name"], &[])?;
    let mut c = Contribution::new(Preset::Kserve, Some(labels.clone()));
    c.find(inv, &["request_predict_seconds_count", "request_predict_seconds_bucket"]);
    let count = format!("{PREDICT}_count");
    c.column(ColumnId::Throughput, fleet.rate(&labels, &count), format!("rate of {count}"));
    if inv.has(&format!("{PREDICT}_bucket")) {
        c.latency(Stat::P95, fleet.p95(&labels, &format!("{PREDICT}_bucket")), format!("p95 of {PREDICT}"));
    }
    c.notes.push("it counts no failures: no ERR from it".into());
    Some(c)
}
