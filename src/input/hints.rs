//! The footer's key hints: each screen, form and confirmation offers its own keys, in the
//! order an operator needs them (a narrow footer drops the last ones), with words short
//! enough for one line. The keys themselves
//! come from the keymap, so a remapped key shows as remapped.

use super::keymap::{Command, Keymap, Mode};

/// Which screen, form or overlay the footer hints are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HintContext {
    /// The overview with the models pane focused.
    Fleet,
    /// The overview with the alerts pane focused.
    Alerts,
    /// A model's charts.
    Model,
    /// One alert in full.
    Alert,
    /// The silence inventory.
    Silences,
    /// The journal's list.
    Journal,
    /// One journal entry.
    JournalEntry,
    /// A model's versions.
    Versions,
    /// The acknowledge, rollback and retrain forms.
    Form,
    /// The note editor.
    Editor,
    /// A confirmation.
    Confirm,
    /// The help overlay.
    Help,
}

use Command as C;
use Mode::{Confirm, Form, Normal};

type Hints = &'static [(Mode, Command, &'static str)];

static FLEET: Hints = &[
    (Normal, C::Help, "help"),
    (Normal, C::Filter(None), "filter"),
    (Normal, C::Sort(None), "sort"),
    (Normal, C::FocusNext, "alerts"),
    (Normal, C::Open, "open"),
    (Normal, C::Versions(None), "versions"),
    (Normal, C::Retrain, "retrain"),
    (Normal, C::Note, "note"),
    (Normal, C::Journal, "journal"),
    (Normal, C::Quit, "quit"),
];

static ALERTS: Hints = &[
    (Normal, C::Help, "help"),
    (Normal, C::FocusNext, "models"),
    (Normal, C::Open, "details"),
    (Normal, C::Ack, "ack"),
    (Normal, C::Unack, "unack"),
    (Normal, C::Runbook, "runbook"),
    (Normal, C::Silences, "silences"),
    (Normal, C::Note, "note"),
    (Normal, C::Quit, "quit"),
];

static MODEL: Hints = &[
    (Normal, C::Help, "help"),
    (Normal, C::Back, "back"),
    (Normal, C::ZoomIn, "zoom in"),
    (Normal, C::ZoomOut, "out"),
    (Normal, C::PanBack, "earlier"),
    (Normal, C::PanForward, "later"),
    (Normal, C::Live, "live"),
    (Normal, C::Versions(None), "versions"),
    (Normal, C::Retrain, "retrain"),
    (Normal, C::Note, "note"),
];

static ALERT: Hints = &[
    (Normal, C::Help, "help"),
    (Normal, C::Open, "open model"),
    (Normal, C::Ack, "ack"),
    (Normal, C::Unack, "unack"),
    (Normal, C::Runbook, "runbook"),
    (Normal, C::Note, "note"),
    (Normal, C::Back, "back"),
];

static SILENCES: Hints = &[
    (Normal, C::Help, "help"),
    (Normal, C::Down, "next"),
    (Normal, C::Expire, "expire"),
    (Normal, C::Extend, "extend"),
    (Normal, C::Back, "back"),
];

static JOURNAL: Hints = &[
    (Normal, C::Help, "help"),
    (Normal, C::Filter(None), "filter"),
    (Normal, C::Open, "open entry"),
    (Normal, C::Note, "note"),
    (Normal, C::Back, "back"),
    (Normal, C::Quit, "quit"),
];

static JOURNAL_ENTRY: Hints = &[(Normal, C::Help, "help"), (Normal, C::Down, "scroll"), (Normal, C::Back, "back")];

static VERSIONS: Hints = &[
    (Normal, C::Help, "help"),
    (Normal, C::Rollback, "roll back to selected"),
    (Normal, C::Note, "note on version"),
    (Normal, C::Refresh, "reload"),
    (Normal, C::Back, "back"),
    (Normal, C::Quit, "quit"),
    // Last: a narrow footer keeps the way out before these.
    (Normal, C::Compare, "compare"),
    (Normal, C::Challenger, "challenger"),
];

static FORM: Hints = &[
    (Form, C::Submit, "review"),
    (Form, C::NextField, "next field"),
    (Form, C::Down, "next row"),
    (Form, C::Toggle, "drop/keep"),
    (Form, C::NextPreset, "duration"),
    (Form, C::ClearField, "clear"),
    (Form, C::Cancel, "cancel"),
];

static EDITOR: Hints = &[(Form, C::Save, "save"), (Form, C::Cancel, "cancel")];

static CONFIRM: Hints = &[(Confirm, C::Submit, "do it"), (Confirm, C::Cancel, "cancel, nothing changes")];

static HELP: Hints = &[(Normal, C::Down, "scroll"), (Normal, C::Up, "up"), (Normal, C::Back, "close")];

impl HintContext {
    fn table(self) -> Hints {
        match self {
            HintContext::Fleet => FLEET,
            HintContext::Alerts => ALERTS,
            HintContext::Model => MODEL,
            HintContext::Alert => ALERT,
            HintContext::Silences => SILENCES,
            HintContext::Journal => JOURNAL,
            HintContext::JournalEntry => JOURNAL_ENTRY,
            HintContext::Versions => VERSIONS,
            HintContext::Form => FORM,
            HintContext::Editor => EDITOR,
            HintContext::Confirm => CONFIRM,
            HintContext::Help => HELP,
        }
    }
}

impl Keymap {
    /// Footer hints for `context`: (key, short description); a command left without a key
    /// (`[keys]` emptied it) is left out.
    pub fn hints_for(&self, context: HintContext) -> Vec<(String, &'static str)> {
        context
            .table()
            .iter()
            .filter_map(|(mode, command, short)| {
                self.keys_in(*mode, command).first().map(|key| (key.to_string(), *short))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_context_offers_its_own_keys() {
        let map = Keymap::default();
        let words = |c| map.hints_for(c).into_iter().map(|(k, w)| format!("{k} {w}")).collect::<Vec<_>>();
        assert!(words(HintContext::Fleet).contains(&"Tab alerts".to_string()));
        assert!(!words(HintContext::Model).iter().any(|w| w.contains("pane") || w.ends_with(" ack")));
        assert!(!words(HintContext::Journal).iter().any(|w| w.contains("pane") || w.ends_with(" ack")));
        assert!(words(HintContext::Alerts).contains(&"a ack".to_string()));
        assert_eq!(words(HintContext::Confirm), ["Enter do it", "Esc cancel, nothing changes"]);
        assert!(words(HintContext::Form).contains(&"Enter review".to_string()));
        assert_eq!(words(HintContext::Editor), ["Ctrl-s save", "Esc cancel"]);
    }
}
