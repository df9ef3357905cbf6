//! What Alertmanager answers to the silence API: `gettableSilence` objects, the
//! `{"silenceID": ...}` of a create or update, and error bodies.
//!
//! Pure functions over the raw body bytes: no I/O, no panics whatever the bytes are. Ids,
//! matchers, authors and comments are handed out exactly as sent (a silence is extended
//! with the matchers it holds); error messages, written for the operator, are sanitised.
//! Failures are short sentences that the client wraps into [`super::silence::ActionError`].

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::backends::answer::{excerpt, kind, looks_like_html, one_line};
use crate::domain::sanitize;
use crate::domain::{Matcher, Silence, SilenceState};

/// How much of a body that is not the API's JSON is quoted in an error, in characters.
const EXCERPT_MAX: usize = 120;

/// `GET /api/v2/silence/{id}`: one silence. `now` decides the state when the server gives
/// none we know.
pub(super) fn parse_silence(body: &[u8], now: Timestamp) -> Result<Silence, String> {
    silence_from(&json(body)?, now)
}

/// `GET /api/v2/silences`: every silence, in the server's order (expired ones included).
pub(super) fn parse_silences(body: &[u8], now: Timestamp) -> Result<Vec<Silence>, String> {
    let value = json(body)?;
    let Value::Array(items) = value else {
        return Err(format!("unexpected shape: expected an array of silences, got {}", kind(&value)));
    };
    items.iter().enumerate().map(|(n, item)| silence_from(item, now).map_err(|e| format!("silence {n}: {e}"))).collect()
}

/// `POST /api/v2/silences`: the id in `{"silenceID": "..."}`.
pub(super) fn parse_created(body: &[u8]) -> Result<String, String> {
    let value = json(body)?;
    match value.get("silenceID").and_then(Value::as_str).map(str::trim) {
        Some(id) if !id.is_empty() => Ok(id.to_owned()),
        _ => Err("unexpected shape: no silenceID in the answer".to_owned()),
    }
}

/// The message of an error answer, one sanitised line: Alertmanager's JSON string, the
/// `message` (or `error`) of a JSON object (its request validator answers
/// `{"code": 612, "message": "..."}`), else a short description of whatever came.
pub(super) fn error_message(status: u16, body: &[u8]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(Value::String(message)) => message,
        Ok(Value::Object(object)) => match text(&object, "message").or_else(|| text(&object, "error")) {
            Some(message) => message.to_owned(),
            None => excerpt(body, EXCERPT_MAX),
        },
        _ if body.iter().all(u8::is_ascii_whitespace) => {
            if status == 404 {
                "not found".to_owned()
            } else {
                "empty body".to_owned()
            }
        }
        _ if looks_like_html(body) => "HTML page (proxy?)".to_owned(),
        _ => excerpt(body, EXCERPT_MAX),
    };
    let line = one_line(&text);
    if line.is_empty() { "no message".to_owned() } else { sanitize::clean(&line) }
}

fn json(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|err| {
        if body.iter().all(u8::is_ascii_whitespace) {
            "empty body".to_owned()
        } else if looks_like_html(body) {
            "HTML page instead of JSON".to_owned()
        } else if err.is_eof() {
            "truncated JSON".to_owned()
        } else {
            format!("invalid JSON: {}", sanitize::clean(&one_line(&err.to_string())))
        }
    })
}

