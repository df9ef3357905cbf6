//! Acknowledging alerts in the pure state update: the form, its preview, the confirmation,
//! un-acknowledging, the silence inventory and read-only refusals.

mod common;

use common::keys::{act, key, typed};

use crossterm::event::KeyCode;
use jiff::SignedDuration;
use modeldeck::app::{AckField, AckStage, App, MatcherRow, MessageLevel, Pane, Preview, Screen};
use modeldeck::domain::{ActionOutcome, ActionReport, ActionRequest, ReportKind};
use modeldeck::domain::{AlertSnapshot, AlertState, Severity, SourceData, SourceId};
use modeldeck::domain::{Effect, Event};
use modeldeck::domain::{Matcher, Silence, SilenceState};
use modeldeck::input::keymap::Command;
use modeldeck::journal::{Entry, Kind, Outcome, Subject};

const ACCURACY: &str = "ModelAccuracyLow-fraud-detector";
const DRIFT: &str = "ModelDriftHigh-recsys-ranker";

fn press(app: &mut App, c: char) -> Vec<Effect> {
    key(app, KeyCode::Char(c))
}

fn message(app: &App) -> (MessageLevel, String) {
    app.message.clone().expect("a message")
}

fn silence(id: &str, model: &str, ends_in: SignedDuration, state: SilenceState, app: &App) -> Silence {
    Silence {
        id: id.into(),
        matchers: vec![Matcher::equal("model", model)],
        starts_at: app.now - SignedDuration::from_mins(30),
        ends_at: app.now + ends_in,
        created_by: "bob@ops-2".into(),
        comment: format!("muting {model}"),
        state,
        updated_at: None,
    }
}

/// The fixture app, with the drift alert muted by two silences and a few other silences: one
/// that mutes nothing, one pending, one expired.
fn muted_app() -> App {
    let mut app = common::app(5, 2);
    let mut snapshot: AlertSnapshot = common::alerts(2, 5);
    std::sync::Arc::make_mut(&mut snapshot.alerts[1]).silenced_by = vec!["s-drift".into(), "s-extra".into()];
    snapshot.silences = vec![
        silence("s-drift", "recsys-ranker", SignedDuration::from_mins(47), SilenceState::Active, &app),
        silence("s-extra", "recsys-ranker", SignedDuration::from_hours(2), SilenceState::Active, &app),
        silence("s-stale", "old-model", SignedDuration::from_hours(3), SilenceState::Active, &app),
        silence("s-soon", "churn-predictor", SignedDuration::from_mins(20), SilenceState::Pending, &app),
        silence("s-old", "recsys-ranker", SignedDuration::from_mins(-10), SilenceState::Expired, &app),
    ];
    app.update(common::update(SourceId::Alertmanager, SourceData::Alerts(snapshot), 1));
    app
}

fn accuracy_matchers() -> Vec<Matcher> {
    vec![
        Matcher::equal("alertname", "ModelAccuracyLow"),
        Matcher::equal("model", "fraud-detector"),
        Matcher::equal("severity", "critical"),
    ]
}

/// Tab to the alerts pane and `a` on the critical accuracy alert.
fn open_form(app: &mut App) -> Vec<Effect> {
    key(app, KeyCode::Tab);
    assert_eq!(app.focus, Pane::Alerts);
    press(app, 'a')
}

fn entry(seq: u64) -> Entry {
    Entry {
        v: 1,
        seq,
        id: format!("{seq:016x}"),
        ts: "2026-11-25T12:00:03Z".into(),
        author: "alice@ops-1".into(),
        environment: "staging".into(),
        kind: Kind::Ack,
        subject: Subject { model: Some("fraud-detector".into()), ..Subject::default() },
        note: "retraining scheduled".into(),
        request: None,
        before: None,
        after: None,
        result: Outcome::Ok,
        demo: false,
        prev: "0".repeat(64),
        hash: "ab".repeat(32),
    }
}

fn finished(app: &mut App, ok: bool, message: &str, entry: Option<Entry>) -> Vec<Effect> {
    let outcome = if ok { ActionOutcome::Ok } else { ActionOutcome::Failed };
    finished_as(app, outcome, message, entry)
}

