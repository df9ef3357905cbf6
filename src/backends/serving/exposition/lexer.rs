//! The tokenizer under [`super::parse_with`]: a cursor over one line, with the few token
//! kinds the exposition formats need (names, quoted strings, blank-separated words, label
//! sets). Every delimiter is ASCII, so byte offsets found here always sit on `char`
//! boundaries and slicing cannot panic.

/// Longest excerpt of offending input quoted in a diagnostic, in characters.
const EXCERPT_MAX: usize = 32;

/// Labels in written order, as `(name, value)` pairs.
pub(super) type Labels = Vec<(String, String)>;

/// A position in one line of the exposition.
pub(super) struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Cursor { text, pos: 0 }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    /// What is left of the line.
    pub(super) fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    /// The 1-based column of the cursor, counted in characters.
    pub(super) fn column(&self) -> usize {
        self.text[..self.pos].chars().count() + 1
    }

    /// Steps over one ASCII byte; only call after `peek` saw it.
    fn bump(&mut self) {
        self.pos += 1;
    }

    /// Skips spaces and tabs; true when at least one was skipped.
    pub(super) fn skip_blanks(&mut self) -> bool {
        let start = self.pos;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.bump();
        }
        self.pos > start
    }

    /// Consumes `byte` if it is next.
    pub(super) fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// Everything up to the next blank (possibly empty).
    pub(super) fn word(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b == b' ' || b == b'\t' {
                break;
            }
            // Multi-byte characters are never blanks; step over their bytes one at a time.
            self.pos += 1;
        }
        // `start` and `pos` both sit before a blank, at the end, or at the line start.
        &self.text[start..self.pos]
    }

    /// A legacy metric name, `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    pub(super) fn metric_name(&mut self) -> Option<&'a str> {
        self.identifier(true)
    }

    /// A legacy label name, `[a-zA-Z_][a-zA-Z0-9_]*`.
    pub(super) fn label_name(&mut self) -> Option<&'a str> {
        self.identifier(false)
    }

    fn identifier(&mut self, colons: bool) -> Option<&'a str> {
        let start = self.pos;
        let allowed = |b: u8, first: bool| {
            b.is_ascii_alphabetic() || b == b'_' || (colons && b == b':') || (!first && b.is_ascii_digit())
        };
        while let Some(b) = self.peek() {
            if !allowed(b, self.pos == start) {
                break;
            }
            self.bump();
        }
        (self.pos > start).then(|| &self.text[start..self.pos])
    }

    /// A double-quoted string starting at the cursor, with `\\`, `\"` and `\n` unescaped.
    /// Any other backslash sequence is kept as written.
    pub(super) fn quoted(&mut self) -> Result<String, String> {
        let open = self.column();
        if !self.eat(b'"') {
            return Err(format!("column {open}: expected '\"'"));
        }
        let mut out = String::new();
        let mut chars = self.text[self.pos..].char_indices();
        while let Some((i, ch)) = chars.next() {
            match ch {
                '"' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, '\\')) => out.push('\\'),
                    Some((_, '"')) => out.push('"'),
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, other)) => {
                        out.push('\\');
                        out.push(other);
                    }
                    None => out.push('\\'),
                },
                other => out.push(other),
            }
        }
        Err(format!("column {open}: unterminated quoted string"))
    }

    /// A quoted metric or label name (text format 1.0.0): any non-empty string.
    fn quoted_name(&mut self) -> Result<String, String> {
        let column = self.column();
        let name = self.quoted()?;
        if name.is_empty() {
            return Err(format!("column {column}: empty name"));
        }
        Ok(name)
    }

    /// A metric name in either syntax: legacy, or quoted (text format 1.0.0).
    pub(super) fn any_metric_name(&mut self) -> Result<String, String> {
        if self.peek() == Some(b'"') {
            return self.quoted_name();
        }
        match self.metric_name() {
            Some(name) => Ok(name.to_string()),
            None => Err(format!("column {}: expected a metric name, found {}", self.column(), self.found())),
        }
    }

    /// The label set after its opening `{`, through the closing `}`.
    ///
    /// With `named`, the first item may be a bare quoted string: the metric name of the text
    /// format 1.0.0 (`{"my.metric", a="1"}`), returned apart from the labels.
    pub(super) fn label_set(&mut self, named: bool) -> Result<(Option<String>, Labels), String> {
        let mut name = None;
        let mut labels = Vec::new();
        loop {
            self.skip_blanks();
            if self.eat(b'}') {
                return Ok((name, labels));
            }
            if self.at_end() {
                return Err(format!("column {}: unterminated label set, expected '}}'", self.column()));
            }
            let key = if self.peek() == Some(b'"') {
                self.quoted_name()?
            } else {
                match self.label_name() {
                    Some(key) => key.to_string(),
                    None => {
                        return Err(format!("column {}: expected a label name, found {}", self.column(), self.found()));
                    }
                }
            };
            self.skip_blanks();
            if self.eat(b'=') {
                self.skip_blanks();
                if self.peek() != Some(b'"') {
                    return Err(format!(
                        "column {}: expected a quoted value for label `{}`, found {}",
                        self.column(),
                        excerpt(&key),
                        self.found()
                    ));
                }
                let value = self.quoted()?;
                labels.push((key, value));
            } else if named && name.is_none() && labels.is_empty() {
                name = Some(key);
            } else {
                return Err(format!("column {}: expected '=' after label `{}`", self.column(), excerpt(&key)));
            }
            self.skip_blanks();
            if !self.eat(b',') && self.peek() != Some(b'}') {
                if self.at_end() {
                    return Err(format!("column {}: unterminated label set, expected '}}'", self.column()));
                }
                return Err(format!("column {}: expected ',' or '}}', found {}", self.column(), self.found()));
            }
        }
    }

    /// A short description of what is at the cursor, for diagnostics.
    pub(super) fn found(&self) -> String {
        match self.rest().chars().next() {
            None => "the end of the line".to_string(),
            Some(_) => format!("`{}`", excerpt(self.rest())),
        }
    }
}

