//! End to end: an operator writes a note with `n` in the real binary, finds it in the
//! journal view, and the journal then verifies and exports with it.

mod harness;
mod tmux;

use std::process::Command;
use std::time::Duration;

use harness::{Stack, metrics_text};
use tmux::Tmux;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_written_in_the_console_is_journaled_verified_and_exported() {
    let stack = Stack::start().await;
    stack
        .push("model-eval", "eval-1", &metrics_text(&[("fraud-detector", "3", 0.71), ("churn-predictor", "7", 0.95)]))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("team-journal.jsonl");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "refresh = \"1s\"\nauthor = \"alice\"\n[journal]\npath = \"{}\"\n[[environment]]\nname = \"staging\"\nprometheus = {{ url = \"{}\" }}\nalertmanagers = [\"{}\"]\n",
            journal.display(),
            stack.prometheus_url,
            stack.alertmanager_url
        ),
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_modeldeck");
    let tmux =
        Tmux::start("journal", &format!("XDG_STATE_HOME={} {bin} --config {}", dir.path().display(), config.display()));
    tmux.wait("the critical model", Duration::from_secs(30), |s| s.contains("! fraud-detector"));

    tmux.keys(&["n"]);
    tmux.wait_for("Note on fraud-detector v3");
    tmux.literal("paged 03:10, accuracy 0.71");
    tmux.keys(&["Enter"]);
    tmux.literal("rolling back after the drift check");
    tmux.keys(&["C-s"]);
    tmux.wait_for("note saved as journal entry 1");

    tmux.keys(&["J"]);
    let view = tmux.wait("the note in the journal view", Duration::from_secs(10), |s| {
        s.contains("Journal 1/1") && s.contains("paged 03:10, accuracy")
    });
    assert!(view.contains("alice") && view.contains("fraud-detector v3"), "{view}");
    tmux.keys(&["Enter"]);
    let entry = tmux.wait_for("Journal entry 1");
    assert!(entry.contains("rolling back after the drift check"), "{entry}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Journal 1/1");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Models 2/2");
    let fleet = tmux.screen();
    let row = fleet.lines().find(|l| l.contains("fraud-detector")).unwrap();
    let changed = row.trim_end_matches('│').split_whitespace().last().unwrap_or_default();
    assert!(changed.ends_with('s') && changed[..changed.len() - 1].parse::<u32>().is_ok(), "last change shown: {row}");
    tmux.keys(&["q"]);
    tmux.assert_restored();

    let run =
        |args: &[&str]| Command::new(bin).args(["--config", config.to_str().unwrap()]).args(args).output().unwrap();
    let verify = run(&["journal", "verify"]);
    let said = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "{said}{}", String::from_utf8_lossy(&verify.stderr));
    assert!(said.contains("1 entries"), "{said}");

    let export = run(&["journal", "export", "--format", "md"]);
    assert!(export.status.success());
    let md = String::from_utf8_lossy(&export.stdout);
    assert!(md.contains("fraud-detector"), "{md}");
    assert!(md.contains("paged 03:10, accuracy 0.71") && md.contains("rolling back after the drift check"), "{md}");
}