fn silence_from(value: &Value, now: Timestamp) -> Result<Silence, String> {
    let Value::Object(object) = value else {
        return Err(format!("unexpected shape: a silence is {}, expected an object", kind(value)));
    };
    let id = match text(object, "id").map(str::trim) {
        Some(id) if !id.is_empty() => id.to_owned(),
        _ => return Err("unexpected shape: a silence has no id".to_owned()),
    };
    let Some(Value::Array(raw_matchers)) = object.get("matchers") else {
        return Err(format!("unexpected shape: silence {id} has no matchers"));
    };
    let matchers = raw_matchers
        .iter()
        .enumerate()
        .map(|(n, m)| matcher_from(m).ok_or_else(|| format!("unexpected shape: matcher {n} of silence {id}")))
        .collect::<Result<Vec<_>, _>>()?;
    let time = |key: &str| {
        text(object, key)
            .and_then(|t| t.trim().parse::<Timestamp>().ok())
            .ok_or_else(|| format!("unexpected shape: silence {id} has no valid {key}"))
    };
    let starts_at = time("startsAt")?;
    let ends_at = time("endsAt")?;
    let updated_at = text(object, "updatedAt").and_then(|t| t.trim().parse().ok());
    let state = match object.get("status").and_then(|s| s.get("state")).and_then(Value::as_str) {
        Some("active") => SilenceState::Active,
        Some("pending") => SilenceState::Pending,
        Some("expired") => SilenceState::Expired,
        // Missing or from a newer server: the times say which it is.
        _ if ends_at <= now => SilenceState::Expired,
        _ if starts_at > now => SilenceState::Pending,
        _ => SilenceState::Active,
    };
    Ok(Silence {
        id,
        matchers,
        starts_at,
        ends_at,
        created_by: text(object, "createdBy").map(str::to_owned).unwrap_or_default(),
        comment: text(object, "comment").map(str::to_owned).unwrap_or_default(),
        state,
        updated_at,
    })
}

/// A `matcher` object; `isRegex` defaults to false and `isEqual` to true, as in the API.
fn matcher_from(value: &Value) -> Option<Matcher> {
    let object = value.as_object()?;
    let flag = |key: &str, default: bool| object.get(key).and_then(Value::as_bool).unwrap_or(default);
    Some(Matcher {
        name: text(object, "name")?.to_owned(),
        value: text(object, "value")?.to_owned(),
        is_regex: flag("isRegex", false),
        is_equal: flag("isEqual", true),
    })
}

