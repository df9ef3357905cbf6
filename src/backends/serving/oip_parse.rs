//! Pure parsing of Open Inference Protocol answers (checked against MLServer 1.7.1): the
//! repository index, inference responses and the two error dialects, `{"error": "..."}`
//! from the server's handlers and FastAPI's `{"detail": [...]}` from request validation.
//!
//! Nothing here panics, whatever the bytes; every string is sanitised.

use serde_json::{Map, Value};

use crate::backends::call::excerpt;
use crate::domain::sanitize;

/// One entry of `POST v2/repository/index`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RepositoryModel {
    pub name: String,
    pub version: Option<String>,
    /// `READY`, `UNAVAILABLE` (Triton also has `LOADING`, `UNLOADING`).
    pub state: String,
    pub reason: String,
}

/// What an inference call answered.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InferAnswer {
    /// The version that answered, as the server reports it.
    pub model_version: Option<String>,
    /// The outputs, short and sanitised, e.g. `predict=[2]`.
    pub summary: String,
}

/// Longest [`InferAnswer::summary`], in characters.
pub const SUMMARY_MAX: usize = 120;
/// Values of one output shown in the summary before `…`.
const VALUES_SHOWN: usize = 4;

/// The index: a JSON list of `{name, version?, state, reason}`; entries without a name are
/// skipped.
pub fn parse_index(body: &[u8]) -> Result<Vec<RepositoryModel>, String> {
    let items = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(items)) => items,
        Ok(_) => return Err("the repository index is not a list".into()),
        Err(e) => return Err(sanitize::clean(&format!("the answer is not JSON: {e}"))),
    };
    Ok(items
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|m| {
            let name = scalar(m.get("name")?)?;
            Some(RepositoryModel {
                name,
                version: m.get("version").and_then(scalar).filter(|v| !v.is_empty()),
                state: m.get("state").and_then(scalar).unwrap_or_default(),
                reason: m.get("reason").and_then(scalar).unwrap_or_default(),
            })
        })
        .collect())
}

/// An inference response: `{model_name, model_version?, id, outputs: [{name, shape,
/// datatype, data}]}`.
pub fn parse_infer(body: &[u8]) -> Result<InferAnswer, String> {
    let root = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err("the inference answer is not a JSON object".into()),
        Err(e) => return Err(sanitize::clean(&format!("the answer is not JSON: {e}"))),
    };
    let outputs = root.get("outputs").and_then(Value::as_array).ok_or("the inference answer has no `outputs`")?;
    let parts: Vec<String> = outputs.iter().filter_map(Value::as_object).map(output).collect();
    let summary = if parts.is_empty() { "no outputs".to_string() } else { parts.join("; ") };
    Ok(InferAnswer {
        model_version: root.get("model_version").and_then(scalar).filter(|v| !v.is_empty()),
        summary: excerpt(&summary, SUMMARY_MAX),
    })
}

/// The server's message from an error body: `{"error": "..."}`, or FastAPI's `{"detail":
/// "..."}` / `{"detail": [{"loc": [...], "msg": "..."}]}`; `None` for anything else.
pub fn parse_error(body: &[u8]) -> Option<String> {
    let Ok(Value::Object(root)) = serde_json::from_slice::<Value>(body) else { return None };
    let message = match (root.get("error"), root.get("detail")) {
        (Some(Value::String(e)), _) => e.clone(),
        (_, Some(Value::String(d))) => d.clone(),
        (_, Some(Value::Array(items))) => {
            let parts: Vec<String> = items.iter().filter_map(Value::as_object).map(validation_error).collect();
            if parts.is_empty() {
                return None;
            }
            parts.join("; ")
        }
        (Some(other), _) if !other.is_null() => other.to_string(),
        _ => return None,
    };
    let message =
        excerpt(&message.split_whitespace().collect::<Vec<_>>().join(" "), crate::backends::call::EXCERPT_MAX);
    (!message.is_empty()).then_some(message)
}

/// `body.inputs.0.shape: Field required`.
fn validation_error(item: &Map<String, Value>) -> String {
    let at: Vec<String> = item.get("loc").and_then(Value::as_array).into_iter().flatten().filter_map(scalar).collect();
    let msg = item.get("msg").and_then(scalar).unwrap_or_else(|| "invalid".to_string());
    if at.is_empty() { msg } else { format!("{}: {msg}", at.join(".")) }
}

/// `predict=[2]`, `predict_proba=[0.0004, 0.35, 0.65, 0.98, …] (2×3)`.
fn output(o: &Map<String, Value>) -> String {
    let name = o.get("name").and_then(scalar).unwrap_or_else(|| "?".to_string());
    let mut values = Vec::new();
    let mut total = 0usize;
    flatten(o.get("data").unwrap_or(&Value::Null), &mut values, &mut total, 0);
    let mut shown = values.join(", ");
    if total > values.len() {
        shown.push_str(", …");
    }
    let shape: Vec<String> =
        o.get("shape").and_then(Value::as_array).into_iter().flatten().filter_map(scalar).collect();
    let many = shape.len() > 1 && shape.iter().any(|d| d != "1");
    if many { format!("{name}=[{shown}] ({})", shape.join("×")) } else { format!("{name}=[{shown}]") }
}

