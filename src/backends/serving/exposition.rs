//! A parser for what a `/metrics` endpoint serves: the Prometheus text format (0.0.4, and
//! 1.0.0 with quoted names) and OpenMetrics 1.0.
//!
//! Written by hand because the crates available get real model-server output wrong:
//! `prometheus-parse` 0.2.5 drops every name with a colon (all of vLLM's `vllm:*`, recording
//! rules), cuts label values at `,` and `}`, never unescapes, drops `up{} 1`, and files
//! histogram `_sum`/`_count` as unrelated samples in random order.
//!
//! What this parser does:
//! - Lenient, line by line: a line it cannot read becomes a [`Diagnostic`] and is skipped;
//!   the rest of the exposition still parses. [`parse`] never panics, whatever the text.
//! - Names are `[a-zA-Z_:][a-zA-Z0-9_:]*`, or quoted (`{"my.metric", "a.b"="x"} 1`, text
//!   format 1.0.0). Label values are quote-aware (`,`, `=`, `{`, `}` and blanks are plain
//!   characters inside quotes) and unescaped (`\\`, `\"`, `\n`); blanks around labels, a
//!   trailing comma and the empty set `{}` are accepted.
//! - Values read `NaN`, `+Inf`, `-Inf` and exponent forms. Timestamps are integer
//!   milliseconds in the text format and (possibly fractional) seconds in OpenMetrics; both
//!   come out as milliseconds. An exemplar (` # {trace_id="…"} 0.05 …`) is skipped.
//! - `# TYPE`, `# HELP` and `# UNIT` describe a [`Family`]. A sample joins the family named
//!   after it, or the typed family its name extends by a suffix the type allows
//!   (`_bucket`, `_sum`, `_count`, `_created`, `_total`, `_gcount`, `_gsum`, `_info`), so an
//!   OpenMetrics counter `# TYPE foo counter` collects `foo_total` and `foo_created`. A
//!   sample with no family becomes its own [`Kind::Untyped`] family.
//! - Families come in order of first appearance (metadata or sample), samples in file order:
//!   the result is deterministic.
//!
//! The parser is faithful: names, label values, HELP text, units and diagnostics are handed
//! out exactly as the target sent them (after unescaping), control characters included.
//! The views make every string inert before putting it on screen (`crate::ui::text`).

mod lexer;

use std::collections::HashMap;

use lexer::{Cursor, excerpt};

/// Which dialect an exposition is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Prometheus text format 0.0.4 / 1.0.0: millisecond timestamps, HELP escapes `\\` and
    /// `\n` only, `# EOF` is a plain comment.
    Text,
    /// OpenMetrics 1.0: float-second timestamps, HELP also escapes `\"`, the exposition ends
    /// at `# EOF`.
    OpenMetrics,
}

impl Flavor {
    /// The flavor a `Content-Type` header announces, if it names one of the formats.
    pub fn from_content_type(content_type: &str) -> Option<Flavor> {
        let media = content_type.split(';').next().unwrap_or("").trim();
        if media.eq_ignore_ascii_case("application/openmetrics-text") {
            Some(Flavor::OpenMetrics)
        } else if media.eq_ignore_ascii_case("text/plain") {
            Some(Flavor::Text)
        } else {
            None
        }
    }

    /// OpenMetrics when some line is exactly `# EOF` (blanks aside), text otherwise.
    pub fn detect(text: &str) -> Flavor {
        if text.split('\n').any(|line| trim_line(line) == "# EOF") { Flavor::OpenMetrics } else { Flavor::Text }
    }
}

/// A metric family type, as written on its `# TYPE` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
    Summary,
    /// The text format's "no type", and every family without a `# TYPE` line.
    Untyped,
    Info,
    StateSet,
    GaugeHistogram,
    /// OpenMetrics' explicit `unknown`.
    Unknown,
}

impl Kind {
    /// The type named by a `# TYPE` word; both formats' words are accepted in either.
    pub fn from_type_word(word: &str) -> Option<Kind> {
        Some(match word {
            "counter" => Kind::Counter,
            "gauge" => Kind::Gauge,
            "histogram" => Kind::Histogram,
            "summary" => Kind::Summary,
            "untyped" => Kind::Untyped,
            "info" => Kind::Info,
            "stateset" => Kind::StateSet,
            "gaugehistogram" => Kind::GaugeHistogram,
            "unknown" => Kind::Unknown,
            _ => return None,
        })
    }

