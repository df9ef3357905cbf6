//! What a Prometheus holds, by name: the metric names (`/api/v1/label/__name__/values`) and
//! the label names of a metric's series (`/api/v1/labels?match[]=...`). `modeldeck init`
//! reads these to recognise exporters; nothing here reads sample values.

use reqwest::Client;
use serde_json::Value;

use crate::backends::answer::{ApiError, decode_failure, gateway_message, http_error, is_success, kind, server_error};
use crate::backends::http;
use crate::domain::Endpoint;

/// Every metric name Prometheus has series for, sorted as Prometheus sends them.
pub async fn metric_names(client: &Client, endpoint: &Endpoint) -> Result<Vec<String>, String> {
    let answer = http::get(client, endpoint, "api/v1/label/__name__/values", &[]).await?;
    parse_names(answer.status, &answer.body).map_err(|e| e.to_string())
}

/// The label names on the series of `metric` (`__name__` left out).
pub async fn label_names(client: &Client, endpoint: &Endpoint, metric: &str) -> Result<Vec<String>, String> {
    let matcher = format!("{{__name__={}}}", super::promql::string_literal(metric));
    let answer = http::get(client, endpoint, "api/v1/labels", &[("match[]", &matcher)]).await?;
    let names = parse_names(answer.status, &answer.body).map_err(|e| e.to_string())?;
    Ok(names.into_iter().filter(|n| n != "__name__").collect())
}

/// An answer whose `data` is a list of strings (label names or label values). Strings are
/// handed out raw; anything in the list that is not a string is skipped.
pub fn parse_names(status: u16, body: &[u8]) -> Result<Vec<String>, ApiError> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) if !is_success(status) => return Err(http_error(status, body)),
        Err(e) => return Err(decode_failure(body, &e)),
    };
    let Some(object) = value.as_object() else {
        if !is_success(status) {
            return Err(match gateway_message(body) {
                Some(m) => server_error(status, None, Some(&m)),
                None => http_error(status, body),
            });
        }
        return Err(ApiError::Decode(format!("unexpected shape: {} instead of an object", kind(&value))));
    };
    if object.get("status").and_then(Value::as_str) != Some("success") {
        let text = |key: &str| object.get(key).and_then(Value::as_str);
        if text("error").is_none() && text("errorType").is_none() && !is_success(status) {
            return Err(http_error(status, body));
        }
        return Err(server_error(status, text("errorType"), text("error")));
    }
    match object.get("data") {
        Some(Value::Array(items)) => Ok(items.iter().filter_map(Value::as_str).map(str::to_string).collect()),
        Some(other) => Err(ApiError::Decode(format!("unexpected shape: data is {}", kind(other)))),
        None => Err(ApiError::Decode("unexpected shape: no data".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_errors_and_odd_answers() {
        let ok = br#"{"status":"success","data":["up","vllm:num_requests_running",7]}"#;
        assert_eq!(parse_names(200, ok).unwrap(), ["up", "vllm:num_requests_running"]);
        let err = br#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"match[]\""}"#;
        assert_eq!(parse_names(400, err).unwrap_err().to_string(), r#"bad_data: invalid parameter "match[]""#);
        assert!(matches!(parse_names(502, b"<html>bad gateway</html>"), Err(ApiError::Http { status: 502, .. })));
        assert!(matches!(parse_names(200, b"[]"), Err(ApiError::Decode(_))));
        assert!(matches!(parse_names(200, br#"{"status":"success","data":{}}"#), Err(ApiError::Decode(_))));
        assert!(matches!(parse_names(200, br#"{"status":"succ"#), Err(ApiError::Decode(_))));
    }
}
