//! `GET /api/v2/alerts` read as the body arrives: each alert is parsed as soon as its last
//! byte is in and its bytes are dropped, so 10,000 alerts never sit in memory as one 4 MB
//! answer next to the list parsed from it.
//!
//! The results are those of [`super::parse::parse_alerts_reusing`] over the whole body,
//! errors included, however the body is cut into chunks. The happy path (an array of
//! objects) is read element by element; anything else is kept whole and read as before: a
//! body that does not start with `[` (an HTML page, an error, an object) from its start,
//! and a broken array from where the trouble starts, after a stand-in for the part already
//! read. The stand-in (`[0` …`,`) has the same lines and the same length of its last line
//! as that part, so serde_json reports the same error at the same line and column.

use std::sync::Arc;

use serde_json::Value;

use super::parse::{alert_of, error_answer, reuse};
use crate::backends::answer::stream::{self, Each, Expect, Found};
use crate::backends::answer::{ApiError, decode_failure, is_success, kind, shape};
use crate::backends::http::MAX_BODY;
use crate::backends::streamed::BodyReader;
use crate::domain::{Alert, Names};

/// How much of the body's start is kept to tell an HTML page in an error, as
/// [`crate::backends::answer::looks_like_html`] reads it.
const HEAD: usize = 1024;

/// How deep an alert may nest when read alone, but not inside the alerts' array: serde_json
/// reads at most 127 nested arrays and objects, and the array is one of them.
const NESTING: usize = 127;

/// Whether `value` is `levels` arrays or objects deep, or deeper.
fn nests(value: &Value, levels: usize) -> bool {
    match value {
        Value::Array(items) => levels <= 1 || items.iter().any(|v| nests(v, levels - 1)),
        Value::Object(members) => levels <= 1 || members.values().any(|v| nests(v, levels - 1)),
        _ => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Before the first byte that is not blank.
    Start,
    /// Inside the array: before its first element (or its `]`), or after a comma.
    Elements { first: bool },
    /// After the array's `]`.
    After,
    /// Kept whole, to be read at the end.
    Whole,
}

/// An answer's alerts, parsed as its chunks arrive.
pub struct AlertFeed<'a> {
    status: u16,
    model_label: &'a str,
    previous: &'a [Arc<Alert>],
    names: Names,
    alerts: Vec<Arc<Alert>>,
    misshapen: Option<ApiError>,
    mode: Mode,
    /// The bytes not read yet; in [`Mode::Whole`] the rest of the body, after the stand-in.
    pending: Vec<u8>,
    /// The body's first bytes, for an error's wording.
    head: Vec<u8>,
    /// Alerts read and dropped, and the lines and last line's length of their bytes.
    read: usize,
    lines: usize,
    last_line: usize,
    /// Whether `pending` starts with a stand-in for the elements already read.
    stand_in: bool,
    /// Whether the array's `]` has been read.
    closed: bool,
    /// How far into `pending` has been read; the bytes before are blanks, the array's `[`,
    /// or ones that [`Self::drop_read`] drops.
    scanned: usize,
    /// An alert cut at the end of a chunk is read again once `pending` has this many
    /// bytes, twice what it had: a huge alert arriving in small chunks is not parsed over
    /// and over from its start.
    retry_at: usize,
}