    /// The `# TYPE` word for this type.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
            Kind::Summary => "summary",
            Kind::Untyped => "untyped",
            Kind::Info => "info",
            Kind::StateSet => "stateset",
            Kind::GaugeHistogram => "gaugehistogram",
            Kind::Unknown => "unknown",
        }
    }

    /// Suffixes a sample name may add to the family name for this type.
    fn suffixes(self) -> &'static [&'static str] {
        match self {
            Kind::Counter => &["_total", "_created"],
            Kind::Histogram => &["_bucket", "_sum", "_count", "_created"],
            Kind::GaugeHistogram => &["_bucket", "_gsum", "_gcount"],
            Kind::Summary => &["_sum", "_count", "_created"],
            Kind::Info => &["_info"],
            Kind::Gauge | Kind::Untyped | Kind::StateSet | Kind::Unknown => &[],
        }
    }
}

/// Most diagnostics kept for one exposition; the rest are counted in a last one, so a
/// scrape of something that is not an exposition at all (an HTML page) stays small.
pub const MAX_DIAGNOSTICS: usize = 100;

/// Every suffix some type allows; a name ends in at most one of them.
const SUFFIXES: [&str; 8] = ["_bucket", "_sum", "_count", "_created", "_total", "_gcount", "_gsum", "_info"];

/// A parsed exposition.
#[derive(Debug, Clone, PartialEq)]
pub struct Exposition {
    /// The dialect the text was read as.
    pub flavor: Flavor,
    /// Families in order of first appearance.
    pub families: Vec<Family>,
    /// One entry per skipped or suspicious line, in line order; past [`MAX_DIAGNOSTICS`],
    /// one last entry (at the first line not listed) counts the others.
    pub diagnostics: Vec<Diagnostic>,
}

/// One metric family: its metadata and its samples in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// The family name: the `# TYPE` name, or the sample name for an untyped sample.
    pub name: String,
    pub kind: Kind,
    /// The `# HELP` text, unescaped; `Some("")` for a HELP line without text.
    pub help: Option<String>,
    pub unit: Option<String>,
    pub samples: Vec<Sample>,
}

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The full sample name, e.g. `x_bucket`.
    pub name: String,
    /// Labels in written order, values unescaped.
    pub labels: Vec<(String, String)>,
    pub value: f64,
    /// Milliseconds since the epoch (OpenMetrics seconds converted).
    pub timestamp_ms: Option<i64>,
}

impl Sample {
    /// The value of label `name`, if the sample has it.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A line that was skipped, or that deserves a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line number.
    pub line: usize,
    pub message: String,
}

impl Exposition {
    /// Every sample, family by family.
    pub fn samples(&self) -> impl Iterator<Item = &Sample> {
        self.families.iter().flat_map(|f| f.samples.iter())
    }

    /// The family called `name` (the family name, not a suffixed sample name).
    pub fn family(&self, name: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.name == name)
    }

    /// The value of the first sample called exactly `name` whose labels include every
    /// given pair (other labels may be present).
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.samples()
            .find(|s| s.name == name && labels.iter().all(|(k, v)| s.labels.iter().any(|(a, b)| a == k && b == v)))
            .map(|s| s.value)
    }
}

/// Parses an exposition, reading it as OpenMetrics when it has a `# EOF` line and as the
/// text format otherwise. Never panics.
pub fn parse(text: &str) -> Exposition {
    parse_with(text, Flavor::detect(text))
}

/// Parses an exposition in the given flavor (from the response's `Content-Type`, see
/// [`Flavor::from_content_type`]). Never panics.
pub fn parse_with(text: &str, flavor: Flavor) -> Exposition {
    let mut builder = Builder {
        flavor,
        families: Vec::new(),
        index: HashMap::new(),
        typed: Vec::new(),
        diagnostics: Vec::new(),
        unlisted: None,
    };
    let mut eof = false;
    let mut last = 0;
    for (n, raw) in text.split('\n').enumerate() {
        let line_no = n + 1;
        let line = trim_line(raw);
        if line.is_empty() {
            continue;
        }
        last = line_no;
        if eof {
            builder.warn(line_no, "content after `# EOF` ignored".to_string());
            break;
        }
        let outcome = if line.starts_with('#') { builder.comment(line) } else { builder.sample(line).map(|()| false) };
        match outcome {
            Ok(true) if flavor == Flavor::OpenMetrics => eof = true,
            Ok(_) => {}
            Err(message) => builder.warn(line_no, message),
        }
    }
    if flavor == Flavor::OpenMetrics && !eof && last > 0 {
        builder.warn(last, "no `# EOF` line: the exposition may be truncated".to_string());
    }
    if let Some((line, count)) = builder.unlisted {
        let message = format!("{count} more problem{} not listed", if count == 1 { "" } else { "s" });
        builder.diagnostics.push(Diagnostic { line, message });
    }
    Exposition { flavor, families: builder.families, diagnostics: builder.diagnostics }
}

