//! Terminal escape injection: every string that comes from outside (Prometheus labels,
//! Alertmanager alerts and silences, the model registry, other operators' journal entries)
//! goes through its real parser, then onto the screen, and shows inert. Each field kind gets
//! the clipboard-writing OSC 52, a screen clear, a title change, a C1 CSI, a bidi override
//! and a lone carriage return; no cell may hold a control or bidi character, and the text
//! must still be recognisable (`fd␛[2J`, not `fd[2J`: ratatui drops control characters on
//! its own, so only the sanitised form proves the string went through `sanitize`).
//!
//! Command-hook output and retraining run ids and states, which need the action runner, are
//! in `security_render_actions.rs`.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use modeldeck::app::{App, Screen};
use modeldeck::backends::alertmanager::parse as alertmanager;
use modeldeck::backends::mlflow::parse as mlflow_parse;
use modeldeck::backends::prometheus::parse as prometheus;
use modeldeck::domain::VersionsSnapshot;
use modeldeck::domain::sanitize::clean;
use modeldeck::domain::{AlertSnapshot, CellValue, ColumnId, FleetSnapshot, SourceData, SourceId};
use modeldeck::domain::{Effect, Event};
use modeldeck::journal::{Draft, Journal, Kind, Outcome, Subject};
use serde_json::{Value, json};

/// What a hostile backend puts in a string: OSC 52 (write the clipboard), ED (clear the
/// screen), OSC 0 (set the window title), CSI as the single C1 byte, a right-to-left
/// override and a lone carriage return (return to column 0 and overwrite).
pub const PAYLOADS: [&str; 6] = ["\x1b]52;c;aGk=\x07", "\x1b[2J", "\x1b]0;title\x07", "\u{9b}31m", "\u{202e}", "\r"];

/// One value per payload: `prefix`, its index, the payload, then `z`.
pub fn hostile(prefix: &str) -> Vec<String> {
    PAYLOADS.iter().enumerate().map(|(i, p)| format!("{prefix}{i}{p}z")).collect()
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// No cell of the screen holds ESC, BEL, CR, any other C0 or C1 control, DEL or a bidi
/// control; each value shows in its sanitised form (its first `shown` characters, for
/// columns that cut).
pub fn assert_inert(what: &str, screen: &str, values: &[String], shown: usize) {
    for (row, line) in screen.lines().enumerate() {
        if let Some(c) = line.chars().find(|&c| c.is_control() || is_bidi_control(c)) {
            panic!("{what}: row {row} holds U+{:04X}:\n{screen}", c as u32);
        }
    }
    for value in values {
        let expected: String = clean(value).chars().take(shown).collect();
        // One-line fields (an alert's summary in its table row) turn whitespace, the lone
        // carriage return included, into a space first: just as inert.
        let one_line: String = clean(&value.replace(char::is_whitespace, " ")).chars().take(shown).collect();
        assert!(
            screen.contains(&expected) || screen.contains(&one_line),
            "{what}: `{expected}` is not on screen:\n{screen}"
        );
    }
}

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn vector(series: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({"status": "success", "data": {"resultType": "vector", "result": series}})).unwrap()
}

