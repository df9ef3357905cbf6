//! The detail panels and their queries, built from `[detail]` and `[discovery]`. Each panel
//! is ONE range query for the model whose series are the chart's lines, named by the values
//! of `series_labels`.

use crate::backends::prometheus::promql::label_equals;
use crate::config::Discovery;
use crate::config::detail::{DetailConfig, DriftKind};

use crate::domain::{GPU_PLOTTED, OVERALL, PanelId, VOLUME};

#[derive(Debug, Clone, PartialEq)]
pub struct PanelSpec {
    pub id: PanelId,
    pub query: String,
    /// The labels whose values, joined, name each line.
    pub series_labels: Vec<String>,
}

fn names_regex(names: &[String]) -> String {
    names.iter().map(|n| n.replace('.', "\\\\.")).collect::<Vec<_>>().join("|")
}

/// The panels for `model`, selected by its raw name.
pub fn panels(model: &str, discovery: &Discovery, detail: &DetailConfig) -> Vec<PanelSpec> {
    let sel = label_equals(&discovery.model_label, model);
    let version = discovery.version_label.clone();
    let quantile = |q: &str, name: &str| {
        format!(
            "label_replace(histogram_quantile({q}, sum by (le) (rate(model_infer_request_duration_bucket{{{sel}}}[5m]))), \"q\", \"{name}\", \"\", \"\")"
        )
    };
    let gpu = |metric: &str, name: &str| {
        format!(
            "label_replace(max by (gpu) ({metric}{{{}}}), \"m\", \"{name}\", \"\", \"\")",
            label_equals(&discovery.gpu_label, model)
        )
    };
    let quality_labels =
        if detail.quality.len() > 1 { vec!["__name__".to_string(), version.clone()] } else { vec![version.clone()] };
    vec![
        PanelSpec {
            id: PanelId::Quality,
            query: format!("max by (__name__, {version}) ({{__name__=~\"{}\", {sel}}})", names_regex(&detail.quality)),
            series_labels: quality_labels,
        },
        PanelSpec {
            id: PanelId::Drift,
            // Per feature, plus the overall (worst) value as its own line.
            query: {
                let (f, metric) = (&detail.drift.feature_label, &detail.drift.metric);
                let overall = match detail.drift.kind {
                    DriftKind::Distance => "max",
                    DriftKind::PValue => "min",
                };
                format!(
                    "max by ({f}) ({metric}{{{sel}}}) or label_replace({overall}({metric}{{{sel}}}), \"{f}\", \"{OVERALL}\", \"\", \"\")"
                )
            },
            series_labels: vec![detail.drift.feature_label.clone()],
        },
        PanelSpec {
            id: PanelId::DataQuality,
            // The ratios are charted; the input volume (requests/s) goes in the title.
            query: format!(
                "max by (__name__) ({{__name__=~\"{}\", {sel}}}) or label_replace(sum(rate(model_infer_request_success_total{{{sel}}}[5m])) + sum(rate(model_infer_request_failure_total{{{sel}}}[5m])), \"__name__\", \"{VOLUME}\", \"\", \"\")",
                names_regex(&detail.data_quality)
            ),
            series_labels: vec!["__name__".into()],
        },
        PanelSpec {
            id: PanelId::Serving,
            query: format!("{} or {} or {}", quantile("0.5", "p50"), quantile("0.95", "p95"), quantile("0.99", "p99")),
            series_labels: vec!["q".into()],
        },
        PanelSpec {
            id: PanelId::Throughput,
            query: format!(
                "label_replace(sum(rate(model_infer_request_success_total{{{sel}}}[5m])), \"kind\", \"ok\", \"\", \"\") or label_replace(sum(rate(model_infer_request_failure_total{{{sel}}}[5m])), \"kind\", \"errors\", \"\", \"\")"
            ),
            series_labels: vec!["kind".into()],
        },
        PanelSpec {
            id: PanelId::Gpu,
            // One query for every GPU figure: utilisation is charted, the rest summarised.
            query: [
                gpu("DCGM_FI_DEV_GPU_UTIL", GPU_PLOTTED),
                gpu("DCGM_FI_DEV_FB_USED", "fb_used"),
                gpu("DCGM_FI_DEV_FB_FREE", "fb_free"),
                gpu("DCGM_FI_DEV_GPU_TEMP", "temp"),
                gpu("DCGM_FI_DEV_POWER_USAGE", "power"),
                gpu("DCGM_FI_DEV_SM_CLOCK", "sm_clock"),
            ]
            .join(" or "),
            series_labels: vec!["m".into(), "gpu".into()],
        },
    ]
}