fn finished_as(app: &mut App, outcome: ActionOutcome, message: &str, entry: Option<Entry>) -> Vec<Effect> {
    // The runner tags the reports of acknowledgements; the messages here say which they are.
    let kind = if message.starts_with("acknowledge") { ReportKind::Acknowledgement } else { ReportKind::Other };
    app.update(Event::ActionFinished(Box::new(ActionReport {
        kind,
        started: None,
        ok: outcome == ActionOutcome::Ok,
        outcome,
        message: message.into(),
        entry,
        read_back: None,
    })))
}

#[test]
fn a_opens_the_form_with_exact_label_matchers_and_asks_for_a_preview() {
    let mut app = common::app(5, 2);
    let effects = open_form(&mut app);
    let form = app.ack().expect("form open");
    assert_eq!(form.alert.fingerprint, ACCURACY);
    let rows: Vec<MatcherRow> =
        accuracy_matchers().into_iter().map(|matcher| MatcherRow { matcher, enabled: true, volatile: false }).collect();
    assert_eq!(form.rows, rows);
    assert_eq!(form.stage, AckStage::Editing);
    assert_eq!(form.preview, Preview::Loading);
    assert_eq!(effects, vec![Effect::PreviewSilence { matchers: accuracy_matchers(), seq: form.preview_seq }]);

    // Change the matchers so that the first preview is outdated.
    let first = form.preview_seq;
    key(&mut app, KeyCode::Tab);
    press(&mut app, ' ');
    let current = app.ack().unwrap().preview_seq;
    assert!(current > first);
    let muted = vec![common::alert("ModelAccuracyLow", Severity::Critical, "fraud-detector", AlertState::Active, 9)];
    app.update(Event::SilencePreview { seq: first, result: Ok(Vec::new()) });
    assert_eq!(app.ack().unwrap().preview, Preview::Loading, "an older answer is dropped");
    app.update(Event::SilencePreview { seq: current, result: Ok(muted.clone()) });
    assert_eq!(app.ack().unwrap().preview, Preview::Ready(muted));
}

#[test]
fn dropping_a_matcher_or_making_it_a_regex_asks_for_a_new_preview() {
    let mut app = common::app(5, 2);
    open_form(&mut app);
    let seq = app.ack().unwrap().preview_seq;
    app.update(Event::SilencePreview { seq, result: Ok(Vec::new()) });
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.ack().unwrap().field, AckField::Matchers);

    let effects = press(&mut app, ' ');
    let all = accuracy_matchers();
    assert_eq!(effects, vec![Effect::PreviewSilence { matchers: all[1..].to_vec(), seq: seq + 1 }]);
    assert!(!app.ack().unwrap().rows[0].enabled);
    assert_eq!(app.ack().unwrap().preview, Preview::Loading, "the old preview is no longer true");

    press(&mut app, 'j');
    let effects = press(&mut app, '~');
    let mut regex = all[1].clone();
    regex.is_regex = true;
    assert_eq!(effects, vec![Effect::PreviewSilence { matchers: vec![regex, all[2].clone()], seq: seq + 2 }]);
}