#[test]
fn prometheus_model_names_and_version_labels() {
    let models = hostile("pm");
    let versions = hostile("pv");
    let accuracy_body =
        vector(models.iter().map(|m| json!({"metric": {"model": m}, "value": [1.0, "0.97"]})).collect());
    let version_body = vector(
        models
            .iter()
            .zip(&versions)
            .map(|(m, v)| json!({"metric": {"model": m, "version": v}, "value": [1.0, "1"]}))
            .collect(),
    );
    let accuracy = prometheus::parse_vector(200, &accuracy_body, "model").unwrap();
    let labels = prometheus::parse_label_values(200, &version_body, "model", "version").unwrap();
    let number = |m: HashMap<String, f64>| m.into_iter().map(|(k, v)| (k, CellValue::Number(v))).collect();
    let text =
        |m: HashMap<String, Vec<String>>| m.into_iter().map(|(k, v)| (k, CellValue::Text(v.join(",")))).collect();
    let snapshot = FleetSnapshot {
        columns: vec![(ColumnId::Version, Ok(text(labels))), (ColumnId::Accuracy, Ok(number(accuracy)))],
        pending_alerts: Vec::new(),
    };
    let mut app = App::new(common::settings(&[("staging", false)]), 0, common::now());
    app.update(common::update(SourceId::Prometheus, SourceData::Fleet(snapshot), 1));
    let screen = common::screen(&app, 200, 30);
    assert_inert("fleet model names", &screen, &models, 12);
    // The version column is narrow: its first characters are enough to tell.
    assert_inert("fleet versions", &screen, &versions, 4);
    for model in &models {
        app.screen = Screen::Model(clean(model));
        assert_inert("the model screen's title", &common::screen(&app, 160, 30), std::slice::from_ref(model), 12);
    }
}

#[test]
fn alert_labels_summaries_and_descriptions() {
    let names = hostile("an");
    let models = hostile("am");
    let teams = hostile("at");
    let summaries = hostile("as");
    let descriptions = hostile("ad");
    let alerts: Vec<Value> = (0..PAYLOADS.len())
        .map(|i| {
            json!({
                "labels": {"alertname": names[i], "model": models[i], "severity": "critical", "team": teams[i]},
                "annotations": {"summary": summaries[i], "description": descriptions[i]},
                "fingerprint": format!("f{i}"), "startsAt": "2026-11-25T11:58:00Z",
                "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}
            })
        })
        .collect();
    let alerts = alertmanager::parse_alerts(200, &serde_json::to_vec(&alerts).unwrap(), "model").unwrap();
    let fingerprints: Vec<String> = alerts.iter().map(|a| a.fingerprint.clone()).collect();
    let mut app = common::app(3, 0);
    app.update(common::update(
        SourceId::Alertmanager,
        SourceData::Alerts(AlertSnapshot {
            alerts: alerts.into_iter().map(std::sync::Arc::new).collect(),
            peer: "am".into(),
            ..Default::default()
        }),
        1,
    ));
    let screen = common::screen(&app, 220, 50);
    assert_inert("alert names", &screen, &names, 10);
    assert_inert("alert models", &screen, &models, 10);
    assert_inert("alert summaries", &screen, &summaries, 10);
    for (i, fp) in fingerprints.iter().enumerate() {
        app.screen = Screen::Alert(fp.clone());
        let screen = common::screen(&app, 160, 40);
        let all = [&names[i], &models[i], &teams[i], &summaries[i], &descriptions[i]].map(|s| s.to_string());
        assert_inert("the alert's labels and annotations", &screen, &all, 10);
    }
}

