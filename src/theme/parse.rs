//! Parsing of theme files: the file layout, colour and modifier names, and error
//! locations (line, column and key) computed from toml's byte spans.

use std::fmt;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use serde::de::{self, Deserializer};

use super::{StyleTable, ThemeError};

/// The top level of a theme file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ThemeFile {
    pub(super) inherits: Option<toml::Spanned<String>>,
    #[serde(default)]
    pub(super) styles: StyleTable,
}

/// One style as written in a file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "an inline table such as { fg = \"red\", modifiers = [\"bold\"] }")]
pub(super) struct StyleSpec {
    fg: Option<ColorSpec>,
    bg: Option<ColorSpec>,
    #[serde(default)]
    modifiers: Vec<ModifierSpec>,
}

impl StyleSpec {
    pub(super) fn into_style(self) -> Style {
        let mut style = Style::default();
        if let Some(ColorSpec(fg)) = self.fg {
            style = style.fg(fg);
        }
        if let Some(ColorSpec(bg)) = self.bg {
            style = style.bg(bg);
        }
        self.modifiers.into_iter().fold(style, |style, ModifierSpec(m)| style.add_modifier(m))
    }
}

#[derive(Debug)]
struct ColorSpec(Color);

const COLOUR_FORMS: &str = "a named colour such as `red` or `dark_gray`, `#rrggbb`, or an ANSI index 0 to 255";

impl<'de> Deserialize<'de> for ColorSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ColorVisitor)
    }
}

/// Accepts a colour string, or a bare integer as an ANSI index.
struct ColorVisitor;

impl de::Visitor<'_> for ColorVisitor {
    type Value = ColorSpec;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(COLOUR_FORMS)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<ColorSpec, E> {
        parse_color(text)
            .map(ColorSpec)
            .ok_or_else(|| E::custom(format!("unknown colour `{text}`: expected {COLOUR_FORMS}")))
    }

    fn visit_i64<E: de::Error>(self, index: i64) -> Result<ColorSpec, E> {
        u8::try_from(index)
            .map(|index| ColorSpec(Color::Indexed(index)))
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(index), &self))
    }
}

#[derive(Debug)]
struct ModifierSpec(Modifier);

impl<'de> Deserialize<'de> for ModifierSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_modifier(&text).map(ModifierSpec).ok_or_else(|| {
            de::Error::custom(format!(
                "unknown modifier `{text}`: expected bold, dim, italic, underlined, slow_blink, rapid_blink, reversed, hidden or crossed_out"
            ))
        })
    }
}

/// A ratatui named colour (snake_case or kebab-case), `#rrggbb`, or an ANSI index.
pub(super) fn parse_color(text: &str) -> Option<Color> {
    let text = text.trim();
    if let Some(hex) = text.strip_prefix('#') {
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        return Some(Color::Rgb(channel(0)?, channel(2)?, channel(4)?));
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<u8>().ok().map(Color::Indexed);
    }
    let color = match text.to_ascii_lowercase().replace('-', "_").as_str() {
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "dark_gray" | "dark_grey" => Color::DarkGray,
        "light_red" => Color::LightRed,
        "light_green" => Color::LightGreen,
        "light_yellow" => Color::LightYellow,
        "light_blue" => Color::LightBlue,
        "light_magenta" => Color::LightMagenta,
        "light_cyan" => Color::LightCyan,
        "white" => Color::White,
        "reset" => Color::Reset,
        _ => return None,
    };
    Some(color)
}

pub(super) fn parse_modifier(text: &str) -> Option<Modifier> {
    let modifier = match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underlined" => Modifier::UNDERLINED,
        "slow_blink" => Modifier::SLOW_BLINK,
        "rapid_blink" => Modifier::RAPID_BLINK,
        "reversed" => Modifier::REVERSED,
        "hidden" => Modifier::HIDDEN,
        "crossed_out" => Modifier::CROSSED_OUT,
        _ => return None,
    };
    Some(modifier)
}