#[test]
fn the_form_refuses_a_missing_comment_and_a_bad_duration() {
    let mut app = common::app(5, 2);
    open_form(&mut app);
    typed(&mut app, "   ");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    let form = app.ack().unwrap();
    assert_eq!(form.stage, AckStage::Editing);
    assert!(form.error.as_deref().unwrap_or_default().contains("comment is required"), "{:?}", form.error);

    // Comment → Matchers → Duration; presets cycle both ways from the default 1h.
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.ack().unwrap().field, AckField::Duration);
    assert_eq!(app.ack().unwrap().duration, "1h");
    let mut seen = Vec::new();
    for _ in 0..4 {
        key(&mut app, KeyCode::Right);
        seen.push(app.ack().unwrap().duration.clone());
    }
    assert_eq!(seen, ["4h", "1d", "15m", "1h"]);
    key(&mut app, KeyCode::Left);
    assert_eq!(app.ack().unwrap().duration, "15m");
    key(&mut app, KeyCode::Left);
    assert_eq!(app.ack().unwrap().duration, "1d");

    for _ in 0..3 {
        key(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "90x");
    assert_eq!(app.ack().unwrap().duration, "90x");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    let form = app.ack().unwrap();
    assert_eq!(form.stage, AckStage::Editing);
    let error = form.error.clone().unwrap_or_default();
    assert!(error.starts_with("duration:") && error.contains("90x"), "{error}");

    for (text, why) in [("30s", "at least 1m"), ("31d", "at most 30d")] {
        for _ in 0..4 {
            key(&mut app, KeyCode::Backspace);
        }
        typed(&mut app, text);
        key(&mut app, KeyCode::Enter);
        let error = app.ack().unwrap().error.clone().unwrap_or_default();
        assert!(error.contains(why), "{text}: {error}");
    }
}

#[test]
fn a_valid_form_is_confirmed_then_sends_the_enabled_matchers_once() {
    let mut app = common::app(5, 2);
    open_form(&mut app);
    // Drop `severity`, pick the 4h preset, then write the comment (q is text here).
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "jj ");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "  retraining scheduled, q  ");
    assert!(!app.should_quit);
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(app.ack().unwrap().stage, AckStage::Confirming);
    assert!(press(&mut app, 'z').is_empty());
    assert_eq!(app.ack().unwrap().comment, "  retraining scheduled, q  ", "no editing while confirming");
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert_eq!(app.ack().expect("Esc goes back, not away").stage, AckStage::Editing);

    assert!(key(&mut app, KeyCode::Enter).is_empty());
    let effects = key(&mut app, KeyCode::Enter);
    let [Effect::Act(action)] = effects.as_slice() else { panic!("expected one action, got {effects:?}") };
    let ActionRequest::CreateSilence { request, alert } = action.as_ref() else { panic!("{action:?}") };
    assert_eq!(alert.fingerprint, ACCURACY);
    assert_eq!(request.id, None);
    assert_eq!(request.matchers, accuracy_matchers()[..2].to_vec());
    assert_eq!(request.starts_at, app.now);
    assert_eq!(request.ends_at, app.now + SignedDuration::from_hours(4));
    assert_eq!(request.created_by, app.settings.author);
    assert_eq!(request.comment, "retraining scheduled, q");

    assert_eq!(app.ack().unwrap().stage, AckStage::Submitting);
    assert!(app.busy.as_deref().unwrap_or_default().contains("ModelAccuracyLow"), "{:?}", app.busy);
    assert!(key(&mut app, KeyCode::Enter).is_empty(), "sent once");
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert!(app.ack().is_some(), "the form waits for Alertmanager");
}

#[test]
fn a_failure_keeps_the_form_and_a_success_closes_it_and_journals() {
    let mut app = common::app(5, 2);
    open_form(&mut app);
    typed(&mut app, "retraining scheduled\n");
    assert!(matches!(key(&mut app, KeyCode::Enter).as_slice(), [Effect::Act(_)]));
    let effects = finished(&mut app, false, "acknowledge FAILED: no Alertmanager could take it", None);
    assert_eq!(effects, vec![Effect::RefreshNow]);
    let form = app.ack().expect("still open");
    assert_eq!(form.stage, AckStage::Editing);
    assert_eq!(form.comment, "retraining scheduled");
    assert!(form.error.as_deref().unwrap_or_default().contains("FAILED"), "{:?}", form.error);
    assert_eq!(app.busy, None);
    assert_eq!(message(&app).0, MessageLevel::Error);
    assert!(app.journal.entries.is_empty());

    key(&mut app, KeyCode::Enter);
    assert!(matches!(key(&mut app, KeyCode::Enter).as_slice(), [Effect::Act(_)]), "it can be sent again");
    let effects =
        finished(&mut app, true, "acknowledged ModelAccuracyLow: silence abc until 13:00 UTC", Some(entry(9)));
    assert_eq!(effects, vec![Effect::RefreshNow]);
    assert!(app.ack().is_none());
    assert_eq!(app.busy, None);
    assert_eq!(app.journal.entries.first().map(|e| e.seq), Some(9));
    let (level, text) = message(&app);
    assert_eq!(level, MessageLevel::Info);
    assert!(text.contains("acknowledged"), "{text}");
}

