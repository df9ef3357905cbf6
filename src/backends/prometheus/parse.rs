//! Prometheus HTTP API v1 answers: instant queries (`/api/v1/query`), range queries
//! (`/api/v1/query_range`) and pending alerts (`/api/v1/alerts`).
//!
//! Every answer is an envelope `{"status": "success"|"error", "data": ..., "errorType": ...,
//! "error": ..., "warnings": [...]}`; the envelope is decoded on any HTTP status, and
//! `warnings`/`infos` are ignored here. Sample values are JSON strings (`"0.97"`, `"NaN"`,
//! `"+Inf"`, `"-Inf"`, `"1e-07"`), timestamps are JSON numbers in seconds with or without
//! decimals.
//!
//! The outer layout (envelope, `resultType`, `result` array of objects) must be right or the
//! answer is a [`ApiError::Decode`]. Inside it, single samples we cannot read as a float (a
//! native histogram, which has `histogram` instead of `value`, or a malformed pair) are
//! skipped, so one odd series does not blank a whole column.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};

use crate::backends::answer::envelope::Envelope;
use crate::backends::answer::stream::{self, Expect, Found};
use crate::backends::answer::{
    ApiError, alert_from, decode_failure, http_error, is_success, kind, label, raw_string_map, server_error, shape,
    timestamp,
};
use crate::domain::sanitize;
use crate::domain::{Alert, AlertState, Names};

/// The most slots [`parse_matrix`] fills; Prometheus itself refuses range queries with more
/// than 11,000 points per series.
pub const MAX_POINTS: usize = 11_000;

/// One instant-vector query aggregated `by (model)`: model label value -> sample value.
///
/// Series without the model label (or with it empty) are skipped, as are samples that are
/// not floats (native histograms). If two series share a model (the query kept another
/// label), the larger value is kept; a `NaN` loses to any number. `"NaN"`, `"+Inf"` and
/// `"-Inf"` parse to the f64 specials. Any other result type is a [`ApiError::Decode`]
/// (`expected a vector, got scalar`).
pub fn parse_vector(status: u16, body: &[u8], model_label: &str) -> Result<HashMap<String, f64>, ApiError> {
    let mut out: HashMap<String, f64> = HashMap::new();
    each_series(status, body, "vector", |item| {
        let Some(model) = model_of(&item, model_label) else {
            return;
        };
        let Some(value) = item.get("value").and_then(sample_value) else {
            return;
        };
        out.entry(model).and_modify(|v| *v = v.max(value)).or_insert(value);
    })?;
    Ok(out)
}

/// Several instant vectors asked in one query, each series tagged with the label `split`
/// (see [`super::promql::tagged`]): tag -> model -> value, each part read as
/// [`parse_vector`] reads a vector of its own. Series without the tag are skipped.
pub fn parse_vectors_by(
    status: u16,
    body: &[u8],
    model_label: &str,
    split: &str,
) -> Result<HashMap<String, HashMap<String, f64>>, ApiError> {
    let mut out: HashMap<String, HashMap<String, f64>> = HashMap::new();
    each_series(status, body, "vector", |item| {
        let Some(tag) = item.metric.and_then(|m| label(m, split)) else {
            return;
        };
        let Some(model) = model_of(&item, model_label) else {
            return;
        };
        let Some(value) = item.get("value").and_then(sample_value) else {
            return;
        };
        let part = out.entry(tag.to_owned()).or_default();
        part.entry(model).and_modify(|v| *v = v.max(value)).or_insert(value);
    })?;
    Ok(out)
}

/// The same vector, but for each model the sorted, de-duplicated (sanitised) values of
/// `label`, for label columns such as the live version(s); sample values are ignored.
/// Models whose series all lack `label` are left out.
pub fn parse_label_values(
    status: u16,
    body: &[u8],
    model_label: &str,
    label_name: &str,
) -> Result<HashMap<String, Vec<String>>, ApiError> {
    let mut sets: HashMap<String, BTreeSet<String>> = HashMap::new();
    each_series(status, body, "vector", |item| {
        let Some(model) = model_of(&item, model_label) else {
            return;
        };
        let Some(value) = item.metric.and_then(|m| label(m, label_name)) else {
            return;
        };
        sets.entry(model).or_default().insert(value.to_owned());
    })?;
    Ok(sets.into_iter().map(|(model, values)| (model, values.into_iter().collect())).collect())
}

