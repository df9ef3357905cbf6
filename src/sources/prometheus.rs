//! The fleet from Prometheus: one query per column for every model at once (`by (model)`),
//! plus Prometheus's pending alerts. The number of queries never depends on the fleet size.
//! The number columns go in one request (each query tagged, joined with `or`); if that
//! fails they are asked one by one, so one broken query does not blank the others.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jiff::Timestamp;
use reqwest::Client;
use tokio::task::JoinSet;

use super::Source;
use crate::backends::budget::Budget;
use crate::backends::http;
use crate::backends::prometheus::{parse, promql};
use crate::config::ColumnSpec;
use crate::domain::Endpoint;
use crate::domain::{CellValue, ColumnId, ColumnResult, FleetSnapshot, SourceData, SourceId};

/// Points in the trend sparkline.
pub const TREND_POINTS: usize = 60;

/// The label that tells the number columns apart in their one answer.
const COLUMN_TAG: &str = "modeldeck_column";

type Column = (usize, ColumnId, ColumnResult);

/// What the joined query of the number columns gave.
enum Joined {
    Columns(Vec<Column>),
    /// No answer: the request itself failed.
    Unreachable(String),
    /// An answer that is not the columns (a query error, a proxy's page).
    Refused(String),
}

#[derive(Clone)]
pub struct PrometheusSource {
    client: Client,
    endpoint: Arc<Endpoint>,
    columns: Arc<Vec<ColumnSpec>>,
    model_label: Arc<str>,
    version_label: Arc<str>,
    /// Bytes the answers of one refresh may hold at once.
    budget: usize,
    /// Ask the number columns in one request. Cleared for good once the joined query
    /// failed while a column asked alone succeeded: a query of the config is broken, and
    /// asking it joined every refresh would only add a request.
    together: Arc<AtomicBool>,
}

impl PrometheusSource {
    pub fn new(
        client: Client,
        endpoint: Endpoint,
        columns: Vec<ColumnSpec>,
        model_label: &str,
        version_label: &str,
        budget: usize,
    ) -> Self {
        PrometheusSource {
            client,
            endpoint: Arc::new(endpoint),
            columns: Arc::new(columns),
            model_label: model_label.into(),
            version_label: version_label.into(),
            budget,
            together: Arc::new(AtomicBool::new(true)),
        }
    }

    /// This source asking one request per column, as before the columns were joined (for
    /// comparisons in tests).
    pub fn one_request_per_column(self) -> Self {
        PrometheusSource { together: Arc::new(AtomicBool::new(false)), ..self }
    }

