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

/// An error found after parsing, located at the first line that sets `key`.
pub fn at_key(text: &str, path: Option<PathBuf>, key: &str, message: String) -> ConfigError {
    let line = text
        .lines()
        .position(|l| key_of(l).is_some_and(|k| k == key) || l.trim() == format!("[fleet.columns.{key}]"))
        .map(|i| i + 1);
    ConfigError::Invalid { path, line, key: Some(key.to_string()), message }
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