/// 1-based line and column (in characters) of a byte offset, and the key on that line.
pub(super) fn locate(text: &str, offset: usize) -> (usize, usize, Option<String>) {
    let offset = (0..=offset.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_no = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    let line = text[line_start..].lines().next().unwrap_or("").trim();
    let key = if let Some(header) = line.strip_prefix('[') {
        header.split(']').next().map(str::trim)
    } else {
        line.split_once('=').map(|(key, _)| key.trim())
    }
    .filter(|key| !key.is_empty())
    .map(|key| key.trim_matches('"').to_string());
    (line_no, column, key)
}

/// Deserialises a theme file, mapping toml errors to [`ThemeError::Invalid`].
pub(super) fn parse_file(text: &str, origin: &str) -> Result<ThemeFile, ThemeError> {
    toml::from_str(text).map_err(|err| {
        let (line, column, key) = locate(text, err.span().map_or(0, |span| span.start));
        ThemeError::Invalid { origin: origin.to_string(), line, column, key, message: err.message().trim().to_string() }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theme::Theme;

    #[test]
    fn unknown_style_key_names_key_and_line() {
        let text = "# my theme\n[styles]\nbase = { fg = \"red\" }\nstatus_okay = { fg = \"green\" }\n";
        let err = Theme::from_toml(text, "mine.toml").unwrap_err();
        let ThemeError::Invalid { line, ref key, .. } = err else { panic!("{err:?}") };
        assert_eq!(line, 4);
        assert_eq!(key.as_deref(), Some("status_okay"));
        let msg = err.to_string();
        assert!(msg.contains("mine.toml") && msg.contains("line 4"), "{msg}");
        assert!(msg.contains("status_okay"), "{msg}");
    }

    #[test]
    fn unknown_style_field_is_an_error() {
        let text = "[styles]\n\nbase = { fg = \"red\", colour = \"blue\" }\n";
        let msg = Theme::from_toml(text, "f.toml").unwrap_err().to_string();
        assert!(msg.contains("line 3") && msg.contains("colour"), "{msg}");
        let msg = Theme::from_toml("name = \"x\"\n", "f.toml").unwrap_err().to_string();
        assert!(msg.contains("line 1") && msg.contains("name"), "{msg}");
    }

    #[test]
    fn bad_colour_and_modifier_are_errors() {
        let text = "[styles]\nborder = { fg = \"red\" }\nerror = { fg = \"crimson\" }\n";
        let err = Theme::from_toml(text, "c.toml").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("line 3") && msg.contains("`error`") && msg.contains("crimson"), "{msg}");
        for bad in ["#12345", "#gg0000", "256", "-1", ""] {
            let text = format!("[styles]\nbase = {{ bg = \"{bad}\" }}\n");
            assert!(Theme::from_toml(&text, "c.toml").is_err(), "{bad:?} accepted");
        }
        let msg = Theme::from_toml("[styles]\nkey = { modifiers = [\"blink\"] }\n", "m.toml").unwrap_err().to_string();
        assert!(msg.contains("line 2") && msg.contains("blink"), "{msg}");
    }

    #[test]
    fn colour_forms() {
        assert_eq!(parse_color("dark_gray"), Some(Color::DarkGray));
        assert_eq!(parse_color("light-magenta"), Some(Color::LightMagenta));
        assert_eq!(parse_color("reset"), Some(Color::Reset));
        assert_eq!(parse_color("#1e1e2e"), Some(Color::Rgb(0x1e, 0x1e, 0x2e)));
        assert_eq!(parse_color("0"), Some(Color::Indexed(0)));
        assert_eq!(parse_color("255"), Some(Color::Indexed(255)));
        assert_eq!(parse_modifier("crossed-out"), Some(Modifier::CROSSED_OUT));
        let theme = Theme::from_toml("[styles]\nbase = { fg = 208 }\n", "i.toml").unwrap();
        assert_eq!(theme.base, Style::new().fg(Color::Indexed(208)));
        for bad in ["256", "-1", "true", "[1]"] {
            let text = format!("[styles]\nbase = {{ fg = {bad} }}\n");
            let msg = Theme::from_toml(&text, "i.toml").unwrap_err().to_string();
            assert!(msg.contains("line 2") && msg.contains("ANSI index"), "{msg}");
        }
    }

    #[test]
    fn syntax_error_reports_line() {
        let err = Theme::from_toml("[styles]\nbase = { fg = \n", "b.toml").unwrap_err();
        assert!(matches!(err, ThemeError::Invalid { line: 2, .. }), "{err:?}");
    }

    #[test]
    fn partial_override_replaces_only_the_named_style() {
        let text = "[styles]\nstatus_ok = { modifiers = [\"bold\"] }\n";
        let theme = Theme::from_toml(text, "custom.toml").unwrap();
        let default = Theme::default_theme();
        // Replaced entirely: no green inherited from the default.
        assert_eq!(theme.status_ok, Style::new().add_modifier(Modifier::BOLD));
        let changed: Vec<_> =
            theme.styles().into_iter().zip(default.styles()).filter(|(a, b)| a != b).map(|((key, _), _)| key).collect();
        assert_eq!(changed, ["status_ok"]);
        assert_eq!(theme.name, "custom.toml");
    }

    #[test]
    fn override_inherits_a_named_built_in() {
        let text = "inherits = \"light\"\n[styles]\nerror = { fg = \"#ff0000\", bg = \"17\" }\n";
        let theme = Theme::from_toml(text, "x.toml").unwrap();
        let light = Theme::built_in("light").unwrap();
        assert_eq!(theme.base, light.base);
        assert_eq!(theme.error, Style::new().fg(Color::Rgb(255, 0, 0)).bg(Color::Indexed(17)));
    }

    #[test]
    fn inherits_unknown_theme_errors() {
        let text = "\ninherits = \"solarized\"\n";
        let err = Theme::from_toml(text, "s.toml").unwrap_err();
        assert!(matches!(err, ThemeError::UnknownParent { line: 2, .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("s.toml") && msg.contains("solarized"), "{msg}");
    }
}
