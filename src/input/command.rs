//! The command line (`:`): text parsed into the same intents keys produce.

use crate::domain::ColumnId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Quit,
    /// `:env NAME`, or `:env` alone for the next environment.
    Environment(Option<String>),
    Help,
    ToggleLog,
    Refresh,
    Sort(SortKey),
    /// `:filter TEXT` (same as typing it after `/`); empty clears.
    Filter(String),
    Journal,
    Note,
    Silences,
    /// `:versions [MODEL]`: the versions screen of a model (none: the selected one).
    Versions(Option<String>),
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
        "filter" | "f" => Ok(Command::Filter(rest.to_string())),
        "sort" => SortKey::parse(rest)
            .map(Command::Sort)
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
        assert_eq!(parse("sort drift"), Ok(Command::Sort(SortKey::Column(ColumnId::Drift))));
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
