//! Silences as Alertmanager's API v2 writes them: matchers, a silence as listed, and a
//! silence to create or update.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// One label matcher of a silence, as Alertmanager writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Matcher {
    pub name: String,
    pub value: String,
    pub is_regex: bool,
    /// False for `!=` and `!~`. Absent in old answers, where it means true.
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

impl Matcher {
    /// `name="value"`.
    pub fn equal(name: &str, value: &str) -> Matcher {
        Matcher { name: name.to_owned(), value: value.to_owned(), is_regex: false, is_equal: true }
    }

    fn operator(&self) -> &'static str {
        match (self.is_equal, self.is_regex) {
            (true, false) => "=",
            (true, true) => "=~",
            (false, false) => "!=",
            (false, true) => "!~",
        }
    }

    /// For people: `name="v"`, `name=~"v"`, `name!="v"` or `name!~"v"` (raw: views make it
    /// inert).
    pub fn describe(&self) -> String {
        self.filter_expr()
    }

    /// The matcher expression of a `filter` parameter. The value is always quoted, with `\`,
    /// `"` and newlines escaped, which both the classic parser (0.25, 0.26) and the UTF-8 one
    /// (0.27+) read back to the same value. A name that is not a classic label name is quoted
    /// too; only 0.27+ accepts that.
    pub fn filter_expr(&self) -> String {
        let name = if is_label_name(&self.name) { self.name.clone() } else { quote(&self.name) };
        format!("{name}{}{}", self.operator(), quote(&self.value))
    }
}

fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SilenceState {
    Active,
    Pending,
    Expired,
}

impl SilenceState {
    pub fn as_str(self) -> &'static str {
        match self {
            SilenceState::Active => "active",
            SilenceState::Pending => "pending",
            SilenceState::Expired => "expired",
        }
    }
}

/// A silence as Alertmanager lists it, every string exactly as sent: extending it sends
/// back the matchers it holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Silence {
    pub id: String,
    pub matchers: Vec<Matcher>,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub created_by: String,
    pub comment: String,
    pub state: SilenceState,
    pub updated_at: Option<Timestamp>,
}

/// A silence to create (`id: None`) or to update (`id: Some`): the API's `postableSilence`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SilenceRequest {
    pub id: Option<String>,
    pub matchers: Vec<Matcher>,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub created_by: String,
    pub comment: String,
}

impl SilenceRequest {
    /// The JSON body of `POST /api/v2/silences`; `id` only when updating.
    pub fn body(&self) -> Value {
        let matchers: Vec<Value> = self
            .matchers
            .iter()
            .map(|m| json!({"name": m.name, "value": m.value, "isRegex": m.is_regex, "isEqual": m.is_equal}))
            .collect();
        let mut body = json!({
            "matchers": matchers,
            "startsAt": self.starts_at.to_string(),
            "endsAt": self.ends_at.to_string(),
            "createdBy": self.created_by,
            "comment": self.comment,
        });
        if let (Some(id), Some(object)) = (&self.id, body.as_object_mut()) {
            object.insert("id".to_owned(), Value::String(id.clone()));
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str, value: &str, is_regex: bool, is_equal: bool) -> Matcher {
        Matcher { name: name.into(), value: value.into(), is_regex, is_equal }
    }

    #[test]
    fn matchers_describe_each_operator() {
        assert_eq!(Matcher::equal("model", "fraud").describe(), r#"model="fraud""#);
        assert_eq!(m("model", "fr.*", true, true).describe(), r#"model=~"fr.*""#);
        assert_eq!(m("model", "fraud", false, false).describe(), r#"model!="fraud""#);
        assert_eq!(m("model", "fr.*", true, false).describe(), r#"model!~"fr.*""#);
        assert_eq!(m("summary", "a\x1bb", false, true).describe(), "summary=\"a\x1bb\"");
    }

    #[test]
    fn filter_values_are_quoted_and_escaped() {
        assert_eq!(m("path", r#"C:\x "y""#, false, true).filter_expr(), r#"path="C:\\x \"y\"""#);
        assert_eq!(m("msg", "a\nb", false, true).filter_expr(), r#"msg="a\nb""#);
        assert_eq!(m("a", "x,y}", true, false).filter_expr(), r#"a!~"x,y}""#);
        assert_eq!(m("k8s.io/app", "v", false, true).filter_expr(), r#""k8s.io/app"="v""#);
    }

    #[test]
    fn matcher_json_is_camel_case_and_is_equal_defaults_to_true() {
        let back: Matcher = serde_json::from_str(r#"{"name":"a","value":"b","isRegex":true}"#).unwrap();
        assert_eq!(back, m("a", "b", true, true));
        let json = serde_json::to_value(m("a", "b", false, false)).unwrap();
        assert_eq!(json, json!({"name": "a", "value": "b", "isRegex": false, "isEqual": false}));
    }

    #[test]
    fn body_is_the_postable_silence() {
        let mut req = SilenceRequest {
            id: None,
            matchers: vec![Matcher::equal("alertname", "ModelAccuracyLow"), m("model", "fr.*", true, true)],
            starts_at: "2026-11-25T12:00:00Z".parse().unwrap(),
            ends_at: "2026-11-25T14:00:00.5Z".parse().unwrap(),
            created_by: "alice@ops".into(),
            comment: "retraining".into(),
        };
        let expected = json!({
            "matchers": [
                {"name": "alertname", "value": "ModelAccuracyLow", "isRegex": false, "isEqual": true},
                {"name": "model", "value": "fr.*", "isRegex": true, "isEqual": true},
            ],
            "startsAt": "2026-11-25T12:00:00Z",
            "endsAt": "2026-11-25T14:00:00.5Z",
            "createdBy": "alice@ops",
            "comment": "retraining",
        });
        assert_eq!(req.body(), expected);
        req.id = Some("abc".into());
        assert_eq!(req.body()["id"], "abc");
        assert_eq!(req.body().as_object().unwrap().len(), 6);
    }
}
