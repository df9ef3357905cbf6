//! Audit reports of the journal: a JSON document for tools and a Markdown report for people.
//! Both put the verification result first, so a reader never trusts a broken history by
//! accident.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;
use serde_json::{Value, json};

use super::verify::Verification;
use crate::domain::{Entry, Outcome};

/// The version of the JSON export document; bump it when a field changes meaning.
pub const EXPORT_SCHEMA_VERSION: u32 = 1;

/// Which entries a report covers. `since` is inclusive, `until` exclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub model: Option<String>,
}

impl Filter {
    /// From the `--since/--until/--model` flags.
    pub fn parse(since: Option<&str>, until: Option<&str>, model: Option<&str>) -> Result<Filter, String> {
        let since = since.map(|s| parse_time(s).map_err(|e| format!("--since: {e}"))).transpose()?;
        let until = until.map(|s| parse_time(s).map_err(|e| format!("--until: {e}"))).transpose()?;
        if let (Some(s), Some(u)) = (since, until)
            && s >= u
        {
            return Err(format!("--since ({s}) must be before --until ({u})"));
        }
        let model = model.map(str::trim).filter(|m| !m.is_empty()).map(String::from);
        Ok(Filter { since, until, model })
    }

    pub fn is_empty(&self) -> bool {
        self.since.is_none() && self.until.is_none() && self.model.is_none()
    }

    /// An entry whose time cannot be read matches only when no time bound is set.
    pub fn matches(&self, entry: &Entry) -> bool {
        if let Some(model) = &self.model
            && entry.subject.model.as_deref() != Some(model.as_str())
        {
            return false;
        }
        if self.since.is_none() && self.until.is_none() {
            return true;
        }
        let Ok(at) = entry.ts.parse::<Timestamp>() else {
            return false;
        };
        self.since.is_none_or(|s| at >= s) && self.until.is_none_or(|u| at < u)
    }

    pub fn apply<'a>(&self, entries: &'a [Entry]) -> Vec<&'a Entry> {
        entries.iter().filter(|e| self.matches(e)).collect()
    }

    /// For the report header: `since 2026-11-01T00:00:00Z · model fraud-detector`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.since {
            parts.push(format!("since {s}"));
        }
        if let Some(u) = self.until {
            parts.push(format!("until {u}"));
        }
        if let Some(m) = &self.model {
            parts.push(format!("model {m}"));
        }
        if parts.is_empty() { "none (all entries)".into() } else { parts.join(" · ") }
    }

    fn to_json(&self) -> Value {
        json!({
            "since": self.since.map(|t| t.to_string()),
            "until": self.until.map(|t| t.to_string()),
            "model": self.model,
        })
    }
}

/// RFC 3339 (`2026-11-01T09:30:00Z`, `2026-11-01T09:30:00+02:00`) or a plain date
/// (`2026-11-01`, meaning midnight UTC).
pub fn parse_time(text: &str) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at);
    }
    if let Ok(date) = text.parse::<Date>() {
        return date.to_zoned(TimeZone::UTC).map(|z| z.timestamp()).map_err(|e| format!("`{text}`: {e}"));
    }
    Err(format!("`{text}` is neither an RFC 3339 time (2026-11-01T09:30:00Z) nor a date (2026-11-01)"))
}

/// The entries in `bytes`, oldest first: every complete line that parses. Unparsable lines
/// are skipped here; the verification names them.
pub fn parse_entries(bytes: &[u8]) -> Vec<Entry> {
    let complete = match bytes.iter().rposition(|b| *b == b'\n') {
        Some(end) => &bytes[..end],
        None => return Vec::new(),
    };
    complete.split(|b| *b == b'\n').filter(|l| !l.is_empty()).filter_map(|l| serde_json::from_slice(l).ok()).collect()
}

/// The JSON report, fields in reading order: what it is, whether the chain holds, which
/// entries were selected, then the entries.
#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    pub schema_version: u32,
    pub journal: String,
    pub verification: Value,
    pub filter: Value,
    pub entries: &'a [&'a Entry],
}

impl<'a> JsonReport<'a> {
    pub fn new(
        entries: &'a [&'a Entry],
        verification: &Verification,
        location: &str,
        filter: &Filter,
    ) -> JsonReport<'a> {
        JsonReport {
            schema_version: EXPORT_SCHEMA_VERSION,
            journal: location.to_string(),
            verification: json!({
                "ok": verification.ok(),
                "entries": verification.entries,
                "head": verification.head,
                "problem": verification.problem.as_ref().map(|p| json!({ "line": p.line, "message": p.message })),
            }),
            filter: filter.to_json(),
            entries,
        }
    }
}

