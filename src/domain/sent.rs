//! How an entry records a request that went out: method and URL with the body, or the argv
//! of a command. Header values are never recorded (they are where credentials live), only
//! their names; a large body is recorded by its digest so that one trigger cannot bloat the
//! journal.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::sha256_hex;
use super::{Auth, Endpoint};

/// Bodies up to this many bytes, serialised as sent, are recorded in full.
pub const BODY_MAX: usize = 4096;

/// `{"method", "url", "body"}`, with `"headers"` (names only) when there are any; a body over
/// [`BODY_MAX`] becomes `"body_sha256"` and `"body_bytes"` of the bytes sent.
pub fn http(method: &str, url: &str, header_names: &[&str], body: Option<&Value>) -> Value {
    let mut record = Map::new();
    record.insert("method".into(), Value::String(method.to_string()));
    record.insert("url".into(), Value::String(url.to_string()));
    if !header_names.is_empty() {
        record.insert("headers".into(), json!(header_names));
    }
    if let Some(body) = body {
        // The bytes reqwest's `json` sends: serde_json's compact form.
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        if bytes.len() <= BODY_MAX {
            record.insert("body".into(), body.clone());
        } else {
            record.insert("body_sha256".into(), Value::String(sha256_hex(&bytes)));
            record.insert("body_bytes".into(), json!(bytes.len()));
        }
    }
    Value::Object(record)
}

/// The names of the headers every request to `endpoint` carries (`Authorization` when it
/// has credentials), never their values.
pub fn header_names(endpoint: &Endpoint) -> Vec<&str> {
    let auth = (!matches!(endpoint.auth, Auth::None)).then_some("Authorization");
    auth.into_iter().chain(endpoint.headers.iter().map(|(name, _)| name.as_str())).collect()
}

/// `{"argv", "timeout_s"}`: the command exactly as run, every placeholder filled.
pub fn command(argv: &[String], timeout: Duration) -> Value {
    json!({ "argv": argv, "timeout_s": timeout.as_secs_f64() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_bodies_in_full_large_ones_by_digest() {
        let small = json!({"model_name": "fraud-detector", "days": 30});
        let record = http("POST", "http://af:8080/api/v2/dags/d/dagRuns", &["Authorization"], Some(&small));
        assert_eq!(
            record,
            json!({"method": "POST", "url": "http://af:8080/api/v2/dags/d/dagRuns", "headers": ["Authorization"], "body": small})
        );
        let large = json!({ "blob": "x".repeat(BODY_MAX) });
        let bytes = serde_json::to_vec(&large).unwrap();
        let record = http("POST", "http://h/x", &[], Some(&large));
        assert_eq!(record["body_sha256"], sha256_hex(&bytes));
        assert_eq!(record["body_bytes"], bytes.len());
        assert!(record.get("body").is_none() && record.get("headers").is_none());
        assert_eq!(http("DELETE", "http://h/y", &[], None), json!({"method": "DELETE", "url": "http://h/y"}));
    }

    #[test]
    fn commands_keep_each_argument() {
        let argv = vec!["deploy".to_string(), "a b; $(id)".to_string()];
        let record = command(&argv, Duration::from_millis(1500));
        assert_eq!(record, json!({"argv": ["deploy", "a b; $(id)"], "timeout_s": 1.5}));
    }
}
