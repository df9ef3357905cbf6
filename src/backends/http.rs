//! The one HTTP client: auth and tenant headers, a timeout, a response size cap, and
//! errors turned into short sentences with secrets removed.

use std::time::Duration;

use reqwest::{Client, Method};

use super::budget::{Budget, Exhausted, Lease};
use crate::config::tls::TlsSettings;
use crate::domain::sanitize;
use crate::domain::{Auth, Endpoint};

/// Larger answers are refused rather than buffered (a 10,000-model fleet stays far below).
pub const MAX_BODY: usize = 32 * 1024 * 1024;

/// Installs the TLS crypto provider once; reqwest panics without one.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A client that verifies certificates against the system's roots: the default TLS
/// settings. A run builds its one shared client with [`client_with`] and its config's.
pub fn client(timeout: Duration) -> Result<Client, String> {
    client_with(timeout, &TlsSettings::default())
}

/// A client that verifies certificates against the system's roots plus `tls`'s CA files, or
/// not at all when both keys of [`TlsSettings::verification_off`] are turned.
pub fn client_with(timeout: Duration, tls: &TlsSettings) -> Result<Client, String> {
    install_crypto();
    let mut builder = Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(3)))
        .user_agent(concat!("modeldeck/", env!("CARGO_PKG_VERSION")));
    for ca in &tls.ca_files {
        let certificates = ca
            .certificates
            .iter()
            .map(|der| reqwest::Certificate::from_der(der))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("CA file {}: {e}", ca.path.display()))?;
        builder = builder.tls_certs_merge(certificates);
    }
    if tls.verification_off() {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    builder.build().map_err(|e| format!("cannot build HTTP client: {e}"))
}

/// A client for endpoints that are all plain `http://`: the same timeouts and user agent,
/// but no root certificates, whose loading (every file of the system's certificate store)
/// costs a one-shot command more than its requests. A redirect to `https://` is refused
/// with a sentence saying why, rather than tried without trusted roots.
pub fn plain_client(timeout: Duration) -> Result<Client, String> {
    install_crypto();
    let no_https = reqwest::redirect::Policy::custom(|attempt| match attempt.url().scheme() {
        "https" => attempt.error("redirected to https, but this command only reads plain http endpoints"),
        _ if attempt.previous().len() >= 10 => attempt.error("too many redirects"),
        _ => attempt.follow(),
    });
    Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(3)))
        .user_agent(concat!("modeldeck/", env!("CARGO_PKG_VERSION")))
        .tls_certs_only(std::iter::empty::<reqwest::Certificate>())
        .redirect(no_https)
        .build()
        .map_err(|e| format!("cannot build HTTP client: {e}"))
}

/// Whether every URL of `endpoints` is plain `http://`, so [`plain_client`] will do.
pub fn all_plain<'a>(mut endpoints: impl Iterator<Item = &'a Endpoint>) -> bool {
    endpoints.all(|e| e.url.scheme() == "http")
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
    request_checked(client, endpoint, method, path, query, body).await.map_err(|e| e.message)
}

/// A failed request, and whether any of it may have reached the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    /// A short sentence without the endpoint's secrets.
    pub message: String,
    /// `false` when nothing reached the server (DNS, connect or TLS failure, or a request
    /// that could not be built); `true` when the request went out and no complete answer
    /// came back (a timeout after connecting, a reset, a truncated or oversized body).
    /// A write that failed with `sent` may or may not have been applied.
    pub sent: bool,
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HttpError {}

/// As [`request`], telling "not sent" from "sent, no answer", which a write needs to know
/// whether it may have taken effect.
pub async fn request_checked(
    client: &Client,
    endpoint: &Endpoint,
    method: Method,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&serde_json::Value>,
) -> Result<Answer, HttpError> {
    let unlimited = Budget::unlimited();
    request_within(client, endpoint, method, path, query, body, &unlimited).await.map(Budgeted::into_answer)
}

/// A GET whose answer counts against `budget` until it is dropped.
pub async fn get_within(
    client: &Client,
    endpoint: &Endpoint,
    path: &str,
    query: &[(&str, &str)],
    budget: &Budget,
) -> Result<Budgeted, String> {
    request_within(client, endpoint, Method::GET, path, query, None, budget).await.map_err(|e| e.message)
}

/// An answer whose bytes are reserved from a poll's [`Budget`] until it is dropped.
#[derive(Debug)]
pub struct Budgeted {
    answer: Answer,
    _lease: Lease,
}

impl Budgeted {
    /// The answer alone; its bytes no longer count against the budget.
    pub fn into_answer(self) -> Answer {
        self.answer
    }
}

impl std::ops::Deref for Budgeted {
    type Target = Answer;

    fn deref(&self) -> &Answer {
        &self.answer
    }
}

