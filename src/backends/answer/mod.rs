//! Pure parsers for what Prometheus and Alertmanager send back.
//!
//! Every parser takes the HTTP status and the raw body bytes, does no I/O and never panics,
//! whatever the bytes are. Data (label names and values, annotations, ids) is handed out
//! exactly as sent: it goes back into PromQL, matchers and the journal, and the views make
//! it inert. Error messages, written for the operator, are sanitised here.
//!
//! Failures are classified the same way for both backends:
//! - the API's own error answer (a Prometheus `errorType`/`error` envelope, an Alertmanager
//!   JSON string), whatever the status: [`ApiError::Server`];
//! - a non-2xx status whose body is not the API's JSON (a proxy's HTML page, plain text,
//!   nothing at all): [`ApiError::Http`];
//! - a 2xx answer that is not the JSON we expect: [`ApiError::Decode`].

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::domain::sanitize;
use crate::domain::{Alert, AlertState, Labels, Names, Severity};

pub(crate) mod envelope;
pub(crate) mod stream;

/// Longest `Display` of an [`ApiError`], in characters; it is shown in the header.
pub use crate::domain::sanitize::DISPLAY_MAX;
/// Longest excerpt of a non-API body kept in [`ApiError::Http`], in characters.
pub const DETAIL_MAX: usize = 80;

/// Why a backend answer could not be turned into data.
///
/// The strings inside are sanitised; `Display` is a single short line (at most
/// [`DISPLAY_MAX`] characters) meant for the header.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The server answered with an error envelope (Prometheus errorType/error, Alertmanager
    /// JSON string).
    #[error("{}", display_line(.message))]
    Server { status: u16, message: String },
    /// HTTP error status with a body that is not the API's JSON (proxy page, plain text,
    /// empty).
    #[error("{}", display_line(&format!("HTTP {status}: {detail}")))]
    Http { status: u16, detail: String },
    /// A 2xx answer that is not the JSON we expect.
    #[error("{}", display_line(.0))]
    Decode(String),
}

impl ApiError {
    /// The HTTP status, where the error came with one worth showing.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Server { status, .. } | ApiError::Http { status, .. } => Some(*status),
            ApiError::Decode(_) => None,
        }
    }
}

/// Whether a body is an HTML (or XML) page rather than JSON: its first non-blank byte is `<`
/// (JSON never starts so), or an `<html` tag appears near the start (some proxies put a
/// status line before the markup).
pub fn looks_like_html(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => false,
        Some(b'<') => true,
        Some(_) => {
            let head = &body[..body.len().min(1024)];
            contains_ignore_case(head, b"<html") || contains_ignore_case(head, b"<!doctype html")
        }
    }
}

pub(crate) fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

pub(crate) fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

pub(crate) fn is_blank(body: &[u8]) -> bool {
    body.iter().all(|b| b.is_ascii_whitespace())
}

/// Collapses every run of whitespace (newlines included) into one space.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Cuts `text` to at most `max` characters, the last one an ellipsis when it was cut.
pub(crate) fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The one-line, sanitised, capped form used by `Display`.
pub(crate) fn display_line(text: &str) -> String {
    truncate_chars(&sanitize::clean(&one_line(text)), DISPLAY_MAX)
}

/// A message that may be shown: one line, sanitised (and so capped at `sanitize::MAX_LEN`).
pub(crate) fn clean_message(text: &str) -> String {
    sanitize::clean(&one_line(text))
}

/// A short, sanitised excerpt of a body that is not the API's JSON.
pub(crate) fn excerpt(body: &[u8], max: usize) -> String {
    // A character is at most four bytes; the margin lets whitespace collapse.
    let head = &body[..body.len().min(max * 4 + 64)];
    let text = String::from_utf8_lossy(head);
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    truncate_chars(&clean_message(text), max)
}

/// A non-2xx answer whose body is not the API's error JSON.
pub(crate) fn http_error(status: u16, body: &[u8]) -> ApiError {
    let detail = if is_blank(body) {
        "empty body".to_owned()
    } else if looks_like_html(body) {
        "HTML page (proxy?)".to_owned()
    } else if let Some(message) = gateway_message(body) {
        truncate_chars(&clean_message(&message), DETAIL_MAX)
    } else {
        excerpt(body, DETAIL_MAX)
    };
    ApiError::Http { status, detail }
}

/// The sentence in a gateway's or auth proxy's own JSON error (`{"message": "no healthy
/// upstream"}`, `{"error": "Unauthorized"}`, a bare JSON string): shown alone, because the
/// JSON around it is noise in a header.
pub(crate) fn gateway_message(body: &[u8]) -> Option<String> {
    let text = match serde_json::from_slice::<Value>(body).ok()? {
        Value::String(text) => text,
        Value::Object(object) => {
            ["message", "error", "detail"].iter().find_map(|key| object.get(*key).and_then(Value::as_str))?.to_owned()
        }
        _ => return None,
    };
    Some(text).filter(|t| !t.trim().is_empty())
}

