//! Clients for the systems a rollback goes through: the MLflow model registry (which version
//! an alias such as `champion` points at) and a serving server speaking the Open Inference
//! Protocol's repository extension (which versions are loaded).
//!
//! Every call returns a [`CallError`] that says whether the failure may have changed
//! something, because the journal must tell "nothing happened" (`failed`) from "we do not
//! know" (`unknown`). Registry data (versions, tags, descriptions) is kept as the server sent
//! it; error messages, written for the operator, are sanitised.

use std::fmt;

pub use crate::domain::{ModelVersion, RegisteredModel};

use crate::backends::answer::looks_like_html;
use crate::backends::http::{Answer, HttpError};
use crate::domain::sanitize;

/// Whether a failed call may have changed something: the journal says `failed` or `unknown`.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// Nothing was changed: the request was never sent, or the server answered with an error.
    NotApplied(String),
    /// The request was sent and no complete answer came back: it may have been applied.
    Unknown(String),
}

impl CallError {
    pub fn message(&self) -> &str {
        match self {
            CallError::NotApplied(m) | CallError::Unknown(m) => m,
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for CallError {}

impl From<HttpError> for CallError {
    fn from(e: HttpError) -> Self {
        if e.sent {
            CallError::Unknown(format!("sent, but no complete answer: {}", e.message))
        } else {
            CallError::NotApplied(e.message)
        }
    }
}

/// The requests a client sent that are not reads (every method but GET), in order, for the
/// journal: method, URL without credentials, and body. A request is logged once it may have
/// reached the server, whatever came back.
#[derive(Debug, Default)]
pub struct SentLog(std::sync::Mutex<Vec<serde_json::Value>>);

impl SentLog {
    pub(crate) fn record<T>(
        &self,
        endpoint: &crate::domain::Endpoint,
        method: &reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        result: &Result<T, HttpError>,
    ) {
        let reached = match result {
            Ok(_) => true,
            Err(e) => e.sent,
        };
        if *method == reqwest::Method::GET || !reached {
            return;
        }
        let names = crate::domain::sent::header_names(endpoint);
        let record = crate::domain::sent::http(method.as_str(), &shown_url(endpoint, path), &names, body);
        if let Ok(mut log) = self.0.lock() {
            log.push(record);
        }
    }

    /// Everything logged so far, leaving the log empty.
    pub fn take(&self) -> Vec<serde_json::Value> {
        self.0.lock().map(|mut log| std::mem::take(&mut *log)).unwrap_or_default()
    }
}

/// Longest excerpt of a non-JSON error body, in characters.
pub const EXCERPT_MAX: usize = 200;

/// The message for an error answer whose body is not the API's JSON: `HTTP 403: <first
/// line>` for text (MLflow's security middleware answers in plain text), the page title for
/// an HTML page from a proxy (its first line is markup), or just the status when empty.
pub fn http_error_text(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let detail = if looks_like_html(body) {
        html_title(&text).unwrap_or_else(|| "an HTML page".to_string())
    } else if let Some(message) = crate::backends::answer::gateway_message(body) {
        // A JSON error (a Prometheus envelope, `{"message": …}`): its sentence, not the JSON.
        message
    } else {
        text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("").to_string()
    };
    let detail = excerpt(&detail, EXCERPT_MAX);
    if detail.is_empty() { format!("HTTP {status}") } else { format!("HTTP {status}: {detail}") }
}

pub(crate) fn html_title(page: &str) -> Option<String> {
    let lower = page.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    // `to_ascii_lowercase` keeps byte offsets, so they index `page` too.
    let title = page.get(start..end)?.split_whitespace().collect::<Vec<_>>().join(" ");
    (!title.is_empty()).then_some(title)
}

/// Sanitised and cut to `max` characters, the last one an ellipsis when it was cut.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let clean = sanitize::clean(text);
    if clean.chars().count() <= max {
        return clean;
    }
    let mut out: String = clean.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

pub(crate) fn is_success(answer: &Answer) -> bool {
    (200..300).contains(&answer.status)
}

/// `segment` made safe to put between two `/` of a URL path (model names are free text).
pub(crate) fn path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The URL of `endpoint` joined with `path`, without any credentials, for confirmation
/// screens and the journal.
pub(crate) fn shown_url(endpoint: &crate::domain::Endpoint, path: &str) -> String {
    without_credentials(endpoint, &endpoint.join(path))
}

/// `url` (one of `endpoint`'s) without user information and without the endpoint's secrets.
pub(crate) fn without_credentials(endpoint: &crate::domain::Endpoint, url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            endpoint.redact(url.as_str())
        }
        Err(_) => endpoint.redact(url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_find_by_key() {
        let version = ModelVersion { tags: vec![("a".into(), "1".into())], ..Default::default() };
        let model = RegisteredModel {
            aliases: vec![("champion".into(), "3".into())],
            versions: vec![ModelVersion { version: "3".into(), ..Default::default() }],
            ..Default::default()
        };
        assert_eq!((version.tag("a"), version.tag("b")), (Some("1"), None));
        assert_eq!((model.alias("champion"), model.alias("x")), (Some("3"), None));
        assert_eq!(model.version("3").map(|v| v.version.as_str()), Some("3"));
        assert!(model.version("4").is_none());
    }

    #[test]
    fn http_errors_say_whether_they_were_sent() {
        let sent = CallError::from(HttpError { message: "timed out".into(), sent: true });
        assert_eq!(sent, CallError::Unknown("sent, but no complete answer: timed out".into()));
        let refused = CallError::from(HttpError { message: "connection refused".into(), sent: false });
        assert_eq!(refused.to_string(), "connection refused");
    }

    #[test]
    fn non_json_bodies_become_one_short_line() {
        let plain = b"Invalid Host header - possible DNS rebinding attack detected\nmore";
        assert_eq!(
            http_error_text(403, plain),
            "HTTP 403: Invalid Host header - possible DNS rebinding attack detected"
        );
        let page = b"<!DOCTYPE html>\n<html><head><title>502 Bad\n Gateway</title></head><body>x</body></html>";
        assert_eq!(http_error_text(502, page), "HTTP 502: 502 Bad Gateway");
        assert_eq!(http_error_text(502, b"<html><body>x</body></html>"), "HTTP 502: an HTML page");
        assert_eq!(http_error_text(503, b"  \n"), "HTTP 503");
        let envelope = br#"{"status":"error","errorType":"internal","error":"query would load too many samples"}"#;
        assert_eq!(http_error_text(500, envelope), "HTTP 500: query would load too many samples");
        assert_eq!(http_error_text(500, b"\x1b[2Jboom"), "HTTP 500: ␛[2Jboom");
        let long = "x".repeat(300);
        assert_eq!(http_error_text(500, long.as_bytes()).chars().count(), "HTTP 500: ".len() + EXCERPT_MAX);
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(path_segment("iris-v1.2_x~"), "iris-v1.2_x~");
        assert_eq!(path_segment("a/b c?é"), "a%2Fb%20c%3F%C3%A9");
    }
}