/// As [`request_checked`], every chunk of the body reserved from `budget` before it is
/// kept: the memory the body's buffer takes, growth included.
pub async fn request_within(
    client: &Client,
    endpoint: &Endpoint,
    method: Method,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&serde_json::Value>,
    budget: &Budget,
) -> Result<Budgeted, HttpError> {
    let mut response = send(client, endpoint, method, path, query, body).await?;
    let status = response.status().as_u16();
    let mut lease = budget.lease();
    let mut body = Vec::new();
    // Once the headers are in, the server has the request: every failure from here on
    // leaves its outcome unknown.
    while let Some(chunk) = response.chunk().await.map_err(|e| HttpError { sent: true, ..failed(endpoint, &e) })? {
        let needed = body.len() + chunk.len();
        if needed > MAX_BODY {
            return Err(too_large());
        }
        if needed > body.capacity() {
            grow(&mut body, needed, &mut lease).map_err(|e| HttpError { message: e.to_string(), sent: true })?;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Budgeted { answer: Answer { status, body }, _lease: lease })
}

/// Sends a request with `endpoint`'s headers and auth, and waits for the answer's headers;
/// an answer whose announced length is over [`MAX_BODY`] is refused.
pub(super) async fn send(
    client: &Client,
    endpoint: &Endpoint,
    method: Method,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&serde_json::Value>,
) -> Result<reqwest::Response, HttpError> {
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
    let response = request.send().await.map_err(|e| failed(endpoint, &e))?;
    if response.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    Ok(response)
}

pub(super) fn failed(endpoint: &Endpoint, err: &reqwest::Error) -> HttpError {
    HttpError { message: endpoint.redact(&describe(err)), sent: was_sent(err) }
}

pub(super) fn too_large() -> HttpError {
    HttpError { message: format!("response too large (over {} MiB)", MAX_BODY / (1024 * 1024)), sent: true }
}

/// Makes room for `needed` bytes, doubling like a `Vec` would where the budget allows it and
/// taking only what is needed where it does not, with the lease covering the capacity.
fn grow(body: &mut Vec<u8>, needed: usize, lease: &mut Lease) -> Result<(), Exhausted> {
    let capacity = lease.held().max(body.capacity());
    let doubled = needed.max(capacity.saturating_mul(2)).min(MAX_BODY);
    let target = match lease.grow(doubled.saturating_sub(capacity)) {
        Ok(()) => doubled,
        Err(_) => {
            lease.grow(needed.saturating_sub(capacity))?;
            needed
        }
    };
    body.reserve_exact(target.saturating_sub(body.len()));
    Ok(())
}

/// Connect errors (DNS, refused, TLS, the connect timeout) happen before a byte of the
/// request is written; so does a request that cannot be built. Anything else (a timeout
/// while waiting for the answer, a reset, a connection closed mid-answer, a redirect that
/// was followed) may have reached the server, so it counts as sent.
fn was_sent(err: &reqwest::Error) -> bool {
    !(err.is_connect() || err.is_builder())
}

/// reqwest's Display repeats the URL and hides the cause; operators want the cause.
fn describe(err: &reqwest::Error) -> String {
    let chain = chain(err);
    let lower = chain.to_ascii_lowercase();
    let text = if err.is_timeout() {
        "timed out".to_string()
    } else if let Some(tls) = tls_failure(err) {
        format!("TLS error: {}", tls_words(tls))
    } else if lower.contains("connection refused") {
        "connection refused".to_string()
    } else if lower.contains("dns error") || lower.contains("failed to lookup") {
        // The host as configured: a typo in it is the usual cause.
        match err.url().and_then(|u| u.host_str()) {
            Some(host) => format!("host not found: {host}"),
            None => "host not found".to_string(),
        }
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        format!("TLS error: {}", last(&chain))
    } else if err.is_connect() {
        format!("cannot connect: {}", last(&chain))
    } else if (err.is_body() || err.is_decode()) && cut_short(&lower) {
        // hyper's words ("end of file before message length reached") leave an operator
        // guessing; the cause is the server or a proxy dropping the connection.
        "broken response: connection closed mid-answer".to_string()
    } else if err.is_body() || err.is_decode() {
        format!("broken response: {}", last(&chain))
    } else {
        last(&chain).to_string()
    };
    sanitize::clean(&text)
}

/// The rustls error in a chain, if any. tokio-rustls hands it up inside an io::Error (that
/// reqwest wraps in another), and io::Error's `source()` skips its own payload, so each
/// payload is looked into as well.
fn tls_failure<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = err.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let payload = err.downcast_ref::<std::io::Error>().and_then(std::io::Error::get_ref);
    if let Some(tls) = payload.and_then(|inner| tls_failure(inner)) {
        return Some(tls);
    }
    err.source().and_then(tls_failure)
}

