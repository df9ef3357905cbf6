//! Alertmanager API v2 answers: `GET /api/v2/alerts`.
//!
//! Collections are bare JSON arrays, timestamps RFC 3339 strings, and error bodies (400, 404,
//! 500) a JSON string such as `"bad matcher format: ..."`. Fields have come and gone across
//! versions (`status.mutedBy` only since 0.28), so every field of an alert is optional with
//! a default and unknown fields are ignored; only a body that is not an array of objects is
//! an error.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::backends::answer::stream::{self, Each, Expect, Found};
use crate::backends::answer::{
    ApiError, alert_from, decode_failure, http_error, is_non_empty_array, is_success, kind, raw_string_map,
    server_error, shape, string_list, timestamp,
};
use crate::domain::{Alert, AlertState, Names};

/// `GET /api/v2/alerts`: the array of `gettableAlert`s as domain alerts, in the server's
/// order.
///
/// State: `"active"` is [`AlertState::Active`], `"unprocessed"` is
/// [`AlertState::Unprocessed`], and `"suppressed"` is [`AlertState::Silenced`] when
/// `silencedBy` is non-empty, else [`AlertState::Inhibited`] when `inhibitedBy` is, else
/// (muted by a time interval, or no reason given) [`AlertState::Silenced`]. A missing or
/// unknown state is read from the same lists, and is [`AlertState::Active`] when they are
/// empty, so an alert we do not understand still shows as firing.
///
/// The fingerprint is Alertmanager's; when it is missing, a FNV-1a hash of the labels as for
/// Prometheus alerts. Name, severity, model and summary come from labels and annotations as
/// in [`super::prometheus::parse_alerts`]; `startsAt`, `status.silencedBy` and
/// `generatorURL` (empty gives `None`) are copied.
pub fn parse_alerts(status: u16, body: &[u8], model_label: &str) -> Result<Vec<Alert>, ApiError> {
    let mut alerts = Vec::new();
    walk(status, body, model_label, |alert| alerts.push(alert))?;
    // Grown by doubling, the list can be almost twice what it holds.
    alerts.shrink_to_fit();
    Ok(alerts)
}

/// `alert`, or the equal alert of `previous` (sorted by fingerprint) when there is one: a
/// poller that keeps the alerts it read last shares the unchanged ones with the list the
/// console still shows, so a refresh costs only the alerts that changed.
pub fn reuse(previous: &[Arc<Alert>], alert: Alert) -> Arc<Alert> {
    match previous.binary_search_by(|old| old.fingerprint.as_str().cmp(&alert.fingerprint)) {
        Ok(i) if *previous[i] == alert => previous[i].clone(),
        _ => Arc::new(alert),
    }
}

/// Sorts alerts by fingerprint, for [`reuse`].
pub fn by_fingerprint(alerts: &mut [Arc<Alert>]) {
    alerts.sort_unstable_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
}

/// Each alert of a `GET /api/v2/alerts` answer, in the server's order, to `each`.
fn walk(status: u16, body: &[u8], model_label: &str, mut each: impl FnMut(Alert)) -> Result<(), ApiError> {
    if !is_success(status) {
        return Err(error_answer(status, body));
    }
    // Streamed: each alert's tree is dropped once it is an `Alert`, so 10,000 alerts never
    // sit in memory as one `Value` tree.
    let mut names = Names::default();
    let mut misshapen = None;
    let found = stream::from_slice(
        body,
        Expect(Each(|n, item: Value| match &item {
            _ if misshapen.is_some() => {}
            Value::Object(item) => each(alert_of(item, model_label, &mut names)),
            other => misshapen = Some(shape(&format!("alert {n} is {}, expected an object", kind(other)))),
        })),
    )
    .map_err(|err| decode_failure(body, &err))?;
    match found {
        Found::Other(found) => Err(shape(&format!("expected an array of alerts, got {found}"))),
        Found::Expected(()) => misshapen.map_or(Ok(()), Err),
    }
}

/// The error a non-2xx answer stands for.
pub(super) fn error_answer(status: u16, body: &[u8]) -> ApiError {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::String(message)) => server_error(status, None, Some(&message)),
        // Prometheus-style envelopes: Mimir's Alertmanager, or the 410 of the removed v1 API.
        Ok(Value::Object(object)) => {
            let text = |key: &str| object.get(key).and_then(Value::as_str);
            match text("error").or_else(|| text("message")) {
                Some(message) => server_error(status, text("errorType"), Some(message)),
                None => http_error(status, body),
            }
        }
        _ => http_error(status, body),
    }
}

/// One `gettableAlert` object as a domain alert.
pub(super) fn alert_of(item: &Map<String, Value>, model_label: &str, names: &mut Names) -> Alert {
    let labels = raw_string_map(item.get("labels"), names);
    let annotations = raw_string_map(item.get("annotations"), names);
    let mut alert = alert_from(labels, annotations, model_label);

    let status = item.get("status");
    let field = |key: &str| status.and_then(|s| s.get(key));
    let silenced_by = string_list(field("silencedBy"));
    let inhibited = is_non_empty_array(field("inhibitedBy"));
    alert.state = match field("state").and_then(Value::as_str) {
        Some("active") => AlertState::Active,
        Some("unprocessed") => AlertState::Unprocessed,
        Some("suppressed") if silenced_by.is_empty() && inhibited => AlertState::Inhibited,
        Some("suppressed") => AlertState::Silenced,
        _ if !silenced_by.is_empty() => AlertState::Silenced,
        _ if inhibited => AlertState::Inhibited,
        _ => AlertState::Active,
    };
    alert.silenced_by = silenced_by;
    alert.inhibited_by = string_list(field("inhibitedBy"));
    alert.receivers = item
        .get("receivers")
        .and_then(Value::as_array)
        .map(|rs| rs.iter().filter_map(|r| r.get("name").and_then(Value::as_str)).map(str::to_owned).collect())
        .unwrap_or_default();

    if let Some(fingerprint) = item.get("fingerprint").and_then(Value::as_str).filter(|f| !f.is_empty()) {
        alert.fingerprint = fingerprint.to_owned();
    }
    alert.starts_at = timestamp(item.get("startsAt"));
    alert.generator_url =
        item.get("generatorURL").and_then(Value::as_str).filter(|url| !url.is_empty()).map(str::to_owned);
    alert
}
