//! Strings from backends may carry terminal escape sequences (a label value such as
//! `"\x1b[2J"` would clear the operator's screen). The app keeps them exactly as sent (the
//! same value goes back into PromQL, silence matchers and the journal); [`sanitize`] makes
//! them inert where text meets a person: the views (`ui::text`), the human `status` output,
//! the Markdown export, and error messages written for the operator.
//!
//! The same boundary masks anything shaped like a credential (`Bearer …`, `token=…`,
//! `user:pass@`): a server may echo what it was sent (a 401 page quoting the
//! `Authorization` header, an error naming a URL with a token). The run's own credentials
//! are masked wherever they could appear whatever their shape: each endpoint redacts its
//! secret from its errors, and the runtime passes every incoming event through the run's
//! [`Redactor`] (`Event::redacted`).

use std::borrow::Cow;

use super::Redactor;

/// Longest outside string we keep; longer values are cut with an ellipsis so a hostile
/// annotation cannot make layout or memory cost unbounded.
pub const MAX_LEN: usize = 512;

/// Longest one-line error shown in the header or the status bar, in characters.
pub const DISPLAY_MAX: usize = 120;

/// Makes a string inert for a terminal: C0/C1 controls and DEL become visible symbols
/// (U+2400 block, `␛` for ESC), bidi overrides become `�`, and the length is capped.
pub fn sanitize(input: &str) -> Cow<'_, str> {
    match masked(input) {
        Some(text) => Cow::Owned(make_inert(&text).into_owned()),
        None => make_inert(input),
    }
}

/// What a credential looks like in an echoed request, whatever its value (a Basic header
/// carries the password only in base64).
const SHAPES: [&str; 7] = ["Bearer ", "bearer ", "Basic ", "token=", "access_token=", "password=", "@"];

/// `input` with credential shapes masked, when it has any; plain text keeps the fast path.
fn masked(input: &str) -> Option<String> {
    SHAPES.iter().any(|s| input.contains(s)).then(|| Redactor::default().text(input)).filter(|text| text != input)
}

fn make_inert(input: &str) -> Cow<'_, str> {
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

/// Multi-line text for a terminal or a document (a Markdown export): as [`sanitize`], but
/// newlines stay and nothing is cut.
pub fn inert_text(input: &str) -> Cow<'_, str> {
    if input.chars().all(|c| c == '\n' || !is_unsafe(c)) {
        return Cow::Borrowed(input);
    }
    Cow::Owned(input.chars().map(|c| if c == '\n' { c } else { inert(c) }).collect())
}

/// Serialised JSON made inert for a terminal without changing what it says: serde_json
/// escapes C0 controls but writes C1 controls, DEL and bidi overrides raw, which may only
/// occur inside strings, where `\uXXXX` means the same character.
pub fn json_text(json: &str) -> Cow<'_, str> {
    if !json.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if c != '\n' && is_unsafe(c) {
            out.push_str(&json_escape(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `c` as JSON's `\uXXXX` escape: one or, outside the BMP, two UTF-16 units.
fn json_escape(c: char) -> String {
    let mut units = [0u16; 2];
    c.encode_utf16(&mut units).iter().map(|unit| format!("\\u{unit:04x}")).collect()
}

/// [`json_text`] as the JSON is written: a pretty-printing serde_json formatter that writes
/// the characters serde leaves raw (C1 controls, DEL, bidi controls) as `\uXXXX`, so a
/// large document needs neither a `Value` tree nor a second copy of its text.
#[derive(Default)]
pub struct InertJson(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for InertJson {
    fn write_string_fragment<W: ?Sized + std::io::Write>(&mut self, w: &mut W, fragment: &str) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|(_, c)| is_unsafe(*c)) {
            w.write_all(&rest.as_bytes()[..at])?;
            w.write_all(json_escape(c).as_bytes())?;
            rest = &rest[at + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// A character that must not reach a terminal: a C0 or C1 control, DEL, or a bidi control.
pub fn is_unsafe(c: char) -> bool {
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
    fn documents_keep_their_lines_and_json_its_meaning() {
        assert_eq!(inert_text("a\x1b]0;t\x07\nb\rc\u{202e}"), "a␛]0;t␇\nb␍c\u{FFFD}");
        assert!(matches!(inert_text("line one\nline two"), Cow::Borrowed(_)));
        let value = serde_json::json!({"note": "x\u{9b}31m\u{202e}\x7f\x1b"});
        let text = serde_json::to_string_pretty(&value).unwrap();
        let safe = json_text(&text);
        assert!(!safe.chars().any(|c| c != '\n' && is_unsafe(c)), "{safe}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&safe).unwrap(), value);
    }

    #[test]
    fn inert_json_writes_what_json_text_makes_of_the_pretty_text() {
        let value = serde_json::json!({"k\u{202e}": ["x\u{9b}31m\u{202e}\x7f\x1b", "ü 😀 \u{85}", {"n": [1.5, null]}]});
        let mut written = Vec::new();
        let mut serializer = serde_json::Serializer::with_formatter(&mut written, InertJson::default());
        serde::Serialize::serialize(&value, &mut serializer).unwrap();
        let expected = json_text(&serde_json::to_string_pretty(&value).unwrap()).into_owned();
        assert_ne!(expected, serde_json::to_string_pretty(&value).unwrap(), "the sample needs escaping");
        assert_eq!(String::from_utf8(written).unwrap(), expected);
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
