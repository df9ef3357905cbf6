//! Colour depth: a terminal that says it has 16 colours (TERM=xterm, screen, linux) gets the
//! theme's 256-colour and RGB colours mapped to the nearest of the 16 ANSI ones, so a
//! header background never turns into garbage or disappears.

use ratatui::style::{Color, Style};

use super::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// 16 ANSI colours.
    Ansi16,
    /// 256 colours or more.
    Full,
}

/// What `TERM` and `COLORTERM` promise. Unknown terminals get 16 colours: wrong guesses
/// that way only lose shades.
pub fn detect(term: Option<&str>, colorterm: Option<&str>) -> Depth {
    if colorterm.is_some_and(|c| matches!(c, "truecolor" | "24bit")) {
        return Depth::Full;
    }
    match term {
        Some(t) if t.contains("256color") || t.contains("direct") || t.ends_with("-truecolor") => Depth::Full,
        _ => Depth::Ansi16,
    }
}

impl Theme {
    /// The theme as a terminal with `depth` colours can show it.
    pub fn for_depth(self, depth: Depth) -> Theme {
        match depth {
            Depth::Full => self,
            Depth::Ansi16 => self.map_styles(|s| Style { fg: s.fg.map(to_16), bg: s.bg.map(to_16), ..s }),
        }
    }
}

/// The 16 ANSI colours with the RGB values xterm uses for them.
const ANSI: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

fn to_16(color: Color) -> Color {
    match color {
        Color::Indexed(n) if n < 16 => ANSI[usize::from(n)].0,
        Color::Indexed(n) => nearest(indexed_rgb(n)),
        Color::Rgb(r, g, b) => nearest((r, g, b)),
        other => other,
    }
}

/// The xterm 256-colour palette: a 6×6×6 cube from 16, a grey ramp from 232.
fn indexed_rgb(n: u8) -> (u8, u8, u8) {
    if n >= 232 {
        let v = 8 + 10 * (n - 232);
        return (v, v, v);
    }
    let cube = n - 16;
    let level = |c: u8| if c == 0 { 0 } else { 55 + 40 * c };
    (level(cube / 36), level((cube / 6) % 6), level(cube % 6))
}

fn nearest((r, g, b): (u8, u8, u8)) -> Color {
    let distance = |(r2, g2, b2): (u8, u8, u8)| {
        let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
        d(r, r2) + d(g, g2) + d(b, b2)
    };
    ANSI.iter().min_by_key(|(_, rgb)| distance(*rgb)).map_or(Color::Reset, |(c, _)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_from_the_environment() {
        assert_eq!(detect(Some("xterm-256color"), None), Depth::Full);
        assert_eq!(detect(Some("screen"), None), Depth::Ansi16);
        assert_eq!(detect(Some("xterm"), Some("truecolor")), Depth::Full);
        assert_eq!(detect(None, None), Depth::Ansi16);
    }

    #[test]
    fn colours_map_to_the_nearest_ansi_one() {
        assert_eq!(to_16(Color::Indexed(236)), Color::Black);
        assert_eq!(to_16(Color::Indexed(196)), Color::LightRed);
        assert_eq!(to_16(Color::Rgb(250, 250, 250)), Color::White);
        assert_eq!(to_16(Color::Cyan), Color::Cyan);
    }

    #[test]
    fn a_16_colour_theme_has_no_indexed_or_rgb_colours() {
        let theme = Theme::default_theme().for_depth(Depth::Ansi16);
        for (key, style) in theme.styles() {
            for c in style.fg.iter().chain(style.bg.iter()) {
                assert!(!matches!(c, Color::Indexed(_) | Color::Rgb(..)), "{key}: {c:?}");
            }
        }
    }
}