#[test]
fn registry_descriptions_tags_and_versions() {
    let descriptions = hostile("rd");
    let tag_values = hostile("rt");
    let sources = hostile("rs");
    let model_body = json!({"registered_model": {
        "name": "fraud-detector",
        "description": descriptions[0],
        "tags": [{"key": "owner", "value": tag_values[0]}],
        "aliases": [{"alias": "champion", "version": "6"}]
    }});
    let versions: Vec<Value> = (0..PAYLOADS.len())
        .map(|i| {
            json!({
                "name": "fraud-detector",
                "version": if i == 5 { format!("{}", i + 1) } else { format!("{}{}", i + 1, PAYLOADS[i]) },
                "creation_timestamp": 1_764_000_000_000_i64 + i as i64,
                "source": sources[i], "run_id": format!("run{i}"), "status": "READY",
                "description": descriptions[i],
                "tags": [{"key": "validation_status", "value": tag_values[i]}]
            })
        })
        .collect();
    let mut registered = mlflow_parse::parse_registered_model(&serde_json::to_vec(&model_body).unwrap()).unwrap();
    let page = mlflow_parse::parse_version_page(
        &serde_json::to_vec(&json!({"model_versions": versions})).unwrap(),
        "fraud-detector",
    )
    .unwrap();
    registered.versions = page.versions;
    mlflow_parse::sort_newest_first(&mut registered.versions);
    let governance = modeldeck::config::from_str("", None, &|_| None).unwrap().governance;
    let live = registered.version("6").cloned();
    let snapshot = VersionsSnapshot {
        model: "fraud-detector".into(),
        governance: governance.facts(&registered, live.as_ref()),
        registered: Some(registered),
        live: Some("6".into()),
        spec: None,
        figures: Vec::new(),
        warnings: Vec::new(),
    };
    let mut app = common::app(5, 0);
    let effects = key(&mut app, KeyCode::Char('v'));
    let Some(Effect::LoadVersions { seq, .. }) = effects.first().cloned() else { panic!("{effects:?}") };
    app.update(Event::VersionsLoaded { seq, result: Ok(Box::new(snapshot)) });
    assert!(matches!(app.screen, Screen::Versions(_)));
    let version_numbers: Vec<String> = (0..5).map(|i| format!("{}{}", i + 1, PAYLOADS[i])).collect();
    // Every row, the governance panel, and the selected version's description and tag (the
    // list is newest first, so row `r` is version `6 - r`), as the cursor moves down.
    key(&mut app, KeyCode::Home);
    for row in 0..PAYLOADS.len() {
        let screen = common::screen(&app, 220, 50);
        assert_inert("registry versions", &screen, &version_numbers, 3);
        assert_inert("registry sources", &screen, &sources, 6);
        assert_inert("the governance panel", &screen, &[descriptions[0].clone(), tag_values[0].clone()], 6);
        let selected = PAYLOADS.len() - 1 - row;
        let details = [descriptions[selected].clone(), tag_values[selected].clone()];
        assert_inert("the selected version's description and tags", &screen, &details, 6);
        key(&mut app, KeyCode::Down);
    }
}

#[test]
fn journal_entries_written_by_other_operators() {
    let dir = tempfile::tempdir().unwrap();
    let (journal, _) = Journal::open(&dir.path().join("journal.jsonl")).unwrap();
    let authors = hostile("ja");
    let notes = hostile("jn");
    let models = hostile("jm");
    let alertnames = hostile("jl");
    let kinds = hostile("jk");
    let errors = hostile("je");
    for i in 0..PAYLOADS.len() {
        // Another operator's console (or a hand-edited line) wrote these; modeldeck keeps
        // the journal's text as written and must show it inert.
        journal
            .append(Draft {
                author: authors[i].clone(),
                environment: "staging".into(),
                kind: Kind::Other(kinds[i].clone()),
                subject: Subject {
                    model: Some(models[i].clone()),
                    version: Some(format!("v{i}")),
                    alert: None,
                    alertname: Some(alertnames[i].clone()),
                },
                note: notes[i].clone(),
                request: Some(json!({"argv": [notes[i]]})),
                before: None,
                after: Some(json!({"output": errors[i]})),
                result: Outcome::Failed { error: errors[i].clone() },
            })
            .unwrap();
    }
    let entries = journal.read_all().unwrap();
    let mut app = common::app(5, 0);
    key(&mut app, KeyCode::Char('J'));
    app.update(Event::JournalLoaded(Ok(entries)));
    assert_eq!(app.screen, Screen::Journal);
    let screen = common::screen(&app, 220, 40);
    assert_inert("journal authors", &screen, &authors, 5);
    assert_inert("journal subjects", &screen, &models, 5);
    assert_inert("journal notes", &screen, &notes, 5);
    for i in 0..PAYLOADS.len() {
        key(&mut app, KeyCode::Enter);
        let screen = common::screen(&app, 160, 50);
        let all = [&authors, &notes, &models, &alertnames, &kinds, &errors].map(|v| {
            v.iter()
                .find(|s| screen.contains(&clean(s).chars().take(4).collect::<String>()))
                .cloned()
                .unwrap_or_else(|| panic!("entry {i}:\n{screen}"))
        });
        assert_inert("a journal entry", &screen, &all, 5);
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Down);
    }
}

