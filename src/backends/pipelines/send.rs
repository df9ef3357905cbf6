//! One HTTP call of a trigger: built purely by the presets, shown on the confirmation
//! screen, then sent through the shared client. Error answers become the server's own
//! message, sanitised.

use reqwest::{Client, Method};
use serde_json::Value;

use super::TriggerError;
use crate::backends::http::{self, Answer};
use crate::domain::sanitize;
use crate::domain::{Auth, Endpoint};

/// Longest server message kept for the operator; error pages can be whole HTML documents.
const MESSAGE_MAX: usize = 300;

#[derive(Debug, Clone, PartialEq)]
pub struct HttpCall {
    pub method: Method,
    /// Relative to the endpoint's URL, segments already escaped.
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Added to the endpoint's own headers.
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl HttpCall {
    pub fn new(method: Method, path: String, body: Option<Value>) -> HttpCall {
        HttpCall { method, path, query: Vec::new(), headers: Vec::new(), body }
    }

    pub fn url(&self, endpoint: &Endpoint) -> String {
        let mut url = endpoint.join(&self.path);
        if !self.query.is_empty() {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &self.query {
                query.append_pair(k, v);
            }
            url.push('?');
            url.push_str(&query.finish());
        }
        url
    }

    /// The request as the confirmation screen shows it: method and URL, headers (a secret
    /// only by kind), then the JSON body.
    pub fn describe(&self, endpoint: &Endpoint) -> String {
        let mut lines = vec![format!("{} {}", self.method, self.url(endpoint))];
        match &endpoint.auth {
            Auth::None => {}
            Auth::Bearer(_) => lines.push("Authorization: Bearer <token>".into()),
            Auth::Basic { username, .. } => lines.push(format!("Authorization: Basic {username}:<password>")),
        }
        for (name, value) in endpoint.headers.iter().chain(&self.headers) {
            lines.push(format!("{name}: {value}"));
        }
        if let Some(body) = &self.body {
            lines.push(String::new());
            lines.push(serde_json::to_string_pretty(body).unwrap_or_else(|_| body.to_string()));
        }
        lines.join("\n")
    }

    /// Sends the call; a non-2xx answer is an error carrying the server's message.
    pub async fn send(&self, client: &Client, endpoint: &Endpoint) -> Result<Answer, TriggerError> {
        let mut endpoint = endpoint.clone();
        endpoint.headers.extend(self.headers.iter().cloned());
        let query: Vec<(&str, &str)> = self.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let answer =
            http::request_checked(client, &endpoint, self.method.clone(), &self.path, &query, self.body.as_ref())
                .await
                .map_err(|e| TriggerError { message: e.message, unknown: e.sent })?;
        if (200..300).contains(&answer.status) {
            return Ok(answer);
        }
        Err(TriggerError {
            message: status_error(answer.status, &answer.body),
            // A gateway timeout means the backend may have taken it and not answered in time.
            unknown: answer.status == 504,
        })
    }
}

/// `HTTP 404: DAG not found`: the status and what the server said about it.
pub fn status_error(status: u16, body: &[u8]) -> String {
    match server_message(body) {
        Some(message) => format!("HTTP {status}: {message}"),
        None => format!("HTTP {status}"),
    }
}

/// The human message of an error body: grpc-gateway and GitHub `message`, FastAPI `detail`
/// (a string or a validation list), a generic `error`, else the first line of plain text.
pub fn server_message(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let message = match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => {
            ["message", "detail", "error", "title"].iter().find_map(|k| map.get(*k).and_then(words))
        }
        Ok(other) => words(&other),
        Err(_) => text.lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_string),
    }?;
    Some(cap(&sanitize::clean(&message.split_whitespace().collect::<Vec<_>>().join(" "))))
}

fn words(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(validation_item).collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        Value::Object(map) => map.get("message").or_else(|| map.get("msg")).and_then(words),
        _ => None,
    }
}

