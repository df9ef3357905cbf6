//! Loading the detail: one range query per panel, all at once, for one model.

use std::sync::Arc;

use reqwest::Client;
use serde_json::Value;
use tokio::task::JoinSet;

use super::panels::PanelSpec;
use crate::backends::answer::{ApiError, looks_like_html};
use crate::backends::http;
use crate::domain::Endpoint;
use crate::domain::sanitize;
use crate::domain::{DetailSnapshot, Line, PanelData};

pub async fn load(
    client: &Client,
    endpoint: &Endpoint,
    model: &str,
    panels: &[PanelSpec],
    (start, end, step): (f64, f64, f64),
) -> Result<DetailSnapshot, String> {
    let endpoint = Arc::new(endpoint.clone());
    // A window anchored at a young alert ends in the future: ask only up to now, on the
    // window's grid, or Prometheus's lookback would draw the last sample on into the future.
    let query_end = until_now(start, end, step, jiff::Timestamp::now().as_second() as f64);
    let mut tasks = JoinSet::new();
    for (order, spec) in panels.iter().enumerate() {
        let (client, endpoint, spec) = (client.clone(), endpoint.clone(), spec.clone());
        tasks.spawn(async move {
            let (s, e, st) = (format!("{start:.0}"), format!("{query_end:.0}"), format!("{step:.0}"));
            let query = [("query", spec.query.as_str()), ("start", &s), ("end", &e), ("step", &st)];
            let result = match http::get(&client, &endpoint, "api/v1/query_range", &query).await {
                Ok(answer) => parse_lines(answer.status, &answer.body, &spec.series_labels).map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            (order, PanelData { id: spec.id, result })
        });
    }
    let mut out = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        out.push(joined.map_err(|e| format!("panel task failed: {e}"))?);
    }
    out.sort_by_key(|(order, _)| *order);
    let panels: Vec<PanelData> = out.into_iter().map(|(_, p)| p).collect();
    if !panels.is_empty() && panels.iter().all(|p| p.result.is_err()) {
        return Err(panels.iter().find_map(|p| p.result.as_ref().err()).cloned().unwrap_or_default());
    }
    Ok(DetailSnapshot { model: model.to_string(), start, end, step, panels })
}

/// The last point of the grid `start + k * step` that is not after `now`, or `end` when the
/// window has ended; never before `start`.
fn until_now(start: f64, end: f64, step: f64, now: f64) -> f64 {
    if end <= now || step <= 0.0 {
        return end;
    }
    (start + ((now - start) / step).floor().max(0.0) * step).min(end)
}

/// A matrix answer as chart lines named by the values of `labels`, joined by a space
/// (a series with none of them is named "value").
pub fn parse_lines(status: u16, body: &[u8], labels: &[String]) -> Result<Vec<Line>, ApiError> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) if looks_like_html(body) => {
            return Err(if (200..300).contains(&status) {
                ApiError::Decode("HTML page instead of JSON".into())
            } else {
                ApiError::Http { status, detail: "HTML page (proxy?)".into() }
            });
        }
        Err(e) if e.is_eof() => return Err(ApiError::Decode("truncated JSON".into())),
        Err(e) => return Err(ApiError::Decode(format!("invalid JSON: {}", sanitize::clean(&e.to_string())))),
    };
    if value.get("status").and_then(Value::as_str) == Some("error") {
        let kind = value.get("errorType").and_then(Value::as_str).unwrap_or("error");
        let msg = value.get("error").and_then(Value::as_str).unwrap_or("");
        return Err(ApiError::Server { status, message: sanitize::clean(&format!("{kind}: {msg}")) });
    }
    if !(200..300).contains(&status) {
        return Err(ApiError::Http { status, detail: "unexpected answer".into() });
    }
    let result = value.pointer("/data/result").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut lines: Vec<Line> = result
        .iter()
        .map(|series| {
            let metric = series.get("metric");
            let parts: Vec<String> = labels
                .iter()
                .filter_map(|l| metric.and_then(|m| m.get(l)).and_then(Value::as_str))
                .map(|v| crate::domain::short(v).to_owned())
                .collect();
            let name = if parts.is_empty() { "value".to_string() } else { parts.join(" ") };
            let points = series
                .get("values")
                .and_then(Value::as_array)
                .map(|vals| {
                    vals.iter()
                        .filter_map(|p| {
                            let t = p.get(0)?.as_f64()?;
                            let v: f64 = p.get(1)?.as_str()?.parse().ok()?;
                            // Old DCGM exporters print ~9.22e18 for "not available".
                            (v.is_finite() && v.abs() < 9.0e18).then_some((t, v))
                        })
                        .collect()
                })
                .unwrap_or_default();
            Line { name, points }
        })
        .collect();
    lines.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_into_the_future_is_asked_only_up_to_now() {
        assert_eq!(until_now(1000.0, 1300.0, 1.0, 2000.0), 1300.0, "ended: the whole window");
        assert_eq!(until_now(1000.0, 1300.0, 10.0, 1105.5), 1100.0, "on the grid, not after now");
        assert_eq!(until_now(1000.0, 1300.0, 10.0, 900.0), 1000.0, "never before the start");
    }

    #[test]
    fn lines_by_label_with_specials_dropped() {
        let body = br#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"version":"4"},"values":[[100,"0.9"],[160,"NaN"],[220,"0.8"]]},
            {"metric":{"version":"3"},"values":[[100,"0.95"],[160,"9.223372036854776e18"]]}]}}"#;
        let lines = parse_lines(200, body, &["version".to_string()]).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].name, "3");
        assert_eq!(lines[0].points, vec![(100.0, 0.95)]);
        assert_eq!(lines[1].points, vec![(100.0, 0.9), (220.0, 0.8)]);
    }

    #[test]
    fn errors_are_short() {
        assert!(matches!(
            parse_lines(400, br#"{"status":"error","errorType":"bad_data","error":"x"}"#, &[]),
            Err(ApiError::Server { .. })
        ));
        assert!(matches!(parse_lines(200, b"{\"status\":", &[]), Err(ApiError::Decode(_))));
        assert!(matches!(parse_lines(502, b"<html>bad gateway</html>", &[]), Err(ApiError::Http { .. })));
    }
}
