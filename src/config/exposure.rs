//! Secrets readable by others. The config holds no literal secret, but it points at files that
//! do (`token_file`, `password_file`) and may carry header values that are credentials (a
//! webhook's `headers`). Such a file, or the config that references secrets, being readable
//! by its group or by everyone hands the credential (or the map to it) to every account on
//! the ops host; modeldeck says so at startup, with the command that fixes it.

use std::path::{Path, PathBuf};

/// What the config references that makes a readable file worth a warning.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SecretRefs {
    /// `token_file` and `password_file` paths, home-expanded, each once.
    pub files: Vec<PathBuf>,
    /// Whether the config itself carries a header value that is a credential (a webhook's
    /// `Authorization` or `X-Api-Key`); a plain `X-Team` is not one.
    pub header_values: bool,
}

/// Whether a header, by its name or its value, carries a credential: `Authorization`,
/// `Cookie`, names with token, key, secret, auth, password or signature in them, and values
/// that start like one (`Bearer …`, `Basic …`).
pub fn secret_header(name: &str, value: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let value = value.trim_start().to_ascii_lowercase();
    ["auth", "token", "key", "secret", "password", "passwd", "cookie", "signature", "credential", "session"]
        .iter()
        .any(|word| name.contains(word))
        || ["bearer ", "basic ", "token "].iter().any(|p| value.starts_with(p))
}

impl SecretRefs {
    pub fn add_file(&mut self, path: Option<&Path>) {
        if let Some(path) = path.map(super::expand_home)
            && !self.files.contains(&path)
        {
            self.files.push(path);
        }
    }

    /// The config references secrets when it names secret files or carries header values.
    pub fn any(&self) -> bool {
        !self.files.is_empty() || self.header_values
    }
}

/// A file holding or pointing at secrets that others can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    pub path: PathBuf,
    pub mode: u32,
    /// "secret file" or "config file".
    pub what: &'static str,
}

impl Exposure {
    /// One line for the log, the console and stderr, ending with the exact fix.
    pub fn message(&self) -> String {
        format!(
            "{} {} is open to {} (mode {:04o}): run `{}`",
            self.what,
            self.path.display(),
            if self.mode & 0o007 != 0 { "every user" } else { "its group" },
            self.mode & 0o7777,
            self.fix()
        )
    }

    /// The same for the console's one-line header, the fix first so that a narrow terminal
    /// cuts the explanation rather than the command.
    pub fn short(&self) -> String {
        format!("run `{}`: {} open to others", self.fix(), self.what)
    }

    /// `chmod 600 <path>`, quoted for a POSIX shell when the path needs it.
    pub fn fix(&self) -> String {
        format!("chmod 600 {}", shell_quote(&self.path.display().to_string()))
    }
}

/// The referenced secret files, and the config file when it references secrets, whose mode
/// lets the group or others read or write them (`mode & 0o077 != 0`). A file that cannot be
/// inspected is skipped: loading the config already failed on a secret file it could not
/// read.
pub fn check(config_path: Option<&Path>, refs: &SecretRefs) -> Vec<Exposure> {
    let mut found = Vec::new();
    for path in &refs.files {
        if let Some(mode) = open_mode(path) {
            found.push(Exposure { path: path.clone(), mode, what: "secret file" });
        }
    }
    if let Some(path) = config_path.filter(|_| refs.any())
        && let Some(mode) = open_mode(path)
    {
        found.push(Exposure { path: path.to_path_buf(), mode, what: "config file" });
    }
    found
}

#[cfg(unix)]
fn open_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    // The file the path leads to: a symlink's own mode says nothing about the secret.
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn open_mode(_: &Path) -> Option<u32> {
    None
}

fn shell_quote(text: &str) -> String {
    let plain = text.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%=~".contains(c));
    if plain && !text.is_empty() { text.to_string() } else { format!("'{}'", text.replace('\'', r"'\''")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fix_is_quoted_for_the_shell() {
        let e = Exposure { path: "/home/ops/my token".into(), mode: 0o100644, what: "secret file" };
        assert_eq!(e.fix(), "chmod 600 '/home/ops/my token'");
        assert_eq!(
            e.message(),
            "secret file /home/ops/my token is open to every user (mode 0644): run `chmod 600 '/home/ops/my token'`"
        );
        assert_eq!(e.short(), "run `chmod 600 '/home/ops/my token'`: secret file open to others");
        let group = Exposure { path: "/etc/md/t".into(), mode: 0o100640, what: "config file" };
        assert!(group.message().contains("open to its group (mode 0640): run `chmod 600 /etc/md/t`"));
    }

    #[test]
    fn only_credential_headers_are_secrets() {
        for (name, value) in [("X-Api-Key", "k"), ("X-Auth-Token", "t"), ("Cookie", "s=1"), ("X-Thing", "Bearer abc")] {
            assert!(secret_header(name, value), "{name}: {value}");
        }
        for (name, value) in [("X-Team", "ml-platform"), ("Content-Type", "application/json"), ("X-Source", "console")]
        {
            assert!(!secret_header(name, value), "{name}: {value}");
        }
    }

    #[test]
    fn only_group_or_world_access_counts() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("token");
        let config = dir.path().join("config.toml");
        std::fs::write(&secret, "t0ken").unwrap();
        std::fs::write(&config, "").unwrap();
        let refs = SecretRefs { files: vec![secret.clone()], header_values: false };
        for (mode, exposed) in [(0o600, false), (0o400, false), (0o640, true), (0o604, true), (0o620, true)] {
            std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(mode)).unwrap();
            std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
            assert_eq!(!check(Some(&config), &refs).is_empty(), exposed, "mode {mode:o}");
        }
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(check(Some(&config), &refs)[0].what, "config file");
        assert!(check(Some(&config), &SecretRefs::default()).is_empty(), "a config without secret references");
    }
}
