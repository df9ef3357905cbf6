//! End to end: operators sharing one journal, as real processes. Two consoles in tmux and
//! one shell command on one journal file: each console sees the others' actions in its
//! header within a refresh, a confirmation lists them and asks for the explicit override
//! while another's retraining is in flight; and two consoles with one automatic rule send
//! exactly one request, also after a restart.

mod harness;
mod tmux;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use harness::{Stack, metrics_text};
use modeldeck::journal::{Entry, Kind, Outcome};
use tmux::Tmux;

const BIN: &str = env!("CARGO_BIN_EXE_modeldeck");
const DRIFT: &str =
    "# TYPE model_drift_score gauge\nmodel_drift_score{model=\"fraud-detector\",feature=\"amount\"} 0.4\n";

/// A firing drift alert on fraud-detector, the only model.
async fn stack() -> Stack {
    let stack = Stack::start().await;
    stack.push("model-eval", "eval-1", &metrics_text(&[("fraud-detector", "3", 0.95)])).await;
    stack.push("drift", "eval-1", DRIFT).await;
    stack
}

/// A retraining hook that records each call and, while `hold` exists, waits (up to a
/// minute) before it answers, so the trigger stays in flight.
fn hook(dir: &Path, hold: &Path) -> (PathBuf, PathBuf) {
    let calls = dir.join("calls");
    let script = dir.join("retrain.sh");
    let body = format!(
        "#!/bin/sh\necho \"$1\" >> {calls}\ni=0\nwhile [ -e {hold} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\necho queued\n",
        calls = calls.display(),
        hold = hold.display()
    );
    std::fs::write(&script, body).unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    (script, calls)
}