/// The JSON report as a value: `{schema_version, journal, verification: {ok, entries, head,
/// problem}, filter, entries}`. Printing a [`JsonReport`] keeps the fields in that order.
pub fn to_json(entries: &[&Entry], verification: &Verification, location: &str, filter: &Filter) -> Value {
    serde_json::to_value(JsonReport::new(entries, verification, location, filter)).unwrap_or(Value::Null)
}

/// The Markdown report: verification first, then the filter, then entries grouped by model
/// (models in name order, entries without one last, each group in journal order).
pub fn to_markdown(entries: &[&Entry], verification: &Verification, location: &str, filter: &Filter) -> String {
    let mut out = String::from("# modeldeck journal export\n\n");
    out += &verification_line(verification);
    out += "\n\n";
    out += &format!("- **Journal:** {}\n", inline(location));
    out += &format!("- **Filter:** {}\n", inline(&filter.describe()));
    out += &format!("- **Entries in this report:** {}\n", entries.len());
    if entries.is_empty() {
        out += "\n_No entries match the filter._\n";
        return out;
    }
    let mut groups: BTreeMap<(bool, &str), Vec<&Entry>> = BTreeMap::new();
    for entry in entries {
        let key = match entry.subject.model.as_deref() {
            Some(m) => (false, m),
            None => (true, ""),
        };
        groups.entry(key).or_default().push(entry);
    }
    for ((no_model, model), group) in groups {
        let title = if no_model { "(no model)".to_string() } else { inline(model) };
        out += &format!("\n## {title}\n");
        for entry in group {
            out += "\n";
            out += &entry_markdown(entry);
        }
    }
    out
}

fn verification_line(verification: &Verification) -> String {
    match &verification.problem {
        None => format!(
            "✅ **Chain intact:** {} entries verified, head `{}`",
            verification.entries,
            verification.head.as_deref().unwrap_or("(empty journal)")
        ),
        Some(p) => format!(
            "❌ **Chain BROKEN at line {}:** {} ({} entries verified before it; do not trust this history \
             without checking)",
            p.line,
            inline(&p.message),
            verification.entries
        ),
    }
}

fn entry_markdown(entry: &Entry) -> String {
    let demo = if entry.demo { " (demo)" } else { "" };
    let mut out = format!("### {} · {} · seq {}{demo}\n\n", inline(&entry.ts), inline(entry.kind.label()), entry.seq);
    out += &format!("- **Time:** {}\n", inline(&entry.ts));
    out += &format!("- **Author:** {}\n", inline(&entry.author));
    out += &format!("- **Environment:** {}\n", inline(&entry.environment));
    out += &format!("- **Kind:** {}\n", inline(entry.kind.label()));
    out += &format!("- **Subject:** {}\n", inline(&entry.subject.describe()));
    let result = match &entry.result {
        Outcome::Ok => "ok".to_string(),
        Outcome::Failed { error } => format!("failed: {}", inline(error)),
        Outcome::Unknown { reason } => format!("unknown: {}", inline(reason)),
        Outcome::Suppressed { reason } => format!("suppressed: {}", inline(reason)),
        Outcome::Started => "started".to_string(),
    };
    out += &format!("- **Result:** {result}\n");
    out += &format!("- **Entry:** id `{}`, hash `{}`\n", code_safe(&entry.id), code_safe(&entry.hash));
    if !entry.note.trim().is_empty() {
        out += "\n";
        out += &quote(&entry.note);
    }
    for (label, value) in [("Request", &entry.request), ("Before", &entry.before), ("After", &entry.after)] {
        if let Some(value) = value {
            let pretty = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
            // Pretty JSON never puts a raw newline inside a string, so no line of it can
            // close the fence.
            out += &format!("\n**{label}:**\n\n```json\n{pretty}\n```\n");
        }
    }
    out
}

/// A multi-line note as a block quote; each line ends in a hard break so the line
/// structure survives rendering.
fn quote(note: &str) -> String {
    let lines: Vec<&str> = note.trim_end().lines().collect();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let line = block_line(line.trim_end());
        let next_blank = lines.get(i + 1).is_none_or(|l| l.trim().is_empty());
        if line.is_empty() {
            out += ">\n";
        } else if next_blank {
            out += &format!("> {line}\n");
        } else {
            out += &format!("> {line}\\\n");
        }
    }
    out
}