impl<'a> AlertFeed<'a> {
    /// An alert equal to one of `previous` (sorted by fingerprint) is that one, shared (see
    /// [`reuse`]).
    pub fn new(model_label: &'a str, previous: &'a [Arc<Alert>]) -> AlertFeed<'a> {
        AlertFeed {
            status: 200,
            model_label,
            previous,
            names: Names::default(),
            alerts: Vec::with_capacity(previous.len()),
            misshapen: None,
            mode: Mode::Start,
            pending: Vec::new(),
            head: Vec::new(),
            read: 0,
            lines: 0,
            last_line: 0,
            stand_in: false,
            closed: false,
            scanned: 0,
            retry_at: 0,
        }
    }

    /// The alerts of a whole body, as [`super::parse::parse_alerts`] reads them.
    pub fn parse(mut self, status: u16, body: &[u8]) -> Result<Vec<Arc<Alert>>, ApiError> {
        self.status(status);
        self.chunk(body);
        self.finish()
    }

    /// The alerts, in the server's order, or why there are none.
    pub fn finish(mut self) -> Result<Vec<Arc<Alert>>, ApiError> {
        // At the end every body is read through, or kept whole.
        self.advance(true);
        if self.mode != Mode::After {
            self.read_whole()?;
        }
        match self.misshapen {
            Some(err) => Err(err),
            None => {
                self.alerts.shrink_to_fit();
                Ok(self.alerts)
            }
        }
    }

    /// Reads what `pending` holds; at the `end` of the body nothing may be left unread.
    fn advance(&mut self, end: bool) {
        if self.mode == Mode::Whole {
            return;
        }
        let bytes = &self.pending;
        let mut pos = self.scanned;
        // Just past the last `,` or `]` read: what may be dropped.
        let mut done = 0;
        loop {
            while pos < bytes.len() && matches!(bytes[pos], b' ' | b'\n' | b'\t' | b'\r') {
                pos += 1;
            }
            match self.mode {
                _ if pos == bytes.len() => break,
                Mode::Start if bytes[pos] == b'[' => {
                    pos += 1;
                    self.mode = Mode::Elements { first: true };
                }
                Mode::Start | Mode::After | Mode::Whole => break self.mode = Mode::Whole,
                Mode::Elements { first: true } if bytes[pos] == b']' => {
                    pos += 1;
                    done = pos;
                    self.mode = Mode::After;
                    self.closed = true;
                }
                Mode::Elements { .. } => {
                    let mut values = serde_json::Deserializer::from_slice(&bytes[pos..]).into_iter::<Value>();
                    let value = match values.next() {
                        // Read alone, an alert may nest one level deeper than inside the
                        // array before serde_json's limit; the whole body says how it fails.
                        Some(Ok(value)) if nests(&value, NESTING) => break self.mode = Mode::Whole,
                        Some(Ok(value)) => value,
                        Some(Err(err)) if err.is_eof() && !end => break,
                        _ => break self.mode = Mode::Whole,
                    };
                    let mut next = pos + values.byte_offset();
                    while next < bytes.len() && matches!(bytes[next], b' ' | b'\n' | b'\t' | b'\r') {
                        next += 1;
                    }
                    // A number at the end of what has arrived may go on in the next chunk.
                    if next == bytes.len() && !end {
                        break;
                    }
                    self.mode = match bytes.get(next) {
                        Some(b',') => Mode::Elements { first: false },
                        Some(b']') => Mode::After,
                        _ => break self.mode = Mode::Whole,
                    };
                    self.closed = self.mode == Mode::After;
                    pos = next + 1;
                    done = pos;
                    let n = self.read;
                    self.read += 1;
                    match value {
                        _ if self.misshapen.is_some() => {}
                        Value::Object(item) => {
                            let alert = alert_of(&item, self.model_label, &mut self.names);
                            self.alerts.push(reuse(self.previous, alert));
                        }
                        other => {
                            self.misshapen = Some(shape(&format!("alert {n} is {}, expected an object", kind(&other))))
                        }
                    }
                }
            }
        }
        // A body that ends before its array does is read whole, for serde_json's words.
        if end && self.mode != Mode::After {
            self.mode = Mode::Whole;
        }
        self.drop_read(done);
        self.scanned = pos - done;
        self.retry_at = if self.mode == Mode::Whole || end { 0 } else { 2 * self.pending.len() };
    }

    /// Drops the first `done` bytes of `pending`, which have been read; when the rest is to
    /// be read whole, puts the stand-in for everything dropped in front of it.
    fn drop_read(&mut self, done: usize) {
        let dropped = &self.pending[..done];
        let newlines = dropped.iter().filter(|b| **b == b'\n').count();
        match dropped.iter().rposition(|b| *b == b'\n') {
            Some(at) => self.last_line = done - at - 1,
            None => self.last_line += done,
        }
        self.lines += newlines;
        self.pending.drain(..done);
        if self.mode == Mode::Whole && !self.stand_in && (self.lines > 0 || self.last_line > 0) {
            let mut whole = self.stand_in_text();
            whole.extend_from_slice(&self.pending);
            self.pending = whole;
            self.stand_in = true;
        }
    }

    /// `[0,`, or `[0]` (`[]` when it had no element) after the array's end: padded to
    /// the lines and the last line's length of the bytes read.
    fn stand_in_text(&self) -> Vec<u8> {
        let open: &[u8] = if self.read > 0 { b"[0" } else { b"[" };
        let mut text = open.to_vec();
        if self.lines == 0 {
            text.resize(self.last_line - 1, b' ');
        } else {
            text.resize(open.len() + self.lines, b'\n');
            text.resize(open.len() + self.lines + self.last_line - 1, b' ');
        }
        text.push(if self.closed { b']' } else { b',' });
        text
    }

    /// The rest of the body, read whole as [`super::parse::parse_alerts`] reads a body.
    fn read_whole(&mut self) -> Result<(), ApiError> {
        if !is_success(self.status) {
            return Err(error_answer(self.status, &self.pending));
        }
        let (skip, offset) = (self.stand_in, self.read);
        let (alerts, names, misshapen) = (&mut self.alerts, &mut self.names, &mut self.misshapen);
        let (model_label, previous) = (self.model_label, self.previous);
        let found = stream::from_slice(
            &self.pending,
            Expect(Each(|n, item: Value| {
                // The stand-in's one element stands for the `offset` already read.
                let n = match (skip, n) {
                    (true, 0) => return,
                    (true, n) => offset + n - 1,
                    (false, n) => n,
                };
                match &item {
                    _ if misshapen.is_some() => {}
                    Value::Object(item) => alerts.push(reuse(previous, alert_of(item, model_label, names))),
                    other => *misshapen = Some(shape(&format!("alert {n} is {}, expected an object", kind(other)))),
                }
            })),
        );
        // What the error says of the body's start is said of the real one, not the stand-in.
        let start: &[u8] = match self.stand_in {
            false => &self.pending,
            true if self.head.iter().any(|b| !b.is_ascii_whitespace()) => &self.head,
            true => b"[",
        };
        match found.map_err(|err| decode_failure(start, &err))? {
            Found::Other(found) => Err(shape(&format!("expected an array of alerts, got {found}"))),
            Found::Expected(()) => Ok(()),
        }
    }
}

impl BodyReader for AlertFeed<'_> {
    fn status(&mut self, status: u16) {
        self.status = status;
        if !is_success(status) {
            // An error answer is small and read whole, as its wording needs it.
            self.mode = Mode::Whole;
        }
    }

    /// Returns the bytes of the alert being read, or of the whole body when it is kept.
    fn chunk(&mut self, chunk: &[u8]) -> usize {
        if self.head.len() < HEAD {
            self.head.extend_from_slice(&chunk[..chunk.len().min(HEAD - self.head.len())]);
        }
        let needed = self.pending.len() + chunk.len();
        if needed > self.pending.capacity() {
            // Doubling, as a `Vec` grows, but never past the cap on what may be read.
            let target = needed.max(2 * self.pending.capacity()).min(MAX_BODY.max(needed));
            self.pending.reserve_exact(target - self.pending.len());
        }
        self.pending.extend_from_slice(chunk);
        if self.pending.len() >= self.retry_at {
            self.advance(false);
        }
        self.pending.capacity()
    }
}
