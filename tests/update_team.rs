//! Other operators in the pure state update: entries the follower reads join the journal
//! once, another operator's action shows in the header, a confirmation lists recent actions
//! on its model, and an action in flight needs the explicit override, which the plan
//! carries to the journal.

mod common;

use common::keys::{act, ctrl, key, typed};

use crossterm::event::KeyCode;
use modeldeck::app::App;
use modeldeck::domain::team::Followed;
use modeldeck::domain::{ActionRequest, Effect, Event};
use modeldeck::domain::{GovernanceFacts, RollbackSpec, SpecBackend, VersionsSnapshot};
use modeldeck::domain::{ModelVersion, RegisteredModel};
use modeldeck::input::keymap::Command;
use modeldeck::journal::{Entry, Kind, Outcome, Subject};
use serde_json::json;

/// An entry by `author` on fraud-detector in staging, `secs_ago` before the app's clock.
fn entry(seq: u64, author: &str, kind: Kind, result: Outcome, secs_ago: i64) -> Entry {
    Entry {
        v: 1,
        seq,
        id: format!("id-{seq}"),
        ts: (common::now() + jiff::SignedDuration::from_secs(2 - secs_ago)).to_string(),
        author: author.into(),
        environment: "staging".into(),
        kind,
        subject: Subject { model: Some("fraud-detector".into()), version: Some("2".into()), ..Subject::default() },
        note: "accuracy dip".into(),
        request: Some(json!({})),
        before: Some(json!({ "version": "3" })),
        after: None,
        result,
        demo: false,
        prev: String::new(),
        hash: format!("hash-{seq}"),
    }
}

fn followed(entries: Vec<Entry>) -> Event {
    Event::JournalFollowed(Followed { entries, reset: false })
}

fn version(v: &str) -> ModelVersion {
    ModelVersion {
        version: v.into(),
        created: Some(common::now()),
        source: String::new(),
        run_id: String::new(),
        description: String::new(),
        status: "READY".into(),
        tags: vec![("validation_status".into(), "approved".into())],
        aliases: Vec::new(),
        lineage: Default::default(),
    }
}

/// The app on fraud-detector's versions screen, loaded, the cursor on version 2.
fn on_versions() -> App {
    let mut app = common::app(5, 2);
    let effects = act(&mut app, Command::Versions(None));
    let Some(Effect::LoadVersions { seq, .. }) = effects.first().cloned() else { panic!("{effects:?}") };
    let snapshot = VersionsSnapshot {
        model: "fraud-detector".into(),
        registered: Some(RegisteredModel {
            name: "fraud-detector".into(),
            description: String::new(),
            tags: Vec::new(),
            aliases: vec![("champion".into(), "3".into())],
            versions: vec![version("3"), version("2")],
        }),
        live: Some("3".into()),
        spec: Some(RollbackSpec {
            backend: SpecBackend::Mlflow { registry: "http://127.0.0.1:5000".into() },
            registered_model: "fraud-detector".into(),
            alias: "champion".into(),
            validation_tag: "validation_status".into(),
            validated_values: vec!["approved".into()],
            allow_override: false,
        }),
        governance: GovernanceFacts::default(),
        figures: Vec::new(),
        warnings: Vec::new(),
    };
    app.update(Event::VersionsLoaded { seq, result: Ok(Box::new(snapshot)) });
    app
}

#[test]
fn another_operators_action_shows_in_the_header_and_joins_the_journal_once() {
    let mut app = common::app(5, 2);
    let rollback = entry(1, "bob@ops-2", Kind::Rollback, Outcome::Ok, 40);
    app.update(followed(vec![rollback.clone()]));
    let notice = app.team_notice().expect("a notice");
    assert_eq!(notice.text, "bob@ops-2 rolled back fraud-detector 3 → 2");
    let header = common::screen(&app, 160, 20);
    assert!(
        header.lines().next().unwrap().contains("⚑ bob@ops-2 rolled back fraud-detector 3 → 2, 40 s ago"),
        "{header}"
    );
    // Read again (the console's own report and the follower can both bring it): kept once.
    app.update(followed(vec![rollback]));
    assert_eq!(app.journal.entries.len(), 1);
    // The notice fades after a while.
    app.update(Event::Tick(common::now() + jiff::SignedDuration::from_mins(5)));
    assert!(app.team_notice().is_none());
}

#[test]
fn the_operators_own_entries_and_other_environments_raise_no_notice() {
    let mut app = common::app(5, 2);
    let mut elsewhere = entry(2, "bob@ops-2", Kind::Rollback, Outcome::Ok, 10);
    elsewhere.environment = "prod-eu".into();
    app.update(followed(vec![entry(1, "alice@ops-1", Kind::Rollback, Outcome::Ok, 10), elsewhere]));
    assert!(app.team_notice().is_none());
    assert_eq!(app.journal.entries.len(), 2, "both are in the journal view");
}

#[test]
fn the_rollback_confirmation_lists_recent_actions_and_needs_the_override_while_one_is_in_flight() {
    let mut app = on_versions();
    app.update(followed(vec![
        entry(1, "carol@ops-3", Kind::Retrain, Outcome::Ok, 300),
        entry(2, "bob@ops-2", Kind::Rollback, Outcome::Started, 20),
    ]));
    assert!(act(&mut app, Command::Rollback).is_empty());
    let form = app.rollback().expect("the confirmation");
    assert_eq!(form.team.recent.len(), 2, "{:?}", form.team.recent);
    assert!(form.team.recent.iter().any(|r| r == "carol@ops-3 triggered retraining of fraud-detector, 5 min ago"));
    let screen = common::screen(&app, 120, 40);
    assert!(screen.contains("bob@ops-2's rollback of fraud-detector 3 → 2 is in flight"), "{screen}");
    assert!(screen.contains("Ctrl-o takes over"), "{screen}");

    typed(&mut app, "rollback anyway");
    assert!(key(&mut app, KeyCode::Enter).is_empty(), "refused while bob's is in flight");
    assert!(app.rollback().unwrap().error.as_deref().unwrap().contains("in flight"));
    ctrl(&mut app, 'o');
    let screen = common::screen(&app, 120, 40);
    assert!(screen.contains("is in flight (started 20 s ago) — TAKEN OVER"), "{screen}");
    assert!(!screen.contains("✗ another operator's action"), "the refusal is cleared:\n{screen}");
    let effects = key(&mut app, KeyCode::Enter);
    let plan = effects
        .iter()
        .find_map(|e| match e {
            Effect::Act(request) => match request.as_ref() {
                ActionRequest::Rollback(plan) => Some(plan.clone()),
                _ => None,
            },
            _ => None,
        })
        .expect("the rollback is sent");
    let taken = plan.take_over.expect("the override travels with the plan");
    assert_eq!((taken.id.as_str(), taken.author.as_str()), ("id-2", "bob@ops-2"));
}

#[test]
fn an_open_form_learns_of_an_action_that_starts_after_it_opened_and_of_its_end() {
    let mut app = on_versions();
    act(&mut app, Command::Rollback);
    assert!(app.rollback().unwrap().team.in_flight.is_empty());
    app.update(followed(vec![entry(1, "bob@ops-2", Kind::Rollback, Outcome::Started, 1)]));
    assert_eq!(app.rollback().unwrap().team.in_flight.len(), 1);
    let mut done = entry(2, "bob@ops-2", Kind::Rollback, Outcome::Ok, 0);
    done.request = Some(json!({ "started": "id-1" }));
    app.update(followed(vec![done]));
    assert!(app.rollback().unwrap().team.in_flight.is_empty(), "bob's rollback ended");
}
