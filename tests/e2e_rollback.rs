//! End to end: roll a model back in the real binary, in the demo (no servers) and against
//! a real MLflow registry, then check the registry and the journal.

mod harness;
mod tmux;

use std::time::Duration;

use tmux::Tmux;

#[test]
fn demo_rollback_lifts_the_degrading_model() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(
        "demo-rollback",
        &format!("XDG_STATE_HOME={} {} --demo", dir.path().display(), env!("CARGO_BIN_EXE_modeldeck")),
    );
    tmux.wait("the degrading model's alert", Duration::from_secs(15), |s| s.contains("ModelAccuracyLow"));
    tmux.keys(&["/"]);
    tmux.literal("fraud");
    tmux.keys(&["Enter", "v"]);
    let versions = tmux.wait("the versions screen", Duration::from_secs(10), |s| {
        s.contains("fraud-detector · versions") && s.contains("Governance")
    });
    assert!(versions.contains("failed") && versions.contains("approved"), "{versions}");
    tmux.keys(&["R"]);
    let form = tmux.wait_for("Roll back fraud-detector");
    assert!(form.contains("14 → 13") && form.contains("demo registry"), "{form}");
    tmux.literal("accuracy fell after 14");
    tmux.keys(&["Enter"]);
    tmux.wait("the verified rollback", Duration::from_secs(10), |s| s.contains("rolled back fraud-detector 14 → 13"));
    tmux.keys(&["Escape"]);
    // The fleet shows the new version, and the accuracy alert clears as the model recovers.
    tmux.wait("the alert gone", Duration::from_secs(20), |s| {
        !s.contains("ModelAccuracyLow") && s.lines().any(|l| l.contains("fraud-detector") && l.contains(" 13 "))
    });
    tmux.keys(&["J"]);
    let journal = tmux.wait_for("rollback");
    assert!(journal.contains("accuracy fell after 14"), "{journal}");
    tmux.keys(&["q"]);
    tmux.assert_restored();
}
