//! Style changes as one SGR sequence (`ESC[…m`) that names only what changed: attributes
//! are turned off one by one (22, 23, 24 …) instead of a reset that forces every colour to
//! be sent again, and the 16 base colours use their short codes (31, 91, 41, 101).

use std::io::Write;

use ratatui::style::{Color, Modifier};

/// What the terminal will apply to the next character printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pen {
    pub fg: Color,
    pub bg: Color,
    pub underline_color: Color,
    pub modifier: Modifier,
}

impl Default for Pen {
    fn default() -> Self {
        Pen { fg: Color::Reset, bg: Color::Reset, underline_color: Color::Reset, modifier: Modifier::empty() }
    }
}

/// Attributes with their "on" code, and the code that turns them off. Bold and dim share
/// 22, both blinks share 25: turning one off turns the other off too.
const ATTRIBUTES: [(Modifier, u8, u8); 9] = [
    (Modifier::BOLD, 1, 22),
    (Modifier::DIM, 2, 22),
    (Modifier::ITALIC, 3, 23),
    (Modifier::UNDERLINED, 4, 24),
    (Modifier::SLOW_BLINK, 5, 25),
    (Modifier::RAPID_BLINK, 6, 25),
    (Modifier::REVERSED, 7, 27),
    (Modifier::HIDDEN, 8, 28),
    (Modifier::CROSSED_OUT, 9, 29),
];

/// Where a colour goes: foreground (30…), background (40…) or underline (58, no short codes).
#[derive(Clone, Copy)]
enum Layer {
    Fg,
    Bg,
    Underline,
}

/// Writes the one sequence that turns `from` into `to`; nothing when they are equal.
pub fn write_change(out: &mut Vec<u8>, from: Pen, to: Pen) {
    if from == to {
        return;
    }
    let mut params = Vec::with_capacity(16);
    incremental(&mut params, from, to);
    // Back to plain text, a lone reset can be shorter than switching each part off.
    if to == Pen::default() && params.len() > 1 {
        params.clear();
        params.push(b'0');
    }
    out.extend_from_slice(b"\x1b[");
    out.extend_from_slice(&params);
    out.push(b'm');
}

fn incremental(params: &mut Vec<u8>, from: Pen, to: Pen) {
    let mut held = from.modifier;
    for (modifier, _, off) in ATTRIBUTES {
        if held.contains(modifier) && !to.modifier.contains(modifier) {
            // The code may switch a partner off as well (22: bold and dim); the loop below
            // turns back on whichever of the two `to` keeps.
            let partners = ATTRIBUTES.iter().filter(|(_, _, o)| *o == off).fold(Modifier::empty(), |m, a| m | a.0);
            if held.intersects(partners) {
                param(params, off);
                held.remove(partners);
            }
        }
    }
    for (modifier, on, _) in ATTRIBUTES {
        if to.modifier.contains(modifier) && !held.contains(modifier) {
            param(params, on);
        }
    }
    if from.fg != to.fg {
        color(params, Layer::Fg, to.fg);
    }
    if from.bg != to.bg {
        color(params, Layer::Bg, to.bg);
    }
    if from.underline_color != to.underline_color {
        color(params, Layer::Underline, to.underline_color);
    }
}

fn param(params: &mut Vec<u8>, code: u8) {
    separate(params);
    let _ = write!(params, "{code}");
}

fn separate(params: &mut Vec<u8>) {
    if !params.is_empty() {
        params.push(b';');
    }
}