/// One operator's config on the shared journal.
fn config(dir: &Path, stack: &Stack, author: &str, journal: &Path, script: &Path, runbook: &str) -> PathBuf {
    let path = dir.join(format!("{author}.toml"));
    let text = format!(
        "refresh = \"1s\"\nauthor = \"{author}\"\n[journal]\npath = \"{}\"\n[[environment]]\nname = \"staging\"\nprometheus = {{ url = \"{}\" }}\nalertmanagers = [\"{}\"]\n\
         [[model]]\nname = \"fraud-detector\"\nretrain = {{ kind = \"command\", argv = [\"{}\", \"{{model}}\"], timeout = \"2m\" }}\n{runbook}",
        journal.display(),
        stack.prometheus_url,
        stack.alertmanager_url,
        script.display()
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn console(name: &str, dir: &Path, config: &Path) -> Tmux {
    let state = dir.join(format!("state-{name}"));
    Tmux::start(name, &format!("XDG_STATE_HOME={} {BIN} --config {}", state.display(), config.display()))
}

fn entries(journal: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(journal).unwrap_or_default();
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

fn wait_journal(journal: &Path, what: &str, done: impl Fn(&[Entry]) -> bool) -> Vec<Entry> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let all = entries(journal);
        if done(&all) {
            return all;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}; journal: {all:#?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_consoles_and_a_shell_see_each_other_and_an_action_in_flight_needs_the_override() {
    let stack = stack().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let hold = dir.path().join("hold");
    std::fs::write(&hold, "").unwrap();
    let (script, calls) = hook(dir.path(), &hold);
    let alice_config = config(dir.path(), &stack, "alice", &journal, &script, "");
    let bob_config = config(dir.path(), &stack, "bob", &journal, &script, "");
    let carol_config = config(dir.path(), &stack, "carol", &journal, &script, "");
    let alice = console("team-alice", dir.path(), &alice_config);
    let bob = console("team-bob", dir.path(), &bob_config);
    for tmux in [&alice, &bob] {
        tmux.wait("the drift alert", Duration::from_secs(40), |s| s.contains("ModelDriftHigh"));
    }

    // Carol acknowledges from a shell; both consoles name it in their header.
    let args = ["ack", "--model", "fraud-detector", "--alert", "ModelDriftHigh", "--for", "1h", "--comment", "on it"];
    let out = std::process::Command::new(BIN)
        .arg("--config")
        .arg(&carol_config)
        .args(args)
        .arg("--yes")
        .env("XDG_STATE_HOME", dir.path().join("state-carol"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for tmux in [&alice, &bob] {
        tmux.wait("carol's acknowledgement in the header", Duration::from_secs(15), |s| {
            s.lines().next().is_some_and(|l| l.contains("⚑ carol silenced ModelDriftHigh on fraud-detector"))
        });
    }

    // Alice starts a retraining that stays in flight.
    alice.keys(&["T"]);
    alice.wait_for("Retrain fraud-detector");
    alice.literal("drift on amount");
    alice.keys(&["Enter"]);
    alice.wait_for("will send:");
    alice.keys(&["Enter"]);
    let all = wait_journal(&journal, "alice's started entry", |all| {
        all.iter().any(|e| e.author == "alice" && e.result == Outcome::Started)
    });
    let alices = all.iter().find(|e| e.author == "alice" && e.result == Outcome::Started).unwrap().id.clone();

    // Bob's form names it, with carol's acknowledgement, and refuses until Ctrl-o.
    bob.keys(&["T"]);
    let form = bob.wait("alice's retraining in bob's form", Duration::from_secs(15), |s| {
        s.contains("alice's retraining of fraud-detector is in flight")
    });
    assert!(form.contains("Ctrl-o takes over"), "{form}");
    assert!(form.contains("carol silenced ModelDriftHigh on fraud-detector"), "{form}");
    bob.literal("alice's run is stuck");
    bob.keys(&["Enter"]);
    bob.wait("the refusal", Duration::from_secs(10), |s| s.contains("in flight: Ctrl-o takes over"));
    bob.keys(&["C-o"]);
    bob.wait("the override", Duration::from_secs(10), |s| s.contains("TAKEN OVER"));
    bob.keys(&["Enter"]);
    bob.wait_for("will send:");
    bob.keys(&["Enter"]);
    let all = wait_journal(&journal, "bob's started entry", |all| {
        all.iter().any(|e| e.author == "bob" && e.result == Outcome::Started)
    });
    let bobs = all.iter().find(|e| e.author == "bob" && e.result == Outcome::Started).unwrap();
    assert_eq!(bobs.request.as_ref().unwrap()["take_over"]["started"], alices.as_str(), "{bobs:?}");
    assert_eq!(bobs.request.as_ref().unwrap()["take_over"]["author"], "alice");

    // Both runs answer; each result names its own started entry; alice sees bob's.
    std::fs::remove_file(&hold).unwrap();
    let all = wait_journal(&journal, "both results", |all| {
        all.iter().filter(|e| e.kind == Kind::Retrain && e.result == Outcome::Ok).count() == 2
    });
    for result in all.iter().filter(|e| e.kind == Kind::Retrain && e.result == Outcome::Ok) {
        let started = result.request.as_ref().unwrap()["started"].as_str().unwrap();
        assert!(all.iter().any(|e| e.id == started && e.author == result.author && e.result == Outcome::Started));
    }
    alice.wait("bob's retraining in alice's header", Duration::from_secs(15), |s| {
        s.lines().next().is_some_and(|l| l.contains("⚑ bob"))
    });
    assert_eq!(std::fs::read_to_string(&calls).unwrap().lines().count(), 2);
    for tmux in [&alice, &bob] {
        tmux.keys(&["q"]);
        tmux.assert_restored();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_consoles_with_one_automatic_rule_send_exactly_one_request_even_after_a_restart() {
    let stack = stack().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let (script, calls) = hook(dir.path(), &dir.path().join("never"));
    let rule =
        "[[runbook]]\nalert = \"ModelDriftHigh\"\nsuggest = \"retrain\"\nautomatic = true\nrate_limit = \"6h\"\n";
    let alice = console("auto-alice", dir.path(), &config(dir.path(), &stack, "alice", &journal, &script, rule));
    let bob_config = config(dir.path(), &stack, "bob", &journal, &script, rule);
    let bob = console("auto-bob", dir.path(), &bob_config);

    // One console claims the occurrence and acts; the other says who did.
    let all = wait_journal(&journal, "the automatic trigger", |all| {
        all.iter().any(|e| e.kind == Kind::Retrain && e.result == Outcome::Ok)
    });
    let claims: Vec<&Entry> = all.iter().filter(|e| e.result == Outcome::Started).collect();
    assert_eq!(claims.len(), 1, "{all:#?}");
    let winner = claims[0].author.clone();
    let loser = if winner == "alice" { &bob } else { &alice };
    loser.wait("the other console's claim", Duration::from_secs(30), |s| {
        s.contains(&format!("already handled by {winner}"))
    });

    // Bob restarts within the rate limit: the journal remembers, nothing is sent again.
    bob.keys(&["q"]);
    bob.assert_restored();
    let bob = console("auto-bob-again", dir.path(), &bob_config);
    bob.wait("the restarted console's check", Duration::from_secs(40), |s| s.contains("already handled by"));
    assert_eq!(std::fs::read_to_string(&calls).unwrap(), "fraud-detector\n", "exactly one request");
    let all = entries(&journal);
    assert_eq!(all.iter().filter(|e| e.result == Outcome::Started).count(), 1, "{all:#?}");
    for tmux in [&alice, &bob] {
        tmux.keys(&["q"]);
        tmux.assert_restored();
    }
}
