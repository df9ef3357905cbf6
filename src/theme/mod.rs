//! Themes: TOML files resolved once into ready ratatui [`Style`]s with semantic accessors.
//! Widgets never pick colours themselves; they ask the [`Theme`] for `status_warn`,
//! `badge_production`, and so on.
//!
//! A theme file has an optional `inherits = "<built-in>"` (default: `default`) and a
//! `[styles]` table of inline tables `{ fg = "red", bg = "#1e1e2e", modifiers = ["bold"] }`.
//! A style set in a file replaces the inherited style entirely. See `themes/default.toml`.

use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::domain::{Severity, Status};

mod parse;

pub mod depth;

use parse::StyleSpec;

/// Why a theme could not be loaded. Each message is one sentence naming the theme file
/// and, for content errors, the line, column and key.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("cannot read theme file {path} ({source}); built-in themes are default, light, high-contrast and mono")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("theme {origin}, line {line}, column {column}{}: {message}", key_part(.key))]
    Invalid { origin: String, line: usize, column: usize, key: Option<String>, message: String },
    #[error(
        "theme {origin}, line {line}, key `inherits`: there is no built-in theme `{parent}` (expected default, light, high-contrast or mono)"
    )]
    UnknownParent { origin: String, line: usize, parent: String },
    #[error("theme {origin}: `inherits` chain is too deep (a theme may only inherit from a built-in)")]
    InheritanceTooDeep { origin: String },
}

fn key_part(key: &Option<String>) -> String {
    key.as_ref().map(|k| format!(", key `{k}`")).unwrap_or_default()
}

