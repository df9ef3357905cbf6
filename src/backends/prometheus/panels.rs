//! The detail panels and their queries, built from `[detail]` and `[discovery]`. Each panel
//! is ONE range query for the model whose series are the chart's lines, named by the values
//! of `series_labels`.

use crate::backends::prometheus::promql::label_equals;
use crate::config::Discovery;
use crate::config::detail::{DetailConfig, DriftConfig, DriftKind, DriftScale, p_value_score};

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
            query: drift_query(&sel, &detail.drift),
            series_labels: vec![detail.drift.feature_label().to_string()],
        },
        PanelSpec {
            id: PanelId::DataQuality,
            // The ratios are charted; the input volume (requests/s) goes in the title. `or`
            // matches series on their labels without the metric name, so the volume carries
            // a label of its own (`part`): with only its new name it would match a ratio
            // series and be dropped.
            query: format!(
                "max by (__name__) ({{__name__=~\"{}\", {sel}}}) or label_replace(label_replace(sum(rate(model_infer_request_success_total{{{sel}}}[5m])) + sum(rate(model_infer_request_failure_total{{{sel}}}[5m])), \"__name__\", \"{VOLUME}\", \"\", \"\"), \"part\", \"volume\", \"\", \"\")",
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
    .into_iter()
    .chain(detail.resources.panel_query(&discovery.model_label, model).map(|query| PanelSpec {
        id: PanelId::Resources,
        query,
        series_labels: vec!["r".into()],
    }))
    .collect()
}

/// The drift panel's query: one line per feature (the lines of metrics with another feature
/// label are renamed to the first metric's), then the worst value as the `overall` line.
/// Distances take the largest value per feature, p-values the smallest; with both kinds the
/// p-values become scores on the distance scale, so the largest is the worst throughout.
/// P-values are aggregated before they are scored: arithmetic drops the metric name, and two
/// tests' series could then no longer be told apart.
fn drift_query(sel: &str, drift: &DriftConfig) -> String {
    let scale = drift.scale();
    let f = drift.feature_label();
    // Groups of metrics that read alike, in the order first named.
    let mut groups: Vec<(DriftKind, &str, Vec<String>)> = Vec::new();
    for m in &drift.metrics {
        match groups.iter_mut().find(|(k, l, _)| *k == m.kind && *l == m.feature_label) {
            Some((_, _, names)) => names.push(m.name.clone()),
            None => groups.push((m.kind, &m.feature_label, vec![m.name.clone()])),
        }
    }
    let lines: Vec<String> = groups
        .iter()
        .map(|(kind, label, names)| {
            let mut series = format!("{{__name__=~\"{}\", {sel}}}", names_regex(names));
            if *label != f {
                series = format!("label_replace({series}, \"{f}\", \"$1\", \"{label}\", \"(.*)\")");
            }
            match (kind, scale) {
                (DriftKind::Distance, _) => format!("max by ({f}) ({series})"),
                (DriftKind::PValue, DriftScale::PValue) => format!("min by ({f}) ({series})"),
                (DriftKind::PValue, _) => p_value_score(&format!("min by ({f}) ({series})")),
            }
        })
        .collect();
    let worst = if scale == DriftScale::PValue { "min" } else { "max" };
    let lines = match lines.as_slice() {
        [one] => one.clone(),
        // A feature in two groups (a distance and a test on the same column) keeps its
        // worst value; the group label keeps the groups' series apart until then.
        _ => {
            let tagged: Vec<String> = (0..lines.len())
                .map(|i| format!("label_replace({}, \"drift_group\", \"{i}\", \"\", \"\")", lines[i]))
                .collect();
            format!("{worst} by ({f}) ({})", tagged.join(" or "))
        }
    };
    format!("{lines} or label_replace({worst}({lines}), \"{f}\", \"{OVERALL}\", \"\", \"\")")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::detail::DriftMetric;

    fn metric(name: &str, kind: DriftKind, feature_label: &str) -> DriftMetric {
        DriftMetric { name: name.into(), kind, feature_label: feature_label.into() }
    }

    #[test]
    fn drift_lines_per_kind_and_one_scale_for_both() {
        let distance = DriftConfig { metrics: vec![metric("model_drift_psi", DriftKind::Distance, "feature")] };
        assert_eq!(
            drift_query("model=\"m\"", &distance),
            r#"max by (feature) ({__name__=~"model_drift_psi", model="m"}) or label_replace(max(max by (feature) ({__name__=~"model_drift_psi", model="m"})), "feature", "overall", "", "")"#
        );
        let p = DriftConfig {
            metrics: vec![
                metric("trustyai_meanshift", DriftKind::PValue, "subcategory"),
                metric("trustyai_kstest", DriftKind::PValue, "subcategory"),
            ],
        };
        let q = drift_query("model=\"m\"", &p);
        assert!(q.starts_with(r#"min by (subcategory) ({__name__=~"trustyai_meanshift|trustyai_kstest", model="m"}) or label_replace(min("#), "{q}");
        let both = DriftConfig {
            metrics: vec![
                metric("model_drift_score", DriftKind::Distance, "feature"),
                metric("trustyai_meanshift", DriftKind::PValue, "subcategory"),
            ],
        };
        let q = drift_query("model=\"m\"", &both);
        let p_line = r#"clamp(0.1 + 0.15 * log2(0.1 / min by (feature) (label_replace({__name__=~"trustyai_meanshift", model="m"}, "feature", "$1", "subcategory", "(.*)"))), 0, 1)"#;
        assert!(q.contains(p_line), "{q}");
        assert!(q.starts_with(r#"max by (feature) (label_replace(max by (feature) ({__name__=~"model_drift_score", model="m"}), "drift_group", "0", "", "") or label_replace(clamp("#), "{q}");
        assert!(q.contains(r#" or label_replace(max(max by (feature) (label_replace("#), "{q}");
    }
}
