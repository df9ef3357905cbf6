//! Alertmanager silences (API v2): create, extend, expire and read them, and preview which
//! alerts a set of matchers would silence.
//!
//! With several peers (an HA cluster) reads try them in order: a connection error, a timeout
//! or a 5xx answer moves on to the next peer, a 4xx stops at once (the request itself is
//! wrong, another peer would say the same), and when every peer failed the error lists each
//! one's reason. Writes go to exactly one peer that may have taken them: they move on only
//! while nothing can have been applied (the connection was never made, or a 503), and stop
//! with [`ActionError::Unknown`] once a request may have been (no answer after sending, a
//! cut answer, another 5xx). A create or update whose outcome is unknown is then looked for
//! on every peer ([`super::lookup`]) and never sent again.
//!
//! Alertmanager facts this relies on: `DELETE /api/v2/silence/{id}` (singular) only expires a
//! silence, which stays listed as expired; `POST /api/v2/silences` with an `id` updates in
//! place only when the matchers (and, for an active silence, `startsAt`) are unchanged, and
//! otherwise expires the old silence and answers a new id; error bodies are JSON strings.

use std::sync::Arc;

use jiff::Timestamp;
use reqwest::{Client, Method};
use serde_json::Value;

use super::lookup::Lookup;
use super::parse::parse_alerts;
use super::silence_parse::{error_message, parse_created, parse_silence, parse_silences};
use crate::backends::budget::Budget;
use crate::backends::http::{self, Answer, Budgeted};
use crate::domain::Endpoint;
use crate::domain::ports::{BoxFuture, Silences};
use crate::domain::sanitize;
use crate::domain::{ActionError, Alert, Matcher, Silence, SilenceRequest, Written};

#[derive(Clone)]
pub struct SilenceClient {
    client: Client,
    peers: Arc<Vec<Endpoint>>,
    budget: Budget,
}

impl SilenceClient {
    pub fn new(client: Client, peers: Vec<Endpoint>) -> Self {
        SilenceClient { client, peers: Arc::new(peers), budget: Budget::unlimited() }
    }

    /// Its answers count against `budget` (a source's poll) while they are held.
    pub fn within(self, budget: Budget) -> Self {
        SilenceClient { budget, ..self }
    }

    /// Creates a silence, or updates the one `req.id` names. Returns the id Alertmanager
    /// answered, which for an update may be a new one (the old silence is then expired).
    /// When the answer is lost, every peer is searched for the silence before this returns;
    /// the request is never sent twice.
    pub async fn create(&self, req: &SilenceRequest) -> Result<Written<String>, ActionError> {
        let body = req.body();
        let segments = ["silences"];
        let (url, lost) = match self.write(Method::POST, &segments, Some(&body)).await {
            Ok((answer, peer)) => {
                let url = request_url(peer, &segments);
                match parse_created(&answer.body) {
                    Ok(id) => return Ok(Written { value: id, peer: peer_url(peer), url, found_by_lookup: None }),
                    // Taken (2xx), but which silence it made is not known.
                    Err(e) => (url, format!("HTTP {} with an unreadable answer: {e}", answer.status)),
                }
            }
            Err(ActionError::Unknown { url, reason }) => (url, reason),
            Err(other) => return Err(other),
        };
        match super::lookup::find(&self.client, &self.peers, req).await {
            Lookup::Found { id, peer } => Ok(Written { value: id, peer, url, found_by_lookup: Some(lost) }),
            Lookup::NotFound { unchecked } => {
                let mut reason = format!("{lost}; no matching silence was found afterwards");
                if !unchecked.is_empty() {
                    reason.push_str(&format!(" (could not check {})", unchecked.join(", ")));
                }
                Err(ActionError::Unknown { url, reason })
            }
        }
    }