/// At most [`EXCERPT_MAX`] characters of `text`, with `…` when cut.
pub(super) fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_MAX) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

/// A sample value: Go `ParseFloat` syntax as Rust reads it, so `NaN`, `+Inf`, `-Inf`,
/// `inf`, `Infinity` and exponent forms (`1.458255915e9`) all work.
pub(super) fn number(token: &str) -> Option<f64> {
    token.parse::<f64>().ok()
}

/// A text-format timestamp: integer milliseconds since the epoch, possibly negative.
pub(super) fn millis(token: &str) -> Result<i64, String> {
    token.parse::<i64>().map_err(|_| format!("timestamp `{}` is not integer milliseconds", excerpt(token)))
}

/// An OpenMetrics timestamp: seconds since the epoch, possibly fractional, as milliseconds
/// (rounded to the nearest).
pub(super) fn seconds_as_millis(token: &str) -> Result<i64, String> {
    let bad = || format!("timestamp `{}` is not a number of seconds", excerpt(token));
    let seconds = token.parse::<f64>().map_err(|_| bad())?;
    let ms = (seconds * 1000.0).round();
    // i64 spans ±9.22e18; stay clear of the edge, where the cast would saturate.
    if !ms.is_finite() || ms.abs() >= 9.0e18 {
        return Err(bad());
    }
    Ok(ms as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_unescapes_and_keeps_unknown_escapes() {
        let mut c = Cursor::new(r#""a\\b\"c\nd\te" tail"#);
        assert_eq!(c.quoted().unwrap(), "a\\b\"c\nd\\te");
        assert_eq!(c.rest(), " tail");
    }

    #[test]
    fn quoted_handles_multibyte_text() {
        let mut c = Cursor::new("\"né,}ü\"x");
        assert_eq!(c.quoted().unwrap(), "né,}ü");
        assert_eq!(c.rest(), "x");
        assert!(Cursor::new("\"é").quoted().is_err());
        assert!(Cursor::new("\"trailing\\").quoted().is_err());
    }

    #[test]
    fn names_follow_the_charsets() {
        assert_eq!(Cursor::new("job:x_1:rate5m{").metric_name(), Some("job:x_1:rate5m"));
        assert_eq!(Cursor::new("9abc").metric_name(), None);
        assert_eq!(Cursor::new("a:b").label_name(), Some("a"));
    }

    #[test]
    fn label_set_reads_the_quoted_name_form() {
        let mut c = Cursor::new(r#" "my.metric" , "error.message"="Not Found", b="x" } 1"#);
        let (name, labels) = c.label_set(true).unwrap();
        assert_eq!(name.as_deref(), Some("my.metric"));
        assert_eq!(labels, vec![("error.message".into(), "Not Found".into()), ("b".into(), "x".into())]);
        assert_eq!(c.rest(), " 1");
        assert!(Cursor::new(r#""my.metric"}"#).label_set(false).is_err());
        assert!(Cursor::new(r#""", a="1"}"#).label_set(true).is_err());
        assert!(Cursor::new(r#"""="1"}"#).label_set(false).is_err());
        assert!(Cursor::new(r#""" x"#).any_metric_name().is_err());
    }

    #[test]
    fn timestamps_convert_to_millis() {
        assert_eq!(millis("-3982045"), Ok(-3982045));
        assert!(millis("1700000000.5").is_err());
        assert_eq!(seconds_as_millis("1520879607.789"), Ok(1_520_879_607_789));
        assert_eq!(seconds_as_millis("1700000000"), Ok(1_700_000_000_000));
        assert!(seconds_as_millis("1e300").is_err());
        assert!(seconds_as_millis("NaN").is_err());
    }

    #[test]
    fn excerpt_cuts_on_char_boundaries() {
        let long = "é".repeat(40);
        assert_eq!(excerpt(&long).chars().count(), EXCERPT_MAX + 1);
        assert_eq!(excerpt("short"), "short");
    }
}
