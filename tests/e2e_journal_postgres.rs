//! End to end with the shared journal: the console of one ops host, on a PostgreSQL
//! journal, shows the entry another host appended and writes its own note into the same
//! chain. PostgreSQL is a real temporary cluster from the harness.

mod harness;
mod tmux;

use std::process::Command;
use std::time::Duration;

use harness::{Postgres, Stack, metrics_text};
use tmux::Tmux;

const PASSWORD: &str = "pg-pw-e2e-91c4";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_shows_another_hosts_entry_and_appends_to_the_same_chain() {
    let stack = Stack::start().await;
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud-detector", "3", 0.71)])).await;
    let pg = Postgres::start();
    let url = pg.url_with_password(PASSWORD);
    let dir = tempfile::tempdir().unwrap();
    let config_for = |author: &str| {
        let path = dir.path().join(format!("{author}.toml"));
        let text = format!(
            "refresh = \"1s\"\nauthor = \"{author}\"\n[journal]\nbackend = \"postgres\"\nurl_env = \"MODELDECK_JOURNAL_URL\"\n\
             [[environment]]\nname = \"staging\"\nprometheus = {{ url = \"{}\" }}\nalertmanagers = [\"{}\"]\n",
            stack.prometheus_url, stack.alertmanager_url
        );
        std::fs::write(&path, text).unwrap();
        path
    };
    let (alice, bob) = (config_for("alice"), config_for("bob"));
    let bin = env!("CARGO_BIN_EXE_modeldeck");
    let run = |config: &std::path::Path, args: &[&str]| {
        let out = Command::new(bin)
            .arg("--config")
            .arg(config)
            .args(args)
            .env("MODELDECK_JOURNAL_URL", &url)
            .env("XDG_STATE_HOME", dir.path())
            .output()
            .unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{args:?}: {stdout}{stderr}");
        assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD));
        stdout.into_owned()
    };

    let tmux = Tmux::start(
        "journal-pg",
        &format!(
            "MODELDECK_JOURNAL_URL='{url}' XDG_STATE_HOME={} {bin} --config {}",
            dir.path().display(),
            alice.display()
        ),
    );
    tmux.wait("the critical model", Duration::from_secs(30), |s| s.contains("! fraud-detector"));
    // Another bastion writes while this console runs.
    run(&bob, &["journal", "note", "--model", "fraud-detector", "bob: paged, looking at drift"]);

    tmux.keys(&["J"]);
    let view = tmux.wait("bob's note in alice's journal view", Duration::from_secs(10), |s| {
        s.contains("Journal 1/1") && s.contains("bob: paged, looking at")
    });
    assert!(view.contains(&format!("postgres://modeldeck@127.0.0.1:{}/postgres", pg.port)), "{view}");
    assert!(!view.contains(PASSWORD), "{view}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Models 1/1");

    tmux.keys(&["n"]);
    tmux.wait_for("Note on fraud-detector v3");
    tmux.literal("alice: rolling back");
    tmux.keys(&["Enter"]);
    tmux.literal("after bob's drift check");
    tmux.keys(&["C-s"]);
    tmux.wait_for("note saved as journal entry 2");
    tmux.keys(&["q"]);
    tmux.assert_restored();

    let verify = run(&bob, &["journal", "verify"]);
    assert!(verify.contains("2 entries, chain intact"), "{verify}");
    let tail = run(&bob, &["journal", "export", "--format", "md"]);
    assert!(tail.contains("bob: paged, looking at drift") && tail.contains("alice: rolling back"), "{tail}");
}