    /// One refresh: the column queries and the alerts call run concurrently, their answers
    /// sharing one budget.
    pub async fn snapshot(&self, now: Timestamp) -> Result<FleetSnapshot, String> {
        let budget = Budget::new(self.budget);
        let numbers: Vec<(usize, ColumnSpec)> =
            self.columns.iter().cloned().enumerate().filter(|(_, spec)| is_number(spec.id)).collect();
        let joined = numbers.len() > 1 && self.together.load(Ordering::Relaxed);
        let mut tasks = JoinSet::new();
        for (order, spec) in self.columns.iter().enumerate() {
            if joined && is_number(spec.id) {
                continue;
            }
            let this = self.clone();
            let (spec, budget) = (spec.clone(), budget.clone());
            tasks.spawn(async move { (order, spec.id, this.column(&spec, now, &budget).await) });
        }
        let together = joined.then(|| {
            let (this, numbers, budget) = (self.clone(), numbers.clone(), budget.clone());
            tokio::spawn(async move { this.columns_together(&numbers, &budget).await })
        });
        let alerts = {
            let this = self.clone();
            let budget = budget.clone();
            tokio::spawn(async move { this.pending_alerts(&budget).await })
        };
        let mut columns = join_columns(&mut tasks).await?;
        if let Some(together) = together {
            match together.await {
                Ok(Joined::Columns(found)) => columns.extend(found),
                // No answer at all (refused, timed out, over the budget): asking each column
                // would only wait as long again. Each column fails as it would have alone.
                Ok(Joined::Unreachable(e)) => {
                    columns.extend(numbers.iter().map(|(order, spec)| (*order, spec.id, Err(e.clone()))));
                }
                answered => {
                    if let Ok(Joined::Refused(e)) = answered {
                        tracing::debug!(error = %e, "joined column query refused; asking each column");
                    }
                    for (order, spec) in numbers {
                        let (this, budget) = (self.clone(), budget.clone());
                        tasks.spawn(async move { (order, spec.id, this.column(&spec, now, &budget).await) });
                    }
                    let alone = join_columns(&mut tasks).await?;
                    if alone.iter().any(|(_, _, r)| r.is_ok()) {
                        self.together.store(false, Ordering::Relaxed);
                    }
                    columns.extend(alone);
                }
            }
        }
        columns.sort_by_key(|(order, _, _)| *order);
        if !columns.is_empty() && columns.iter().all(|(_, _, r)| r.is_err()) {
            return Err(whole_failure(&columns));
        }
        let pending_alerts = match alerts.await {
            Ok(Ok(alerts)) => alerts,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "pending alerts from Prometheus unavailable");
                Vec::new()
            }
            Err(e) => return Err(format!("alerts task failed: {e}")),
        };
        Ok(FleetSnapshot { columns: columns.into_iter().map(|(_, id, r)| (id, r)).collect(), pending_alerts })
    }

    /// The number columns in one instant query, split back by their tag.
    async fn columns_together(&self, numbers: &[(usize, ColumnSpec)], budget: &Budget) -> Joined {
        let query: Vec<String> =
            numbers.iter().map(|(order, spec)| promql::tagged(&spec.query, COLUMN_TAG, &order.to_string())).collect();
        let answer = match self.get("api/v1/query", &[("query", &query.join(" or "))], budget).await {
            Ok(answer) => answer,
            Err(e) => return Joined::Unreachable(e),
        };
        let mut parts = match parse::parse_vectors_by(answer.status, &answer.body, &self.model_label, COLUMN_TAG) {
            Ok(parts) => parts,
            Err(e) => return Joined::Refused(e.to_string()),
        };
        Joined::Columns(
            numbers
                .iter()
                .map(|(order, spec)| {
                    let part = parts.remove(&order.to_string()).unwrap_or_default();
                    (*order, spec.id, Ok(part.into_iter().map(|(k, v)| (k, CellValue::Number(v))).collect()))
                })
                .collect(),
        )
    }

    async fn column(&self, spec: &ColumnSpec, now: Timestamp, budget: &Budget) -> ColumnResult {
        let label = &*self.model_label;
        let result: Result<HashMap<String, CellValue>, String> = match spec.id {
            ColumnId::Trend => {
                let (start, end, step) = trend_window(now.as_millisecond() as f64 / 1000.0, spec.range.as_secs_f64());
                let (start_s, end_s, step_s) = (format!("{start:.3}"), format!("{end:.3}"), format!("{step:.3}"));
                let answer = self
                    .get(
                        "api/v1/query_range",
                        &[("query", &spec.query), ("start", &start_s), ("end", &end_s), ("step", &step_s)],
                        budget,
                    )
                    .await?;
                parse::parse_matrix(answer.status, &answer.body, label, start, step, TREND_POINTS)
                    .map(|m| m.into_iter().map(|(k, v)| (k, CellValue::Series(v))).collect())
                    .map_err(|e| e.to_string())
            }
            ColumnId::Version => {
                let answer = self.get("api/v1/query", &[("query", &spec.query)], budget).await?;
                parse::parse_label_values(answer.status, &answer.body, label, &self.version_label)
                    .map(|m| m.into_iter().map(|(k, v)| (k, CellValue::Text(v.join(",")))).collect())
                    .map_err(|e| e.to_string())
            }
            _ => {
                let answer = self.get("api/v1/query", &[("query", &spec.query)], budget).await?;
                parse::parse_vector(answer.status, &answer.body, label)
                    .map(|m| m.into_iter().map(|(k, v)| (k, CellValue::Number(v))).collect())
                    .map_err(|e| e.to_string())
            }
        };
        result.map_err(|e| format!("{}: {e}", spec.id))
    }

    async fn pending_alerts(&self, budget: &Budget) -> Result<Vec<crate::domain::Alert>, String> {
        let answer = self.get("api/v1/alerts", &[], budget).await?;
        parse::parse_alerts(answer.status, &answer.body, &self.model_label).map_err(|e| e.to_string())
    }

    async fn get(&self, path: &str, query: &[(&str, &str)], budget: &Budget) -> Result<http::Budgeted, String> {
        http::get_within(&self.client, &self.endpoint, path, query, budget).await
    }
}

/// The trend's grid: `TREND_POINTS` points `step` apart over `range`, ending at the last
/// multiple of `step` that is not after `now`. On a fixed grid every point but the newest is
/// the same instant at each refresh, so the sparkline shifts once a step (a minute for the
/// default hour) instead of wobbling, and redrawing, at every refresh as the sample times
/// slide; the newest point is at most one step old, and the number columns show the latest.
pub fn trend_window(now: f64, range: f64) -> (f64, f64, f64) {
    let step = (range.max(60.0) / TREND_POINTS as f64).max(1.0).round();
    let end = (now / step).floor() * step;
    (end - step * (TREND_POINTS - 1) as f64, end, step)
}

