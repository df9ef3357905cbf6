//! Snapshots of the alert screens: the acknowledge form and its confirmation, the
//! un-acknowledge confirmation, the alert detail, the silence inventory, and the header and
//! alerts pane with silences and an HA peer down. Times come from the fixtures, so they are
//! stable.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::SignedDuration;
use modeldeck::app::App;
use modeldeck::domain::Event;
use modeldeck::domain::{AlertState, PeerHealth, Severity, SourceData, SourceId};
use modeldeck::domain::{Matcher, Silence, SilenceState};
use modeldeck::input::keymap::Command;

use common::screen;

fn key(app: &mut App, code: KeyCode) {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn line<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("no line with {needle}:\n{screen}"))
}

fn silence(
    id: &str,
    matchers: &[(&str, &str)],
    ends_in: SignedDuration,
    by: &str,
    comment: &str,
    app: &App,
) -> Silence {
    Silence {
        id: id.into(),
        matchers: matchers.iter().map(|(n, v)| Matcher::equal(n, v)).collect(),
        starts_at: app.now - SignedDuration::from_mins(13),
        ends_at: app.now + ends_in,
        created_by: by.into(),
        comment: comment.into(),
        state: if ends_in.is_negative() { SilenceState::Expired } else { SilenceState::Active },
        updated_at: None,
    }
}

/// The fixture app after an Alertmanager poll where the drift alert is muted by a silence
/// that ends 47 minutes from now, another silence mutes nothing, one silence has expired,
/// and the second peer of the cluster is down.
fn muted_app() -> App {
    let mut app = common::app(5, 2);
    let mut snapshot = common::alerts(2, 5);
    let drift = std::sync::Arc::make_mut(&mut snapshot.alerts[1]);
    drift.silenced_by = vec!["7c1e9a40-drift".into()];
    drift.annotations.insert("summary", "PSI 0.31 on ranker features".into());
    drift.annotations.insert("runbook_url", "https://runbooks.example/model-drift".into());
    drift.receivers = vec!["ml-oncall".into()];
    snapshot.silences = vec![
        silence(
            "7c1e9a40-drift",
            &[("alertname", "ModelDriftHigh"), ("model", "recsys-ranker")],
            SignedDuration::from_mins(47),
            "bob@ops-2",
            "retraining tonight",
            &app,
        ),
        silence(
            "0d44b2f1-stale",
            &[("model", "canary-7")],
            SignedDuration::from_hours(3),
            "carol@ops-3",
            "old canary",
            &app,
        ),
        silence(
            "e9f0c3aa-gone",
            &[("model", "fraud-detector")],
            SignedDuration::from_mins(-5),
            "dave@ops-4",
            "expired already",
            &app,
        ),
    ];
    snapshot.peer = "http://am-1.example:9093/".into();
    snapshot.peers = vec![
        PeerHealth { url: "http://am-1.example:9093/".into(), error: None },
        PeerHealth { url: "http://am-2.example:9093/".into(), error: Some("connection refused".into()) },
    ];
    app.update(common::update(SourceId::Alertmanager, SourceData::Alerts(snapshot), 1));
    app
}

/// The form on the critical accuracy alert, with a comment and Alertmanager's preview.
fn filled_form() -> App {
    let mut app = muted_app();
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char('a'));
    typed(&mut app, "retraining tonight");
    let muted = common::alert("ModelAccuracyLow", Severity::Critical, "fraud-detector", AlertState::Active, 125);
    let seq = app.ack().expect("form open").preview_seq;
    app.update(Event::SilencePreview { seq, result: Ok(vec![muted]) });
    app
}

