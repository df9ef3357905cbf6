//! End to end: what a dropped SSH session does to the real binary (SIGHUP while a rollback
//! runs: the rollback completes and is journaled, or is journaled as unknown; the terminal
//! is restored either way), and running under tmux and GNU screen with 16 and 256 colours.

mod tmux;

use std::process::Command;
use std::time::{Duration, Instant};

use tmux::Tmux;

/// A console whose model `fraud` rolls back by running a script that sleeps `sleep_s`.
fn rollback_setup(dir: &std::path::Path, sleep_s: u32) -> (std::path::PathBuf, std::path::PathBuf) {
    let script = dir.join("rollback.sh");
    std::fs::write(&script, format!("#!/bin/sh\nsleep {sleep_s}\necho rolled\n")).unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let journal = dir.join("journal.jsonl");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[journal]\npath = \"{}\"\n[[environment]]\nname = \"it\"\nprometheus = {{ url = \"http://127.0.0.1:9\" }}\n\
             [[model]]\nname = \"fraud\"\nrollback = {{ kind = \"command\", argv = [\"{}\", \"{{model}}\"], timeout = \"5m\" }}\n",
            journal.display(),
            script.display()
        ),
    )
    .unwrap();
    (config, journal)
}

/// The PID of the binary started with `config` (not the shell around it).
fn pid_of(config: &std::path::Path) -> String {
    let pattern = format!("^{} --config {}", env!("CARGO_BIN_EXE_modeldeck"), config.display());
    let out = Command::new("pgrep").args(["-f", &pattern]).output().unwrap();
    let pid = String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or_default().to_string();
    assert!(!pid.is_empty(), "modeldeck is not running");
    pid
}

/// Starts a rollback in the console and sends SIGHUP while it runs.
fn hang_up_during_rollback(tmux: &Tmux, config: &std::path::Path) {
    tmux.wait("the console", Duration::from_secs(15), |s| s.contains("modeldeck"));
    tmux.keys(&[":"]);
    tmux.literal("versions fraud");
    tmux.keys(&["Enter"]);
    tmux.wait_for("whatever the command rolls back to");
    tmux.keys(&["R"]);
    tmux.wait_for("Roll back fraud");
    tmux.literal("bad release");
    tmux.keys(&["Enter"]);
    tmux.wait_for("rolling back fraud");
    let status = Command::new("kill").args(["-HUP", &pid_of(config)]).status().unwrap();
    assert!(status.success());
}