    /// Expires a silence (Alertmanager keeps it, listed as expired, until its retention ends).
    pub async fn expire(&self, id: &str) -> Result<Written<()>, ActionError> {
        let segments = ["silence", id];
        let (_, peer) = self.write(Method::DELETE, &segments, None).await?;
        Ok(Written { value: (), peer: peer_url(peer), url: request_url(peer, &segments), found_by_lookup: None })
    }

    pub async fn get(&self, id: &str) -> Result<Silence, ActionError> {
        let answer = self.read(&["silence", id], &[]).await?;
        parse_silence(&answer.body, Timestamp::now()).map_err(ActionError::Decode)
    }

    /// Every silence the first healthy peer knows, expired ones included.
    pub async fn list(&self) -> Result<Vec<Silence>, ActionError> {
        let answer = self.read(&["silences"], &[]).await?;
        parse_silences(&answer.body, Timestamp::now()).map_err(ActionError::Decode)
    }

    /// The alerts, firing or already silenced or inhibited, that all of `matchers` select:
    /// what a silence with these matchers would cover right now. No matchers selects all.
    pub async fn preview(&self, matchers: &[Matcher], model_label: &str) -> Result<Vec<Alert>, ActionError> {
        let filters: Vec<String> = matchers.iter().map(Matcher::filter_expr).collect();
        let mut query: Vec<(&str, &str)> = vec![("active", "true"), ("silenced", "true"), ("inhibited", "true")];
        query.extend(filters.iter().map(|f| ("filter", f.as_str())));
        let answer = self.read(&["alerts"], &query).await?;
        parse_alerts(answer.status, &answer.body, model_label).map_err(|e| ActionError::Decode(e.to_string()))
    }

    /// A GET to each peer in turn until one answers below 500; a 4xx is
    /// [`ActionError::Rejected`]. The answer counts against the client's budget while held.
    async fn read(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<Budgeted, ActionError> {
        let mut failures = Vec::new();
        for peer in self.configured()? {
            let path = api_path(segments);
            let sent = http::request_within(&self.client, peer, Method::GET, &path, query, None, &self.budget).await;
            let reason = match sent.map_err(|e| e.message) {
                Ok(answer) if (200..300).contains(&answer.status) => return Ok(answer),
                Ok(answer) if (400..500).contains(&answer.status) => return Err(rejected(peer, &answer)),
                Ok(answer) => {
                    format!("HTTP {}: {}", answer.status, peer.redact(&error_message(answer.status, &answer.body)))
                }
                Err(reason) => reason,
            };
            failures.push(format!("{}: {reason}", peer_label(peer)));
        }
        Err(ActionError::Unavailable(failures.join("; ")))
    }

    /// A write, to the first peer that may have taken it: later peers are tried only while
    /// nothing can have been applied. A 2xx comes back with its peer.
    async fn write(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&Value>,
    ) -> Result<(Answer, &Endpoint), ActionError> {
        let mut failures = Vec::new();
        for peer in self.configured()? {
            let result =
                http::request_checked(&self.client, peer, method.clone(), &api_path(segments), &[], body).await;
            let unknown = |reason: String| ActionError::Unknown { url: request_url(peer, segments), reason };
            let reason = match result {
                Ok(answer) if (200..300).contains(&answer.status) => return Ok((answer, peer)),
                Ok(answer) if (400..500).contains(&answer.status) => return Err(rejected(peer, &answer)),
                Ok(answer) => {
                    let reason =
                        format!("HTTP {}: {}", answer.status, peer.redact(&error_message(answer.status, &answer.body)));
                    if answer.status >= 500 && may_have_applied(answer.status) {
                        return Err(unknown(reason));
                    }
                    reason
                }
                Err(e) if e.sent => return Err(unknown(e.message)),
                Err(e) => e.message,
            };
            failures.push(format!("{}: {reason}", peer_label(peer)));
        }
        Err(ActionError::Unavailable(failures.join("; ")))
    }

    fn configured(&self) -> Result<&[Endpoint], ActionError> {
        if self.peers.is_empty() {
            return Err(ActionError::Unavailable("no Alertmanager configured".to_owned()));
        }
        Ok(&self.peers)
    }
}

impl Silences for SilenceClient {
    fn create<'a>(&'a self, request: &'a SilenceRequest) -> BoxFuture<'a, Result<Written<String>, ActionError>> {
        Box::pin(SilenceClient::create(self, request))
    }

