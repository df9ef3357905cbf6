//! The one source of key bindings: dispatch, the help overlay and the footer hints all read
//! this table, so they cannot drift apart. Each binding belongs to a mode: the screens, the
//! forms (where printable keys type into text fields) and the confirmations. Config `[keys]`
//! replaces a binding's keys by its name, in any mode.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub use super::command::Command;
pub use super::hints::HintContext;

/// Where a key is pressed: each has its own bindings, so `j` can move a list on a screen
/// and type a `j` into a form's comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The screens and the help overlay.
    Normal,
    /// The acknowledge, rollback and retrain forms and the note editor.
    Form,
    /// A confirmation: Enter runs it, Esc drops it.
    Confirm,
}

/// Where a binding applies, for grouping in help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Navigate,
    View,
    Alerts,
    Charts,
    Models,
    Journal,
    General,
    Forms,
    Confirmations,
}

impl Section {
    pub fn title(self) -> &'static str {
        match self {
            Section::Navigate => "Navigate",
            Section::View => "View",
            Section::Alerts => "Alerts",
            Section::Charts => "Charts (model screen)",
            Section::Models => "Versions, rollback, retraining",
            Section::Journal => "Journal",
            Section::General => "General",
            Section::Forms => "Forms",
            Section::Confirmations => "Confirmations",
        }
    }
}

struct Row {
    command: Command,
    /// The name under `[keys]`.
    name: &'static str,
    description: &'static str,
    section: Section,
    mode: Mode,
    keys: &'static [&'static str],
}

const fn row(
    command: Command,
    name: &'static str,
    description: &'static str,
    section: Section,
    mode: Mode,
    keys: &'static [&'static str],
) -> Row {
    Row { command, name, description, section, mode, keys }
}

use Mode::{Confirm, Form, Normal};
use Section as S;

