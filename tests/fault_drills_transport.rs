//! Fault drills below HTTP's answers: answers too large to hold, alone or together within
//! one poll's memory budget, and TLS that cannot be trusted. See `fault_drills.rs` for what
//! every drill checks.

mod harness;
mod live;
mod tmux;

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
use modeldeck::domain::{ColumnId, SourceId};
use tls::SelfSignedTls;
use tmux::Tmux;

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
    let mut config = config(&proxy.url, &stack.alertmanager_url, "10s");
    // Below one answer's cap, so that the budget, not the cap, is what every request meets.
    config.poll_budget = 16 * MIB as usize;
    let mut live = Live::start(&config);
    live.until("the first fleet", Duration::from_secs(20), |app| accuracy(app, "fraud") == Some(0.97)).await;
    // The number columns share one request; the trend, VER and the pending alerts have theirs.
    let own = live.app.settings.columns.iter().filter(|c| matches!(c.id, ColumnId::Trend | ColumnId::Version)).count();
    let per_poll = own as u64 + 2;
    let peak_before = peak_rss_kib();

    // Announced: refused from the headers, before a byte of the body is read.
    proxy.set(Fault::Endless { advertise: true, limit: 4096 * MIB });
    let error = until_failing(&mut live, PROM, Duration::from_secs(20), |_| true).await;
    assert_eq!(error, "response too large (over 32 MiB)");
    assert!(proxy.most_body_sent() < 64 * MIB, "{} bytes sent before the refusal", proxy.most_body_sent());
    proxy.set(Fault::Pass);
    until_ok(&mut live, PROM, Duration::from_secs(20)).await;

    // Not announced: each of the poll's requests would get 512 MiB; together they may hold
    // the budget, and each fails when it would pass it.
    let accepted = proxy.accepted();
    proxy.set(Fault::Endless { advertise: false, limit: 512 * MIB });
    let error = until_failing(&mut live, PROM, Duration::from_secs(30), |_| true).await;
    assert_eq!(error, "answers of this refresh passed the 16 MiB budget");
    assert_eq!(accuracy(&live.app, "fraud"), Some(0.97), "the last fleet stays");
    assert!(is_ok(&live.app, AM));
    assert!(proxy.accepted() - accepted >= per_poll as usize, "every request of the poll was answered endlessly");
    assert!(proxy.most_body_sent() < 16 * MIB + 32 * MIB, "{} bytes went into one connection", proxy.most_body_sent());
    let grown_mib = (peak_rss_kib().saturating_sub(peak_before)) / 1024;
    eprintln!("peak memory grew by {grown_mib} MiB while {per_poll} answers of 512 MiB were offered");
    assert!(grown_mib < 16 + 32, "peak memory grew by {grown_mib} MiB with a 16 MiB budget");

    proxy.set(Fault::Pass);
    until_ok(&mut live, PROM, Duration::from_secs(40)).await;
    assert_eq!(accuracy(&live.app, "fraud"), Some(0.97));
}

/// The real binary against the same endless answers, with the default budget and the
/// timeout that once let it reach about 500 MB: its peak resident memory (`VmHWM`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_stays_within_its_budget_against_endless_answers() {
    let stack = Stack::start().await;
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud", "3", 0.97)])).await;
    let proxy = FaultyProxy::start(&stack.prometheus_url).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let text = format!(
        "refresh = \"1s\"\ntimeout = \"15s\"\n[[environment]]\nname = \"drill\"\nprometheus = {{ url = \"{}\" }}\nalertmanagers = [\"{}\"]\n",
        proxy.url, stack.alertmanager_url
    );
    std::fs::write(&config, text).unwrap();
    let bin = env!("CARGO_BIN_EXE_modeldeck");
    let tmux =
        Tmux::start("budget", &format!("XDG_STATE_HOME={} {bin} --config {}", dir.path().display(), config.display()));
    tmux.wait("the fleet", Duration::from_secs(30), |s| s.contains("fraud") && s.contains("0.970"));
    let pid = console_pid(bin, &config);
    let before = peak_kib(pid);

    let accepted = proxy.accepted();
    proxy.set(Fault::Endless { advertise: false, limit: 512 * MIB });
    tmux.wait("the budget in the header", Duration::from_secs(60), |s| s.contains("prom ✗ answers of this refresh"));
    // Three failed polls at least (each sends every column query and the alerts call).
    let per_poll = 9;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while proxy.accepted() - accepted < 3 * per_poll {
        assert!(std::time::Instant::now() < deadline, "only {} requests in 120 s", proxy.accepted() - accepted);
        std::thread::sleep(Duration::from_millis(100));
    }
    let peak = peak_kib(pid);
    eprintln!(
        "console peak RSS: {} MiB before the fault, {} MiB after three polls of endless answers",
        before / 1024,
        peak / 1024
    );
    let budget_mib = modeldeck::config::DEFAULT_POLL_BUDGET as u64 / MIB;
    assert!(peak / 1024 < before / 1024 + budget_mib + 32, "peak {} MiB from {} MiB", peak / 1024, before / 1024);
    proxy.set(Fault::Pass);
    tmux.wait("recovery", Duration::from_secs(60), |s| s.contains("prom ●"));
    tmux.keys(&["q"]);
    tmux.assert_restored();
}

/// The PID of the binary started with `config` (not the shell around it).
fn console_pid(bin: &str, config: &std::path::Path) -> u32 {
    let pattern = format!("^{bin} --config {}", config.display());
    let out = std::process::Command::new("pgrep").args(["-f", &pattern]).output().unwrap();
    let pid = String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or_default().trim().to_string();
    pid.parse().unwrap_or_else(|_| panic!("modeldeck is not running: {pid:?}"))
}

/// `VmHWM` of process `pid`, in KiB.
fn peak_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the console's status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
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