fn last_entry(journal: &std::path::Path, timeout: Duration) -> serde_json::Value {
    let deadline = Instant::now() + timeout;
    loop {
        let text = std::fs::read_to_string(journal).unwrap_or_default();
        if let Some(line) = text.lines().last() {
            return serde_json::from_str(line).unwrap();
        }
        assert!(Instant::now() < deadline, "no journal entry after {timeout:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn sighup_during_a_rollback_lets_it_finish_and_journal() {
    let dir = tempfile::tempdir().unwrap();
    let (config, journal) = rollback_setup(dir.path(), 2);
    let bin = env!("CARGO_BIN_EXE_modeldeck");
    let tmux = Tmux::start(
        "hup-finish",
        &format!("XDG_STATE_HOME={} {bin} --config {}", dir.path().display(), config.display()),
    );
    hang_up_during_rollback(&tmux, &config);
    // The terminal comes back at once; the process waits for the rollback, then exits.
    tmux.assert_restored();
    let entry = last_entry(&journal, Duration::from_secs(10));
    assert_eq!(entry["kind"], "rollback");
    assert_eq!(entry["result"]["status"], "ok", "{entry}");
    assert_eq!(entry["after"]["output"], "rolled\n");
}

#[test]
fn sighup_with_a_hung_rollback_journals_it_as_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let (config, journal) = rollback_setup(dir.path(), 120);
    let bin = env!("CARGO_BIN_EXE_modeldeck");
    let command =
        format!("MODELDECK_ACTION_GRACE=1 XDG_STATE_HOME={} {bin} --config {}", dir.path().display(), config.display());
    let tmux = Tmux::start("hup-unknown", &command);
    let started = Instant::now();
    hang_up_during_rollback(&tmux, &config);
    tmux.assert_restored();
    assert!(started.elapsed() < Duration::from_secs(60), "the process did not wait for the 120 s hook");
    let entry = last_entry(&journal, Duration::from_secs(10));
    assert_eq!(entry["kind"], "rollback");
    assert_eq!(entry["result"]["status"], "unknown", "{entry}");
    assert_eq!(entry["note"], "bad release");
}

/// The demo in tmux with `term`, its screen captured with the escape sequences.
fn demo_escapes(name: &str, term: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let command =
        format!("TERM={term} XDG_STATE_HOME={} {} --demo", dir.path().display(), env!("CARGO_BIN_EXE_modeldeck"));
    let tmux = Tmux::start(name, &command);
    tmux.wait("the demo fleet", Duration::from_secs(15), |s| s.contains("fraud-detector") && s.contains("Alerts"));
    let escapes = tmux.capture_with_escapes();
    tmux.keys(&["q"]);
    tmux.assert_restored();
    escapes
}

#[test]
fn sixteen_colour_terminals_get_only_ansi_colours() {
    for term in ["xterm", "screen"] {
        let screen = demo_escapes(&format!("c16-{term}"), term);
        assert!(screen.contains("fraud-detector"), "{screen}");
        let beyond: Vec<u32> = palette_indexes(&screen).into_iter().filter(|n| *n >= 16).collect();
        assert!(beyond.is_empty(), "colours beyond the 16 under TERM={term}: {beyond:?}");
    }
    let screen = demo_escapes("c256", "xterm-256color");
    assert!(palette_indexes(&screen).contains(&236), "the 256-colour header is kept where it is supported");
}

/// The palette indexes of every `38;5;N` / `48;5;N` colour in `text`.
fn palette_indexes(text: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for marker in ["38;5;", "48;5;"] {
        for (at, _) in text.match_indices(marker) {
            let digits: String = text[at + marker.len()..].chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse() {
                out.push(n);
            }
        }
    }
    out
}

#[test]
fn runs_under_gnu_screen() {
    // GNU screen is the terminal modeldeck talks to (it sets TERM=screen); screen itself runs
    // in a tmux pane only so that the test can read what it shows.
    let dir = tempfile::tempdir().unwrap();
    let session = format!("modeldeck-e2e-screen-{}", std::process::id());
    let inner = format!(
        "XDG_STATE_HOME={} {} --demo; rc=$?; echo; echo SCREEN-EXITED:$rc; stty -a | tr \" ;\" \"\\n\\n\" | grep icanon; sleep 20",
        dir.path().display(),
        env!("CARGO_BIN_EXE_modeldeck")
    );
    let tmux = Tmux::start_argv("gnu-screen", &["screen", "-U", "-S", &session, "sh", "-c", &inner]);
    tmux.wait("the demo fleet under screen", Duration::from_secs(20), |s| {
        s.contains("fraud-detector") && s.contains("Alerts")
    });
    tmux.keys(&["q"]);
    // Without an alternate screen in GNU screen, the exit line lands on the last frame.
    let after = tmux.wait("the exit under screen", Duration::from_secs(15), |s| s.contains("SCREEN-EXITED:"));
    assert!(after.contains("SCREEN-EXITED:0"), "{after}");
    // Cooked mode is back (screen keeps the last frame on its one screen: it has no
    // alternate screen unless configured).
    // stty's words land on old frame lines: look at how each line starts.
    let setting = |l: &str| l.starts_with("icanon") || l.starts_with("-icanon");
    let modes = tmux.wait("stty", Duration::from_secs(5), |s| s.lines().any(setting));
    assert!(modes.lines().any(|l| l.starts_with("icanon")), "raw mode left on:\n{modes}");
    assert!(!modes.lines().any(|l| l.starts_with("-icanon")), "raw mode left on:\n{modes}");
}