fn text<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SILENCE: &str = r#"{"id":"8e03850e-9df1-4b8d-b639-24af599e973a","status":{"state":"active"},
        "updatedAt":"2026-11-25T14:12:08.614Z","comment":"retraining","createdBy":"alice",
        "endsAt":"2026-11-25T15:12:08.000Z","startsAt":"2026-11-25T14:12:08.614Z",
        "matchers":[{"isEqual":true,"isRegex":false,"name":"model","value":"fraud"},
                    {"isRegex":true,"name":"version","value":"3|4"}]}"#;

    fn now() -> Timestamp {
        "2026-11-25T14:30:00Z".parse().unwrap()
    }

    #[test]
    fn reads_a_gettable_silence() {
        let silence = parse_silence(SILENCE.as_bytes(), now()).unwrap();
        assert_eq!(silence.id, "8e03850e-9df1-4b8d-b639-24af599e973a");
        assert_eq!(silence.state, SilenceState::Active);
        assert_eq!(silence.created_by, "alice");
        assert_eq!(silence.comment, "retraining");
        assert_eq!(silence.ends_at, "2026-11-25T15:12:08Z".parse::<Timestamp>().unwrap());
        assert_eq!(silence.updated_at, Some("2026-11-25T14:12:08.614Z".parse().unwrap()));
        assert_eq!(silence.matchers[0], Matcher::equal("model", "fraud"));
        let regex = &silence.matchers[1];
        assert!(regex.is_regex && regex.is_equal, "isEqual defaults to true: {regex:?}");
    }

    #[test]
    fn unknown_or_missing_state_comes_from_the_times() {
        let without = SILENCE.replace(r#""status":{"state":"active"},"#, "");
        assert_eq!(parse_silence(without.as_bytes(), now()).unwrap().state, SilenceState::Active);
        let later: Timestamp = "2026-11-25T16:00:00Z".parse().unwrap();
        assert_eq!(parse_silence(without.as_bytes(), later).unwrap().state, SilenceState::Expired);
        let earlier: Timestamp = "2026-11-25T14:00:00Z".parse().unwrap();
        let odd = SILENCE.replace(r#""state":"active""#, r#""state":"sleeping""#);
        assert_eq!(parse_silence(odd.as_bytes(), earlier).unwrap().state, SilenceState::Pending);
    }

    #[test]
    fn strings_from_the_server_are_kept_raw_and_messages_made_inert() {
        let hostile = SILENCE.replace("retraining", "\\u001b[2Jgone").replace(r#""alice""#, r#""a\nb""#);
        let silence = parse_silence(hostile.as_bytes(), now()).unwrap();
        assert_eq!(silence.comment, "\x1b[2Jgone");
        assert_eq!(silence.created_by, "a\nb");
        assert_eq!(error_message(400, br#""bad \u001b[31m matcher""#), "bad ␛[31m matcher");
    }

    #[test]
    fn a_list_is_an_array_and_a_bad_item_is_named() {
        let list = format!("[{SILENCE},{SILENCE}]");
        assert_eq!(parse_silences(list.as_bytes(), now()).unwrap().len(), 2);
        assert_eq!(parse_silences(b"[]", now()).unwrap(), Vec::new());
        let broken = format!(r#"[{SILENCE},{{"id":"x","matchers":[]}}]"#);
        let err = parse_silences(broken.as_bytes(), now()).unwrap_err();
        assert!(err.starts_with("silence 1:") && err.contains("startsAt"), "{err}");
        assert!(parse_silences(b"{}", now()).unwrap_err().contains("expected an array"));
    }

    #[test]
    fn malformed_bodies_are_errors_not_panics() {
        let bodies: [&[u8]; 9] = [
            b"",
            b"  ",
            b"<html>502</html>",
            b"{\"id\":",
            b"null",
            b"[1,2]",
            br#"{"id":"","matchers":[]}"#,
            br#"{"id":"x","matchers":[{"name":1}],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T00:00:00Z"}"#,
            b"\xff\xfe",
        ];
        for body in bodies {
            assert!(parse_silence(body, now()).is_err(), "{body:?}");
            assert!(parse_created(body).is_err(), "{body:?}");
        }
        assert_eq!(parse_silence(b"", now()).unwrap_err(), "empty body");
        assert_eq!(parse_silence(b"<html>502</html>", now()).unwrap_err(), "HTML page instead of JSON");
        assert_eq!(parse_silence(b"{\"id\":", now()).unwrap_err(), "truncated JSON");
    }

    #[test]
    fn created_id_is_read() {
        assert_eq!(parse_created(br#"{"silenceID":"abc-1"}"#).unwrap(), "abc-1");
        assert!(parse_created(br#"{"silenceID":""}"#).is_err());
        assert!(parse_created(br#"{"id":"abc"}"#).is_err());
    }

    #[test]
    fn error_messages_come_from_each_kind_of_body() {
        let past = br#""Failed to create silence: end time can't be in the past""#;
        assert_eq!(error_message(400, past), "Failed to create silence: end time can't be in the past");
        let validator = br#"{"code":612,"message":"matchers in body should have at least 1 items"}"#;
        assert_eq!(error_message(422, validator), "matchers in body should have at least 1 items");
        assert_eq!(error_message(404, b""), "not found");
        assert_eq!(error_message(500, b" \n"), "empty body");
        assert_eq!(error_message(502, b"<html><body>Bad Gateway</body></html>"), "HTML page (proxy?)");
        assert_eq!(error_message(503, b"upstream\nconnect error"), "upstream connect error");
        assert_eq!(error_message(400, br#""""#), "no message");
        assert_eq!(error_message(400, br#"{"code":1}"#), r#"{"code":1}"#);
        let long = "x".repeat(10_000);
        assert_eq!(error_message(500, long.as_bytes()).chars().count(), EXCERPT_MAX);
        let quoted = format!("\"{long}\"");
        assert_eq!(error_message(400, quoted.as_bytes()).chars().count(), sanitize::MAX_LEN + 1);
    }
}