/// Columns whose query gives one number per model (not the trend's range, not a label).
fn is_number(id: ColumnId) -> bool {
    !matches!(id, ColumnId::Trend | ColumnId::Version)
}

async fn join_columns(tasks: &mut JoinSet<Column>) -> Result<Vec<Column>, String> {
    let mut columns = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(result) => columns.push(result),
            Err(e) => return Err(format!("query task failed: {e}")),
        }
    }
    Ok(columns)
}

/// Why a refresh with no column left failed. Every column failing is Prometheus failing
/// (a proxy's error page, garbage in place of the API's JSON), not the first column: the
/// reason most columns give is named without a column. Only when the columns fail for
/// different reasons that are the API's own answers (a PromQL typo per column) is the
/// first one given with its column.
fn whole_failure(columns: &[Column]) -> String {
    let reasons: Vec<&str> = columns
        .iter()
        .filter_map(|(_, id, result)| {
            let error = result.as_ref().err()?;
            Some(error.strip_prefix(&format!("{id}: ")).unwrap_or(error))
        })
        .collect();
    let all_alike = reasons.windows(2).all(|pair| pair[0] == pair[1]);
    let all_garbled = reasons.iter().all(|r| GARBLED.iter().any(|g| r.starts_with(g)));
    if all_alike || all_garbled {
        let count = |r: &&str| reasons.iter().filter(|o| *o == r).count();
        // The most common reason, the first of equals.
        let mut most: Option<&str> = None;
        for r in &reasons {
            if most.is_none_or(|m| count(r) > count(&m)) {
                most = Some(r);
            }
        }
        return most.unwrap_or_default().to_string();
    }
    columns.iter().find_map(|(_, _, r)| r.as_ref().err()).cloned().unwrap_or_default()
}

/// How an answer that is not the API's JSON reads (`answer::decode_failure`, `shape`, the
/// result-type check): the server's fault, whichever query met it.
const GARBLED: [&str; 6] =
    ["invalid JSON", "unexpected shape", "truncated JSON", "HTML page", "empty body", "expected a "];

impl Source for PrometheusSource {
    fn id(&self) -> SourceId {
        SourceId::Prometheus
    }

    async fn fetch(&mut self) -> Result<SourceData, String> {
        // A server may quote the token it was sent: masked before it is logged or shown.
        self.snapshot(Timestamp::now()).await.map(SourceData::Fleet).map_err(|e| self.endpoint.redact(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(id: ColumnId, error: &str) -> (usize, ColumnId, ColumnResult) {
        (0, id, Err(format!("{id}: {error}")))
    }

    #[test]
    fn one_reason_for_every_column_is_given_without_a_column() {
        let columns = [
            failed(ColumnId::Version, "HTTP 502: HTML page (proxy?)"),
            failed(ColumnId::Gpu, "HTTP 502: HTML page (proxy?)"),
        ];
        assert_eq!(whole_failure(&columns), "HTTP 502: HTML page (proxy?)");
        let columns =
            [failed(ColumnId::Version, "bad_data: parse error"), failed(ColumnId::Gpu, "HTTP 502: HTML page (proxy?)")];
        assert_eq!(whole_failure(&columns), format!("{}: bad_data: parse error", ColumnId::Version));
        // Garbage reads a little differently per query type; the source is to blame.
        let columns = [
            failed(ColumnId::Version, "expected a vector, got string"),
            failed(ColumnId::Accuracy, "expected a vector, got string"),
            failed(ColumnId::Trend, "expected a matrix, got string"),
        ];
        assert_eq!(whole_failure(&columns), "expected a vector, got string");
    }

    #[test]
    fn the_trend_grid_stays_put_between_refreshes_of_one_step() {
        // An hour in 60 points: a minute apart, ending on the last whole minute.
        let (start, end, step) = trend_window(1_000_000_130.5, 3600.0);
        assert_eq!((start, end, step), (1_000_000_080.0 - 59.0 * 60.0, 1_000_000_080.0, 60.0));
        // Refreshes within the same minute ask for the same instants...
        assert_eq!(trend_window(1_000_000_139.9, 3600.0), (start, end, step));
        // ...and the next minute shifts the grid by exactly one point.
        assert_eq!(trend_window(1_000_000_140.0, 3600.0), (start + 60.0, end + 60.0, step));
        // Short ranges keep at least a second a point; odd ranges round the step.
        assert_eq!(trend_window(100.4, 10.0).2, 1.0);
        assert_eq!(trend_window(1_000.0, 100.0).2, 2.0);
    }
}
