//! Where an outside system is: its URL, the headers it needs, and its credentials, which
//! never show in `Debug` or `Display`.

use std::fmt;

use url::Url;

/// A credential whose `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for building a request header. Never log or display it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Removes every occurrence of the secret from `text` (error messages may echo it).
    pub fn redact(&self, text: &str) -> String {
        if self.0.len() < 4 {
            return text.to_string();
        }
        text.replace(&self.0, "<redacted>")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Base URL including any path prefix; API paths are appended to it.
    pub url: Url,
    /// Extra headers such as the tenant header.
    pub headers: Vec<(String, String)>,
    pub auth: Auth,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    None,
    Bearer(Secret),
    Basic { username: String, password: Secret },
}

impl Endpoint {
    /// `base` joined with an API path such as `api/v1/query`.
    pub fn join(&self, path: &str) -> String {
        let base = self.url.as_str().trim_end_matches('/');
        format!("{base}/{}", path.trim_start_matches('/'))
    }

    /// Error text with this endpoint's secrets removed.
    pub fn redact(&self, text: &str) -> String {
        match &self.auth {
            Auth::None => text.to_string(),
            Auth::Bearer(s) | Auth::Basic { password: s, .. } => s.redact(text),
        }
    }
}
