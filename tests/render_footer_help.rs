//! The footer and the help overlay at 80×24 and 200×60: each screen, form and confirmation
//! shows its own keys (from the keymap), and the help says when more follows.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use modeldeck::app::App;
use modeldeck::domain::Event;

fn key(app: &mut App, code: KeyCode) {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn press(app: &mut App, c: char) {
    key(app, KeyCode::Char(c));
}

fn footer(app: &App, width: u16, height: u16) -> String {
    common::screen(app, width, height).lines().last().unwrap_or_default().trim_end().to_string()
}

/// Each place an operator can be, by name, with the app in that state.
fn places() -> Vec<(&'static str, App)> {
    let base = || common::app(5, 2);
    let mut places = vec![("models pane", base())];
    let mut alerts = base();
    key(&mut alerts, KeyCode::Tab);
    places.push(("alerts pane", alerts.clone()));
    let mut alert = alerts.clone();
    key(&mut alert, KeyCode::Enter);
    places.push(("alert", alert.clone()));
    let mut ack = alert;
    press(&mut ack, 'a');
    places.push(("acknowledge form", ack));
    let mut model = base();
    key(&mut model, KeyCode::Enter);
    places.push(("model", model));
    let mut journal = base();
    press(&mut journal, 'J');
    places.push(("journal", journal));
    let mut silences = base();
    press(&mut silences, 'M');
    places.push(("silences", silences));
    let mut note = base();
    press(&mut note, 'n');
    key(&mut note, KeyCode::Enter);
    places.push(("note editor", note));
    let mut help = base();
    press(&mut help, '?');
    places.push(("help", help));
    places
}

fn footers(width: u16, height: u16) -> String {
    places().iter().map(|(name, app)| format!("{name:<17}|{}\n", footer(app, width, height))).collect()
}

#[test]
fn each_screen_shows_its_own_keys() {
    for (name, app) in places() {
        let line = footer(&app, 200, 60);
        let pane_keys = line.contains("Tab alerts") || line.contains("Tab models");
        match name {
            "models pane" => assert!(line.contains("Tab alerts") && line.contains("v versions"), "{line}"),
            "alerts pane" => assert!(line.contains("Tab models") && line.contains("a ack"), "{line}"),
            "model" => assert!(line.contains("+ zoom in") && line.contains("Esc back") && !pane_keys, "{line}"),
            "journal" => assert!(line.contains("Enter open entry") && !line.contains("a ack") && !pane_keys, "{line}"),
            "acknowledge form" => assert!(line.contains("Enter review") && line.contains("Esc cancel"), "{line}"),
            "note editor" => assert!(line.contains("Ctrl-s save"), "{line}"),
            "help" => assert!(line.contains("j scroll") && line.contains("Esc close"), "{line}"),
            _ => assert!(!line.is_empty(), "{name}: no footer"),
        }
    }
}

#[test]
fn a_narrow_footer_drops_whole_hints() {
    for (name, app) in places() {
        let line = footer(&app, 80, 24);
        assert!(line.chars().count() <= 80, "{name}: {line}");
        // Every hint shown is whole: a key, then its words, then the two-space gap.
        assert!(!line.ends_with(" zoo") && !line.ends_with("Esc bac"), "{name}: {line}");
    }
}

#[test]
fn footers_80x24() {
    insta::assert_snapshot!(footers(80, 24));
}

#[test]
fn footers_200x60() {
    insta::assert_snapshot!(footers(200, 60));
}

#[test]
fn help_80x24_says_more_follows_and_scrolls_to_the_end() {
    let mut app = common::app(5, 2);
    app.update(Event::Resize(80, 24));
    press(&mut app, '?');
    let top = common::screen(&app, 80, 24);
    assert!(top.contains("↓ more below · j/k scroll · lines 1–"), "{top}");
    insta::assert_snapshot!("help_80x24_top", top);
    for _ in 0..200 {
        press(&mut app, 'j');
    }
    let end = common::screen(&app, 80, 24);
    assert!(end.contains("↑ more above"), "{end}");
    assert!(end.contains("in the journal: model= kind= author="), "the last line is reachable:\n{end}");
    insta::assert_snapshot!("help_80x24_end", end);
    // Keys pressed past the end do not pile up: one step back shows more below again.
    press(&mut app, 'k');
    let back = common::screen(&app, 80, 24);
    assert!(back.contains("↕ more above and below"), "{back}");
}

#[test]
fn help_200x60_fits_and_keeps_columns_apart() {
    let mut app = common::app(5, 2);
    press(&mut app, '?');
    let screen = common::screen(&app, 200, 60);
    assert!(!screen.contains("more below"), "everything fits:\n{screen}");
    assert!(screen.contains("versions [NAME] a model's versions"), "{screen}");
    assert!(screen.contains("in the journal: model= kind= author="), "{screen}");
    insta::assert_snapshot!(screen);
}

/// 43 rows: the smallest 100-column terminal that holds every binding and command at once.
#[test]
fn help_100x43_shows_its_last_line() {
    let mut app = common::app(5, 2);
    press(&mut app, '?');
    let screen = common::screen(&app, 100, 43);
    assert!(screen.contains("in the journal: model= kind= author="), "{screen}");
    assert!(!screen.contains("more below"), "{screen}");
    // The command column never runs into its description.
    let line = screen.lines().find(|l| l.contains("versions [NAME]")).unwrap();
    assert!(line.contains("versions [NAME] a model's versions, rollback"), "{line}");
    assert!(screen.contains("switch environment (none: next)"), "{screen}");
}