/// A line without its surrounding blanks (and without the `\r` of a CRLF ending).
fn trim_line(line: &str) -> &str {
    line.trim_matches([' ', '\t', '\r'])
}

struct Builder {
    flavor: Flavor,
    families: Vec<Family>,
    /// Family name to index in `families`.
    index: HashMap<String, usize>,
    /// Whether each family has had its `# TYPE` line.
    typed: Vec<bool>,
    diagnostics: Vec<Diagnostic>,
    /// The first line and the number of diagnostics past [`MAX_DIAGNOSTICS`].
    unlisted: Option<(usize, usize)>,
}

impl Builder {
    fn warn(&mut self, line: usize, message: String) {
        if self.diagnostics.len() < MAX_DIAGNOSTICS {
            self.diagnostics.push(Diagnostic { line, message });
        } else {
            self.unlisted.get_or_insert((line, 0)).1 += 1;
        }
    }

    fn family_named(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.families.len();
        self.families.push(Family {
            name: name.to_string(),
            kind: Kind::Untyped,
            help: None,
            unit: None,
            samples: Vec::new(),
        });
        self.typed.push(false);
        self.index.insert(name.to_string(), i);
        i
    }

    /// The family a sample called `name` belongs to, created when there is none.
    fn family_of_sample(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        for suffix in SUFFIXES {
            if let Some(base) = name.strip_suffix(suffix)
                && let Some(&i) = self.index.get(base)
                && self.families[i].kind.suffixes().contains(&suffix)
            {
                return i;
            }
        }
        self.family_named(name)
    }

    /// A `#` line: metadata, `# EOF` (returns true) or a comment.
    fn comment(&mut self, line: &str) -> Result<bool, String> {
        let mut c = Cursor::new(line);
        c.eat(b'#');
        c.skip_blanks();
        let keyword = c.word();
        if !matches!(keyword, "HELP" | "TYPE" | "UNIT") {
            return Ok(keyword == "EOF" && c.rest().is_empty());
        }
        if !c.skip_blanks() {
            return Err(format!("`# {keyword}` without a metric name"));
        }
        let name = c.any_metric_name()?;
        let separated = c.skip_blanks();
        if !c.at_end() && !separated {
            return Err(format!("column {}: expected a blank after the metric name, found {}", c.column(), c.found()));
        }
        let i = self.family_named(&name);
        let family = &mut self.families[i];
        match keyword {
            "HELP" => {
                if family.help.is_some() {
                    return Err(format!("second `# HELP` for `{}` ignored", excerpt(&name)));
                }
                family.help = Some(unescape_help(c.rest(), self.flavor));
            }
            "UNIT" => {
                if family.unit.is_some() {
                    return Err(format!("second `# UNIT` for `{}` ignored", excerpt(&name)));
                }
                family.unit = Some(c.rest().to_string());
            }
            _ => {
                let word = c.word();
                c.skip_blanks();
                if !c.at_end() {
                    return Err(format!("unexpected {} after the type of `{}`", c.found(), excerpt(&name)));
                }
                let Some(kind) = Kind::from_type_word(word) else {
                    return Err(format!("unknown metric type `{}` for `{}`", excerpt(word), excerpt(&name)));
                };
                if self.typed[i] {
                    return Err(format!("second `# TYPE` for `{}` ignored", excerpt(&name)));
                }
                if !family.samples.is_empty() {
                    return Err(format!("`# TYPE` for `{}` after its samples ignored", excerpt(&name)));
                }
                family.kind = kind;
                self.typed[i] = true;
            }
        }
        Ok(false)
    }