/// A range query (result type `matrix`) resampled onto a fixed grid of `points` slots
/// starting at `start` (Unix seconds) every `step` seconds, oldest first.
///
/// A sample at time `t` lands in slot `round((t - start) / step)`; samples outside the grid
/// are dropped and slots without a sample are `NaN`. When several samples land in one slot
/// (two series of a model, or a step finer than the grid), the largest is kept. Every model
/// with a `values` array gets a row, even if none of its samples fall on the grid. Series
/// that only carry native `histograms` are skipped. `points` is capped at [`MAX_POINTS`]; a
/// `step` that is not a positive finite number puts every sample outside the grid.
pub fn parse_matrix(
    status: u16,
    body: &[u8],
    model_label: &str,
    start: f64,
    step: f64,
    points: usize,
) -> Result<HashMap<String, Vec<f64>>, ApiError> {
    let points = points.min(MAX_POINTS);
    let mut out: HashMap<String, Vec<f64>> = HashMap::new();
    each_series(status, body, "matrix", |item| {
        let Some(model) = model_of(&item, model_label) else {
            return;
        };
        let Some(Value::Array(values)) = item.get("values") else {
            return;
        };
        let row = out.entry(model).or_insert_with(|| vec![f64::NAN; points]);
        for pair in values {
            let Some((t, v)) = sample_point(pair) else {
                continue;
            };
            if let Some(slot) = grid_slot(t, start, step, points) {
                row[slot] = row[slot].max(v);
            }
        }
    })?;
    Ok(out)
}

/// `GET /api/v1/alerts`: the alerts in state `pending` (not yet past their `for:`), as
/// [`AlertState::Pending`] alerts; firing ones come through Alertmanager.
///
/// The fingerprint is a FNV-1a hash of the sorted labels (16 hex digits), the name comes from
/// `alertname`, the severity from `severity`, the model from `model_label`, the start from
/// `activeAt` (missing or invalid gives `None`) and the summary from the `summary`
/// annotation, else `description`, else empty. Order is the server's.
pub fn parse_alerts(status: u16, body: &[u8], model_label: &str) -> Result<Vec<Alert>, ApiError> {
    let data = envelope_data(status, body)?;
    let Value::Object(data) = data else {
        return Err(shape(&format!("data is {}, expected an object", kind(&data))));
    };
    let items = match data.get("alerts") {
        Some(Value::Array(items)) => items.as_slice(),
        None | Some(Value::Null) => &[],
        Some(other) => {
            return Err(shape(&format!("alerts is {}, expected an array", kind(other))));
        }
    };
    let mut alerts = Vec::new();
    let mut names = Names::default();
    for (n, item) in items.iter().enumerate() {
        let Value::Object(item) = item else {
            return Err(shape(&format!("alert {n} is {}, expected an object", kind(item))));
        };
        if item.get("state").and_then(Value::as_str) != Some("pending") {
            continue;
        }
        let labels = raw_string_map(item.get("labels"), &mut names);
        let annotations = raw_string_map(item.get("annotations"), &mut names);
        let mut alert = alert_from(labels, annotations, model_label);
        alert.state = AlertState::Pending;
        alert.starts_at = timestamp(item.get("activeAt"));
        alerts.push(alert);
    }
    Ok(alerts)
}

/// The `data` member of a success envelope, or the error the answer stands for.
fn envelope_data(status: u16, body: &[u8]) -> Result<Value, ApiError> {
    let ok = is_success(status);
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(err) if ok => return Err(decode_failure(body, &err)),
        Err(_) => return Err(http_error(status, body)),
    };
    let Value::Object(mut envelope) = value else {
        return Err(if ok {
            shape(&format!("expected an object, got {}", kind(&value)))
        } else {
            http_error(status, body)
        });
    };
    let text = |key: &str| envelope.get(key).and_then(Value::as_str);
    check_envelope(status, body, text("status"), text("error"), text("errorType"))?;
    envelope.remove("data").ok_or_else(|| shape("no data"))
}