    fn expire<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Written<()>, ActionError>> {
        Box::pin(SilenceClient::expire(self, id))
    }

    fn preview<'a>(
        &'a self,
        matchers: &'a [Matcher],
        model_label: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Alert>, ActionError>> {
        Box::pin(SilenceClient::preview(self, matchers, model_label))
    }
}

fn rejected(peer: &Endpoint, answer: &Answer) -> ActionError {
    ActionError::Rejected { status: answer.status, message: peer.redact(&error_message(answer.status, &answer.body)) }
}

/// Whether a 5xx answer to a write leaves open that it was applied. A 503 says the server,
/// or the proxy in front of it, did not take the request at all (starting, draining, no
/// healthy backend), so the next peer may. A 502 or 504 comes from a proxy that may have
/// passed the request on before its upstream failed or went quiet, and a 500 from a proxy
/// or from a handler that failed partway (Alertmanager itself answers a refused silence
/// with a 400): none of them proves that nothing changed.
pub(super) fn may_have_applied(status: u16) -> bool {
    status != 503
}

/// `http://host:port/prefix` of a peer.
pub(super) fn peer_url(peer: &Endpoint) -> String {
    peer.url.as_str().trim_end_matches('/').to_owned()
}

/// The full URL of a request to a peer, without credentials, for the journal and for the
/// plan a shell command prints.
pub fn request_url(peer: &Endpoint, segments: &[&str]) -> String {
    crate::backends::call::shown_url(peer, &api_path(segments))
}

/// `host:port/prefix` of a peer, for error lists.
pub(super) fn peer_label(peer: &Endpoint) -> String {
    let url = &peer.url;
    let host = url.host_str().unwrap_or("?");
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    sanitize::clean(&format!("{host}{port}{}", url.path().trim_end_matches('/')))
}

/// `api/v2/` and the segments, each percent-encoded (a silence id is one segment whatever it
/// holds).
fn api_path(segments: &[&str]) -> String {
    let mut path = String::from("api/v2");
    for segment in segments {
        path.push('/');
        for byte in segment.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                path.push(char::from(byte));
            } else {
                path.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(api_path(&["silences"]), "api/v2/silences");
        assert_eq!(api_path(&["silence", "8e03-9d_f.~"]), "api/v2/silence/8e03-9d_f.~");
        assert_eq!(api_path(&["silence", "a/b?c#d e%"]), "api/v2/silence/a%2Fb%3Fc%23d%20e%25");
        assert_eq!(api_path(&["silence", "é"]), "api/v2/silence/%C3%A9");
    }

    #[test]
    fn peers_are_named_by_host_port_and_prefix() {
        let peer = Endpoint::plain("http://127.0.0.1:9093/alertmanager/").unwrap();
        assert_eq!(peer_label(&peer), "127.0.0.1:9093/alertmanager");
        assert_eq!(peer_url(&peer), "http://127.0.0.1:9093/alertmanager");
        let plain = Endpoint::plain("https://am.example").unwrap();
        assert_eq!((peer_label(&plain), peer_url(&plain)), ("am.example".into(), "https://am.example".into()));
    }

    #[tokio::test]
    async fn no_peers_is_unavailable() {
        let client = crate::backends::http::client(std::time::Duration::from_secs(1)).unwrap();
        let client = SilenceClient::new(client, Vec::new());
        assert_eq!(client.list().await, Err(ActionError::Unavailable("no Alertmanager configured".into())));
    }
}
