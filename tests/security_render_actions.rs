//! Terminal escape injection through what actions bring back: a rollback or retraining
//! command hook's output (shown in the status line and the journal entry) and a retraining
//! run's id and states from a pipeline's API (shown on the model screen). Driven through the
//! real action runner (`tests/live`), rendered with ratatui's TestBackend.

mod common;
mod live;

use std::sync::Arc;
use std::time::Duration;

use common::standin::{Recorded, StandIn, reply};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use live::Live;
use modeldeck::app::Screen;
use modeldeck::backends::pipelines::RunState;
use modeldeck::config;
use modeldeck::domain::Event;
use modeldeck::domain::sanitize::clean;
use modeldeck::journal::{Journal, Kind};
use serde_json::json;

const PAYLOADS: [&str; 6] = ["\x1b]52;c;aGk=\x07", "\x1b[2J", "\x1b]0;title\x07", "\u{9b}31m", "\u{202e}", "\r"];

/// `prefix` followed by every payload, each after its index: one string that carries all.
fn all_payloads(prefix: &str) -> String {
    PAYLOADS.iter().enumerate().map(|(i, p)| format!("{i}{p}")).fold(prefix.to_string(), |s, p| s + &p) + "z"
}

fn assert_inert(what: &str, screen: &str, expected: &[String]) {
    for (row, line) in screen.lines().enumerate() {
        let bad = |c: char| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        if let Some(c) = line.chars().find(|&c| bad(c)) {
            panic!("{what}: row {row} holds U+{:04X}:\n{screen}", c as u32);
        }
    }
    for text in expected {
        assert!(screen.contains(text.as_str()), "{what}: `{text}` is not on screen:\n{screen}");
    }
}

