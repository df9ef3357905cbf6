//! Endpoints as written (`url`, `path_prefix`, tenant, credentials) resolved into
//! [`Endpoint`]s, and the URL checks that keep credentials out of URLs and error messages.

use url::Url;

use super::file::FileEndpoint;
use super::{Auth, Endpoint, Environment, secret};

/// Resolves an endpoint; errors carry the key they are about.
pub(super) fn endpoint(
    raw: &FileEndpoint,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Endpoint, (&'static str, String)> {
    let mut url = parse_url(&raw.url).map_err(|m| ("url", m))?;
    if let Some(prefix) = raw.path_prefix.as_deref().filter(|p| !p.is_empty()) {
        let joined = format!("{}/{}", url.path().trim_end_matches('/'), prefix.trim_matches('/'));
        url.set_path(&joined);
    }
    let mut headers = Vec::new();
    if let Some(tenant) = raw.tenant.as_deref().filter(|t| !t.is_empty()) {
        let name = raw.tenant_header.clone().unwrap_or_else(|| "X-Scope-OrgID".into());
        headers.push((name, tenant.to_string()));
    }
    let credentials = Credentials {
        token_env: raw.token_env.as_deref(),
        token_file: raw.token_file.as_deref(),
        username: raw.username.as_deref(),
        password_env: raw.password_env.as_deref(),
        password_file: raw.password_file.as_deref(),
    };
    Ok(Endpoint { url, headers, auth: credentials.resolve(lookup)? })
}

/// The credential keys any endpoint-like table may carry: a token, or a username and a
/// password, each secret from exactly one of `*_env` or `*_file`.
pub struct Credentials<'a> {
    pub token_env: Option<&'a str>,
    pub token_file: Option<&'a std::path::Path>,
    pub username: Option<&'a str>,
    pub password_env: Option<&'a str>,
    pub password_file: Option<&'a std::path::Path>,
}

impl Credentials<'_> {
    /// The auth they describe; errors carry the key they are about.
    pub fn resolve(&self, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Auth, (&'static str, String)> {
        let token_key = if self.token_env.is_some() { "token_env" } else { "token_file" };
        let password_key = if self.password_env.is_some() { "password_env" } else { "password_file" };
        let token = secret::resolve("token", self.token_env, self.token_file, lookup).map_err(|m| (token_key, m))?;
        let password = secret::resolve("password", self.password_env, self.password_file, lookup)
            .map_err(|m| (password_key, m))?;
        Ok(match (token, self.username, password) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err((token_key, "set either a token or a username and password, not both".into()));
            }
            (Some(t), None, None) => Auth::Bearer(t),
            (None, Some(user), Some(password)) => Auth::Basic { username: user.to_string(), password },
            (None, Some(_), None) => {
                return Err(("username", "`username` needs `password_env` or `password_file`".into()));
            }
            (None, None, Some(_)) => return Err((password_key, "a password needs a `username`".into())),
            (None, None, None) => Auth::None,
        })
    }
}

impl Endpoint {
    pub fn plain(url: &str) -> Result<Endpoint, String> {
        Ok(Endpoint { url: parse_url(url)?, headers: Vec::new(), auth: Auth::None })
    }
}

pub(super) fn parse_url(text: &str) -> Result<Url, String> {
    let shown = redact_userinfo(text);
    if !text.contains("://") {
        return Err(format!("invalid URL `{shown}`: it needs a scheme, e.g. http://{shown}"));
    }
    let url = Url::parse(text).map_err(|e| format!("invalid URL `{shown}`: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("invalid URL `{text}`: only http and https are supported"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "URL `{}` carries credentials; use username and password_env or password_file",
            url.host_str().unwrap_or("?")
        ));
    }
    if let Some((name, _)) = url.query_pairs().find(|(name, _)| is_secret_parameter(name)) {
        return Err(format!(
            "URL `{}` carries a secret in its query (`{name}=`); use token_env or token_file",
            url.host_str().unwrap_or("?")
        ));
    }
    Ok(url)
}

/// Query parameters that carry a credential (`?access_token=…`, `?api_key=…`): like
/// `user:pass@`, they would be printed, logged and sent wherever the URL goes.
fn is_secret_parameter(name: &str) -> bool {
    let name = name.to_ascii_lowercase().replace('-', "_");
    ["token", "access_token", "auth", "api_key", "apikey", "key", "password", "passwd", "secret", "signature"]
        .contains(&name.as_str())
        || ["_token", "_secret", "_password", "_key", "signature"].iter().any(|end| name.ends_with(end))
}

/// `https://user:pass@host?x=1` → `https://<credentials>@host?<query>`, so errors never
/// echo a password or a token.
fn redact_userinfo(text: &str) -> String {
    let text = match text.find('?') {
        Some(q) => format!("{}?<query>", &text[..q]),
        None => text.to_string(),
    };
    match (text.find("://"), text.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}<credentials>{}", &text[..scheme_end + 3], &text[at..])
        }
        _ => text,
    }
}

pub(super) fn local_environment() -> Environment {
    let plain = |u: &str| Endpoint::plain(u).unwrap_or_else(|_| unreachable!("built-in URL {u} is valid"));
    Environment {
        name: "local".into(),
        production: false,
        read_only: false,
        prometheus: plain("http://127.0.0.1:9090"),
        alertmanagers: vec![plain("http://127.0.0.1:9093")],
        registry: None,
        registry_kind: Default::default(),
    }
}
