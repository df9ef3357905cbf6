//! `[journal]`: where entries go (a file, the default, or a PostgreSQL table shared by
//! several ops hosts) and the witness that records the head after every append.

use std::path::PathBuf;

use super::file::FileJournal;
use crate::domain::Secret;

#[derive(Debug, Clone, Default)]
pub struct JournalSettings {
    /// `backend = "postgres"`: the connection URL, read from `url_env` or `url_file`.
    pub postgres: Option<Secret>,
    /// `witness`, home-expanded.
    pub witness: Option<PathBuf>,
}

/// The settings, or the key at fault and why.
pub fn resolve(
    raw: &FileJournal,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<JournalSettings, (&'static str, String)> {
    let witness = raw.witness.as_deref().map(super::expand_home);
    let has_url = raw.url_env.is_some() || raw.url_file.is_some();
    let url_key = if raw.url_env.is_some() { "url_env" } else { "url_file" };
    let postgres = match raw.backend.as_deref().unwrap_or("file") {
        "file" if has_url => return Err((url_key, "a URL is only for `backend = \"postgres\"`".into())),
        "file" => None,
        "postgres" => {
            let url = super::secret::resolve("url", raw.url_env.as_deref(), raw.url_file.as_deref(), lookup)
                .map_err(|m| (url_key, m))?;
            Some(url.ok_or(("backend", "`backend = \"postgres\"` needs `url_env` or `url_file`".to_string()))?)
        }
        other => return Err(("backend", format!("unknown backend `{other}` (have: file, postgres)"))),
    };
    Ok(JournalSettings { postgres, witness })
}

/// The password of a `postgres://user:password@…` URL, to be stripped like any credential.
pub fn url_password(url: &Secret) -> Option<String> {
    let parsed = url::Url::parse(url.expose()).ok()?;
    let password = parsed.password()?;
    let decoded = percent_decode(password);
    Some(decoded).filter(|p| !p.is_empty())
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(backend: Option<&str>, url_env: Option<&str>) -> FileJournal {
        FileJournal { backend: backend.map(String::from), url_env: url_env.map(String::from), ..FileJournal::default() }
    }

    #[test]
    fn postgres_needs_a_url_and_the_file_refuses_one() {
        let env = |k: &str| (k == "JOURNAL_URL").then(|| "postgres://ops:p%40ss@db:5432/audit".to_string());
        let settings = resolve(&raw(Some("postgres"), Some("JOURNAL_URL")), &env).unwrap();
        let url = settings.postgres.unwrap();
        assert_eq!(url.expose(), "postgres://ops:p%40ss@db:5432/audit");
        assert_eq!(url_password(&url).as_deref(), Some("p@ss"));
        assert_eq!(resolve(&raw(Some("postgres"), None), &env).unwrap_err().0, "backend");
        assert_eq!(resolve(&raw(None, Some("JOURNAL_URL")), &env).unwrap_err().0, "url_env");
        assert!(resolve(&raw(Some("sqlite"), None), &env).unwrap_err().1.contains("unknown backend"));
        assert!(resolve(&raw(None, None), &env).unwrap().postgres.is_none());
    }
}
