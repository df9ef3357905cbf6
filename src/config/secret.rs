//! Secrets (bearer tokens, passwords) are read only from environment variables or files,
//! never from the config file itself, and never printed.

use crate::domain::Secret;
use std::path::Path;

/// Reads a secret named by `<key>_env` or `<key>_file`; at most one may be set.
/// `lookup` is the environment, injectable for tests.
pub fn resolve(
    key: &str,
    env_name: Option<&str>,
    file: Option<&Path>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Secret>, String> {
    match (env_name, file) {
        (Some(_), Some(_)) => Err(format!("set only one of `{key}_env` and `{key}_file`")),
        (Some(var), None) => match lookup(var) {
            Some(value) if !value.trim().is_empty() => Ok(Some(Secret::new(value.trim()))),
            _ => Err(format!("`{key}_env` names ${var}, which is not set or empty")),
        },
        (None, Some(path)) => {
            let path = super::expand_home(path);
            let value = std::fs::read_to_string(&path).map_err(|e| format!("`{key}_file` {}: {e}", path.display()))?;
            let value = value.trim();
            if value.is_empty() {
                return Err(format!("`{key}_file` {} is empty", path.display()));
            }
            Ok(Some(Secret::new(value)))
        }
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_displays_the_value() {
        let s = Secret::new("s3cr3t-token");
        assert_eq!(format!("{s} {s:?}"), "<redacted> Secret(<redacted>)");
        assert_eq!(s.redact("401 for Bearer s3cr3t-token"), "401 for Bearer <redacted>");
    }

    #[test]
    fn reads_env_and_rejects_both() {
        let env = |k: &str| (k == "TOK").then(|| "abc123\n".to_string());
        let s = resolve("token", Some("TOK"), None, &env).unwrap().unwrap();
        assert_eq!(s.expose(), "abc123");
        assert!(resolve("token", Some("NOPE"), None, &env).unwrap_err().contains("$NOPE"));
        let both = resolve("token", Some("TOK"), Some(Path::new("/x")), &env);
        assert!(both.unwrap_err().contains("only one"));
    }
}