/// Declares the style keys once: the `Theme` fields, the `[styles]` table that a theme
/// file deserialises into, and the code that lays one over the other.
macro_rules! theme_styles {
    ($($(#[$meta:meta])* $key:ident,)*) => {
        /// A resolved theme: one ready [`Style`] per semantic role.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            /// The built-in name, or the file stem / origin of a custom theme.
            pub name: String,
            $($(#[$meta])* pub $key: Style,)*
        }

        /// The `[styles]` table of a theme file; a key left out is inherited.
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct StyleTable {
            $($key: Option<StyleSpec>,)*
        }

        impl StyleTable {
            /// Replaces (not merges) every style the file sets.
            fn apply(self, theme: &mut Theme) {
                $(if let Some(spec) = self.$key { theme.$key = spec.into_style(); })*
            }

            #[cfg(test)]
            fn unset_keys(&self) -> Vec<&'static str> {
                let mut unset = Vec::new();
                $(if self.$key.is_none() { unset.push(stringify!($key)); })*
                unset
            }
        }

        impl Theme {
            /// Every style key, in declaration order.
            pub const STYLE_KEYS: &'static [&'static str] = &[$(stringify!($key)),*];

            /// Every style with its key, for previews and checks.
            pub fn styles(&self) -> Vec<(&'static str, Style)> {
                vec![$((stringify!($key), self.$key)),*]
            }

            /// Applies `f` to every style.
            fn map_styles(mut self, f: impl Fn(Style) -> Style) -> Theme {
                $(self.$key = f(self.$key);)*
                self
            }
        }
    };
}

theme_styles! {
    /// Normal text.
    base,
    /// Secondary text and pending alerts.
    dim,
    /// Panel titles.
    title,
    /// Unfocused panel borders.
    border,
    /// The focused panel's border.
    border_focused,
    /// The selected table row.
    selected,
    /// The top bar.
    header,
    /// The production environment badge; must be unmistakable.
    badge_production,
    /// A non-production environment badge.
    badge_env,
    /// The demo-mode badge.
    badge_demo,
    /// The read-only badge.
    badge_readonly,
    /// A data source answering normally.
    health_ok,
    /// A data source whose data is getting old.
    health_stale,
    /// A failing data source.
    health_error,
    /// Metric within its thresholds.
    status_ok,
    /// Metric past its warning threshold.
    status_warn,
    /// Metric past its critical threshold.
    status_critical,
    /// Metric with no data.
    status_missing,
    /// Metric without thresholds.
    status_neutral,
    /// Critical alerts.
    severity_critical,
    /// Warning alerts.
    severity_warning,
    /// Informational alerts.
    severity_info,
    /// Silenced or inhibited alerts.
    alert_silenced,
    /// A key name in help and footer hints.
    key,
    /// Hint text next to a key.
    hint,
    /// The filter / command line.
    input,
    /// Error messages.
    error,
    /// Sparklines.
    sparkline,
    /// Table column headers.
    table_header,
}

const BUILT_IN_FILES: [(&str, &str); 4] = [
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// Themes may only inherit from built-ins, so a longer chain means a loop.
const MAX_INHERIT_DEPTH: usize = 4;

impl Theme {
    pub const BUILT_IN: [&'static str; 4] = ["default", "light", "high-contrast", "mono"];

    /// A built-in theme by name, with its `inherits` resolved; `None` for other names.
    pub fn built_in(name: &str) -> Option<Theme> {
        Self::built_in_checked(name, 0)?.ok()
    }

    fn built_in_checked(name: &str, depth: usize) -> Option<Result<Theme, ThemeError>> {
        let (name, text) = BUILT_IN_FILES.iter().find(|(n, _)| *n == name)?;
        let origin = format!("themes/{name}.toml (built-in `{name}`)");
        let result = Self::parse(text, &origin, depth, *name == "default").map(|mut theme| {
            theme.name = (*name).to_string();
            theme
        });
        Some(result)
    }

    /// A built-in theme name, or else a path to a `.toml` theme file (`~/` is expanded
    /// from `$HOME`).
    pub fn load(name_or_path: &str) -> Result<Theme, ThemeError> {
        if let Some(result) = Self::built_in_checked(name_or_path, 0) {
            return result;
        }
        let path = expand_home(name_or_path);
        let text = std::fs::read_to_string(&path)
            .map_err(|source| ThemeError::Read { path: name_or_path.to_string(), source })?;
        let mut theme = Self::from_toml(&text, name_or_path)?;
        if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
            theme.name = stem.to_string();
        }
        Ok(theme)
    }

    /// Parses theme text; `origin` (a file name) is used as the name and in messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<Theme, ThemeError> {
        Self::parse(text, origin, 0, false)
    }

    /// `is_base` marks the built-in default theme, which starts from the hard-coded set
    /// instead of inheriting.
    fn parse(text: &str, origin: &str, depth: usize, is_base: bool) -> Result<Theme, ThemeError> {
        if depth > MAX_INHERIT_DEPTH {
            return Err(ThemeError::InheritanceTooDeep { origin: origin.to_string() });
        }
        let file = parse::parse_file(text, origin)?;
        let mut theme = match &file.inherits {
            None if is_base => Theme::fallback(),
            None => Self::parent("default", origin, 1, depth)?,
            Some(parent) => {
                let (line, _, _) = parse::locate(text, parent.span().start);
                Self::parent(parent.get_ref(), origin, line, depth)?
            }
        };
        theme.name = origin.to_string();
        file.styles.apply(&mut theme);
        Ok(theme)
    }

    fn parent(name: &str, origin: &str, line: usize, depth: usize) -> Result<Theme, ThemeError> {
        Self::built_in_checked(name, depth + 1).unwrap_or_else(|| {
            Err(ThemeError::UnknownParent { origin: origin.to_string(), line, parent: name.to_string() })
        })
    }

    /// The default (dark) theme; never fails.
    pub fn default_theme() -> Theme {
        Self::built_in("default").unwrap_or_else(Theme::fallback)
    }

    /// The colourless theme used for `NO_COLOR`; never fails.
    pub fn mono() -> Theme {
        Self::built_in("mono").unwrap_or_else(|| {
            let loud = Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED);
            Theme {
                name: "mono".to_string(),
                selected: Style::new().add_modifier(Modifier::REVERSED),
                badge_production: loud,
                health_error: loud,
                status_critical: loud,
                severity_critical: loud,
                error: loud,
                ..Theme::fallback().map_styles(|s| Style { fg: None, bg: None, ..s })
            }
        })
    }

    pub fn status(&self, status: Status) -> Style {
        match status {
            Status::Ok => self.status_ok,
            Status::Neutral => self.status_neutral,
            Status::Missing => self.status_missing,
            Status::Warn => self.status_warn,
            Status::Critical => self.status_critical,
        }
    }

    /// The style for an alert severity; `Severity::None` is drawn dim.
    pub fn severity(&self, severity: Severity) -> Style {
        match severity {
            Severity::Critical => self.severity_critical,
            Severity::Warning => self.severity_warning,
            Severity::Info => self.severity_info,
            Severity::None => self.dim,
        }
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused { self.border_focused } else { self.border }
    }

    /// The same styles as `themes/default.toml`, used if the embedded file ever fails to
    /// parse (a test keeps them in step).
    fn fallback() -> Theme {
        use Color::*;
        let fg = |c: Color| Style::new().fg(c);
        let on = |f: Color, b: Color| Style::new().fg(f).bg(b).add_modifier(Modifier::BOLD);
        let bold = Modifier::BOLD;
        Theme {
            name: "default".to_string(),
            base: fg(Gray),
            dim: fg(DarkGray),
            title: fg(Cyan).add_modifier(bold),
            border: fg(DarkGray),
            border_focused: fg(Cyan),
            selected: on(Black, Cyan),
            header: fg(White).bg(Indexed(236)),
            badge_production: on(White, Red),
            badge_env: on(Black, Blue),
            badge_demo: on(Black, Magenta),
            badge_readonly: on(Black, Yellow),
            health_ok: fg(Green),
            health_stale: fg(Yellow),
            health_error: fg(LightRed).add_modifier(bold),
            status_ok: fg(Green),
            status_warn: fg(Yellow),
            status_critical: fg(LightRed).add_modifier(bold),
            status_missing: fg(DarkGray).add_modifier(Modifier::ITALIC),
            status_neutral: fg(Gray),
            severity_critical: fg(LightRed).add_modifier(bold),
            severity_warning: fg(Yellow),
            severity_info: fg(LightBlue),
            alert_silenced: fg(DarkGray).add_modifier(Modifier::ITALIC),
            key: fg(Cyan).add_modifier(bold),
            hint: fg(DarkGray),
            input: fg(White),
            error: fg(LightRed).add_modifier(bold),
            sparkline: fg(Cyan),
            table_header: fg(Gray).add_modifier(bold | Modifier::UNDERLINED),
        }
    }
}