#[test]
fn ack_form_while_editing() {
    let app = filled_form();
    let screen = screen(&app, 100, 28);
    assert!(screen.contains("Acknowledge: create a silence"), "{screen}");
    assert!(screen.contains("[x] alertname=\"ModelAccuracyLow\""), "{screen}");
    assert!(screen.contains("[x] severity=\"critical\""), "{screen}");
    assert!(screen.contains("Comment (by alice@ops-1)"), "{screen}");
    assert!(screen.contains("retraining tonight█"), "{screen}");
    assert!(screen.contains("Would mute 1 alert(s)"), "{screen}");
    assert!(screen.contains("critical ModelAccuracyLow fraud-detector [active]"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn ack_confirmation_shows_what_will_be_sent() {
    let mut app = filled_form();
    // Drop the severity matcher, then let the new preview arrive.
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char(' '));
    let seq = app.ack().unwrap().preview_seq;
    let muted = common::alert("ModelAccuracyLow", Severity::Critical, "fraud-detector", AlertState::Active, 125);
    app.update(Event::SilencePreview { seq, result: Ok(vec![muted]) });
    key(&mut app, KeyCode::Enter);
    let screen = screen(&app, 100, 28);
    assert!(screen.contains("Acknowledge: confirm"), "{screen}");
    assert!(screen.contains("POST /api/v2/silences to http://am-1.example:9093/ (staging)"), "{screen}");
    assert!(screen.contains("  alertname=\"ModelAccuracyLow\""), "{screen}");
    assert!(screen.contains("  model=\"fraud-detector\""), "{screen}");
    assert!(!screen.contains("severity="), "a dropped matcher is not sent:\n{screen}");
    // The fixture's clock is 12:00:02 UTC on 11-25.
    assert!(screen.contains("for:      1h (until 11-25 13:00 UTC)"), "{screen}");
    assert!(screen.contains("by:       alice@ops-1"), "{screen}");
    assert!(screen.contains("comment:  retraining tonight"), "{screen}");
    insta::assert_snapshot!(screen);

    key(&mut app, KeyCode::Enter);
    let sending = self::screen(&app, 100, 28);
    assert!(sending.contains("Acknowledge: sending"), "{sending}");
    assert!(line(&sending, "⟳").contains("acknowledging ModelAccuracyLow"), "the footer is busy:\n{sending}");
}

#[test]
fn unack_confirmation_lists_the_silences() {
    let mut app = muted_app();
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('A'));
    let screen = screen(&app, 100, 24);
    assert!(screen.contains("Un-acknowledge — staging"), "{screen}");
    assert!(screen.contains("Expire 1 silence(s) muting ModelDriftHigh on recsys-ranker:"), "{screen}");
    assert!(
        screen.contains("on: environment staging · model recsys-ranker · version 3 · alert ModelDriftHigh"),
        "the confirmation names what it is about in full:\n{screen}"
    );
    let silence = line(&screen, "7c1e9a40-drift");
    assert!(silence.contains("by bob@ops-2") && silence.contains("\"retraining tonight\""), "{silence}");
    assert!(screen.contains("Enter: do it · Esc: cancel"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn alert_detail_shows_labels_annotations_and_what_mutes_it() {
    let mut app = muted_app();
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Enter);
    let screen = screen(&app, 120, 30);
    assert!(line(&screen, "state").contains("silenced, 47m left"), "{screen}");
    assert!(line(&screen, "receivers").contains("ml-oncall"), "{screen}");
    assert!(screen.contains("Labels") && line(&screen, "  alertname").contains("ModelDriftHigh"), "{screen}");
    assert!(screen.contains("Annotations"), "{screen}");
    assert!(line(&screen, "runbook_url").contains("https://runbooks.example/model-drift"), "{screen}");
    assert!(screen.contains("Muted by"), "{screen}");
    let muted = line(&screen, "silence 7c1e9a40-drift");
    assert!(muted.contains("until 11-25 12:47 UTC by bob@ops-2: \"retraining tonight\""), "{muted}");
    insta::assert_snapshot!(screen);
}

#[test]
fn silence_inventory_flags_a_silence_that_mutes_nothing() {
    let mut app = muted_app();
    key(&mut app, KeyCode::Char('M'));
    let screen = screen(&app, 120, 20);
    assert!(screen.contains("2 active or pending"), "{screen}");
    let drift = line(&screen, "bob@ops-2");
    assert!(drift.contains("47m") && drift.contains("retraining tonight"), "{drift}");
    assert!(!drift.contains("no alert"), "{drift}");
    let stale = line(&screen, "carol@ops-3");
    assert!(stale.contains("model=\"canary-7\"") && stale.contains("no alert"), "{stale}");
    assert!(!screen.contains("dave@ops-4"), "expired silences are not listed:\n{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn silence_inventory_hint_names_the_bound_expire_key() {
    let mut app = muted_app();
    key(&mut app, KeyCode::Char('M'));
    let screen = screen(&app, 120, 20);
    let expire = format!("{} expire", app.settings.keymap.primary(Command::Expire));
    let extend = format!("{} extend", app.settings.keymap.primary(Command::Extend));
    let title = line(&screen, "Silences");
    assert!(title.contains(&expire) && title.contains(&extend), "the hint must name the keys that work:\n{title}");
}

#[test]
fn alerts_pane_shows_how_long_a_silence_has_left() {
    let app = muted_app();
    let screen = screen(&app, 120, 24);
    let drift = line(&screen, "ModelDriftHigh");
    assert!(drift.contains("silenced 47m"), "{drift}");
    assert!(line(&screen, "ModelAccuracyLow").contains("active"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn header_names_a_peer_that_is_down() {
    let app = muted_app();
    let screen = screen(&app, 140, 24);
    let header = screen.lines().next().unwrap();
    assert!(header.contains("am ● <10s 1/2 peers, down: am-2.example:9093"), "{header}");
    insta::assert_snapshot!(header);
}

#[test]
fn acknowledging_a_silenced_alert_shows_its_silences_and_the_choices() {
    let mut app = muted_app();
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('a'));
    assert!(app.ack().is_none(), "no second form before the operator asks for one");
    let screen = screen(&app, 100, 24);
    assert!(screen.contains("Already silenced — staging"), "{screen}");
    assert!(screen.contains("ModelDriftHigh on recsys-ranker is already silenced by:"), "{screen}");
    assert!(line(&screen, "7c1e9a40-drift").contains("bob@ops-2"), "{screen}");
    assert!(screen.contains("Enter/E: extend · a: new silence anyway · Esc: cancel"), "{screen}");
    insta::assert_snapshot!(screen);
}