static TABLE: [Row; 51] = [
    row(Command::Up, "up", "move up", S::Navigate, Normal, &["k", "Up"]),
    row(Command::Down, "down", "move down", S::Navigate, Normal, &["j", "Down"]),
    row(Command::PageUp, "page_up", "page up", S::Navigate, Normal, &["PageUp", "Ctrl-b"]),
    row(Command::PageDown, "page_down", "page down", S::Navigate, Normal, &["PageDown", "Ctrl-f"]),
    row(Command::Top, "top", "first row", S::Navigate, Normal, &["g", "Home"]),
    row(Command::Bottom, "bottom", "last row", S::Navigate, Normal, &["G", "End"]),
    row(Command::FocusNext, "focus", "switch pane", S::Navigate, Normal, &["Tab", "BackTab"]),
    row(Command::Open, "open", "open model", S::Navigate, Normal, &["Enter"]),
    row(Command::Back, "back", "back / close", S::Navigate, Normal, &["Esc"]),
    row(Command::Filter(None), "filter", "filter rows", S::View, Normal, &["/"]),
    row(Command::CommandLine, "command", "command line", S::View, Normal, &[":"]),
    row(Command::Sort(None), "sort", "next sort key", S::View, Normal, &["s"]),
    row(Command::ReverseSort, "reverse_sort", "reverse sort", S::View, Normal, &["S"]),
    row(Command::Environment(None), "environment", "next environment", S::View, Normal, &["e"]),
    row(Command::Refresh, "refresh", "refresh now", S::View, Normal, &["r", "Ctrl-r"]),
    row(Command::ToggleLog, "log", "toggle log panel", S::View, Normal, &["L"]),
    row(Command::Ack, "ack", "acknowledge: silence or extend", S::Alerts, Normal, &["a"]),
    row(Command::Unack, "unack", "expire the silences muting it", S::Alerts, Normal, &["A"]),
    row(Command::Silences, "silences", "silence inventory", S::Alerts, Normal, &["M"]),
    row(Command::Expire, "expire", "expire the silence (inventory)", S::Alerts, Normal, &["X"]),
    row(Command::Extend, "extend", "extend the silence (inventory)", S::Alerts, Normal, &["E"]),
    row(Command::ZoomIn, "zoom_in", "zoom in (down to 5m)", S::Charts, Normal, &["+", "="]),
    row(Command::ZoomOut, "zoom_out", "zoom out (up to 7d)", S::Charts, Normal, &["-"]),
    row(Command::PanBack, "pan_back", "pan back half a window", S::Charts, Normal, &["["]),
    row(Command::PanForward, "pan_forward", "pan forward", S::Charts, Normal, &["]"]),
    row(Command::Live, "live", "back to live", S::Charts, Normal, &["0"]),
    row(Command::Versions(None), "versions", "model versions and governance", S::Models, Normal, &["v"]),
    row(Command::Rollback, "rollback", "roll back to a version", S::Models, Normal, &["R"]),
    row(Command::Challenger, "challenger", "mark as the challenger", S::Models, Normal, &["c"]),
    row(Command::Compare, "compare", "compare champion, challenger", S::Models, Normal, &["C"]),
    row(Command::RollbackBetter, "rollback_better", "roll back to the better one", S::Models, Normal, &["B"]),
    row(Command::Retrain, "retrain", "retrain the model", S::Models, Normal, &["T"]),
    row(Command::Runbook, "runbook", "apply the runbook suggestion", S::Alerts, Normal, &["!"]),
    row(Command::Note, "note", "note on the model or alert", S::Journal, Normal, &["n"]),
    row(Command::Journal, "journal", "journal view", S::Journal, Normal, &["J"]),
    row(Command::Help, "help", "help", S::General, Normal, &["?", "F1"]),
    row(Command::Quit, "quit", "quit", S::General, Normal, &["q", "Ctrl-c"]),
    row(Command::Submit, "submit", "review, then send", S::Forms, Form, &["Enter"]),
    row(Command::Cancel, "cancel", "back out, nothing sent", S::Forms, Form, &["Esc", "Ctrl-c"]),
    row(Command::NextField, "next_field", "next field", S::Forms, Form, &["Tab"]),
    row(Command::PreviousField, "previous_field", "previous field", S::Forms, Form, &["BackTab"]),
    row(Command::Down, "form_down", "next row or field", S::Forms, Form, &["Down", "j"]),
    row(Command::Up, "form_up", "previous row or field", S::Forms, Form, &["Up", "k"]),
    row(Command::Toggle, "toggle", "drop or keep a matcher", S::Forms, Form, &["Space", "x", "Delete"]),
    row(Command::Regex, "regex", "matcher as a regex", S::Forms, Form, &["~", "r"]),
    row(Command::NextPreset, "next_preset", "next duration preset", S::Forms, Form, &["Right"]),
    row(Command::PreviousPreset, "previous_preset", "previous duration preset", S::Forms, Form, &["Left"]),
    row(Command::Override, "override", "override a gate (journaled)", S::Forms, Form, &["Ctrl-o"]),
    row(Command::ClearField, "clear_field", "clear the field", S::Forms, Form, &["Ctrl-u"]),
    row(Command::Save, "save", "save the note (in the editor)", S::Forms, Form, &["Ctrl-s"]),
    row(Command::Submit, "confirm", "do it", S::Confirmations, Confirm, &["Enter", "y"]),
];

/// Bindings of confirmations beyond the table above, kept apart so the table stays a list of
/// one command per row.
static CONFIRM_EXTRA: [Row; 3] = [
    row(Command::Cancel, "decline", "cancel, nothing changes", S::Confirmations, Confirm, &["Esc", "n", "q"]),
    row(Command::Extend, "extend_instead", "extend it instead (silenced)", S::Confirmations, Confirm, &["E"]),
    row(Command::Ack, "ack_anyway", "new silence anyway", S::Confirmations, Confirm, &["a"]),
];

fn rows() -> impl Iterator<Item = &'static Row> {
    TABLE.iter().chain(CONFIRM_EXTRA.iter())
}

