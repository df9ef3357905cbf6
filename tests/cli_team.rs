//! The shell commands see other operators as the console does: the plan lists recent
//! actions on the model, and a retraining while another operator's is in flight is refused
//! unless `--take-over` says so, which the `started` entry records. The pipeline is a real
//! command hook; the other operator is an entry in the shared journal file.

mod shell;

use modeldeck::journal::{Draft, Journal, Kind, Outcome, Subject};
use serde_json::json;
use shell::Shell;

#[tokio::test]
async fn a_retraining_in_flight_is_refused_without_take_over_and_journaled_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let calls = dir.path().join("calls");
    let script = dir.path().join("retrain.sh");
    std::fs::write(&script, format!("#!/bin/sh\necho \"$1\" >> {}\necho queued\n", calls.display())).unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let shell = Shell::new(&format!(
        "author = \"alice\"\n[[environment]]\nname = \"staging\"\nprometheus = {{ url = \"http://127.0.0.1:9\" }}\n\
         [[model]]\nname = \"fraud\"\nretrain = {{ kind = \"command\", argv = [\"{}\", \"{{model}}\"] }}\n",
        script.display()
    ));
    // Bob, on another console, started a retraining of fraud a moment ago.
    let (journal, _) = Journal::open(&shell.journal).unwrap();
    let subject = Subject { model: Some("fraud".into()), ..Subject::default() };
    let bobs = journal
        .append(
            Draft::by("bob", "staging", Kind::Retrain, subject, "drift").request(json!({})).result(Outcome::Started),
        )
        .unwrap();

    let refused = shell.run(&["retrain", "--model", "fraud", "--note", "again", "--yes"]).await;
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stdout.contains("bob's retraining of fraud is in flight"), "{}", refused.stdout);
    assert!(refused.stdout.contains("recent on this model:"), "{}", refused.stdout);
    assert!(refused.stderr.contains("--take-over acts anyway"), "{}", refused.stderr);
    assert!(!calls.exists(), "nothing was sent");

    let done = shell.run(&["retrain", "--model", "fraud", "--note", "bob's is stuck", "--yes", "--take-over"]).await;
    assert_eq!(done.code, 0, "{done:?}");
    assert_eq!(std::fs::read_to_string(&calls).unwrap(), "fraud\n");
    let entries = shell.entries();
    let started = entries.iter().find(|e| e.author == "alice" && e.result == Outcome::Started).expect("started");
    assert_eq!(started.request.as_ref().unwrap()["take_over"]["started"], bobs.id.as_str());
    assert_eq!(shell.results().iter().filter(|e| e.author == "alice").count(), 1);
}
