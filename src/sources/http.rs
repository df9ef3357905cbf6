//! The one HTTP client: auth and tenant headers, a timeout, a response size cap, and
//! errors turned into short sentences with secrets removed.

use std::time::Duration;

use reqwest::{Client, Method};

use crate::config::{Auth, Endpoint};
use crate::sanitize;

/// Larger answers are refused rather than buffered (a 10,000-model fleet stays far below).
pub const MAX_BODY: usize = 32 * 1024 * 1024;

/// Installs the TLS crypto provider once; reqwest panics without one.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub fn client(timeout: Duration) -> Result<Client, String> {
    install_crypto();
    Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(3)))
        .user_agent(concat!("modeldeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build HTTP client: {e}"))
}

/// A raw answer: status and body, whatever they hold.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

pub async fn get(client: &Client, endpoint: &Endpoint, path: &str, query: &[(&str, &str)]) -> Result<Answer, String> {
    request(client, endpoint, Method::GET, path, query, None).await
}

/// Any request to `endpoint`: its headers and auth, a JSON body if any, and the answer
/// capped at [`MAX_BODY`]. Errors are short sentences without the endpoint's secrets.
pub async fn request(
    client: &Client,
    endpoint: &Endpoint,
    method: Method,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&serde_json::Value>,
) -> Result<Answer, String> {
    let mut request = client.request(method, endpoint.join(path)).query(query);
    if let Some(body) = body {
        request = request.json(body);
    }
    for (name, value) in &endpoint.headers {
        request = request.header(name, value);
    }
    request = match &endpoint.auth {
        Auth::None => request,
        Auth::Bearer(token) => request.bearer_auth(token.expose()),
        Auth::Basic { username, password } => request.basic_auth(username, Some(password.expose())),
    };
    let mut response = request.send().await.map_err(|e| endpoint.redact(&describe(&e)))?;
    let status = response.status().as_u16();
    if response.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(format!("response too large (over {} MiB)", MAX_BODY / (1024 * 1024)));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| endpoint.redact(&describe(&e)))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(format!("response too large (over {} MiB)", MAX_BODY / (1024 * 1024)));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer { status, body })
}

/// reqwest's Display repeats the URL and hides the cause; operators want the cause.
fn describe(err: &reqwest::Error) -> String {
    let chain = chain(err);
    let lower = chain.to_ascii_lowercase();
    let text = if err.is_timeout() {
        "timed out".to_string()
    } else if lower.contains("connection refused") {
        "connection refused".to_string()
    } else if lower.contains("dns error") || lower.contains("failed to lookup") {
        "host not found".to_string()
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        format!("TLS error: {}", last(&chain))
    } else if err.is_connect() {
        format!("cannot connect: {}", last(&chain))
    } else if err.is_body() || err.is_decode() {
        format!("broken response: {}", last(&chain))
    } else {
        last(&chain).to_string()
    };
    sanitize::clean(&text)
}

fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}

fn last(chain: &str) -> &str {
    chain.rsplit(": ").next().unwrap_or(chain)
}
