//! Bearer tokens never reach the screen, the log or the journal, even when a server echoes
//! them back: the real binary in tmux, with a token from `token_env` for Prometheus, both
//! Alertmanagers and the registry, against the harness stack and an echoing stand-in that
//! answers 401 with the `Authorization` header in its body (or redirects to a URL that
//! carries the token). The operator writes a note and acknowledges an alert, then the
//! final screens, the log file and the journal file are searched for the token.

mod harness;
mod tmux;

use std::time::Duration;

use harness::{Stack, metrics_text};
use modeldeck::backends::prometheus::parse as prometheus;
use tmux::Tmux;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A stand-in that answers every request with a 401 quoting the `Authorization` header it
/// received, or, for a path containing `redirect`, a 302 to a URL with the token in its
/// query (which then fails to connect).
async fn echo_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65_536 {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head).into_owned();
                let auth = text
                    .lines()
                    .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
                    .map_or("", |l| l["authorization:".len()..].trim())
                    .to_string();
                let token = auth.trim_start_matches("Bearer ");
                let path = text.split_whitespace().nth(1).unwrap_or("/");
                let answer = if path.contains("redirect") {
                    format!(
                        "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/login?access_token={token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                } else {
                    let body = serde_json::json!({
                        "status": "error", "errorType": "unauthorized",
                        "error": format!("rejected Authorization: {auth} ({token})"),
                        "message": format!("token {token} is not valid here"),
                    })
                    .to_string();
                    format!(
                        "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    url
}

/// Tab to the alerts pane and open the acknowledge form. The form is asked for again until
/// it opens: under load the first `a` can be read before the pane switch has landed, and a
/// refused `a` changes nothing but the status line.
fn open_ack_form(tmux: &Tmux) {
    tmux.keys(&["Tab"]);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        tmux.keys(&["a"]);
        let screen = tmux.wait("the form or a refusal", Duration::from_secs(10), |s| {
            s.contains("Acknowledge: create a silence") || s.contains("select an alert first")
        });
        if screen.contains("Acknowledge: create a silence") {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "no acknowledge form:\n{screen}");
    }
}

fn token() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("mdtok-{nanos:08x}-{}-s3cr3t", std::process::id())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_on_no_screen_in_no_log_and_in_no_journal() {
    let stack = Stack::start().await;
    stack
        .push("model-eval", "eval-1", &metrics_text(&[("fraud-detector", "3", 0.71), ("churn-predictor", "7", 0.95)]))
        .await;
    let echo = echo_server().await;
    let token = token();
    let dir = tempfile::tempdir().unwrap();
    let (log, journal, config) =
        (dir.path().join("modeldeck.log"), dir.path().join("journal.jsonl"), dir.path().join("config.toml"));
    let auth = "token_env = \"MODELDECK_TEST_TOKEN\"";
    std::fs::write(
        &config,
        format!(
            r#"refresh = "1s"
author = "oncall-bob"
[log]
file = "{log}"
[journal]
path = "{journal}"

[[environment]]
name = "staging"
prometheus = {{ url = "{prom}", {auth} }}
alertmanagers = [{{ url = "{am}", {auth} }}, {{ url = "{echo}", {auth} }}]
registry = {{ url = "{echo}", {auth} }}

[[environment]]
name = "echoing"
prometheus = {{ url = "{echo}", {auth} }}
alertmanagers = [{{ url = "{echo}/redirect", {auth} }}]
"#,
            log = log.display(),
            journal = journal.display(),
            prom = stack.prometheus_url,
            am = stack.alertmanager_url,
        ),
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_modeldeck");
    let tmux = Tmux::start(
        "tokens",
        &format!(
            "MODELDECK_TEST_TOKEN={token} XDG_STATE_HOME={} {bin} --config {}",
            dir.path().display(),
            config.display()
        ),
    );
    let mut screens = Vec::new();
    screens.push(tmux.wait("the critical model and the down peer", Duration::from_secs(40), |s| {
        s.contains("! fraud-detector") && s.contains("down:")
    }));

    open_ack_form(&tmux);
    tmux.wait("the acknowledge form", Duration::from_secs(15), |s| s.contains("Would mute 1 alert"));
    tmux.literal("known dip, retraining");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Acknowledge: confirm");
    tmux.keys(&["Enter"]);
    screens.push(tmux.wait("the alert silenced", Duration::from_secs(20), |s| s.contains("silenced")));

    tmux.keys(&["Tab", "n"]);
    tmux.wait_for("Note on fraud-detector v3");
    tmux.literal("paged; checked the token rotation");
    tmux.keys(&["C-s"]);
    screens.push(tmux.wait_for("note saved as journal entry 2"));

    // The registry answers 401 with the header it got.
    tmux.keys(&["v"]);
    screens
        .push(tmux.wait("the registry's refusal", Duration::from_secs(20), |s| s.contains("cannot read the versions")));
    // Esc alone: an Esc followed at once by a key reads as Alt and that key.
    tmux.keys(&["Escape"]);
    tmux.wait_for("Models 2/2");
    tmux.keys(&["e"]);
    screens.push(tmux.wait("the echoing environment failing", Duration::from_secs(20), |s| {
        s.contains("echoing") && s.contains("prom ✗") && s.contains("am ✗")
    }));
    tmux.keys(&["L"]);
    screens.push(tmux.wait("the log panel with the echoes", Duration::from_secs(20), |s| s.contains("poll failed")));
    tmux.keys(&["q"]);
    tmux.assert_restored();
    screens.push(tmux.screen());

    let log = std::fs::read_to_string(&log).unwrap();
    let journal = std::fs::read_to_string(&journal).unwrap();
    assert!(journal.lines().count() >= 2, "the note and the acknowledgement: {journal}");
    assert!(log.contains("<redacted>"), "the echoes were logged, masked:\n{log}");
    for (n, screen) in screens.iter().enumerate() {
        assert!(!screen.contains(&token), "screen {n} shows the token:\n{screen}");
    }
    assert!(!log.contains(&token), "the log holds the token:\n{log}");
    assert!(!journal.contains(&token), "the journal holds the token:\n{journal}");
}

/// The same boundary in process: anything shaped like a credential is masked where outside
/// text is read, whatever the run's credentials are; the run's own credentials are masked,
/// whatever their shape, in every event on its way to the app.
#[test]
fn echoed_credentials_are_masked_where_outside_text_is_read() {
    let token = token();
    let body = serde_json::json!({
        "status": "error", "errorType": "unauthorized",
        "error": format!("rejected Authorization: Bearer {token}; basic was Basic dXNlcjpwYXNz")
    });
    let err = prometheus::parse_vector(401, body.to_string().as_bytes(), "model").unwrap_err().to_string();
    assert!(err.starts_with("unauthorized: rejected Authorization: Bearer <redacted>"), "{err}");
    assert!(err.ends_with("basic was Basic <redacted>") && !err.contains(&token), "{err}");
    let page = format!("<p>bad token {token}</p> try https://bob:pw@host/?token={token}");
    let excerpt = modeldeck::domain::sanitize::clean(&page);
    assert!(!excerpt.contains("bob:pw") && !excerpt.contains(&format!("token={token}")), "{excerpt}");
    assert_eq!(modeldeck::domain::sanitize::clean("fraud-detector"), "fraud-detector", "plain text is untouched");

    let run = modeldeck::domain::Redactor::new(vec![token.clone()]);
    let update = modeldeck::domain::SourceUpdate {
        generation: 1,
        source: modeldeck::domain::SourceId::Prometheus,
        at: jiff::Timestamp::now(),
        outcome: Err(format!("HTTP 500: <p>bad token {token}</p>")),
        next_in: std::time::Duration::from_secs(1),
    };
    let modeldeck::domain::Event::Source(update) = modeldeck::domain::Event::Source(update).redacted(&run) else {
        unreachable!()
    };
    let error = update.outcome.unwrap_err();
    assert!(!error.contains(&token) && error.contains("bad token <redacted>"), "{error}");
}
