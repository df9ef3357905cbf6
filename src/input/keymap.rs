//! The one source of key bindings: dispatch, the help overlay and the footer hints all read
//! this table, so they cannot drift apart. Config `[keys]` replaces an action's keys.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Operator intents reachable by a key in the normal (non-input) mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    FocusNext,
    Open,
    Back,
    Filter,
    Command,
    Sort,
    ReverseSort,
    NextEnvironment,
    Refresh,
    ToggleLog,
    Note,
    Journal,
    Save,
    Ack,
    Unack,
    Silences,
    Expire,
    Extend,
    Versions,
    Rollback,
    Retrain,
    Runbook,
    ZoomIn,
    ZoomOut,
    PanBack,
    PanForward,
    Live,
    Help,
    Quit,
}

/// Where an action applies, for grouping in help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Navigate,
    View,
    Alerts,
    Charts,
    Models,
    Journal,
    General,
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
        }
    }
}

/// (action, config name, description, section, default keys)
const TABLE: [(Action, &str, &str, Section, &[&str]); 35] = [
    (Action::Up, "up", "move up", Section::Navigate, &["k", "Up"]),
    (Action::Down, "down", "move down", Section::Navigate, &["j", "Down"]),
    (Action::PageUp, "page_up", "page up", Section::Navigate, &["PageUp", "Ctrl-b"]),
    (Action::PageDown, "page_down", "page down", Section::Navigate, &["PageDown", "Ctrl-f"]),
    (Action::Top, "top", "first row", Section::Navigate, &["g", "Home"]),
    (Action::Bottom, "bottom", "last row", Section::Navigate, &["G", "End"]),
    (Action::FocusNext, "focus", "switch pane", Section::Navigate, &["Tab", "BackTab"]),
    (Action::Open, "open", "open model", Section::Navigate, &["Enter"]),
    (Action::Back, "back", "back / close", Section::Navigate, &["Esc"]),
    (Action::Filter, "filter", "filter rows", Section::View, &["/"]),
    (Action::Command, "command", "command line", Section::View, &[":"]),
    (Action::Sort, "sort", "next sort key", Section::View, &["s"]),
    (Action::ReverseSort, "reverse_sort", "reverse sort", Section::View, &["S"]),
    (Action::NextEnvironment, "environment", "next environment", Section::View, &["e"]),
    (Action::Refresh, "refresh", "refresh now", Section::View, &["r", "Ctrl-r"]),
    (Action::ToggleLog, "log", "toggle log panel", Section::View, &["L"]),
    (Action::Ack, "ack", "acknowledge: silence or extend", Section::Alerts, &["a"]),
    (Action::Unack, "unack", "expire the silences muting it", Section::Alerts, &["A"]),
    (Action::Silences, "silences", "silence inventory", Section::Alerts, &["M"]),
    (Action::Expire, "expire", "expire the silence (inventory)", Section::Alerts, &["X"]),
    (Action::Extend, "extend", "extend the silence (inventory)", Section::Alerts, &["E"]),
    (Action::ZoomIn, "zoom_in", "zoom in (down to 5m)", Section::Charts, &["+", "="]),
    (Action::ZoomOut, "zoom_out", "zoom out (up to 7d)", Section::Charts, &["-"]),
    (Action::PanBack, "pan_back", "pan back half a window", Section::Charts, &["["]),
    (Action::PanForward, "pan_forward", "pan forward", Section::Charts, &["]"]),
    (Action::Live, "live", "back to live", Section::Charts, &["0"]),
    (Action::Versions, "versions", "model versions and governance", Section::Models, &["v"]),
    (Action::Rollback, "rollback", "roll back to a version", Section::Models, &["R"]),
    (Action::Retrain, "retrain", "retrain the model", Section::Models, &["T"]),
    (Action::Runbook, "runbook", "apply the runbook suggestion", Section::Alerts, &["!"]),
    (Action::Note, "note", "note on the model or alert", Section::Journal, &["n"]),
    (Action::Journal, "journal", "journal view", Section::Journal, &["J"]),
    (Action::Save, "save", "save the note (in the editor)", Section::Journal, &["Ctrl-s"]),
    (Action::Help, "help", "help", Section::General, &["?", "F1"]),
    (Action::Quit, "quit", "quit", Section::General, &["q", "Ctrl-c"]),
];