/// A 2xx answer that serde_json could not read.
pub(crate) fn decode_failure(body: &[u8], err: &serde_json::Error) -> ApiError {
    let message = if is_blank(body) {
        "empty body".to_owned()
    } else if looks_like_html(body) {
        "HTML page instead of JSON".to_owned()
    } else if err.is_eof() {
        "truncated JSON".to_owned()
    } else if err.is_data() {
        format!("unexpected shape: {}", truncate_chars(&clean_message(&err.to_string()), 80))
    } else {
        format!("invalid JSON: {}", truncate_chars(&clean_message(&err.to_string()), 80))
    };
    ApiError::Decode(message)
}

/// A 2xx answer that is JSON, but not laid out as the API documents.
pub(crate) fn shape(what: &str) -> ApiError {
    ApiError::Decode(format!("unexpected shape: {}", clean_message(what)))
}

/// An error message from the API itself; `kind` is Prometheus's `errorType`.
pub(crate) fn server_error(status: u16, kind: Option<&str>, message: Option<&str>) -> ApiError {
    let kind = kind.map(str::trim).filter(|k| !k.is_empty());
    let message = message.map(str::trim).filter(|m| !m.is_empty());
    let text = match (kind, message) {
        (Some(kind), Some(message)) => format!("{kind}: {message}"),
        (None, Some(message)) => message.to_owned(),
        (Some(kind), None) => kind.to_owned(),
        (None, None) => "error without a message".to_owned(),
    };
    ApiError::Server { status, message: clean_message(&text) }
}

/// The JSON type of a value, for error messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The string members of a JSON object, raw. Anything else (a missing key, `null`, a
/// non-string member) is skipped.
/// `names` shares the names across the alerts of one answer.
pub(crate) fn raw_string_map(value: Option<&Value>, names: &mut Names) -> Labels {
    let Some(Value::Object(map)) = value else {
        return Labels::default();
    };
    Labels::from_pairs(map.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v.to_owned()))), names)
}

/// The string elements of a JSON array, raw; non-strings are skipped.
pub(crate) fn string_list(value: Option<&Value>) -> Vec<String> {
    let Some(Value::Array(items)) = value else {
        return Vec::new();
    };
    items.iter().filter_map(Value::as_str).map(str::to_owned).collect()
}

pub(crate) fn is_non_empty_array(value: Option<&Value>) -> bool {
    value.and_then(Value::as_array).is_some_and(|a| !a.is_empty())
}

/// An RFC 3339 timestamp; missing or invalid gives `None`.
pub(crate) fn timestamp(value: Option<&Value>) -> Option<Timestamp> {
    value?.as_str()?.trim().parse().ok()
}

/// A label's value from a Prometheus `metric` object or an alert's labels, raw; absent,
/// non-string and empty values (which Prometheus treats as absent) give `None`.
pub(crate) fn label<'a>(labels: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    labels.get(name).and_then(Value::as_str).filter(|v| !v.is_empty())
}

/// FNV-1a, 64 bits, as 16 lowercase hex digits: a stable id for a label set. Names and
/// values are hashed raw, in name order, each followed by `0xff` (a byte UTF-8 never uses),
/// so `{a="bc"}` and `{ab="c"}` differ.
pub(crate) fn fingerprint(labels: &Labels) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    for (name, value) in labels {
        feed(name.as_bytes());
        feed(&[0xff]);
        feed(value.as_bytes());
        feed(&[0xff]);
    }
    format!("{hash:016x}")
}

/// An alert from its raw labels and annotations, kept raw; the caller fills in what its API
/// adds (state, fingerprint, times, silences, link).
pub(crate) fn alert_from(labels: Labels, annotations: Labels, model_label: &str) -> Alert {
    let get = |map: &'_ Labels, key: &str| {
        map.get(key).map(String::as_str).filter(|v| !v.trim().is_empty()).map(str::to_owned)
    };
    let summary = get(&annotations, "summary").or_else(|| get(&annotations, "description")).unwrap_or_default();
    Alert {
        fingerprint: fingerprint(&labels),
        name: labels.get("alertname").cloned().unwrap_or_default(),
        severity: Severity::from_label(labels.get("severity").map(String::as_str)),
        model: labels.get(model_label).filter(|m| !m.is_empty()).cloned(),
        state: AlertState::Active,
        starts_at: None,
        summary,
        labels,
        annotations,
        silenced_by: Vec::new(),
        generator_url: None,
        inhibited_by: Vec::new(),
        receivers: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_detection() {
        assert!(looks_like_html(b"  <html><body>502</body></html>"));
        assert!(looks_like_html(b"\xEF\xBB\xBF<!DOCTYPE html>"));
        assert!(looks_like_html(b"502 Bad Gateway\r\n<HTML><body></body></HTML>"));
        assert!(!looks_like_html(b"{\"status\":\"success\"}"));
        assert!(!looks_like_html(b"   "));
        assert!(!looks_like_html(b""));
        assert!(!looks_like_html(b"upstream connect error"));
    }

    #[test]
    fn fingerprint_is_fnv1a_over_separated_pairs() {
        assert_eq!(fingerprint(&Labels::default()), "cbf29ce484222325");
        let ab: Labels = [("a", "bc")].into_iter().collect();
        let abc: Labels = [("ab", "c")].into_iter().collect();
        assert_ne!(fingerprint(&ab), fingerprint(&abc));
        assert_eq!(fingerprint(&ab).len(), 16);
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate_chars("ééé", 3), "ééé");
        assert_eq!(truncate_chars("éééé", 3), "éé…");
        assert_eq!(truncate_chars("abc", 0), "");
    }
}
