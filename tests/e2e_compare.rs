//! End to end in the real binary and the demo: the versions screen of the model with a
//! canary, the champion-and-challenger comparison, and the key that opens the rollback
//! confirmation for the better of the two.

mod tmux;

use std::time::Duration;

use tmux::Tmux;

#[test]
fn demo_comparison_opens_the_rollback_to_the_better_version() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(
        "demo-compare",
        &format!("XDG_STATE_HOME={} {} --demo", dir.path().display(), env!("CARGO_BIN_EXE_modeldeck")),
    );
    tmux.wait("the fleet", Duration::from_secs(15), |s| s.contains("recsys-ranker"));
    tmux.keys(&["/"]);
    tmux.literal("recsys");
    tmux.keys(&["Enter", "v"]);
    tmux.wait("the versions screen", Duration::from_secs(10), |s| s.contains("recsys-ranker · versions"));
    tmux.keys(&["C"]);
    let pane = tmux.wait("the comparison", Duration::from_secs(10), |s| {
        s.contains("champion 22 vs challenger 23") && s.contains("significant at 95 %")
    });
    for figure in ["accuracy", "p95 latency", "error rate", "throughput", "B rolls back to 23"] {
        assert!(pane.contains(figure), "{figure}: {pane}");
    }
    tmux.keys(&["B"]);
    let form = tmux.wait_for("Roll back recsys-ranker");
    assert!(form.contains("22 → 23") && form.contains("demo registry"), "{form}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("rollback cancelled");
    tmux.keys(&["q"]);
    tmux.assert_restored();
}
