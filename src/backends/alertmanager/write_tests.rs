//! Silence writes against loopback peers that answer as a test decides: a write goes to one
//! peer that may have taken it, is never sent twice, and an unknown create is looked up.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::json;

use super::silences::{SilenceClient, may_have_applied};

use crate::backends::test_server::{TestServer, response};
use crate::domain::{ActionError, Matcher, SilenceRequest};

const TIMEOUT: Duration = Duration::from_millis(400);

fn client(peers: &[&TestServer]) -> SilenceClient {
    let http = crate::backends::http::client(TIMEOUT).unwrap();
    SilenceClient::new(http, peers.iter().map(|p| p.endpoint()).collect())
}

fn request() -> SilenceRequest {
    SilenceRequest {
        id: None,
        matchers: vec![Matcher::equal("alertname", "ModelAccuracyLow"), Matcher::equal("model", "fraud")],
        starts_at: "2026-11-25T12:00:00Z".parse().unwrap(),
        ends_at: Timestamp::now() + jiff::SignedDuration::from_hours(1),
        created_by: "alice@ops".into(),
        comment: "retraining".into(),
    }
}

fn json_answer(body: &str) -> Option<String> {
    Some(response("200 OK", "application/json", body))
}

/// A peer that takes every create (`s-taken`) and lists no silence.
async fn healthy() -> TestServer {
    TestServer::start(|line| {
        if line.starts_with("GET") { json_answer("[]") } else { json_answer(r#"{"silenceID":"s-taken"}"#) }
    })
    .await
}

#[test]
fn only_a_503_says_nothing_was_applied() {
    assert!(!may_have_applied(503));
    for status in [500, 501, 502, 504, 507, 599] {
        assert!(may_have_applied(status), "{status}");
    }
}

#[tokio::test]
async fn a_503_moves_on_to_the_next_peer() {
    let unavailable = TestServer::start(|_| Some(response("503 Service Unavailable", "text/plain", "draining"))).await;
    let next = healthy().await;
    let written = client(&[&unavailable, &next]).create(&request()).await.unwrap();
    assert_eq!((written.value.as_str(), written.peer.as_str()), ("s-taken", next.url.as_str()));
    assert_eq!(written.url, format!("{}/api/v2/silences", next.url));
    assert_eq!(written.found_by_lookup, None);
    assert_eq!((unavailable.count("POST"), next.count("POST")), (1, 1));
}

#[tokio::test]
async fn a_504_stops_and_no_other_peer_gets_the_write() {
    let gateway =
        TestServer::start(|_| Some(response("504 Gateway Timeout", "text/plain", "upstream timed out"))).await;
    let next = healthy().await;
    let err = client(&[&gateway, &next]).create(&request()).await.unwrap_err();
    let ActionError::Unknown { url, reason } = &err else { panic!("expected Unknown, got {err:?}") };
    assert_eq!(url, &format!("{}/api/v2/silences", gateway.url));
    assert!(reason.starts_with("HTTP 504: upstream timed out; no matching silence was found"), "{reason}");
    assert_eq!((gateway.count("POST"), next.count("POST")), (1, 0));
    assert_eq!((gateway.count("GET"), next.count("GET")), (1, 1), "both were searched");
    assert!(err.to_string().starts_with("outcome unknown (Alertmanager may have applied it): HTTP 504"), "{err}");

    let err = client(&[&gateway, &next]).expire("s-1").await.unwrap_err();
    assert!(matches!(&err, ActionError::Unknown { url, .. } if url.ends_with("/api/v2/silence/s-1")), "{err:?}");
    assert_eq!(next.count("DELETE"), 0);
}

#[tokio::test]
async fn a_write_whose_answer_never_comes_is_sent_once_to_one_peer() {
    let silent = TestServer::silent().await;
    let next = healthy().await;
    let pair = client(&[&silent, &next]);
    let err = pair.create(&request()).await.unwrap_err();
    let ActionError::Unknown { url, reason } = &err else { panic!("expected Unknown, got {err:?}") };
    assert_eq!(url, &format!("{}/api/v2/silences", silent.url));
    let port = silent.url.trim_start_matches("http://");
    assert_eq!(
        reason,
        &format!("timed out; no matching silence was found afterwards (could not check {port}: timed out)")
    );
    assert_eq!(silent.requests(), ["POST /api/v2/silences", "GET /api/v2/silences"]);
    assert_eq!(next.requests(), ["GET /api/v2/silences"], "the next peer is only searched");

    let err = pair.expire("s-1").await.unwrap_err();
    assert!(matches!(&err, ActionError::Unknown { reason, .. } if reason == "timed out"), "{err:?}");
    assert_eq!((silent.count("DELETE"), next.count("DELETE")), (1, 0));
}

#[tokio::test]
async fn a_refused_connection_still_moves_on() {
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let next = healthy().await;
    let http = crate::backends::http::client(TIMEOUT).unwrap();
    let peers = vec![crate::domain::Endpoint::plain(&refused).unwrap(), next.endpoint()];
    let written = SilenceClient::new(http, peers).expire("s-1").await.unwrap();
    assert_eq!(written.url, format!("{}/api/v2/silence/s-1", next.url));
}

#[tokio::test]
async fn a_lost_answer_is_confirmed_by_the_lookup() {
    let req = request();
    let listed = json!([{
        "id": "s-found",
        "status": {"state": "active"},
        "matchers": req.matchers,
        "startsAt": "2026-11-25T12:00:00.000Z",
        "endsAt": req.ends_at.to_string(),
        "createdBy": req.created_by,
        "comment": req.comment,
    }])
    .to_string();
    // Takes the write and loses the answer, then lists the silence it made.
    let lossy = TestServer::start(move |line| if line.starts_with("GET") { json_answer(&listed) } else { None }).await;
    let next = healthy().await;
    let written = client(&[&lossy, &next]).create(&req).await.unwrap();
    assert_eq!((written.value.as_str(), written.peer.as_str()), ("s-found", lossy.url.as_str()));
    assert_eq!(written.url, format!("{}/api/v2/silences", lossy.url));
    assert_eq!(written.found_by_lookup.as_deref(), Some("timed out"));
    assert_eq!((lossy.count("POST"), next.count("POST")), (1, 0));
}

#[tokio::test]
async fn a_taken_write_with_an_unreadable_answer_is_looked_up_not_resent() {
    let garbled =
        TestServer::start(
            |line| {
                if line.starts_with("GET") { json_answer("[]") } else { json_answer(r#"{"silenceID""#) }
            },
        )
        .await;
    let next = healthy().await;
    let err = client(&[&garbled, &next]).create(&request()).await.unwrap_err();
    let ActionError::Unknown { reason, .. } = &err else { panic!("expected Unknown, got {err:?}") };
    assert!(reason.starts_with("HTTP 200 with an unreadable answer: truncated JSON;"), "{reason}");
    assert_eq!((garbled.count("POST"), next.count("POST")), (1, 0));
}