/// rustls describes most certificate failures with their Debug names (`UnknownIssuer`) and
/// a plain-HTTP server as "received corrupt message of type InvalidContentType".
fn tls_words(err: &rustls::Error) -> String {
    use rustls::{CertificateError as Cert, Error};
    match err {
        Error::InvalidCertificate(cert) => match cert {
            // The config can name that CA (`ca_file`); say so where the operator looks.
            Cert::UnknownIssuer => "certificate not trusted (self-signed or a private CA? see ca_file)".into(),
            Cert::Expired | Cert::ExpiredContext { .. } => "certificate expired".into(),
            Cert::NotValidYet | Cert::NotValidYetContext { .. } => "certificate not valid yet (clock?)".into(),
            Cert::NotValidForName | Cert::NotValidForNameContext { .. } => {
                "certificate is for another host name".into()
            }
            Cert::Revoked => "certificate revoked".into(),
            other => format!("certificate not accepted ({other:?})"),
        },
        Error::InvalidMessage(_) | Error::InappropriateMessage { .. } => {
            "the server does not speak TLS (an http:// URL?)".into()
        }
        Error::AlertReceived(alert) => format!("the server refused the handshake ({alert:?})"),
        other => other.to_string(),
    }
}

/// Whether a body error means the connection ended before the answer did.
fn cut_short(lower_chain: &str) -> bool {
    ["end of file", "message completed", "connection closed", "connection reset", "incomplete"]
        .iter()
        .any(|words| lower_chain.contains(words))
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

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;

    fn endpoint(listener: &TcpListener) -> Endpoint {
        Endpoint::plain(&format!("http://{}", listener.local_addr().unwrap())).unwrap()
    }

    /// Accepts one connection, reads the request head, then does `then` with the socket.
    fn serve_once(listener: TcpListener, then: impl FnOnce(std::net::TcpStream) + Send + 'static) {
        std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && socket.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            then(socket);
        });
    }

    async fn post(endpoint: &Endpoint) -> Result<Answer, HttpError> {
        let client = client(Duration::from_millis(500)).unwrap();
        let body = serde_json::json!({"a": 1});
        request_checked(&client, endpoint, Method::POST, "x", &[], Some(&body)).await
    }

    #[tokio::test]
    async fn a_refused_connection_was_not_sent() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = endpoint(&listener);
        drop(listener);
        let err = post(&endpoint).await.unwrap_err();
        assert_eq!(err, HttpError { message: "connection refused".into(), sent: false });
        assert_eq!(
            request(&client(Duration::from_secs(1)).unwrap(), &endpoint, Method::GET, "x", &[], None)
                .await
                .unwrap_err(),
            "connection refused"
        );
    }

    #[tokio::test]
    async fn no_answer_after_connecting_was_sent() {
        // Never accepted: the kernel completes the handshake and buffers the request.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let err = post(&endpoint(&listener)).await.unwrap_err();
        assert_eq!(err, HttpError { message: "timed out".into(), sent: true });
    }

    #[tokio::test]
    async fn a_connection_closed_without_an_answer_was_sent() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = endpoint(&listener);
        serve_once(listener, drop);
        let err = post(&endpoint).await.unwrap_err();
        assert!(err.sent, "{err:?}");
    }

    #[tokio::test]
    async fn a_truncated_body_was_sent() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = endpoint(&listener);
        serve_once(listener, |mut socket| {
            let _ = socket.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"short\"");
        });
        let err = post(&endpoint).await.unwrap_err();
        assert_eq!(err, HttpError { message: "broken response: connection closed mid-answer".into(), sent: true });
    }

    #[tokio::test]
    async fn https_to_a_plain_http_server_is_a_tls_error() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = Endpoint::plain(&format!("https://{}", listener.local_addr().unwrap())).unwrap();
        std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            let _ = socket.read(&mut [0u8; 1024]);
            let _ = socket.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        });
        let err = post(&endpoint).await.unwrap_err();
        let message = "TLS error: the server does not speak TLS (an http:// URL?)";
        assert_eq!(err, HttpError { message: message.into(), sent: false });
    }

    #[test]
    fn certificate_failures_in_words() {
        use rustls::CertificateError as Cert;
        let words = |cert: Cert| tls_words(&rustls::Error::InvalidCertificate(cert));
        assert_eq!(words(Cert::UnknownIssuer), "certificate not trusted (self-signed or a private CA? see ca_file)");
        assert_eq!(words(Cert::Expired), "certificate expired");
        assert_eq!(words(Cert::NotValidForName), "certificate is for another host name");
        assert_eq!(words(Cert::BadSignature), "certificate not accepted (BadSignature)");
    }

    #[tokio::test]
    async fn a_complete_answer_is_returned_whatever_its_status() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = endpoint(&listener);
        serve_once(listener, |mut socket| {
            let _ = socket.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope");
        });
        let answer = post(&endpoint).await.unwrap();
        assert_eq!((answer.status, answer.body.as_slice()), (403, b"nope".as_slice()));
    }
}