/// Collects the first [`VALUES_SHOWN`] scalars of possibly nested `data`, counting all.
fn flatten(value: &Value, out: &mut Vec<String>, total: &mut usize, depth: usize) {
    match value {
        // serde_json stops at 128 levels; this keeps the walk shallow whatever it accepts.
        Value::Array(items) if depth < 32 => {
            for item in items {
                flatten(item, out, total, depth + 1);
            }
        }
        Value::Array(_) | Value::Object(_) | Value::Null => {}
        scalar_value => {
            *total += 1;
            if out.len() < VALUES_SHOWN {
                out.push(short_number(scalar_value));
            }
        }
    }
}

fn short_number(value: &Value) -> String {
    match value {
        Value::Number(n) if n.is_f64() => n.as_f64().map(short_float).unwrap_or_default(),
        other => scalar(other).map(|s| excerpt(&s, 24)).unwrap_or_default(),
    }
}

/// Four decimals, or scientific notation where that would show nothing (`1.4e-8`).
fn short_float(f: f64) -> String {
    if f == 0.0 || (1e-3..1e6).contains(&f.abs()) {
        let fixed = format!("{f:.4}");
        fixed.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{f:.2e}")
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_of_mlserver() {
        let body = br#"[{"name":"iris","version":"v1","state":"READY","reason":""},
            {"name":"iris","version":"v2","state":"UNAVAILABLE","reason":"unloaded"},
            {"name":"bare","state":"READY"}, {"version":"v3"}, 7]"#;
        let index = parse_index(body).unwrap();
        assert_eq!(index.len(), 3);
        assert_eq!(
            index[0],
            RepositoryModel {
                name: "iris".into(),
                version: Some("v1".into()),
                state: "READY".into(),
                reason: String::new()
            }
        );
        assert_eq!((index[1].state.as_str(), index[1].reason.as_str()), ("UNAVAILABLE", "unloaded"));
        assert_eq!(index[2].version, None);
        assert_eq!(parse_index(b"[]").unwrap(), []);
        assert!(parse_index(b"{}").is_err() && parse_index(b"").is_err());
    }

    #[test]
    fn inference_summaries_are_short() {
        let v1 = br#"{"model_name":"iris","model_version":"v1","id":"x","parameters":{},
            "outputs":[{"name":"predict","shape":[1,1],"datatype":"INT64","parameters":{"content_type":"np"},"data":[2]}]}"#;
        assert_eq!(
            parse_infer(v1).unwrap(),
            InferAnswer { model_version: Some("v1".into()), summary: "predict=[2]".into() }
        );
        let proba = br#"{"model_name":"iris","model_version":"v2","outputs":[{"name":"predict_proba","shape":[2,3],
            "datatype":"FP64","data":[0.00045000767205706776,0.34968624246618324,0.6498637498617595,0.98,0.018,1.4e-8]}]}"#;
        assert_eq!(parse_infer(proba).unwrap().summary, "predict_proba=[4.50e-4, 0.3497, 0.6499, 0.98, …] (2×3)");
        let nested = br#"{"outputs":[{"name":"a","data":[[1,2.0]]},{"name":"\u001b[31mb","data":"x"}]}"#;
        let answer = parse_infer(nested).unwrap();
        assert_eq!(answer, InferAnswer { model_version: None, summary: "a=[1, 2]; ␛[31mb=[x]".into() });
        assert_eq!(parse_infer(br#"{"outputs":[]}"#).unwrap().summary, "no outputs");
        assert!(parse_infer(br#"{"model_name":"iris"}"#).is_err());
        let long =
            format!(r#"{{"outputs":[{}]}}"#, vec![r#"{"name":"nnnnnnnnnnnnnnnnnnnn","data":[1]}"#; 20].join(","));
        assert_eq!(parse_infer(long.as_bytes()).unwrap().summary.chars().count(), SUMMARY_MAX);
    }

    #[test]
    fn both_error_dialects() {
        assert_eq!(parse_error(br#"{"error":"Model nope not found"}"#).as_deref(), Some("Model nope not found"));
        let fastapi =
            br#"{"detail":[{"type":"missing","loc":["body","inputs",0,"shape"],"msg":"Field required","input":{}}]}"#;
        assert_eq!(parse_error(fastapi).as_deref(), Some("body.inputs.0.shape: Field required"));
        assert_eq!(parse_error(br#"{"detail":"Not Found"}"#).as_deref(), Some("Not Found"));
        assert_eq!(parse_error(br#"{"error":{"code":3}}"#).as_deref(), Some(r#"{"code":3}"#));
        for other in [&b"Not Found"[..], b"{}", b"[]", br#"{"detail":[]}"#, br#"{"error":null}"#] {
            assert_eq!(parse_error(other), None, "{:?}", String::from_utf8_lossy(other));
        }
    }
}