/// A silence that may exist must not be one Enter away from a second one.
#[test]
fn an_unknown_outcome_closes_the_form_and_says_to_check_the_silences() {
    let mut app = common::app(5, 2);
    open_form(&mut app);
    typed(&mut app, "retraining scheduled\n");
    assert!(matches!(key(&mut app, KeyCode::Enter).as_slice(), [Effect::Act(_)]));
    let text = "acknowledge UNKNOWN: timed out; check the silences (M) before acknowledging again";
    let effects = finished_as(&mut app, ActionOutcome::Unknown, text, Some(entry(3)));
    assert_eq!(effects, vec![Effect::RefreshNow]);
    assert!(app.ack().is_none(), "nothing left to send again");
    assert_eq!(app.busy, None);
    assert_eq!(message(&app), (MessageLevel::Error, text.to_string()));
    assert_eq!(app.journal.entries.first().map(|e| e.seq), Some(3));
}

#[test]
fn read_only_refuses_every_change_without_an_effect() {
    let mut app = muted_app();
    app.settings.read_only = true;
    let refused = |app: &App| {
        let (level, text) = message(app);
        assert_eq!(level, MessageLevel::Error);
        assert!(text.contains("read-only"), "{text}");
        assert!(app.ack().is_none() && app.confirm().is_none());
    };
    assert!(open_form(&mut app).is_empty());
    refused(&app);
    press(&mut app, 'j');
    assert_eq!(app.selected_alert().unwrap().fingerprint, DRIFT);
    assert!(press(&mut app, 'A').is_empty());
    refused(&app);
    press(&mut app, 'M');
    assert_eq!(app.screen, Screen::Silences);
    assert!(act(&mut app, Command::Expire).is_empty());
    refused(&app);
    assert!(act(&mut app, Command::Extend).is_empty());
    refused(&app);

    // A read-only environment counts the same.
    let mut app = muted_app();
    app.settings.environments[0].read_only = true;
    assert!(open_form(&mut app).is_empty());
    refused(&app);
}

#[test]
fn read_only_switched_on_while_confirming_still_sends_nothing() {
    let mut app = muted_app();
    open_form(&mut app);
    typed(&mut app, "retraining scheduled");
    key(&mut app, KeyCode::Enter);
    app.settings.read_only = true;
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(message(&app).1.contains("read-only"));

    app.settings.read_only = false;
    press(&mut app, 'j');
    press(&mut app, 'A');
    assert!(app.confirm().is_some());
    app.settings.read_only = true;
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(message(&app).1.contains("read-only"));
    assert_eq!(app.busy, None);
}

#[test]
fn unack_confirms_the_silence_ids_then_expires_them() {
    let mut app = muted_app();
    key(&mut app, KeyCode::Tab);
    press(&mut app, 'j');
    assert!(press(&mut app, 'A').is_empty(), "nothing is sent before the confirmation");
    let confirm = app.confirm().expect("a confirmation");
    let text = confirm.lines.join("\n");
    assert!(text.contains("s-drift") && text.contains("s-extra"), "{text}");
    assert!(text.contains("bob@ops-2") && text.contains("muting recsys-ranker"), "{text}");

    let effects = key(&mut app, KeyCode::Enter);
    let [Effect::Act(action)] = effects.as_slice() else { panic!("{effects:?}") };
    let ActionRequest::ExpireSilences { ids, alert, silence } = action.as_ref() else { panic!("{action:?}") };
    assert_eq!(ids, &["s-drift", "s-extra"]);
    assert_eq!(alert.as_ref().map(|a| a.fingerprint.as_str()), Some(DRIFT));
    assert!(silence.is_none());
    assert!(app.confirm().is_none());
    assert!(app.busy.is_some());
}