/// `modeldeck journal export` prints other operators' text to a terminal as often as to a
/// file: Markdown shows it inert, JSON escapes it and still says exactly the same.
#[test]
fn journal_exports_of_other_operators_entries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let (journal, _) = Journal::open(&path).unwrap();
    let authors = hostile("xa");
    let notes = hostile("xn");
    for i in 0..PAYLOADS.len() {
        let subject = Subject { model: Some(format!("xm{i}{}", PAYLOADS[i])), ..Default::default() };
        journal.append(Draft::note(&authors[i], "staging", subject, &notes[i])).unwrap();
    }
    let config = dir.path().join("config.toml");
    std::fs::write(&config, format!("[journal]\npath = \"{}\"\n", path.display())).unwrap();
    let export = |format: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_modeldeck"))
            .arg("--config")
            .arg(&config)
            .args(["journal", "export", "--format", format])
            .env("XDG_STATE_HOME", dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    // Without Markdown's own escapes (`\]`), which say nothing about terminal safety.
    let md = export("md").replace('\\', "");
    assert_inert("the Markdown export", &md, &authors, 8);
    assert_inert("the Markdown export", &md, &notes, 8);
    let json = export("json");
    assert_inert("the JSON export", &json, &[], 0);
    let report: Value = serde_json::from_str(&json).unwrap();
    let exported: Vec<&str> =
        report["entries"].as_array().unwrap().iter().map(|e| e["note"].as_str().unwrap()).collect();
    assert_eq!(exported, notes.iter().map(String::as_str).collect::<Vec<_>>(), "the same text, escaped");
}

#[tokio::test]
async fn silence_comments_and_authors() {
    use common::standin::{StandIn, reply};
    let comments = hostile("sc");
    let creators = hostile("sb");
    let values = hostile("sv");
    let silences: Vec<Value> = (0..PAYLOADS.len())
        .map(|i| {
            json!({
                "id": format!("5{i}"), "status": {"state": "active"},
                "updatedAt": "2026-11-25T11:00:00Z", "startsAt": "2026-11-25T11:00:00Z", "endsAt": "2026-11-25T13:00:00Z",
                "comment": comments[i], "createdBy": creators[i],
                "matchers": [{"name": "model", "value": values[i], "isRegex": false, "isEqual": true}]
            })
        })
        .collect();
    let standin = StandIn::start(vec![reply(200, &serde_json::to_string(&silences).unwrap())]).await;
    let client = modeldeck::backends::alertmanager::silences::SilenceClient::new(
        modeldeck::backends::http::client(Duration::from_secs(5)).unwrap(),
        vec![modeldeck::domain::Endpoint::plain(&standin.url).unwrap()],
    );
    let silences = client.list().await.unwrap();
    let mut app = common::app(5, 0);
    app.update(common::update(
        SourceId::Alertmanager,
        SourceData::Alerts(AlertSnapshot { silences, peer: "am".into(), ..Default::default() }),
        1,
    ));
    key(&mut app, KeyCode::Char('M'));
    assert_eq!(app.screen, Screen::Silences);
    let screen = common::screen(&app, 220, 40);
    assert_inert("silence comments", &screen, &comments, 6);
    assert_inert("silence authors", &screen, &creators, 6);
    assert_inert("silence matchers", &screen, &values, 6);
}

#[test]
fn the_tls_banner_is_absent_while_verification_is_on() {
    let screen = common::screen(&common::app(5, 2), 160, 30);
    assert!(!screen.contains("TLS VERIFICATION OFF"), "{screen}");
}
