//! The one vocabulary of what the operator asks for. Keys (through the keymap, in every
//! mode, forms included) and the command line (`:sort drift`) both produce a [`Command`],
//! and the app handles each command in one place.

use crate::domain::ColumnId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    FocusNext,
    Open,
    Back,
    /// `/` opens the filter prompt (`None`); `:filter TEXT` sets it (empty clears).
    Filter(Option<String>),
    /// `:` opens the command line.
    CommandLine,
    /// `s` takes the next sort key (`None`); `:sort KEY` names one.
    Sort(Option<SortKey>),
    ReverseSort,
    /// `e` or `:env` alone: the next environment; `:env NAME`: that one.
    Environment(Option<String>),
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
    /// `v`: the versions of the model the operator is on; `:versions MODEL`: of that model.
    Versions(Option<String>),
    Rollback,
    /// On the versions screen: the version under the cursor becomes the challenger.
    Challenger,
    /// On the versions screen: show or hide the champion-and-challenger comparison.
    Compare,
    /// From the comparison: roll back to the better of the two by accuracy.
    RollbackBetter,
    Retrain,
    Runbook,
    ZoomIn,
    ZoomOut,
    PanBack,
    PanForward,
    Live,
    Help,
    Quit,
    /// In a form or a confirmation: review, send, confirm.
    Submit,
    /// In a form or a confirmation: back out without changing anything.
    Cancel,
    NextField,
    PreviousField,
    /// In the acknowledge form: tick or untick the matcher under the cursor.
    Toggle,
    /// In the acknowledge form: make the matcher under the cursor a regex, or exact again.
    Regex,
    NextPreset,
    PreviousPreset,
    /// In the rollback form: confirm an unvalidated target, where the config allows it.
    Override,
    ClearField,
}

/// What the fleet table is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Worst first: critical alerts, then cell status, then name.
    #[default]
    Health,
    Name,
    Alerts,
    Column(ColumnId),
}

impl SortKey {
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Health => "health",
            SortKey::Name => "name",
            SortKey::Alerts => "alerts",
            SortKey::Column(c) => c.key(),
        }
    }

    pub fn parse(text: &str) -> Option<SortKey> {
        match text {
            "health" => Some(SortKey::Health),
            "name" | "model" => Some(SortKey::Name),
            "alerts" => Some(SortKey::Alerts),
            other => ColumnId::from_key(other).map(SortKey::Column),
        }
    }

    /// The order `s` cycles through.
    pub fn next(self) -> SortKey {
        const ORDER: [SortKey; 10] = [
            SortKey::Health,
            SortKey::Name,
            SortKey::Alerts,
            SortKey::Column(ColumnId::Accuracy),
            SortKey::Column(ColumnId::Drift),
            SortKey::Column(ColumnId::LatencyP95),
            SortKey::Column(ColumnId::Throughput),
            SortKey::Column(ColumnId::ErrorRate),
            SortKey::Column(ColumnId::Gpu),
            SortKey::Column(ColumnId::Version),
        ];
        let at = ORDER.iter().position(|k| *k == self).unwrap_or(0);
        ORDER[(at + 1) % ORDER.len()]
    }
}

/// The commands offered in help and completion.
pub const COMMANDS: [(&str, &str); 11] = [
    ("env [NAME]", "switch environment (none: next)"),
    ("sort KEY", "health, name, alerts or a column"),
    ("filter TEXT", "same as typing after /"),
    ("refresh", "poll every source now"),
    ("journal", "notes and actions, newest first"),
    ("note", "write a note on the selection"),
    ("silences", "active and pending silences"),
    ("versions [NAME]", "a model's versions, rollback"),
    ("log", "toggle the log panel"),
    ("help", "show keys and commands"),
    ("quit", "leave modeldeck"),
];

pub fn parse(text: &str) -> Result<Command, String> {
    let text = text.trim().trim_start_matches(':');
    let (word, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let rest = rest.trim();
    match word {
        "q" | "quit" | "exit" => Ok(Command::Quit),
        "env" | "environment" | "ctx" => Ok(Command::Environment((!rest.is_empty()).then(|| rest.to_string()))),
        "help" | "h" | "?" => Ok(Command::Help),
        "log" | "logs" => Ok(Command::ToggleLog),
        "refresh" | "r" => Ok(Command::Refresh),
        "filter" | "f" => Ok(Command::Filter(Some(rest.to_string()))),
        "sort" if rest.is_empty() => Ok(Command::Sort(None)),
        "sort" => SortKey::parse(rest)
            .map(|key| Command::Sort(Some(key)))
            .ok_or_else(|| format!("unknown sort key `{rest}`: health, name, alerts or a column key")),
        "" => Err("empty command".into()),
        "journal" | "j" => Ok(Command::Journal),
        "note" => Ok(Command::Note),
        "silences" | "silence" => Ok(Command::Silences),
        "versions" | "version" | "v" => Ok(Command::Versions((!rest.is_empty()).then(|| rest.to_string()))),
        other => Err(format!("unknown command `{other}` (see ? for the list)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        assert_eq!(parse(":env prod-eu"), Ok(Command::Environment(Some("prod-eu".into()))));
        assert_eq!(parse("env"), Ok(Command::Environment(None)));
        assert_eq!(parse("q"), Ok(Command::Quit));
        assert_eq!(parse("sort drift"), Ok(Command::Sort(Some(SortKey::Column(ColumnId::Drift)))));
        assert_eq!(parse("filter fraud"), Ok(Command::Filter(Some("fraud".into()))));
        assert!(parse("sort bogus").unwrap_err().contains("bogus"));
        assert!(parse("launch").unwrap_err().contains("unknown command"));
    }

    #[test]
    fn sort_cycle_returns_to_start() {
        let mut k = SortKey::Health;
        for _ in 0..10 {
            k = k.next();
        }
        assert_eq!(k, SortKey::Health);
    }
}