/// A key with its modifiers, as written in config (`q`, `Ctrl-c`, `Enter`, `F1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) =
                ["ctrl-", "c-", "ctrl+"].iter().find_map(|p| lower.starts_with(p).then(|| &rest[p.len()..]))
            {
                ctrl = true;
                rest = r;
            } else if let Some(r) =
                ["alt-", "m-", "alt+"].iter().find_map(|p| lower.starts_with(p).then(|| &rest[p.len()..]))
            {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdn" => KeyCode::PageDown,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if !c.is_control() => KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
                    _ => return Err(format!("`{text}` is not a key (examples: q, G, Ctrl-c, Enter, F1)")),
                }
            }
        };
        Ok(Key { code, ctrl, alt })
    }

    pub fn from_event(ev: &KeyEvent) -> Key {
        let code = match ev.code {
            KeyCode::Char(c) if ev.modifiers.contains(KeyModifiers::CONTROL) => KeyCode::Char(c.to_ascii_lowercase()),
            other => other,
        };
        Key { code, ctrl: ev.modifiers.contains(KeyModifiers::CONTROL), alt: ev.modifiers.contains(KeyModifiers::ALT) }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl-")?;
        }
        if self.alt {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("S-Tab"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    /// One entry per row of the table (and of the confirmations' extras), in order.
    bindings: Vec<Vec<Key>>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = rows().map(|r| r.keys.iter().filter_map(|k| Key::parse(k).ok()).collect()).collect();
        Keymap { bindings }
    }
}

