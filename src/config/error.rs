//! Config errors that point at the file, line and key.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub enum ConfigError {
    Io { path: PathBuf, message: String },
    Invalid { path: Option<PathBuf>, line: Option<usize>, key: Option<String>, message: String },
}

impl std::error::Error for ConfigError {}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Io { path, message } => write!(f, "cannot read config {}: {message}", path.display()),
            ConfigError::Invalid { path, line, key, message } => {
                let file = path.as_ref().map_or_else(|| "config".to_string(), |p| p.display().to_string());
                write!(f, "{file}")?;
                if let Some(line) = line {
                    write!(f, ":{line}")?;
                }
                if let Some(key) = key {
                    write!(f, ": key `{key}`")?;
                }
                write!(f, ": {message}")
            }
        }
    }
}

/// Builds an error from a toml/serde failure: the span gives the line, the line gives the key.
pub fn from_toml(err: &toml::de::Error, text: &str, path: Option<PathBuf>) -> ConfigError {
    let (line, key) = match err.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            (Some(line), key_on_line(text, line))
        }
        None => (None, None),
    };
    let mut message = err.message().trim().to_string();
    if let Some(name) = message.strip_prefix("unknown field `").and_then(|m| m.split('`').next())
        && (name == "token" || name == "password")
    {
        message.push_str("; secrets are read only from `token_env`/`token_file` or `password_env`/`password_file`");
    }
    ConfigError::Invalid { path, line, key, message }
}

/// Where in the file a resolved setting came from, to point errors at the right line.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Top-level keys and plain tables such as `[discovery]`.
    Top,
    /// The n-th `[[environment]]` block (0-based).
    Environment(usize),
    /// A `[fleet.columns.<id>]` table.
    Column(&'a str),
    /// The n-th `[[runbook]]` block (0-based).
    Runbook(usize),
    /// A plain top-level table such as `[tls]`, whose keys may also appear elsewhere.
    Table(&'a str),
}

/// An error found after parsing, located at the line that sets `key` inside `scope` (inline
/// tables included), else at the scope's header.
pub fn at_key(text: &str, path: Option<PathBuf>, scope: Scope, key: &str, message: String) -> ConfigError {
    let lines: Vec<&str> = text.lines().collect();
    let is_header = |l: &str| l.trim_start().starts_with('[');
    let (start, header) = match scope {
        Scope::Top => (0, None),
        Scope::Environment(n) => match lines.iter().enumerate().filter(|(_, l)| l.trim() == "[[environment]]").nth(n) {
            Some((i, _)) => (i + 1, Some(i)),
            None => (0, None),
        },
        Scope::Runbook(n) => match lines.iter().enumerate().filter(|(_, l)| l.trim() == "[[runbook]]").nth(n) {
            Some((i, _)) => (i + 1, Some(i)),
            None => (0, None),
        },
        Scope::Table(name) => match lines.iter().position(|l| l.trim() == format!("[{name}]")) {
            Some(i) => (i + 1, Some(i)),
            None => (0, None),
        },
        Scope::Column(id) => {
            let want = format!("[fleet.columns.{id}]");
            match lines.iter().position(|l| l.trim() == want) {
                Some(i) => (i + 1, Some(i)),
                None => (0, None),
            }
        }
    };
    let sets_key = |l: &str| {
        let t = l.trim_start();
        !t.starts_with('#') && mentions_key(t, key)
    };
    let found = lines
        .iter()
        .enumerate()
        .skip(start)
        .take_while(|(_, l)| match scope {
            Scope::Top => true,
            // Sub-tables such as `[environment.prometheus]` still belong to the block.
            Scope::Environment(_) => !is_header(l) || l.trim_start().starts_with("[environment."),
            Scope::Column(_) | Scope::Runbook(_) | Scope::Table(_) => !is_header(l),
        })
        .find(|(_, l)| sets_key(l))
        .map(|(i, _)| i);
    let line = found.or(header).map(|i| i + 1);
    ConfigError::Invalid { path, line, key: Some(key.to_string()), message }
}

/// True when `line` assigns `key`, either as `key = …` or inside an inline table.
fn mentions_key(line: &str, key: &str) -> bool {
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(at) = line[from..].find(key) {
        let i = from + at;
        let before_ok = i == 0 || matches!(bytes[i - 1], b' ' | b'{' | b',' | b'\t' | b'"');
        let rest = line[i + key.len()..].trim_start_matches('"').trim_start();
        if before_ok && rest.starts_with('=') {
            return true;
        }
        from = i + key.len();
    }
    false
}

fn key_on_line(text: &str, line: usize) -> Option<String> {
    let l = text.lines().nth(line - 1)?;
    key_of(l).map(str::to_string).or_else(|| {
        let t = l.trim();
        t.starts_with('[').then(|| t.trim_matches(|c| c == '[' || c == ']').to_string())
    })
}

fn key_of(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if t.starts_with('#') || t.starts_with('[') {
        return None;
    }
    let (key, _) = t.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty()).then_some(key)
}
