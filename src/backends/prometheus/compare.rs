//! Champion against challenger from Prometheus: every version of one model over one
//! window, one instant query per metric aggregated `by` the version label (never one query
//! per version). Counts come from counter increases, rates from `rate`, p95 from the
//! request-duration histogram's buckets and the mean from its sum and count (MLServer keeps
//! no buckets), all over the same `[window]`.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::Client;

use super::parse::parse_vector;
use super::promql::label_equals;
use crate::config::Discovery;
use crate::config::rollback::CompareSettings;
use crate::domain::{Endpoint, WindowComparison, WindowFigures};

/// The seven queries, in the order [`assemble`] reads their answers.
pub fn queries(
    model: &str,
    discovery: &Discovery,
    settings: &CompareSettings,
    accuracy: Option<&str>,
    window: Duration,
) -> Vec<(&'static str, Option<String>)> {
    let selector = label_equals(&discovery.model_label, model);
    let v = &discovery.version_label;
    let w = crate::domain::duration::format(window);
    let increase = |metric: &str| format!("sum by ({v}) (increase({metric}{{{selector}}}[{w}]))");
    let rate = |metric: &str| format!("sum by ({v}) (rate({metric}{{{selector}}}[{w}]))");
    vec![
        ("accuracy", accuracy.map(|m| format!("avg by ({v}) (avg_over_time({m}{{{selector}}}[{w}]))"))),
        ("correct predictions", Some(increase(&settings.correct_metric))),
        ("predictions", Some(increase(&settings.predictions_metric))),
        (
            "p95 latency",
            Some(format!(
                "histogram_quantile(0.95, sum by ({v}, le) (rate(model_infer_request_duration_bucket{{{selector}}}[{w}])))"
            )),
        ),
        ("requests", Some(rate("model_infer_request_success_total"))),
        (
            "mean latency",
            Some(format!(
                "{} / {}",
                rate("model_infer_request_duration_sum"),
                rate("model_infer_request_duration_count")
            )),
        ),
        ("failures", Some(rate("model_infer_request_failure_total"))),
    ]
}

/// Runs the queries at once and assembles the answers; an error only when every query
/// failed, otherwise the failed ones become warnings.
pub async fn load(
    client: &Client,
    endpoint: &Endpoint,
    model: &str,
    window: Duration,
    version_label: &str,
    queries: Vec<(&'static str, Option<String>)>,
) -> Result<WindowComparison, String> {
    let asked = queries.iter().filter(|(_, q)| q.is_some()).count();
    let answers = futures_util::future::join_all(queries.into_iter().map(|(name, promql)| async move {
        let Some(promql) = promql else { return (name, Ok(HashMap::new())) };
        let answer = crate::backends::http::get(client, endpoint, "api/v1/query", &[("query", &promql)]).await;
        (name, answer.and_then(|a| parse_vector(a.status, &a.body, version_label).map_err(|e| e.to_string())))
    }))
    .await;
    let failed: Vec<String> =
        answers.iter().filter_map(|(name, r)| r.as_ref().err().map(|e| format!("{name}: {e}"))).collect();
    if asked > 0 && failed.len() == asked {
        return Err(failed.into_iter().next().unwrap_or_default());
    }
    let maps: Vec<HashMap<String, f64>> = answers.into_iter().map(|(_, r)| r.unwrap_or_default()).collect();
    Ok(WindowComparison { model: model.into(), window, versions: assemble(&maps), warnings: failed })
}

/// One [`WindowFigures`] per version any answer names, sorted by version; values that are
/// not finite (NaN from an empty histogram, +Inf) count as absent.
pub fn assemble(maps: &[HashMap<String, f64>]) -> Vec<WindowFigures> {
    let get = |i: usize, v: &str| maps.get(i).and_then(|m| m.get(v)).copied().filter(|x| x.is_finite());
    let mut versions: Vec<&String> = maps.iter().flat_map(|m| m.keys()).collect();
    versions.sort();
    versions.dedup();
    versions
        .into_iter()
        .map(|version| {
            let (ok, failed) = (get(4, version), get(6, version));
            let error_rate = match (ok, failed) {
                (None, None) => None,
                (ok, failed) => {
                    let all = ok.unwrap_or(0.0) + failed.unwrap_or(0.0);
                    (all > 0.0).then(|| failed.unwrap_or(0.0) / all)
                }
            };
            WindowFigures {
                version: version.clone(),
                accuracy_gauge: get(0, version),
                correct: get(1, version),
                predictions: get(2, version),
                latency_p95: get(3, version),
                latency_mean: get(5, version),
                throughput: ok,
                error_rate,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, f64)]) -> HashMap<String, f64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn one_query_per_metric_by_version_for_the_model() {
        let discovery =
            Discovery { model_label: "model".into(), version_label: "version".into(), gpu_label: "c".into() };
        let q = queries(
            "fraud",
            &discovery,
            &CompareSettings::default(),
            Some("model_accuracy"),
            Duration::from_secs(3600),
        );
        assert_eq!(q.len(), 7);
        assert_eq!(q[0].1.as_deref(), Some(r#"avg by (version) (avg_over_time(model_accuracy{model="fraud"}[1h]))"#));
        assert_eq!(
            q[1].1.as_deref(),
            Some(r#"sum by (version) (increase(model_predictions_correct_total{model="fraud"}[1h]))"#)
        );
        assert!(q.iter().all(|(_, q)| q.as_ref().unwrap().contains("by (version")), "{q:?}");
    }

    #[test]
    fn answers_become_figures_and_specials_are_absent() {
        let maps = vec![
            map(&[("1", 0.9), ("2", f64::NAN)]),
            map(&[("1", 90.0)]),
            map(&[("1", 100.0)]),
            map(&[("2", f64::INFINITY)]),
            map(&[("1", 3.0), ("2", 1.0)]),
            map(&[("1", 0.02)]),
            map(&[("2", 1.0)]),
        ];
        let figures = assemble(&maps);
        assert_eq!(figures.len(), 2);
        assert_eq!(figures[0].accuracy(), Some(0.9));
        assert_eq!(figures[0].error_rate, Some(0.0), "no failures counted: none failed");
        assert_eq!(figures[1].accuracy_gauge, None);
        assert_eq!(figures[1].latency_p95, None);
        assert_eq!((figures[0].latency_mean, figures[1].latency_mean), (Some(0.02), None));
        assert_eq!(figures[1].error_rate, Some(0.5));
        assert!(assemble(&[]).is_empty());
    }
}