impl Keymap {
    /// Defaults with the config's overrides applied. Every problem is reported; none is
    /// silently ignored.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> Result<Keymap, Vec<String>> {
        let mut map = Keymap::default();
        let mut errors = Vec::new();
        for (name, keys) in overrides {
            let Some(at) = rows().position(|r| r.name == name) else {
                let known: Vec<_> = rows().map(|r| r.name).collect();
                errors.push(format!("[keys] `{name}` is not an action; known: {}", known.join(", ")));
                continue;
            };
            let mut parsed = Vec::new();
            for k in keys {
                match Key::parse(k) {
                    Ok(key) => parsed.push(key),
                    Err(e) => errors.push(format!("[keys] {name}: {e}")),
                }
            }
            if parsed.is_empty() && keys.is_empty() {
                errors.push(format!("[keys] {name}: no key given"));
            }
            map.bindings[at] = parsed;
        }
        // A key may mean one thing per mode.
        let mut seen: BTreeMap<(String, u8), &'static str> = BTreeMap::new();
        for (row, keys) in rows().zip(&map.bindings) {
            for key in keys {
                if let Some(other) = seen.insert((key.to_string(), row.mode as u8), row.name)
                    && other != row.name
                {
                    errors.push(format!("[keys] `{key}` is bound to both `{other}` and `{}`", row.name));
                }
            }
        }
        if errors.is_empty() { Ok(map) } else { Err(errors) }
    }

    /// The command `ev` means in `mode`, if any.
    pub fn command(&self, mode: Mode, ev: &KeyEvent) -> Option<Command> {
        let key = Key::from_event(ev);
        // Shifted letters arrive as uppercase chars with SHIFT set; the char already says it.
        rows()
            .zip(&self.bindings)
            .find(|(row, keys)| row.mode == mode && keys.contains(&key))
            .map(|(row, _)| row.command.clone())
    }

    /// The keys bound to `command` in `mode`.
    pub fn keys_in(&self, mode: Mode, command: &Command) -> Vec<Key> {
        rows()
            .zip(&self.bindings)
            .filter(|(row, _)| row.mode == mode && &row.command == command)
            .flat_map(|(_, keys)| keys.iter().copied())
            .collect()
    }

    /// The keys of a screen command.
    pub fn keys(&self, command: Command) -> Vec<Key> {
        self.keys_in(Mode::Normal, &command)
    }

    /// The first key of a command in `mode`, as shown in hints.
    pub fn primary_in(&self, mode: Mode, command: &Command) -> String {
        self.keys_in(mode, command).first().map_or_else(|| "—".to_string(), Key::to_string)
    }

    /// The first key of a screen command, as shown in hints.
    pub fn primary(&self, command: Command) -> String {
        self.primary_in(Mode::Normal, &command)
    }

    /// Help rows grouped by section: (section, [(keys, description)]).
    pub fn help(&self) -> Vec<(&'static str, Vec<(String, &'static str)>)> {
        [
            Section::Navigate,
            Section::View,
            Section::Alerts,
            Section::Charts,
            Section::Models,
            Section::Journal,
            Section::General,
            Section::Forms,
            Section::Confirmations,
        ]
        .into_iter()
        .map(|section| {
            let rows = rows()
                .zip(&self.bindings)
                .filter(|(r, _)| r.section == section)
                .map(|(r, keys)| {
                    let keys: Vec<String> = keys.iter().map(Key::to_string).collect();
                    (keys.join(" "), r.description)
                })
                .collect();
            (section.title(), rows)
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn defaults_dispatch() {
        let map = Keymap::default();
        assert_eq!(map.command(Mode::Normal, &ev(KeyCode::Char('j'), KeyModifiers::NONE)), Some(Command::Down));
        assert_eq!(map.command(Mode::Normal, &ev(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(Command::Quit));
        assert_eq!(map.command(Mode::Normal, &ev(KeyCode::Char('G'), KeyModifiers::SHIFT)), Some(Command::Bottom));
        assert_eq!(map.command(Mode::Normal, &ev(KeyCode::Char('x'), KeyModifiers::NONE)), None);
    }

    #[test]
    fn overrides_replace_and_errors_are_reported() {
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), vec!["x".to_string()]);
        let map = Keymap::with_overrides(&o).unwrap();
        assert_eq!(map.command(Mode::Normal, &ev(KeyCode::Char('x'), KeyModifiers::NONE)), Some(Command::Quit));
        assert_eq!(map.command(Mode::Normal, &ev(KeyCode::Char('q'), KeyModifiers::NONE)), None);

        o.insert("launch".to_string(), vec!["l".to_string()]);
        o.insert("help".to_string(), vec!["Hyper-q".to_string()]);
        let errs = Keymap::with_overrides(&o).unwrap_err();
        assert!(errs.iter().any(|e| e.contains("`launch` is not an action")), "{errs:?}");
        assert!(errs.iter().any(|e| e.contains("Hyper-q")), "{errs:?}");
    }

    #[test]
    fn conflicting_keys_are_reported() {
        let mut o = BTreeMap::new();
        o.insert("help".to_string(), vec!["j".to_string()]);
        let errs = Keymap::with_overrides(&o).unwrap_err();
        assert!(errs[0].contains("bound to both"), "{errs:?}");
    }

    #[test]
    fn help_lists_every_binding_once() {
        let listed: usize = Keymap::default().help().iter().map(|(_, r)| r.len()).sum();
        assert_eq!(listed, rows().count());
    }

    #[test]
    fn each_mode_has_its_own_bindings() {
        let map = Keymap::default();
        let j = ev(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(map.command(Mode::Normal, &j), Some(Command::Down));
        assert_eq!(map.command(Mode::Form, &j), Some(Command::Down));
        let enter = ev(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(map.command(Mode::Normal, &enter), Some(Command::Open));
        assert_eq!(map.command(Mode::Form, &enter), Some(Command::Submit));
        assert_eq!(map.command(Mode::Confirm, &ev(KeyCode::Char('n'), KeyModifiers::NONE)), Some(Command::Cancel));
        // A form key is remapped like any other.
        let mut o = BTreeMap::new();
        o.insert("submit".to_string(), vec!["Ctrl-j".to_string()]);
        let map = Keymap::with_overrides(&o).unwrap();
        assert_eq!(map.command(Mode::Form, &enter), None);
        assert_eq!(map.command(Mode::Form, &ev(KeyCode::Char('j'), KeyModifiers::CONTROL)), Some(Command::Submit));
    }
}