#[test]
fn unack_can_be_cancelled_and_needs_a_silenced_alert() {
    let mut app = muted_app();
    key(&mut app, KeyCode::Tab);
    press(&mut app, 'j');
    press(&mut app, 'A');
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert!(app.confirm().is_none());
    assert_eq!(app.screen, Screen::Overview);
    let (level, text) = message(&app);
    assert_eq!(level, MessageLevel::Info);
    assert!(text.contains("cancelled"), "{text}");

    press(&mut app, 'k');
    assert_eq!(app.selected_alert().unwrap().fingerprint, ACCURACY);
    assert!(press(&mut app, 'A').is_empty());
    assert!(app.confirm().is_none(), "nothing to expire");
    let (level, text) = message(&app);
    assert_eq!(level, MessageLevel::Info);
    assert!(text.contains("ModelAccuracyLow") && text.contains("not silenced"), "{text}");
}

#[test]
fn the_silence_inventory_lists_live_silences_by_end_and_expires_or_extends_one() {
    let mut app = muted_app();
    for action in [Command::Expire, Command::Extend] {
        assert!(act(&mut app, action.clone()).is_empty() && app.confirm().is_none());
        assert!(message(&app).1.contains("silence inventory"), "{action:?} outside the inventory only explains");
    }
    assert_eq!(press(&mut app, 'M'), vec![Effect::RefreshNow]);
    assert_eq!(app.screen, Screen::Silences);
    let ids: Vec<&str> = app.live_silences().iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["s-soon", "s-drift", "s-extra", "s-stale"], "expired ones are left out");
    let selected = |app: &App| app.selected_silence().map(|s| s.id.clone()).unwrap_or_default();
    assert_eq!(selected(&app), "s-soon");
    for _ in 0..5 {
        press(&mut app, 'j');
    }
    assert_eq!(selected(&app), "s-stale", "stops at the last");
    press(&mut app, 'k');
    press(&mut app, 'k');
    assert_eq!(selected(&app), "s-drift");
    assert_eq!((app.fleet_selected(), app.alert_selected()), (0, 0), "j/k move in the inventory only");

    assert!(act(&mut app, Command::Expire).is_empty());
    assert!(app.confirm().expect("confirm").lines.join("\n").contains("s-drift"));
    let effects = key(&mut app, KeyCode::Enter);
    let [Effect::Act(action)] = effects.as_slice() else { panic!("{effects:?}") };
    let ActionRequest::ExpireSilences { ids, alert, silence } = action.as_ref() else { panic!("{action:?}") };
    assert_eq!(ids, &["s-drift"]);
    assert!(alert.is_none());
    assert_eq!(silence.as_ref().map(|s| s.id.as_str()), Some("s-drift"));
    finished(&mut app, true, "expired 1 silence(s)", None);

    let old_end = app.selected_silence().unwrap().ends_at;
    assert!(act(&mut app, Command::Extend).is_empty());
    assert!(app.confirm().is_some());
    let effects = key(&mut app, KeyCode::Enter);
    let [Effect::Act(action)] = effects.as_slice() else { panic!("{effects:?}") };
    let ActionRequest::ExtendSilence { silence, ends_at, author } = action.as_ref() else { panic!("{action:?}") };
    assert_eq!(silence.id, "s-drift");
    assert_eq!(app.settings.silence_duration, "1h");
    assert_eq!(*ends_at, old_end + SignedDuration::from_hours(1));
    assert_eq!(author, "alice@ops-1");

    let by_id = |id: &str| app.silences.iter().find(|s| s.id == id).unwrap().clone();
    assert!(app.silence_mutes_nothing(&by_id("s-stale")));
    assert!(app.silence_mutes_nothing(&by_id("s-soon")));
    assert!(!app.silence_mutes_nothing(&by_id("s-drift")));
    assert!(!app.silence_mutes_nothing(&by_id("s-extra")));

    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert_eq!(app.screen, Screen::Overview);
}

