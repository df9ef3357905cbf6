//! Rolling back through a command hook, the console's whole flow: a real script receives a
//! hostile model name as one literal argument; a non-zero exit is a journaled failure; a
//! hung command is killed at its timeout and journaled as unknown.

mod live;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use live::Live;
use modeldeck::config;
use modeldeck::domain::Event;
use modeldeck::journal::{Entry, Journal, Kind, Outcome};

const HOSTILE: &str = "fraud; rm -rf x $(id)";

fn key(live: &mut Live, code: KeyCode) {
    live.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(live: &mut Live, text: &str) {
    for c in text.chars() {
        key(live, KeyCode::Char(c));
    }
}

/// A console whose one model rolls back by running `script` with the model and target.
fn start(dir: &std::path::Path, script: &str, timeout: &str) -> (Live, Arc<Journal>) {
    let path = dir.join("rollback.sh");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let text = format!(
        "refresh = \"1s\"\n[[environment]]\nname = \"it\"\nprometheus = {{ url = \"http://127.0.0.1:9\" }}\n[[model]]\nname = '{HOSTILE}'\nrollback = {{ kind = \"command\", argv = [\"{}\", \"{{model}}\", \"--to={{target}}\"], timeout = \"{timeout}\" }}\n",
        path.display()
    );
    let config = config::from_str(&text, None, &|_| None).unwrap();
    let journal = Arc::new(Journal::open(&dir.join("journal.jsonl")).unwrap().0);
    (Live::start_with(&config, false, Some(journal.clone())), journal)
}

/// `:versions`, `R` on the one target, a note, Enter; then waits for the result.
async fn roll_back(live: &mut Live, note: &str) -> Entry {
    key(live, KeyCode::Char(':'));
    typed(live, &format!("versions {HOSTILE}"));
    key(live, KeyCode::Enter);
    live.until("the versions", Duration::from_secs(10), |app| app.versions.as_ref().is_some_and(|v| !v.loading)).await;
    key(live, KeyCode::Char('R'));
    let form = live.app.rollback().unwrap_or_else(|| panic!("no confirmation: {:?}", live.app.message));
    // The confirmation shows the command as it will run, each argument quoted as one.
    assert!(form.plan.request[0].contains("'fraud; rm -rf x $(id)'"), "{:?}", form.plan.request);
    typed(live, note);
    key(live, KeyCode::Enter);
    live.until("the result", Duration::from_secs(30), |app| app.rollback().is_none() && app.busy.is_none()).await;
    let entry = live.journal.as_ref().unwrap().read_all().unwrap().pop().expect("a journal entry");
    assert_eq!(entry.kind, Kind::Rollback);
    assert_eq!(entry.subject.model.as_deref(), Some(HOSTILE));
    entry
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hostile_model_name_reaches_the_script_as_one_argument() {
    let dir = tempfile::tempdir().unwrap();
    let args = dir.path().join("args");
    let script =
        format!("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > {}\necho rolled\n", args.display());
    let (mut live, _journal) = start(dir.path(), &script, "10s");
    let entry = roll_back(&mut live, "helm revision 41 is bad").await;
    assert_eq!(entry.result, Outcome::Ok);
    let received = std::fs::read_to_string(&args).unwrap();
    assert_eq!(received.lines().collect::<Vec<_>>(), [HOSTILE, "--to=previous"]);
    // The script's own output is kept with the entry.
    assert_eq!(entry.after.as_ref().unwrap()["output"], "rolled\n");
    assert!(live.app.message.as_ref().unwrap().1.contains("rolled back"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_zero_exit_is_a_journaled_failure_with_its_output() {
    let dir = tempfile::tempdir().unwrap();
    let (mut live, _journal) = start(dir.path(), "#!/bin/sh\necho 'error: release not found' >&2\nexit 3\n", "10s");
    let entry = roll_back(&mut live, "try it").await;
    assert!(matches!(&entry.result, Outcome::Failed { error } if error.contains("exit 3")), "{:?}", entry.result);
    assert!(entry.after.as_ref().unwrap()["output"].as_str().unwrap().contains("release not found"));
    let (_, message) = live.app.message.clone().unwrap();
    assert!(message.contains("rollback FAILED") && message.contains("exit 3"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_command_is_killed_at_the_timeout_and_journaled_as_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let (mut live, _journal) = start(dir.path(), "#!/bin/sh\nsleep 600 &\nwait\n", "1s");
    let entry = roll_back(&mut live, "hangs").await;
    assert!(started.elapsed() < Duration::from_secs(25), "killed at the timeout, not after sleep 600");
    assert!(matches!(&entry.result, Outcome::Unknown { reason } if reason.contains("timeout")), "{:?}", entry.result);
    assert!(live.app.message.as_ref().unwrap().1.contains("rollback UNKNOWN"));
}