fn key(live: &mut Live, code: KeyCode) {
    live.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(live: &mut Live, text: &str) {
    for c in text.chars() {
        key(live, KeyCode::Char(c));
    }
}

/// A hook script that prints `output` (raw bytes, escapes and all) and exits with `code`.
fn script(dir: &std::path::Path, name: &str, output: &str, code: i32) -> String {
    let data = dir.join(format!("{name}.out"));
    std::fs::write(&data, output).unwrap();
    let path = dir.join(format!("{name}.sh"));
    std::fs::write(&path, format!("#!/bin/sh\ncat '{}' >&2\nexit {code}\n", data.display())).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    path.display().to_string()
}

fn start(dir: &std::path::Path, model_block: &str) -> Live {
    let text = format!(
        "refresh = \"1s\"\n[[environment]]\nname = \"it\"\nprometheus = {{ url = \"http://127.0.0.1:9\" }}\n[[model]]\nname = \"fraud-detector\"\n{model_block}"
    );
    let config = config::from_str(&text, None, &|_| None).unwrap_or_else(|e| panic!("{e}"));
    let journal = Arc::new(Journal::open(&dir.join("journal.jsonl")).unwrap().0);
    Live::start_with(&config, false, Some(journal))
}

async fn open_versions(live: &mut Live) {
    key(live, KeyCode::Char(':'));
    typed(live, "versions fraud-detector");
    key(live, KeyCode::Enter);
    live.until("the versions", Duration::from_secs(10), |app| app.versions.as_ref().is_some_and(|v| !v.loading)).await;
}

/// The journal view and the newest entry's full view, with what `kind` journaled.
fn journal_screens(live: &mut Live, kind: Kind) -> (String, String) {
    let entries = live.journal.as_ref().unwrap().read_all().unwrap();
    assert_eq!(entries.last().map(|e| e.kind.clone()), Some(kind));
    key(live, KeyCode::Esc);
    key(live, KeyCode::Char('J'));
    live.send(Event::JournalLoaded(Ok(entries)));
    assert_eq!(live.app.screen, Screen::Journal);
    let list = common::screen(&live.app, 200, 40);
    key(live, KeyCode::Enter);
    (list, common::screen(&live.app, 200, 60))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_hook_output_in_the_status_line_and_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let output = all_payloads("rollback-out");
    let hook = script(dir.path(), "rollback", &output, 3);
    let mut live = start(
        dir.path(),
        &format!("rollback = {{ kind = \"command\", argv = [\"{hook}\", \"{{model}}\"], timeout = \"10s\" }}\n"),
    );
    open_versions(&mut live).await;
    key(&mut live, KeyCode::Char('R'));
    assert!(live.app.rollback().is_some(), "no confirmation: {:?}", live.app.message);
    typed(&mut live, "bad release");
    key(&mut live, KeyCode::Enter);
    live.until("the result", Duration::from_secs(30), |app| app.rollback().is_none() && app.busy.is_none()).await;
    let message = &live.app.message.as_ref().expect("a status line").1;
    assert!(message.contains("rollback FAILED"), "{message}");
    // The status line names the failure; the output itself is kept, raw, with the journal
    // entry, whose view shows it as JSON (escapes spelled out, the rest made inert).
    assert_inert("the status line", &common::screen(&live.app, 250, 30), &["the command failed: exit 3".into()]);
    let entries = live.journal.as_ref().unwrap().read_all().unwrap();
    assert_eq!(entries.last().unwrap().after.as_ref().unwrap()["output"], output, "kept raw");
    let shown = clean(serde_json::to_string(&output).unwrap().trim_matches('"'));
    let (list, entry) = journal_screens(&mut live, Kind::Rollback);
    assert_inert("the journal list", &list, &[]);
    assert_inert("the journal entry", &entry, &[shown]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retrain_hook_output_in_the_status_line_and_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let output = all_payloads("retrain-out");
    let hook = script(dir.path(), "retrain", &output, 1);
    let mut live =
        start(dir.path(), &format!("retrain = {{ kind = \"command\", argv = [\"{hook}\", \"{{model}}\"] }}\n"));
    open_versions(&mut live).await;
    key(&mut live, KeyCode::Char('T'));
    assert!(live.app.retrain().is_some(), "no form: {:?}", live.app.message);
    typed(&mut live, "drift on amount");
    key(&mut live, KeyCode::Enter);
    key(&mut live, KeyCode::Enter);
    live.until("the result", Duration::from_secs(30), |app| {
        app.busy.is_none() && app.message.as_ref().is_some_and(|(_, m)| m.contains("FAILED"))
    })
    .await;
    // The status line is one line: the output's whitespace (its carriage return too) becomes
    // spaces, the rest is made inert.
    let shown = clean(&output.split_whitespace().collect::<Vec<_>>().join(" "));
    assert_inert("the status line", &common::screen(&live.app, 250, 30), &[format!("FAILED: exit 1: {shown}")]);
    key(&mut live, KeyCode::Esc);
    let (list, entry) = journal_screens(&mut live, Kind::Retrain);
    assert_inert("the journal list", &list, &[]);
    assert_inert("the journal entry", &entry, &[shown]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retraining_run_ids_and_states_from_the_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let run_id = all_payloads("rid");
    let state = all_payloads("st");
    let reason = all_payloads("why");
    // The form reads the pipeline's schedule as it opens (recurring runs, the newest runs):
    // answered aside, empty, so that the trigger and the polls get the replies below.
    let schedule_read = |r: &Recorded| {
        (r.target.starts_with("/apis/v2beta1/recurringruns") || r.target.starts_with("/apis/v2beta1/runs?"))
            .then(|| reply(200, "{}"))
    };
    let pipeline = StandIn::start_with_aside(
        vec![
            reply(200, &json!({"run_id": run_id, "state": "PENDING"}).to_string()),
            reply(200, &json!({"run_id": run_id, "state": state}).to_string()),
            reply(200, &json!({"run_id": run_id, "state": "FAILED", "error": {"message": reason}}).to_string()),
        ],
        schedule_read,
    )
    .await;
    let mut live = start(
        dir.path(),
        &format!(
            "retrain = {{ kind = \"kfp\", url = \"{}\", pipeline_id = \"p\", pipeline_version_id = \"v\", experiment_id = \"e\" }}\n",
            pipeline.url
        ),
    );
    open_versions(&mut live).await;
    key(&mut live, KeyCode::Char('T'));
    typed(&mut live, "drift on amount");
    key(&mut live, KeyCode::Enter);
    key(&mut live, KeyCode::Enter);
    live.until("the run", Duration::from_secs(30), |app| app.retrain().is_none() && !app.runs.is_empty()).await;
    assert_eq!(live.app.runs[0].run.run_id.as_deref(), Some(run_id.as_str()), "kept raw");
    live.app.screen = Screen::Model("fraud-detector".into());
    let mut at = jiff::Timestamp::now();
    for (what, done) in [
        ("the odd state", (|s: &RunState| matches!(s, RunState::Unknown(_))) as fn(&RunState) -> bool),
        ("the failure", |s: &RunState| matches!(s, RunState::Failed(_))),
    ] {
        at += jiff::SignedDuration::from_secs(10);
        live.send(Event::Tick(at));
        live.until(what, Duration::from_secs(20), |app| done(&app.runs[0].state)).await;
        let screen = common::screen(&live.app, 250, 40);
        let expected = if what == "the odd state" { clean(&state) } else { clean(&reason) };
        assert_inert(what, &screen, &[clean(&run_id), expected]);
    }
}