#[test]
fn enter_opens_the_alert_then_its_model_and_esc_goes_back() {
    let mut app = common::app(5, 2);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Alert(ACCURACY.into()));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Model("fraud-detector".into()));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Overview);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Alert(ACCURACY.into()));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Overview);
    assert_eq!(app.focus, Pane::Alerts);
}

#[test]
fn a_works_on_the_alert_screen_even_after_the_list_reorders() {
    let mut app = muted_app();
    key(&mut app, KeyCode::Tab);
    press(&mut app, 'j');
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Alert(DRIFT.into()));

    // A new critical alert sorts first; the screen still means the drift alert.
    let mut snapshot = common::alerts(2, 5);
    snapshot.alerts.push(std::sync::Arc::new(common::alert(
        "GpuDown",
        Severity::Critical,
        "churn-predictor",
        AlertState::Active,
        5,
    )));
    app.update(common::update(SourceId::Alertmanager, SourceData::Alerts(snapshot), 1));
    // The alerts pane's cursor held the drift alert through the re-sort, one row down.
    assert_eq!(app.selected_alert().map(|a| a.fingerprint.as_str()), Some(DRIFT));
    assert_eq!(app.alert_selected(), 2);

    let effects = press(&mut app, 'a');
    let form = app.ack().expect("form open");
    assert_eq!(form.alert.fingerprint, DRIFT);
    assert!(matches!(effects.as_slice(), [Effect::PreviewSilence { .. }]), "{effects:?}");
    key(&mut app, KeyCode::Esc);
    assert!(app.ack().is_none());
    assert_eq!(app.screen, Screen::Alert(DRIFT.into()), "Esc closes the form, not the screen");
}

#[test]
fn a_pending_alert_cannot_be_acknowledged_yet() {
    let mut app = common::app(5, 2);
    key(&mut app, KeyCode::Tab);
    press(&mut app, 'G');
    let pending = app.selected_alert().unwrap();
    assert_eq!(pending.state, AlertState::Pending);
    assert_eq!(pending.name, "ModelErrorsSlowBurn");
    assert!(press(&mut app, 'a').is_empty());
    assert!(app.ack().is_none());
    assert!(message(&app).1.contains("pending"), "{:?}", app.message);

    // Nothing selected: the fleet pane has no alert to acknowledge.
    let mut app = common::app(5, 2);
    assert!(press(&mut app, 'a').is_empty());
    assert!(app.ack().is_none());
    assert!(message(&app).1.contains("select an alert"), "{:?}", app.message);
}

#[test]
fn a_report_for_another_action_leaves_an_open_form_alone() {
    let mut app = muted_app();
    press(&mut app, 'M');
    press(&mut app, 'j');
    act(&mut app, Command::Expire);
    assert!(matches!(key(&mut app, KeyCode::Enter).as_slice(), [Effect::Act(_)]));
    // While the expire is in flight the operator starts acknowledging something else.
    key(&mut app, KeyCode::Esc);
    open_form(&mut app);
    typed(&mut app, "half-written reason");

    finished(&mut app, true, "expired 1 silence(s) for silence s-drift", Some(entry(4)));
    assert_eq!(app.journal.entries.first().map(|e| e.seq), Some(4), "the expire is journaled");
    let form = app.ack().expect("a form that sent nothing is not closed by another action's report");
    assert_eq!(form.comment, "half-written reason");
    assert_eq!(form.stage, AckStage::Editing);

    finished(&mut app, false, "expire FAILED: s-drift: gone", None);
    let form = app.ack().expect("still open");
    assert_eq!(form.error, None, "another action's failure is not this form's error");

    // Even once the form has sent its own request, only its own report settles it.
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.ack().unwrap().stage, AckStage::Submitting);
    finished(&mut app, true, "expired 1 silence(s) for silence s-other", None);
    assert_eq!(app.ack().map(|f| f.stage), Some(AckStage::Submitting), "still waiting for its own answer");
    finished(&mut app, true, "acknowledged ModelAccuracyLow: silence abc until 13:00 UTC", None);
    assert!(app.ack().is_none());
}
