//! PromQL text built from raw values. A model name or label value goes into a query exactly
//! as Prometheus reported it, so the selector matches the same series whatever the value
//! holds: quotes, backslashes, newlines, escape sequences or a 2 KB string.

/// `value` as a double-quoted PromQL string literal. `\` and `"` are escaped, and every
/// control or bidi character is written as `\uXXXX`: Prometheus's lexer refuses a raw
/// newline, and escapes keep a logged query readable.
pub fn string_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if crate::domain::sanitize::is_unsafe(c) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `label="value"`, the value escaped by [`string_literal`].
pub fn label_equals(label: &str, value: &str) -> String {
    format!("{label}={}", string_literal(value))
}

/// `query` with every series labelled `label="tag"`, so that several queries joined with
/// `or` come back in one answer and can be told apart (their label sets never collide).
/// The line break ends a `#` comment the query may end with.
pub fn tagged(query: &str, label: &str, tag: &str) -> String {
    format!("label_replace({query}\n, {}, {}, \"\", \"\")", string_literal(label), string_literal(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_backslashes_and_controls_are_escaped() {
        assert_eq!(string_literal("fraud-detector"), r#""fraud-detector""#);
        assert_eq!(string_literal(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(string_literal("esc\x1b[2J\nx"), r#""esc\u001b[2J\u000ax""#);
        assert_eq!(string_literal("c1\u{9b}bidi\u{202e}"), r#""c1\u009bbidi\u202e""#);
        assert_eq!(string_literal("情感"), "\"情感\"");
        assert_eq!(label_equals("model", "m"), r#"model="m""#);
        assert_eq!(
            tagged("sum by (model) (x)", "c", "0"),
            "label_replace(sum by (model) (x)\n, \"c\", \"0\", \"\", \"\")"
        );
    }
}
