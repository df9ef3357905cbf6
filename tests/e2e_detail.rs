//! End to end: open a model in the demo, zoom, pan and return to live.

mod tmux;

use std::time::Duration;

use tmux::Tmux;

#[test]
fn open_a_model_zoom_pan_and_return_to_live() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(
        "detail",
        &format!("XDG_STATE_HOME={} {} --demo", dir.path().display(), env!("CARGO_BIN_EXE_modeldeck")),
    );
    tmux.wait("the demo fleet", Duration::from_secs(15), |s| s.contains("Models 8/8"));
    tmux.keys(&["g", "Enter"]);
    let screen = tmux.wait("the model screen", Duration::from_secs(10), |s| {
        s.contains("last 1h · live") && s.contains("Quality: accuracy")
    });
    assert!(screen.contains("Latency p50/p95/p99"), "{screen}");
    tmux.keys(&["+"]);
    tmux.wait_for("last 15m · live");
    tmux.keys(&["-", "-"]);
    tmux.wait_for("last 3h · live");
    tmux.keys(&["["]);
    // Paused, the title names the window's start and end.
    let screen = tmux.wait("the paused window", Duration::from_secs(10), |s| s.contains(" UTC · paused"));
    let title = screen.lines().find(|l| l.contains("UTC · paused")).unwrap_or_default();
    assert!(title.contains("3h window ") && title.contains('–'), "{screen}");
    tmux.keys(&["0"]);
    tmux.wait_for("last 3h · live");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Models 8/8");
    tmux.keys(&["q"]);
    tmux.assert_restored();
}
