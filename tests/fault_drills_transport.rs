//! Fault drills below HTTP's answers: an answer too large to hold, and TLS that cannot be
//! trusted. See `fault_drills.rs` for what every drill checks.

mod harness;
mod live;

#[path = "common/drill.rs"]
mod drill;
#[path = "common/faulty.rs"]
mod faulty;
#[path = "common/tls.rs"]
mod tls;

use std::time::Duration;

use drill::{accuracy, config, is_ok, peak_rss_kib, until_failing, until_ok};
use faulty::{Fault, FaultyProxy};
use harness::{Stack, metrics_text};
use live::Live;
use modeldeck::domain::SourceId;
use modeldeck::sources::http::MAX_BODY;
use tls::SelfSignedTls;

const PROM: SourceId = SourceId::Prometheus;
const AM: SourceId = SourceId::Alertmanager;
const MIB: u64 = 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_answer_is_refused_and_memory_stays_bounded() {
    let stack = Stack::start().await;
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud", "3", 0.97)])).await;
    // A proxy that streams a never-ending answer stands in for a backend gone haywire (or a
    // query that matches the whole TSDB).
    let proxy = FaultyProxy::start(&stack.prometheus_url).await;
    let mut live = Live::start(&config(&proxy.url, &stack.alertmanager_url, "10s"));
    live.until("the first fleet", Duration::from_secs(20), |app| accuracy(app, "fraud") == Some(0.97)).await;
    let per_poll = live.app.settings.columns.len() as u64 + 1;
    let peak_before = peak_rss_kib();

    // Announced: refused from the headers, before a byte of the body is read.
    proxy.set(Fault::Endless { advertise: true, limit: 4096 * MIB });
    let error = until_failing(&mut live, PROM, Duration::from_secs(20), |_| true).await;
    assert_eq!(error, "response too large (over 32 MiB)");
    assert!(proxy.most_body_sent() < 64 * MIB, "{} bytes sent before the refusal", proxy.most_body_sent());
    proxy.set(Fault::Pass);
    until_ok(&mut live, PROM, Duration::from_secs(20)).await;

    // Not announced: read up to the limit, then dropped. Each request would get 512 MiB.
    proxy.set(Fault::Endless { advertise: false, limit: 512 * MIB });
    let error = until_failing(&mut live, PROM, Duration::from_secs(30), |_| true).await;
    assert_eq!(error, "response too large (over 32 MiB)");
    assert_eq!(accuracy(&live.app, "fraud"), Some(0.97), "the last fleet stays");
    assert!(is_ok(&live.app, AM));
    // What one connection took before the client hung up: the limit, plus what the two
    // sockets' buffers hold.
    let sent = proxy.most_body_sent();
    assert!(sent >= MAX_BODY as u64, "only {sent} bytes went out");
    assert!(sent < MAX_BODY as u64 + 32 * MIB, "{sent} bytes went into one connection");
    // Every query of a poll may hold up to the limit at once, and a Vec doubles as it grows.
    let grown_mib = (peak_rss_kib().saturating_sub(peak_before)) / 1024;
    eprintln!("peak memory grew by {grown_mib} MiB while {per_poll} answers of 512 MiB were offered");
    assert!(grown_mib < per_poll * 2 * MAX_BODY as u64 / MIB, "peak memory grew by {grown_mib} MiB");

    proxy.set(Fault::Pass);
    until_ok(&mut live, PROM, Duration::from_secs(40)).await;
    assert_eq!(accuracy(&live.app, "fraud"), Some(0.97));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_or_missing_tls_is_a_tls_error() {
    let stack = Stack::start().await;
    // Prometheus itself speaks plain HTTP: an `https://` URL for it is the classic slip.
    // The self-signed listener stands in for a backend whose certificate no root vouches
    // for (an internal CA the ops host does not have).
    let tls = SelfSignedTls::start().await;
    let plain = stack.prometheus_url.replace("http://", "https://");
    let mut live = Live::start(&config(&plain, &tls.url, "2s"));
    let prom = until_failing(&mut live, PROM, Duration::from_secs(20), |_| true).await;
    let am = until_failing(&mut live, AM, Duration::from_secs(20), |_| true).await;
    eprintln!("https to plain HTTP: {prom}\nself-signed certificate: {am}");
    assert_eq!(prom, "TLS error: the server does not speak TLS (an http:// URL?)");
    assert_eq!(am, "TLS error: certificate not trusted (self-signed or a private CA? see ca_file)");
    let header = live.screen().lines().next().unwrap().to_string();
    assert!(header.contains("prom ✗ TLS error") && header.contains("am ✗ TLS error"), "{header}");
}
