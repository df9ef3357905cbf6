//! End to end: the real binary in a real terminal (tmux), driven by keys, against the real
//! servers from the harness. Each test uses its own tmux server socket.

mod harness;
mod tmux;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use harness::{Stack, metrics_text};
use tmux::Tmux;

fn write_config(dir: &Path, stack: &Stack) -> String {
    let path = dir.join("config.toml");
    let text = format!(
        r#"refresh = "1s"
[[environment]]
name = "staging"
prometheus = {{ url = "{prom}" }}
alertmanagers = ["{am}"]

[[environment]]
name = "prod-eu"
production = true
prometheus = {{ url = "{prom}" }}
alertmanagers = ["{am}"]
"#,
        prom = stack.prometheus_url,
        am = stack.alertmanager_url
    );
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn command(dir: &Path, config: &str) -> String {
    format!("XDG_STATE_HOME={} {} --config {config}", dir.display(), env!("CARGO_BIN_EXE_modeldeck"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_navigates_filters_reads_help_switches_environment_and_quits() {
    let stack = Stack::start().await;
    stack
        .push(
            "model-eval",
            "eval-1",
            &metrics_text(&[
                ("fraud-detector", "3", 0.71),
                ("churn-predictor", "7", 0.95),
                ("recsys-ranker", "2", 0.93),
            ]),
        )
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &stack);
    let tmux = Tmux::start("flow", &command(dir.path(), &config));

    let screen = tmux.wait("the firing alert and the marked row", Duration::from_secs(30), |s| {
        s.contains("ModelAccuracyLow") && s.contains("! fraud-detector")
    });
    assert!(screen.contains("staging") && screen.contains("Models 3/3"), "{screen}");
    assert!(!screen.contains("PRODUCTION"), "{screen}");

    // Navigate: the critical model sorts first; G goes to the last row, Enter opens it.
    tmux.keys(&["G", "Enter"]);
    let detail = tmux.wait_for("Esc back");
    assert!(detail.contains("Quality: accuracy"), "{detail}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Models 3/3");
    tmux.keys(&["g", "Enter"]);
    // The model screen reloads while live: the accuracy line appears once Prometheus has it.
    let detail = tmux.wait("the fraud-detector charts", Duration::from_secs(20), |s| {
        s.contains("fraud-detector last 1h · live") && s.contains("Quality: accuracy 3 0.710")
    });
    assert!(detail.contains("firing: ModelAccuracyLow"), "{detail}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Models 3/3");

    // Filter with /.
    tmux.keys(&["/"]);
    tmux.literal("churn");
    tmux.keys(&["Enter"]);
    let filtered = tmux.wait_for("Models 1/3");
    assert!(filtered.contains("churn-predictor") && !filtered.contains("recsys-ranker"), "{filtered}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Models 3/3");

    // Help from the keymap.
    tmux.keys(&["?"]);
    let help = tmux.wait_for("Help — ? or Esc closes");
    assert!(help.contains("filter rows") && help.contains("next environment"), "{help}");
    tmux.keys(&["?"]);
    tmux.wait("help to close", Duration::from_secs(5), |s| !s.contains("Help — ?"));

    // Switch environment by command, then back with the key.
    tmux.keys(&[":"]);
    tmux.literal("env prod-eu");
    tmux.keys(&["Enter"]);
    let prod = tmux.wait_for("PRODUCTION prod-eu");
    assert!(prod.contains("switched to prod-eu") || prod.contains("prod-eu"), "{prod}");
    tmux.wait("data in prod-eu", Duration::from_secs(20), |s| s.contains("! fraud-detector"));
    tmux.keys(&["e"]);
    tmux.wait("back in staging", Duration::from_secs(10), |s| s.contains("staging") && !s.contains("PRODUCTION"));

    tmux.keys(&["q"]);
    tmux.assert_restored();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_and_sighup_restore_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    for signal in ["TERM", "HUP"] {
        let pidfile = dir.path().join(format!("pid-{signal}"));
        let cmd = format!(
            "sh -c 'echo $$ > {pid}; exec env XDG_STATE_HOME={state} {bin} --demo'",
            pid = pidfile.display(),
            state = dir.path().display(),
            bin = env!("CARGO_BIN_EXE_modeldeck")
        );
        let tmux = Tmux::start(&format!("sig{signal}"), &cmd);
        tmux.wait_for("DEMO");
        let pid = std::fs::read_to_string(&pidfile).unwrap();
        let status = Command::new("kill").args([&format!("-{signal}"), pid.trim()]).status().unwrap();
        assert!(status.success());
        tmux.assert_restored();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_shows_an_evolving_fleet_with_a_firing_alert() {
    let dir = tempfile::tempdir().unwrap();
    let cmd = format!("XDG_STATE_HOME={} {} --demo", dir.path().display(), env!("CARGO_BIN_EXE_modeldeck"));
    let tmux = Tmux::start("demo", &cmd);
    let first = tmux.wait("the demo fleet", Duration::from_secs(10), |s| s.contains("Models 8/8"));
    assert!(first.contains("DEMO"), "{first}");
    tmux.wait("a firing alert in the demo", Duration::from_secs(15), |s| {
        s.contains("ModelAccuracyLow") && s.contains("! fraud-detector")
    });
    let before = tmux.screen();
    tmux.wait("values to evolve", Duration::from_secs(10), |s| {
        let rows = |t: &str| t.lines().filter(|l| l.contains("search-embed")).map(str::to_string).collect::<Vec<_>>();
        rows(s) != rows(&before)
    });
    tmux.keys(&["q"]);
    tmux.assert_restored();
}