impl Default for Theme {
    fn default() -> Self {
        Theme::default_theme()
    }
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) if !home.is_empty() => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// The theme to run with: `no_color` (whether `NO_COLOR` is set and non-empty) forces
/// `mono`; otherwise the requested theme, or `default`.
pub fn resolve(requested: Option<&str>, no_color: bool) -> Result<Theme, ThemeError> {
    if no_color {
        return Ok(Theme::mono());
    }
    Theme::load(requested.unwrap_or("default"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_parses() {
        for name in Theme::BUILT_IN {
            let theme = Theme::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(theme.name, name);
            assert_eq!(Theme::built_in(name), Some(theme));
        }
        assert_eq!(Theme::built_in("solarized"), None);
    }

    #[test]
    fn default_file_sets_every_key_and_matches_the_fallback() {
        let file = parse::parse_file(BUILT_IN_FILES[0].1, "default.toml").unwrap();
        assert!(file.inherits.is_none());
        assert_eq!(file.styles.unset_keys(), Vec::<&str>::new());
        assert_eq!(Theme::default_theme(), Theme::fallback());
        assert_eq!(Theme::STYLE_KEYS.len(), Theme::fallback().styles().len());
    }

    #[test]
    fn mono_has_no_colour_and_critical_stands_out() {
        let mono = Theme::mono();
        assert_eq!(mono.name, "mono");
        for (key, style) in mono.styles() {
            assert_eq!((style.fg, style.bg), (None, None), "mono style `{key}` has a colour");
        }
        let loud = Modifier::BOLD | Modifier::REVERSED;
        assert!(mono.status_critical.add_modifier.contains(loud));
        assert!(mono.severity_critical.add_modifier.contains(loud));
        assert!(mono.badge_production.add_modifier.contains(loud));
        // The hard-coded fallback must be colourless too.
        let fallback = Theme::fallback().map_styles(|s| Style { fg: None, bg: None, ..s });
        assert!(fallback.styles().iter().all(|(_, s)| s.fg.is_none() && s.bg.is_none()));
    }

    #[test]
    fn load_reads_files_and_reports_missing_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ocean.toml");
        std::fs::write(&path, "[styles]\ntitle = { fg = \"blue\" }\n").unwrap();
        let theme = Theme::load(path.to_str().unwrap()).unwrap();
        assert_eq!(theme.name, "ocean");
        assert_eq!(theme.title, Style::new().fg(Color::Blue));
        let missing = dir.path().join("nope.toml");
        let err = Theme::load(missing.to_str().unwrap()).unwrap_err();
        assert!(matches!(err, ThemeError::Read { .. }), "{err:?}");
        assert!(err.to_string().contains("nope.toml"));
    }

    #[test]
    fn resolve_honours_no_color() {
        assert_eq!(resolve(Some("light"), true).unwrap(), Theme::mono());
        assert_eq!(resolve(None, true).unwrap(), Theme::mono());
        assert_eq!(resolve(Some("light"), false).unwrap().name, "light");
        assert_eq!(resolve(None, false).unwrap(), Theme::default_theme());
        assert!(resolve(Some("does-not-exist"), false).is_err());
    }

    #[test]
    fn accessors_map_domain_values() {
        let t = Theme::default_theme();
        assert_eq!(t.status(Status::Critical), t.status_critical);
        assert_eq!(t.status(Status::Missing), t.status_missing);
        assert_eq!(t.severity(Severity::Warning), t.severity_warning);
        assert_eq!(t.severity(Severity::None), t.dim);
        assert_eq!(t.border(true), t.border_focused);
        assert_eq!(t.border(false), t.border);
    }
}
