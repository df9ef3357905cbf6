//! Strings from backends may carry terminal escape sequences (a label value such as
//! `"\x1b[2J"` would clear the operator's screen). Every outside string passes through
//! [`sanitize`] at the parse boundary, so views never see a raw control character.

use std::borrow::Cow;

/// Longest outside string we keep; longer values are cut with an ellipsis so a hostile
/// annotation cannot make layout or memory cost unbounded.
pub const MAX_LEN: usize = 512;

/// Makes a string inert for a terminal: C0/C1 controls and DEL become visible symbols
/// (U+2400 block, `␛` for ESC), bidi overrides become `�`, and the length is capped.
pub fn sanitize(input: &str) -> Cow<'_, str> {
    let clean = input.chars().all(|c| !is_unsafe(c));
    if clean && input.chars().count() <= MAX_LEN {
        return Cow::Borrowed(input);
    }
    let mut out = String::with_capacity(input.len().min(MAX_LEN * 4));
    for (n, c) in input.chars().enumerate() {
        if n == MAX_LEN {
            out.push('…');
            break;
        }
        out.push(inert(c));
    }
    Cow::Owned(out)
}

/// Convenience for owned fields of domain types.
pub fn clean(input: &str) -> String {
    sanitize(input).into_owned()
}

fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

fn inert(c: char) -> char {
    match c {
        // C0 controls map onto the Control Pictures block: ESC shows as ␛, NUL as ␀.
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('?'),
        '\u{7f}' => '\u{2421}',
        c if c.is_control() || is_bidi_control(c) => '\u{FFFD}',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible_symbols() {
        assert_eq!(sanitize("a\x1b[2Jb"), "a␛[2Jb");
        assert_eq!(sanitize("bell\x07\r\n"), "bell␇␍␊");
        assert_eq!(sanitize("\u{9b}31m"), "\u{FFFD}31m");
        assert_eq!(sanitize("rtl\u{202E}txt"), "rtl\u{FFFD}txt");
        assert_eq!(sanitize("del\x7f"), "del␡");
    }

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(sanitize("fraud-detector v3 ü"), Cow::Borrowed(_)));
    }

    #[test]
    fn long_strings_are_capped() {
        let long = "x".repeat(MAX_LEN + 10);
        let out = sanitize(&long);
        assert_eq!(out.chars().count(), MAX_LEN + 1);
        assert!(out.ends_with('…'));
    }
}
