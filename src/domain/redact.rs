//! Secrets must never reach the journal: configured tokens are removed verbatim, and
//! anything that looks like a credential in an error message is masked.

use serde_json::Value;

use super::{Draft, Outcome};

#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// `secrets` are the resolved credential values from the config.
    pub fn new(secrets: Vec<String>) -> Redactor {
        Redactor { secrets: secrets.into_iter().filter(|s| s.len() >= 4).collect() }
    }

    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            out = out.replace(secret.as_str(), "<redacted>");
        }
        mask_credentials(&out)
    }

    /// Every string in `value` as [`Redactor::text`] makes it, and the values of keys that name
    /// a credential replaced.
    pub fn value(&self, value: Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(&s)),
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.value(v)).collect()),
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| {
                        let sensitive = ["authorization", "token", "password", "secret"]
                            .iter()
                            .any(|s| k.to_ascii_lowercase().contains(s));
                        (k, if sensitive { Value::String("<redacted>".into()) } else { self.value(v) })
                    })
                    .collect(),
            ),
            other => other,
        }
    }

    pub fn draft(&self, mut draft: Draft) -> Draft {
        draft.note = self.text(&draft.note);
        draft.request = draft.request.map(|v| self.value(v));
        draft.before = draft.before.map(|v| self.value(v));
        draft.after = draft.after.map(|v| self.value(v));
        draft.result = match draft.result {
            Outcome::Failed { error } => Outcome::Failed { error: self.text(&error) },
            Outcome::Unknown { reason } => Outcome::Unknown { reason: self.text(&reason) },
            Outcome::Suppressed { reason } => Outcome::Suppressed { reason: self.text(&reason) },
            ok => ok,
        };
        draft
    }
}

/// `Bearer abc…`, `Basic abc…`, `token=abc…` and `user:pass@` in URLs lose their secret part.
fn mask_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'outer: while !rest.is_empty() {
        for marker in ["Bearer ", "bearer ", "Basic ", "token=", "access_token=", "password="] {
            if let Some(after) = rest.strip_prefix(marker) {
                out.push_str(marker);
                out.push_str("<redacted>");
                let end =
                    after.find(|c: char| c.is_whitespace() || c == '&' || c == '"' || c == '\'').unwrap_or(after.len());
                rest = &after[end..];
                continue 'outer;
            }
        }
        if let Some(after) = rest.strip_prefix("://")
            && let Some(at) = after.find('@')
            && !after[..at].contains(['/', ' '])
        {
            out.push_str("://<credentials>@");
            rest = &after[at + 1..];
            continue;
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_secrets_and_credential_shapes_are_masked() {
        let r = Redactor::new(vec!["s3cr3t-tok".into()]);
        assert_eq!(r.text("401 from proxy: s3cr3t-tok rejected"), "401 from proxy: <redacted> rejected");
        assert_eq!(
            r.text("header Authorization: Bearer abc.def.ghi failed"),
            "header Authorization: Bearer <redacted> failed"
        );
        assert_eq!(
            r.text("GET https://bob:pw@host/x?token=zzz&a=1"),
            "GET https://<credentials>@host/x?token=<redacted>&a=1"
        );
        assert_eq!(r.text("plain text, no secrets"), "plain text, no secrets");
    }

    #[test]
    fn sensitive_request_fields_are_masked() {
        let r = Redactor::default();
        let v = r.value(serde_json::json!({"url": "http://x", "headers": {"Authorization": "Bearer q"}, "token": "t"}));
        assert_eq!(
            v,
            serde_json::json!({"url": "http://x", "headers": {"Authorization": "<redacted>"}, "token": "<redacted>"})
        );
    }
}