/// FastAPI validation entries: `{"loc": ["body", "conf"], "msg": "…"}` → `body.conf: …`.
fn validation_item(item: &Value) -> Option<String> {
    let msg = item.get("msg").or_else(|| item.get("message")).and_then(Value::as_str);
    let Some(msg) = msg else {
        return item.as_str().map(str::to_string);
    };
    let loc: Vec<String> = item
        .get("loc")
        .and_then(Value::as_array)
        .map(|l| l.iter().map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_string)).collect())
        .unwrap_or_default();
    Some(if loc.is_empty() { msg.to_string() } else { format!("{}: {msg}", loc.join(".")) })
}

fn cap(text: &str) -> String {
    if text.chars().count() <= MESSAGE_MAX {
        return text.to_string();
    }
    let mut out: String = text.chars().take(MESSAGE_MAX - 1).collect();
    out.push('…');
    out
}

/// A status read for polling: the JSON body of a 2xx answer, else the server's message.
pub async fn get_json(client: &Client, endpoint: &Endpoint, path: &str) -> Result<Value, String> {
    get_json_with(client, endpoint, path, &[]).await
}

/// [`get_json`] with query parameters.
pub async fn get_json_with(
    client: &Client,
    endpoint: &Endpoint,
    path: &str,
    query: &[(&str, &str)],
) -> Result<Value, String> {
    let answer = http::request(client, endpoint, Method::GET, path, query, None).await?;
    if !(200..300).contains(&answer.status) {
        return Err(status_error(answer.status, &answer.body));
    }
    serde_json::from_slice(&answer.body).map_err(|e| format!("unreadable answer: {}", sanitize::clean(&e.to_string())))
}

/// A string field of an outside document, raw; numbers are accepted as ids.
pub fn field(value: &Value, pointer: &str) -> Option<String> {
    match value.pointer(pointer)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The JSON object a back end answers on success. Anything else in a 2xx answer is most
/// likely an auth proxy's login page reached through a redirect: whether the request got
/// through is then unknown.
pub fn created_object(answer: &Answer, what: &str) -> Result<Value, TriggerError> {
    match serde_json::from_slice::<Value>(&answer.body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        _ => Err(TriggerError {
            message: format!("HTTP {}, but the answer is not {what} (a login page from a proxy?)", answer.status),
            unknown: true,
        }),
    }
}

/// The body as JSON when it is JSON; anything else (including nothing) is `Null`.
pub fn json_or_null(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_from_each_error_shape() {
        let m = |s: &str| server_message(s.as_bytes());
        assert_eq!(m(r#"{"code":5,"message":"run not found"}"#).unwrap(), "run not found");
        assert_eq!(m(r#"{"detail":"DAG with dag_id: 'x' not found"}"#).unwrap(), "DAG with dag_id: 'x' not found");
        let validation = r#"{"detail":[{"loc":["body","execution_date"],"msg":"Extra inputs are not permitted","type":"extra_forbidden"}]}"#;
        assert_eq!(m(validation).unwrap(), "body.execution_date: Extra inputs are not permitted");
        assert_eq!(m(r#"{"error":{"message":"nope"}}"#).unwrap(), "nope");
        assert_eq!(m("upstream connect error\nmore").unwrap(), "upstream connect error");
        assert_eq!(m(r#""\u001b[2Jboom""#).unwrap(), "␛[2Jboom");
        assert_eq!(m(""), None);
        assert_eq!(m("{}"), None);
        assert!(m(&"x".repeat(5000)).unwrap().chars().count() <= MESSAGE_MAX);
    }

    #[test]
    fn odd_bodies_never_panic() {
        let login = Answer { status: 200, body: b"<html>sign in</html>".to_vec() };
        assert!(created_object(&login, "a Run").unwrap_err().unknown);
        for body in [&b"\xff\xfe"[..], b"[1,2", b"null", b"{\"detail\":[1,{},null]}", b"{\"message\":7}"] {
            let _ = server_message(body);
            let _ = json_or_null(body);
        }
    }
}
