//! Fault drill end to end: the real binary in tmux while Prometheus hangs. The console
//! matters most when a backend is stuck, so a stuck request must never hold up the keys.

mod harness;
mod tmux;

#[path = "common/faulty.rs"]
mod faulty;

use std::path::Path;
use std::time::Duration;

use faulty::{Fault, FaultyProxy, epoch_us};
use harness::{Stack, metrics_text};
use modeldeck::runtime::main_loop::FRAME_BUDGET;
use tmux::Tmux;

/// Scheduling and the draw itself, on a shared machine.
const DRAW_MARGIN: Duration = Duration::from_millis(30);

fn write_config(dir: &Path, prometheus: &str, alertmanager: &str) -> String {
    let path = dir.join("config.toml");
    let text = format!(
        r#"refresh = "1s"
timeout = "8s"
[[environment]]
name = "drill"
prometheus = {{ url = "{prometheus}" }}
alertmanagers = ["{alertmanager}"]
"#
    );
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// `key <handled_epoch_us> <drawn_epoch_us>` lines from the main loop's event log.
fn key_lines(path: &Path) -> Vec<(u64, u64)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split(' ');
            (fields.next() == Some("key")).then_some(())?;
            Some((fields.next()?.parse().ok()?, fields.next()?.parse().ok()?))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_drawn_within_a_frame_while_prometheus_hangs() {
    let stack = Stack::start().await;
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud-detector", "3", 0.97), ("churn", "7", 0.95)])).await;
    // The proxy stands in for a Prometheus (or the proxy in front of it) that accepts
    // connections and then never answers.
    let proxy = FaultyProxy::start(&stack.prometheus_url).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &proxy.url, &stack.alertmanager_url);
    let log = dir.path().join("events.log");
    let command = format!(
        "MODELDECK_EVENT_LOG={} XDG_STATE_HOME={} {} --config {config}",
        log.display(),
        dir.path().display(),
        env!("CARGO_BIN_EXE_modeldeck")
    );
    let tmux = Tmux::start("hang", &command);
    tmux.wait("the fleet", Duration::from_secs(30), |s| s.contains("Models 2/2") && s.contains("prom ●"));

    proxy.set(Fault::Hang);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while proxy.open() == 0 || proxy.hangs().is_empty() {
        assert!(std::time::Instant::now() < deadline, "no request reached the hanging proxy");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent_at = epoch_us();
    tmux.keys(&["/"]);
    tmux.literal("fraud");
    let screen = tmux.wait("the filter typed while the request hangs", Duration::from_secs(5), |s| {
        s.contains("/fraud") && s.contains("Models 1/2")
    });
    assert!(screen.contains("fraud-detector") && !screen.contains("churn"), "{screen}");
    assert!(!screen.contains("prom ✗"), "the request was still hanging:\n{screen}");
    tmux.keys(&["Enter"]);

    // The hung request gives up at the timeout; the filtered row stays with its data.
    let screen = tmux.wait("the timeout in the header", Duration::from_secs(20), |s| s.contains("prom ✗ timed out"));
    assert!(screen.contains("fraud-detector") && screen.contains("0.970"), "{screen}");
    proxy.set(Fault::Pass);
    tmux.wait("recovery", Duration::from_secs(30), |s| s.contains("prom ●"));
    tmux.keys(&["q"]);
    tmux.assert_restored();

    let keys = key_lines(&log);
    let hangs = proxy.hangs();
    let during: Vec<(u64, u64)> = keys.iter().copied().filter(|(handled, _)| *handled >= sent_at).collect();
    assert!(!during.is_empty(), "no key in the event log after {sent_at}: {keys:?}");
    let slowest = keys.iter().map(|(handled, drawn)| drawn - handled).max().unwrap_or(0);
    eprintln!(
        "fault_drills_tui: {} keys logged, {} while hanging, slowest drawn {slowest} µs after handling",
        keys.len(),
        during.len()
    );
    let within = (FRAME_BUDGET + DRAW_MARGIN).as_micros() as u64;
    for (handled, drawn) in &keys {
        assert!(drawn - handled <= within, "a key was drawn {} µs after it was handled", drawn - handled);
    }
    // The typed keys were handled while a request hung, and promptly after tmux sent them.
    for (handled, _) in during.iter().filter(|(handled, _)| *handled < sent_at + 2_000_000) {
        let hanging = hangs.iter().any(|(start, end)| start <= handled && (*end == 0 || handled <= end));
        assert!(hanging, "key at {handled} was not handled while a request hung: {hangs:?}");
    }
    let first = during.iter().map(|(handled, _)| *handled).min().unwrap();
    assert!(first - sent_at < 1_000_000, "the first key took {} µs to be handled", first - sent_at);
}