/// One line of free text inside a block: backslashes and `<` are escaped everywhere, and a
/// character that would start a block construct (heading, list, quote, fence, thematic
/// break, table, HTML) at the line's start is escaped so the note stays a paragraph.
fn block_line(line: &str) -> String {
    let escaped = line.replace('\\', "\\\\").replace('<', "&lt;");
    let rest = escaped.trim_start_matches(' ');
    let indent = escaped.len() - rest.len();
    // Four spaces or more: indented code at most, which stays inside the quote.
    let Some(first) = rest.chars().next().filter(|_| indent < 4) else {
        return escaped;
    };
    let lead = &escaped[..indent];
    if let Some(digits) = ordered_list_marker(rest) {
        // `1.` or `1)`: escape the delimiter, not the digits.
        return format!("{lead}{}\\{}", &rest[..digits], &rest[digits..]);
    }
    if matches!(first, '#' | '>' | '-' | '+' | '*' | '=' | '_' | '`' | '~' | '|') {
        return format!("{lead}\\{rest}");
    }
    escaped
}

/// `Some(n)` when `text` starts with 1–9 digits followed by `.` or `)`.
fn ordered_list_marker(text: &str) -> Option<usize> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    ((1..=9).contains(&digits) && matches!(text.as_bytes().get(digits), Some(b'.' | b')'))).then_some(digits)
}

/// Single-line free text (author, subject, error) inside a list item or heading: newlines
/// become spaces and inline markup characters are escaped.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\r' | '\n' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text placed inside a single-backtick code span (ids and hashes, which are hex in a valid
/// journal): backticks and newlines cannot end or break the span.
fn code_safe(text: &str) -> String {
    text.chars().map(|c| if c == '`' || c == '\n' || c == '\r' { '\'' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_as_rfc3339_or_a_utc_date() {
        assert_eq!(parse_time("2026-11-01").unwrap().to_string(), "2026-11-01T00:00:00Z");
        assert_eq!(parse_time("2026-11-01T09:30:00+02:00").unwrap().to_string(), "2026-11-01T07:30:00Z");
        assert!(parse_time("yesterday").unwrap_err().contains("yesterday"));
        assert!(Filter::parse(Some("2026-11-02"), Some("2026-11-01"), None).is_err());
    }

    #[test]
    fn block_constructs_at_line_start_are_escaped() {
        assert_eq!(block_line("# not a heading"), "\\# not a heading");
        assert_eq!(block_line("  - not a list"), "  \\- not a list");
        assert_eq!(block_line("12. not ordered"), "12\\. not ordered");
        assert_eq!(block_line("```"), "\\```");
        assert_eq!(block_line("<!-- hide the rest"), "&lt;!-- hide the rest");
        assert_eq!(block_line("a # b - c"), "a # b - c");
        assert_eq!(block_line("path C:\\x"), "path C:\\\\x");
    }

    #[test]
    fn quoted_notes_keep_their_lines() {
        assert_eq!(quote("first\nsecond\n\nthird"), "> first\\\n> second\n>\n> third\n");
        assert_eq!(quote("# heading?\n> quote?"), "> \\# heading?\\\n> \\> quote?\n");
    }

    #[test]
    fn json_report_carries_the_problem_and_the_filter() {
        let broken = Verification {
            entries: 2,
            head: Some("ab".into()),
            problem: Some(crate::journal::Problem { line: 3, message: "entry 3 is missing".into() }),
        };
        let filter = Filter::parse(Some("2026-11-01"), None, Some("m")).unwrap();
        let doc = to_json(&[], &broken, "/j.jsonl", &filter);
        assert_eq!(doc["schema_version"], 1);
        assert_eq!(
            doc["verification"],
            json!({"ok": false, "entries": 2, "head": "ab", "problem": {"line": 3, "message": "entry 3 is missing"}})
        );
        assert_eq!(doc["filter"], json!({"since": "2026-11-01T00:00:00Z", "until": null, "model": "m"}));
        assert_eq!(doc["entries"], json!([]));
        let md = to_markdown(&[], &broken, "/j.jsonl", &filter);
        assert!(md.contains("❌ **Chain BROKEN at line 3:** entry 3 is missing"), "{md}");
        assert!(md.contains("since 2026-11-01T00:00:00Z · model m") && md.contains("No entries match"), "{md}");
    }

    #[test]
    fn inline_text_cannot_open_markup() {
        assert_eq!(inline("a_b *c* `d`\n# e"), "a\\_b \\*c\\* \\`d\\` \\# e");
    }
}
