//! The header's security signals, drawn from the app's settings: the "TLS VERIFICATION
//! OFF" banner on every screen while verification is off, and the startup warnings (secrets
//! readable by others) for their first seconds; and clients built away from the launcher
//! following the run's TLS settings.

mod common;

use std::time::Duration;

use modeldeck::app::Screen;
use modeldeck::backends::mlflow::MlflowClient;
use modeldeck::config::tls::TlsSettings;
use modeldeck::domain::Endpoint;

const BANNER: &str = "TLS VERIFICATION OFF";

#[test]
fn the_banner_is_on_every_screen_while_verification_is_off() {
    let mut app = common::app(5, 2);
    app.settings.tls_verification_off = true;
    let screens = [
        Screen::Overview,
        Screen::Model("fraud-detector".into()),
        Screen::Alert("ModelAccuracyLow-fraud-detector".into()),
        Screen::Silences,
        Screen::Journal,
        Screen::JournalEntry(1),
        Screen::Versions("fraud-detector".into()),
    ];
    for screen in screens {
        app.screen = screen.clone();
        for (width, height) in [(120, 30), (80, 24)] {
            let text = common::screen(&app, width, height);
            let header = text.lines().next().unwrap();
            assert!(header.contains(BANNER), "{screen:?} at {width}×{height}:\n{text}");
        }
    }
    // Production and read-only badges come first; the banner still fits at 80 columns.
    app.screen = Screen::Overview;
    app.environment = 1;
    app.settings.read_only = true;
    let text = common::screen(&app, 80, 24);
    assert!(text.lines().next().unwrap().contains(BANNER), "{text}");
}

#[test]
fn startup_warnings_show_under_the_header_for_their_first_seconds() {
    let mut app = common::app(5, 2);
    app.settings.tls_verification_off = true;
    app.settings.startup_notice = Some((
        "run `chmod 600 /etc/modeldeck/token`: secret file open to others".into(),
        common::now() + jiff::SignedDuration::from_secs(15),
    ));
    app.now = common::now() + jiff::SignedDuration::from_secs(3);
    let text = common::screen(&app, 140, 24);
    let header = text.lines().next().unwrap();
    let notice = text.lines().nth(1).unwrap();
    assert!(notice.contains("⚠ run `chmod 600 /etc/modeldeck/token`: secret file open to others"), "{text}");
    assert!(header.contains(BANNER), "{text}");
    // The sources' health stays in view meanwhile.
    assert!(header.contains("prom ●") && header.contains("am ●"), "{text}");
    app.now = common::now() + jiff::SignedDuration::from_secs(16);
    let text = common::screen(&app, 140, 24);
    assert!(!text.contains("chmod 600"), "gone after its seconds:\n{text}");
    assert!(text.lines().next().unwrap().contains("prom ●"), "the sources are back:\n{text}");
}

/// The registry's clients ride on the run's shared client, so they follow its TLS settings:
/// with verification off they reach a server whose certificate nobody signed, and with the
/// defaults they do not.
#[tokio::test]
async fn a_registry_client_follows_the_runs_tls_settings() {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let config =
        rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![certified.cert.der().clone()], key)
            .unwrap();
    let config = std::sync::Arc::new(config);
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for tcp in listener.incoming().flatten() {
            let mut tls = rustls::StreamOwned::new(rustls::ServerConnection::new(config.clone()).unwrap(), tcp);
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && matches!(tls.read(&mut byte), Ok(1)) {
                head.push(byte[0]);
            }
            let body = r#"{"registered_model":{"name":"fraud-detector","description":"over TLS"}}"#;
            let answer =
                format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
            let _ = tls.write_all(answer.as_bytes());
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    let off = TlsSettings { insecure_requested: true, insecure_flag: true, ..Default::default() };
    let shared = modeldeck::backends::http::client_with(Duration::from_secs(5), &off).unwrap();
    let verified = modeldeck::backends::http::client(Duration::from_secs(5)).unwrap();
    let refused = MlflowClient::new(Endpoint::plain(&url).unwrap(), verified);
    assert!(refused.model("fraud-detector").await.is_err(), "a self-signed certificate is refused by default");
    let client = MlflowClient::new(Endpoint::plain(&url).unwrap(), shared);
    let model = client.model("fraud-detector").await.unwrap_or_else(|e| panic!("{}", e.message()));
    assert_eq!(model.description, "over TLS");
}