fn color(params: &mut Vec<u8>, layer: Layer, color: Color) {
    separate(params);
    let (normal, bright, extended, default) = match layer {
        Layer::Fg => (30, 90, 38, 39),
        Layer::Bg => (40, 100, 48, 49),
        Layer::Underline => (0, 0, 58, 59),
    };
    let base = match color {
        Color::Reset => {
            let _ = write!(params, "{default}");
            return;
        }
        Color::Black => Some(0),
        Color::Red => Some(1),
        Color::Green => Some(2),
        Color::Yellow => Some(3),
        Color::Blue => Some(4),
        Color::Magenta => Some(5),
        Color::Cyan => Some(6),
        Color::Gray => Some(7),
        Color::DarkGray => Some(8),
        Color::LightRed => Some(9),
        Color::LightGreen => Some(10),
        Color::LightYellow => Some(11),
        Color::LightBlue => Some(12),
        Color::LightMagenta => Some(13),
        Color::LightCyan => Some(14),
        Color::White => Some(15),
        Color::Indexed(i) => Some(i),
        Color::Rgb(r, g, b) => {
            let _ = write!(params, "{extended};2;{r};{g};{b}");
            return;
        }
    };
    match (layer, base) {
        (Layer::Fg | Layer::Bg, Some(i @ 0..=7)) => {
            let _ = write!(params, "{}", normal + i as u16);
        }
        (Layer::Fg | Layer::Bg, Some(i @ 8..=15)) => {
            let _ = write!(params, "{}", bright + (i - 8) as u16);
        }
        (_, Some(i)) => {
            let _ = write!(params, "{extended};5;{i}");
        }
        (_, None) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(from: Pen, to: Pen) -> String {
        let mut out = Vec::new();
        write_change(&mut out, from, to);
        String::from_utf8(out).unwrap()
    }

    fn pen(fg: Color, bg: Color, modifier: Modifier) -> Pen {
        Pen { fg, bg, modifier, ..Pen::default() }
    }

    #[test]
    fn base_colours_use_their_short_codes() {
        let plain = Pen::default();
        assert_eq!(change(plain, pen(Color::Red, Color::Blue, Modifier::BOLD)), "\x1b[1;31;44m");
        assert_eq!(change(plain, pen(Color::LightRed, Color::LightCyan, Modifier::empty())), "\x1b[91;106m");
        assert_eq!(change(plain, pen(Color::Gray, Color::DarkGray, Modifier::empty())), "\x1b[37;100m");
        assert_eq!(change(plain, pen(Color::Indexed(3), Color::Indexed(12), Modifier::empty())), "\x1b[33;104m");
    }

    #[test]
    fn indexed_and_rgb_colours_use_the_extended_forms() {
        let to = pen(Color::Indexed(236), Color::Rgb(30, 30, 46), Modifier::empty());
        assert_eq!(change(Pen::default(), to), "\x1b[38;5;236;48;2;30;30;46m");
    }

    #[test]
    fn only_what_changed_is_sent() {
        let from = pen(Color::Red, Color::Blue, Modifier::BOLD);
        assert_eq!(change(from, pen(Color::Green, Color::Blue, Modifier::BOLD)), "\x1b[32m");
        assert_eq!(change(from, pen(Color::Red, Color::Blue, Modifier::empty())), "\x1b[22m");
        assert_eq!(change(from, pen(Color::Red, Color::Reset, Modifier::BOLD | Modifier::ITALIC)), "\x1b[3;49m");
        assert_eq!(change(from, from), "");
    }

    #[test]
    fn dropping_dim_keeps_bold_on() {
        let from = pen(Color::Red, Color::Reset, Modifier::BOLD | Modifier::DIM);
        assert_eq!(change(from, pen(Color::Red, Color::Reset, Modifier::BOLD)), "\x1b[22;1m");
    }

    #[test]
    fn attributes_are_turned_off_one_by_one_not_reset() {
        let from = pen(Color::Yellow, Color::Black, Modifier::REVERSED | Modifier::UNDERLINED);
        let to = pen(Color::Yellow, Color::Black, Modifier::UNDERLINED);
        assert_eq!(change(from, to), "\x1b[27m");
    }

    #[test]
    fn back_to_plain_is_a_lone_reset_when_that_is_shorter() {
        let loud = pen(Color::Red, Color::Blue, Modifier::BOLD | Modifier::ITALIC);
        assert_eq!(change(loud, Pen::default()), "\x1b[0m");
        assert_eq!(change(pen(Color::Red, Color::Reset, Modifier::empty()), Pen::default()), "\x1b[0m");
        assert_eq!(change(pen(Color::Reset, Color::Reset, Modifier::BOLD), Pen::default()), "\x1b[0m");
    }
}