/// Actions shown in the footer, in order, with the short words that fit on one line.
const HINTS: [(Action, &str); 9] = [
    (Action::Help, "help"),
    (Action::Filter, "filter"),
    (Action::FocusNext, "pane"),
    (Action::Open, "open"),
    (Action::Versions, "versions"),
    (Action::Ack, "ack"),
    (Action::Note, "note"),
    (Action::Journal, "journal"),
    (Action::Quit, "quit"),
];

/// The footer on the versions screen.
const VERSION_HINTS: [(Action, &str); 6] = [
    (Action::Help, "help"),
    (Action::Rollback, "roll back to selected"),
    (Action::Note, "note on version"),
    (Action::Refresh, "reload"),
    (Action::Back, "back"),
    (Action::Quit, "quit"),
];

/// Which screen the footer hints are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HintContext {
    General,
    Versions,
}

impl Action {
    fn row(self) -> &'static (Action, &'static str, &'static str, Section, &'static [&'static str]) {
        TABLE.iter().find(|r| r.0 == self).unwrap_or(&TABLE[0])
    }

    pub fn name(self) -> &'static str {
        self.row().1
    }

    pub fn description(self) -> &'static str {
        self.row().2
    }

    pub fn from_name(name: &str) -> Option<Action> {
        TABLE.iter().find(|r| r.1 == name).map(|r| r.0)
    }
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
    bindings: Vec<(Action, Vec<Key>)>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = TABLE
            .iter()
            .map(|(action, _, _, _, keys)| (*action, keys.iter().filter_map(|k| Key::parse(k).ok()).collect()))
            .collect();
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
            let Some(action) = Action::from_name(name) else {
                let known: Vec<_> = TABLE.iter().map(|r| r.1).collect();
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
            if let Some(slot) = map.bindings.iter_mut().find(|(a, _)| *a == action) {
                slot.1 = parsed;
            }
        }
        let mut seen: BTreeMap<String, Action> = BTreeMap::new();
        for (action, keys) in &map.bindings {
            for key in keys {
                if let Some(other) = seen.insert(key.to_string(), *action)
                    && other != *action
                {
                    errors.push(format!("[keys] `{key}` is bound to both `{}` and `{}`", other.name(), action.name()));
                }
            }
        }
        if errors.is_empty() { Ok(map) } else { Err(errors) }
    }

    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(ev);
        // Shifted letters arrive as uppercase chars with SHIFT set; the char already says it.
        self.bindings.iter().find(|(_, keys)| keys.contains(&key)).map(|(a, _)| *a)
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        self.bindings.iter().find(|(a, _)| *a == action).map_or(&[], |(_, k)| k.as_slice())
    }

    /// The first key of an action, as shown in hints.
    pub fn primary(&self, action: Action) -> String {
        self.keys(action).first().map_or_else(|| "—".to_string(), Key::to_string)
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
        ]
        .into_iter()
        .map(|section| {
            let rows = TABLE
                .iter()
                .filter(|r| r.3 == section)
                .map(|r| {
                    let keys: Vec<String> = self.keys(r.0).iter().map(Key::to_string).collect();
                    (keys.join(" "), r.2)
                })
                .collect();
            (section.title(), rows)
        })
        .collect()
    }

    /// Footer hints: (key, short description).
    pub fn hints(&self) -> Vec<(String, &'static str)> {
        self.hints_for(HintContext::General)
    }

    pub fn hints_for(&self, context: HintContext) -> Vec<(String, &'static str)> {
        let table: &[(Action, &str)] = match context {
            HintContext::General => &HINTS,
            HintContext::Versions => &VERSION_HINTS,
        };
        table.iter().map(|(a, short)| (self.primary(*a), *short)).collect()
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
        assert_eq!(map.action(&ev(KeyCode::Char('j'), KeyModifiers::NONE)), Some(Action::Down));
        assert_eq!(map.action(&ev(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(Action::Quit));
        assert_eq!(map.action(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)), Some(Action::Bottom));
        assert_eq!(map.action(&ev(KeyCode::Char('x'), KeyModifiers::NONE)), None);
    }

    #[test]
    fn overrides_replace_and_errors_are_reported() {
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), vec!["x".to_string()]);
        let map = Keymap::with_overrides(&o).unwrap();
        assert_eq!(map.action(&ev(KeyCode::Char('x'), KeyModifiers::NONE)), Some(Action::Quit));
        assert_eq!(map.action(&ev(KeyCode::Char('q'), KeyModifiers::NONE)), None);

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
    fn help_lists_every_action_once() {
        let rows: usize = Keymap::default().help().iter().map(|(_, r)| r.len()).sum();
        assert_eq!(rows, TABLE.len());
    }
}
