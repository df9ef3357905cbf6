//! Keys as the operator presses them, for the pure update tests.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use modeldeck::app::App;
use modeldeck::domain::{Effect, Event};
use modeldeck::input::keymap::Command;

pub fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)))
}

/// The key bound to `action` on the screens, so the tests follow the keymap.
pub fn act(app: &mut App, action: Command) -> Vec<Effect> {
    let bound = *app.settings.keymap.keys(action).first().expect("a bound key");
    let modifiers = if bound.ctrl { KeyModifiers::CONTROL } else { KeyModifiers::NONE };
    app.update(Event::Key(KeyEvent::new(bound.code, modifiers)))
}

/// Each character as a key press; a newline is Enter.
pub fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, if c == '\n' { KeyCode::Enter } else { KeyCode::Char(c) });
    }
}