    /// A sample line: `name{labels} value [timestamp] [# exemplar]`.
    fn sample(&mut self, line: &str) -> Result<(), String> {
        let mut c = Cursor::new(line);
        let (name, labels) = if c.eat(b'{') {
            match c.label_set(true)? {
                (Some(name), labels) => (name, labels),
                (None, _) => return Err("label set without a metric name".to_string()),
            }
        } else {
            let Some(name) = c.metric_name() else {
                return Err(format!("expected a metric name, found {}", c.found()));
            };
            c.skip_blanks();
            let labels = if c.eat(b'{') { c.label_set(false)?.1 } else { Vec::new() };
            (name.to_string(), labels)
        };
        c.skip_blanks();
        let column = c.column();
        let token = c.word();
        if token.is_empty() {
            return Err(format!("column {column}: missing value for `{}`", excerpt(&name)));
        }
        let Some(value) = lexer::number(token) else {
            return Err(format!("column {column}: value `{}` is not a number", excerpt(token)));
        };
        c.skip_blanks();
        let mut timestamp_ms = None;
        if !c.at_end() && c.peek() != Some(b'#') {
            let token = c.word();
            timestamp_ms = Some(match self.flavor {
                Flavor::Text => lexer::millis(token)?,
                Flavor::OpenMetrics => lexer::seconds_as_millis(token)?,
            });
            c.skip_blanks();
        }
        // Anything left must be an exemplar, which is not kept.
        if !c.at_end() && c.peek() != Some(b'#') {
            return Err(format!("column {}: unexpected {} after the value", c.column(), c.found()));
        }
        let i = self.family_of_sample(&name);
        self.families[i].samples.push(Sample { name, labels, value, timestamp_ms });
        Ok(())
    }
}

/// HELP text unescaped: `\\` and `\n` in both flavors, `\"` in OpenMetrics too; any other
/// backslash sequence is kept as written.
fn unescape_help(text: &str, flavor: Flavor) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if flavor == Flavor::OpenMetrics => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_escapes_depend_on_the_flavor() {
        assert_eq!(unescape_help(r#"a\\b\nc \"q\" \t"#, Flavor::Text), "a\\b\nc \\\"q\\\" \\t");
        assert_eq!(unescape_help(r#"\"q\" end\"#, Flavor::OpenMetrics), "\"q\" end\\");
    }

    #[test]
    fn flavor_from_content_type_and_detection() {
        let om = "application/openmetrics-text; version=1.0.0; charset=utf-8";
        assert_eq!(Flavor::from_content_type(om), Some(Flavor::OpenMetrics));
        assert_eq!(Flavor::from_content_type("text/plain; version=1.0.0"), Some(Flavor::Text));
        assert_eq!(Flavor::from_content_type("application/json"), None);
        assert_eq!(Flavor::detect("a 1\n# EOF\n"), Flavor::OpenMetrics);
        assert_eq!(Flavor::detect("a 1\n# EOF more\n"), Flavor::Text);
    }

    #[test]
    fn kind_words_round_trip() {
        for word in
            ["counter", "gauge", "histogram", "summary", "untyped", "info", "stateset", "gaugehistogram", "unknown"]
        {
            assert_eq!(Kind::from_type_word(word).map(Kind::as_str), Some(word));
        }
        assert_eq!(Kind::from_type_word("Counter"), None);
    }

    #[test]
    fn suffix_lookup_respects_the_type() {
        let exp = parse("# TYPE g gauge\ng_sum 1\n# TYPE s summary\ns_sum 2\n");
        let names: Vec<_> = exp.families.iter().map(|f| (f.name.as_str(), f.samples.len())).collect();
        assert_eq!(names, [("g", 0), ("g_sum", 1), ("s", 1)]);
    }

    #[test]
    fn diagnostics_are_capped() {
        let text = "<html>\n".repeat(MAX_DIAGNOSTICS + 5);
        let exp = parse(&text);
        assert_eq!(exp.diagnostics.len(), MAX_DIAGNOSTICS + 1);
        let last = exp.diagnostics.last().unwrap();
        assert_eq!((last.line, last.message.as_str()), (MAX_DIAGNOSTICS + 1, "5 more problems not listed"));
        assert_eq!(parse(&"x\n".repeat(MAX_DIAGNOSTICS)).diagnostics.len(), MAX_DIAGNOSTICS);
    }
}