/// The error an envelope's `status`, `error` and `errorType` (and the HTTP status) stand
/// for, if any.
fn check_envelope(
    status: u16,
    body: &[u8],
    state: Option<&str>,
    error: Option<&str>,
    error_type: Option<&str>,
) -> Result<(), ApiError> {
    if state == Some("error") || (state != Some("success") && (error.is_some() || error_type.is_some())) {
        return Err(server_error(status, error_type, error));
    }
    if !is_success(status) {
        // JSON, but not the API's error envelope: a gateway's own error object.
        return Err(http_error(status, body));
    }
    match state {
        Some("success") | None => Ok(()),
        Some(other) => Err(shape(&format!("status \"{other}\""))),
    }
}

/// One element of a `result` array.
struct Series<'a> {
    /// The series' labels; `None` when `metric` is missing or not an object.
    metric: Option<&'a Map<String, Value>>,
    item: &'a Map<String, Value>,
}

impl<'a> Series<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.item.get(key)
    }
}

/// Calls `each` on every series of a `vector` or `matrix` answer, reading the body as a
/// stream (one series' tree at a time). Errors are those of [`envelope_data`] and then, in
/// this order: a different result type, a `result` that is not an array, an element that
/// is not an object; on any error what `each` gathered is to be dropped.
fn each_series(status: u16, body: &[u8], expected: &str, mut each: impl FnMut(Series<'_>)) -> Result<(), ApiError> {
    let ok = is_success(status);
    let mut misshapen = None;
    let mut element = |n: usize, item: Value| match &item {
        _ if misshapen.is_some() => {}
        Value::Object(item) => each(Series { metric: item.get("metric").and_then(Value::as_object), item }),
        other => misshapen = Some(shape(&format!("result {n} is {}, expected an object", kind(other)))),
    };
    let outline = match stream::from_slice(body, Expect(Envelope(&mut element))) {
        Ok(Found::Expected(outline)) => outline,
        Ok(Found::Other(found)) if ok => return Err(shape(&format!("expected an object, got {found}"))),
        Err(err) if ok => return Err(decode_failure(body, &err)),
        Ok(Found::Other(_)) | Err(_) => return Err(http_error(status, body)),
    };
    fn text(value: &Option<Value>) -> Option<&str> {
        value.as_ref().and_then(Value::as_str)
    }
    check_envelope(status, body, text(&outline.status), text(&outline.error), text(&outline.error_type))?;
    let data = match outline.data {
        None => return Err(shape("no data")),
        Some(Found::Other(found)) => return Err(shape(&format!("data is {found}, expected an object"))),
        Some(Found::Expected(data)) => data,
    };
    match data.result_type.as_ref().and_then(Value::as_str) {
        Some(found) if found == expected => {}
        Some(found) => {
            let found = crate::backends::answer::truncate_chars(&sanitize::clean(found), 24);
            return Err(ApiError::Decode(format!("expected a {expected}, got {found}")));
        }
        None => return Err(shape("no resultType")),
    }
    match data.result {
        None | Some(Found::Expected(())) | Some(Found::Other("null")) => {}
        Some(Found::Other(found)) => return Err(shape(&format!("result is {found}, expected an array"))),
    }
    misshapen.map_or(Ok(()), Err)
}

/// The model of a series, raw, if it has one.
fn model_of(series: &Series<'_>, model_label: &str) -> Option<String> {
    label(series.metric?, model_label).map(str::to_owned)
}

/// A number written as a JSON string (`"0.97"`, `"NaN"`, `"+Inf"`) or, leniently, a JSON
/// number.
fn number(value: &Value) -> Option<f64> {
    match value {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

/// The value of a `[timestamp, "value"]` pair.
fn sample_value(pair: &Value) -> Option<f64> {
    match pair.as_array()?.as_slice() {
        [_, value, ..] => number(value),
        _ => None,
    }
}

/// Both halves of a `[timestamp, "value"]` pair.
fn sample_point(pair: &Value) -> Option<(f64, f64)> {
    match pair.as_array()?.as_slice() {
        [t, value, ..] => Some((number(t).filter(|t| t.is_finite())?, number(value)?)),
        _ => None,
    }
}

fn grid_slot(t: f64, start: f64, step: f64, points: usize) -> Option<usize> {
    if !(step > 0.0 && step.is_finite()) {
        return None;
    }
    let slot = ((t - start) / step).round();
    // Both comparisons are false for NaN (an infinite `start`).
    (slot >= 0.0 && slot < points as f64).then_some(slot as usize)
}
