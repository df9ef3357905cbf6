//! The note editor and the journal view in the pure state update.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use modeldeck::app::{App, Pane, Screen};
use modeldeck::domain::{Effect, Event};
use modeldeck::journal::{Draft, Entry, Kind, Outcome, Subject};

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)))
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, if c == '\n' { KeyCode::Enter } else { KeyCode::Char(c) });
    }
}

fn entry(seq: u64, model: &str, kind: Kind, author: &str, note: &str) -> Entry {
    Entry {
        v: 1,
        seq,
        id: format!("id{seq}"),
        ts: format!("2026-11-25T11:{:02}:00Z", seq % 60),
        author: author.into(),
        environment: "staging".into(),
        kind,
        subject: Subject { model: Some(model.into()), ..Subject::default() },
        note: note.into(),
        request: None,
        before: None,
        after: None,
        result: Outcome::Ok,
        demo: false,
        prev: String::new(),
        hash: String::new(),
    }
}

fn sealed_draft(effects: &[Effect]) -> Draft {
    match effects {
        [Effect::AppendJournal(draft)] => (**draft).clone(),
        other => panic!("expected one append, got {other:?}"),
    }
}

#[test]
fn n_writes_a_multiline_note_about_the_selected_model() {
    let mut app = common::app(5, 2);
    key(&mut app, KeyCode::Char('n'));
    let editor = app.editor().expect("editor open");
    assert_eq!(editor.subject.model.as_deref(), Some("fraud-detector"));
    assert_eq!(editor.subject.version.as_deref(), Some("1"));
    typed(&mut app, "rolled back v4\nquality dip after deploy");
    assert!(!app.should_quit, "q inside the editor is text");
    let draft = sealed_draft(&ctrl(&mut app, 's'));
    assert_eq!(draft.kind, Kind::Note);
    assert_eq!(draft.note, "rolled back v4\nquality dip after deploy");
    assert_eq!(draft.environment, "staging");
    assert_eq!(draft.subject.model.as_deref(), Some("fraud-detector"));
    assert!(app.editor().unwrap().saving, "the editor waits for the append");

    let mut saved = entry(7, "fraud-detector", Kind::Note, &draft.author, &draft.note);
    saved.ts = "2026-11-25T11:59:00Z".into();
    app.update(Event::JournalAppended(Ok(Box::new(saved))));
    assert!(app.editor().is_none());
    assert_eq!(app.journal.entries[0].seq, 7);
    assert!(app.journal.last_change.contains_key("fraud-detector"));
    assert!(app.message.as_ref().unwrap().1.contains("entry 7"));
}

#[test]
fn a_note_on_an_alert_names_the_alert() {
    let mut app = common::app(5, 2);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Pane::Alerts);
    key(&mut app, KeyCode::Char('n'));
    let subject = app.editor().unwrap().subject.clone();
    assert_eq!(subject.alertname.as_deref(), Some("ModelAccuracyLow"));
    assert_eq!(subject.alert.as_deref(), Some("ModelAccuracyLow-fraud-detector"));
    assert_eq!(subject.model.as_deref(), Some("fraud-detector"));
}

#[test]
fn empty_notes_are_refused_and_esc_discards() {
    let mut app = common::app(5, 2);
    key(&mut app, KeyCode::Char('n'));
    typed(&mut app, "   \n");
    assert!(ctrl(&mut app, 's').is_empty());
    assert_eq!(app.editor().unwrap().error.as_deref(), Some("a note needs some text"));
    key(&mut app, KeyCode::Esc);
    assert!(app.editor().is_none());
}

#[test]
fn a_failed_append_keeps_the_text() {
    let mut app = common::app(5, 2);
    key(&mut app, KeyCode::Char('n'));
    typed(&mut app, "keep me");
    ctrl(&mut app, 's');
    app.update(Event::JournalAppended(Err("disk full".into())));
    let editor = app.editor().expect("still open");
    assert_eq!(editor.text, "keep me");
    assert!(!editor.saving);
    assert_eq!(editor.error.as_deref(), Some("disk full"));
}

#[test]
fn journal_view_lists_newest_first_filters_and_opens_an_entry() {
    let mut app = common::app(5, 2);
    assert_eq!(key(&mut app, KeyCode::Char('J')), vec![Effect::LoadJournal]);
    assert_eq!(app.screen, Screen::Journal);
    app.update(Event::JournalLoaded(Ok(vec![
        entry(1, "fraud-detector", Kind::Note, "alice@ops", "first"),
        entry(2, "churn-predictor", Kind::Ack, "bob@ops", "ack churn"),
        entry(3, "fraud-detector", Kind::Rollback, "alice@ops", "rolled back"),
    ])));
    let seqs: Vec<u64> = app.journal.visible.iter().map(|i| app.journal.entries[*i].seq).collect();
    assert_eq!(seqs, [3, 2, 1]);

    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "model=fraud-detector author=alice");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.journal.visible.len(), 2);
    assert_eq!(app.filter_text, "", "the fleet filter is untouched");
    key(&mut app, KeyCode::Char('/'));
    for _ in 0.."model=fraud-detector author=alice".len() {
        key(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "kind=ack");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.journal.selected_entry().unwrap().seq, 2);

    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::JournalEntry(2));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Journal);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.journal.filter_text, "", "first Esc clears the filter");
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(app.journal.selected(), 1);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Overview);
}

#[test]
fn journal_command_opens_the_view() {
    let mut app = common::app(5, 2);
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "journal");
    assert_eq!(key(&mut app, KeyCode::Enter), vec![Effect::LoadJournal]);
    assert_eq!(app.screen, Screen::Journal);
}
