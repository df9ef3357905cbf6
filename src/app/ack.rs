//! The acknowledge form: matchers from the alert's labels (remove one to widen, switch one
//! to a regex), a duration, a required comment, and a live preview of what it would mute.
//! Two steps: editing, then a confirmation that shows exactly what will be sent.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent};

use crate::domain::Alert;
use crate::domain::Matcher;
use crate::domain::duration;

pub const PRESETS: [&str; 4] = ["15m", "1h", "4h", "1d"];
/// Longer silences hide real incidents; Alertmanager allows them, the console does not.
pub const MAX_DURATION: Duration = Duration::from_secs(30 * 86_400);

#[derive(Debug, Clone, PartialEq)]
pub enum Preview {
    Loading,
    Ready(Vec<Alert>),
    Failed(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckField {
    Matchers,
    Duration,
    Comment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckStage {
    Editing,
    /// Everything is valid; the form shows the request and waits for Enter.
    Confirming,
    /// Sent; waiting for Alertmanager.
    Submitting,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatcherRow {
    pub matcher: Matcher,
    pub enabled: bool,
    /// Left out by default (`[alerts] silence_ignore_labels`): it changes across a rollback
    /// or a restart.
    pub volatile: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AckForm {
    pub alert: Alert,
    pub rows: Vec<MatcherRow>,
    pub cursor: usize,
    pub field: AckField,
    pub duration: String,
    pub comment: String,
    pub preview: Preview,
    /// Bumped whenever the matchers change; older previews are dropped.
    pub preview_seq: u64,
    pub stage: AckStage,
    pub error: Option<String>,
}

/// What a key did to the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormOutcome {
    Nothing,
    /// The matchers changed: ask Alertmanager for a new preview.
    MatchersChanged,
    /// Confirmed: send it.
    Submit,
    Cancel,
}

impl AckForm {
    /// The form for `alert`: one exact matcher per label, the raw value as Alertmanager sent
    /// it, those in `ignore` unticked.
    pub fn new(alert: Alert, default_duration: &str, ignore: &[String]) -> AckForm {
        let rows = alert
            .labels
            .iter()
            .map(|(name, value)| {
                let volatile = ignore.iter().any(|l| l == name) && name != "alertname";
                MatcherRow { matcher: Matcher::equal(name, value), enabled: !volatile, volatile }
            })
            .collect();
        AckForm {
            alert,
            rows,
            cursor: 0,
            field: AckField::Comment,
            duration: default_duration.to_string(),
            comment: String::new(),
            preview: Preview::Loading,
            preview_seq: 1,
            stage: AckStage::Editing,
            error: None,
        }
    }

    pub fn matchers(&self) -> Vec<Matcher> {
        self.rows.iter().filter(|r| r.enabled).map(|r| r.matcher.clone()).collect()
    }

    pub fn parsed_duration(&self) -> Result<Duration, String> {
        let d = duration::parse(&self.duration)?;
        if d < Duration::from_secs(60) {
            return Err("at least 1m".into());
        }
        if d > MAX_DURATION {
            return Err("at most 30d".into());
        }
        Ok(d)
    }

    /// Why the form cannot be sent yet, if anything.
    pub fn problem(&self) -> Option<String> {
        if self.rows.iter().all(|r| !r.enabled) {
            return Some("keep at least one matcher".into());
        }
        if let Err(e) = self.parsed_duration() {
            return Some(format!("duration: {e}"));
        }
        if self.comment.trim().is_empty() {
            return Some("a comment is required: why is this acknowledged?".into());
        }
        None
    }

    pub fn handle(&mut self, key: &KeyEvent) -> FormOutcome {
        if self.stage == AckStage::Submitting {
            return FormOutcome::Nothing;
        }
        match key.code {
            KeyCode::Esc if self.stage == AckStage::Confirming => {
                self.stage = AckStage::Editing;
                return FormOutcome::Nothing;
            }
            KeyCode::Esc => return FormOutcome::Cancel,
            KeyCode::Enter if self.stage == AckStage::Confirming => return FormOutcome::Submit,
            KeyCode::Enter => {
                self.error = self.problem();
                if self.error.is_none() {
                    self.stage = AckStage::Confirming;
                }
                return FormOutcome::Nothing;
            }
            _ if self.stage == AckStage::Confirming => return FormOutcome::Nothing,
            KeyCode::Tab => {
                self.field = match self.field {
                    AckField::Matchers => AckField::Duration,
                    AckField::Duration => AckField::Comment,
                    AckField::Comment => AckField::Matchers,
                };
                return FormOutcome::Nothing;
            }
            KeyCode::BackTab => {
                self.field = match self.field {
                    AckField::Matchers => AckField::Comment,
                    AckField::Duration => AckField::Matchers,
                    AckField::Comment => AckField::Duration,
                };
                return FormOutcome::Nothing;
            }
            _ => {}
        }
        self.error = None;
        match self.field {
            AckField::Matchers => self.matchers_key(key),
            AckField::Duration => {
                match key.code {
                    KeyCode::Left | KeyCode::Right => {
                        let at = PRESETS.iter().position(|p| *p == self.duration);
                        let next = match (at, key.code == KeyCode::Right) {
                            (Some(i), true) => (i + 1) % PRESETS.len(),
                            (Some(i), false) => (i + PRESETS.len() - 1) % PRESETS.len(),
                            (None, _) => 1,
                        };
                        self.duration = PRESETS[next].to_string();
                    }
                    KeyCode::Backspace => {
                        self.duration.pop();
                    }
                    KeyCode::Char(c) if c.is_ascii_alphanumeric() && self.duration.len() < 12 => self.duration.push(c),
                    _ => {}
                }
                FormOutcome::Nothing
            }
            AckField::Comment => {
                match key.code {
                    KeyCode::Backspace => {
                        self.comment.pop();
                    }
                    KeyCode::Char(c) if !c.is_control() && self.comment.len() < 1024 => self.comment.push(c),
                    _ => {}
                }
                FormOutcome::Nothing
            }
        }
    }

    fn matchers_key(&mut self, key: &KeyEvent) -> FormOutcome {
        let len = self.rows.len();
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => self.cursor = (self.cursor + 1).min(len.saturating_sub(1)),
            KeyCode::Char(' ') | KeyCode::Char('x') | KeyCode::Delete => {
                if let Some(row) = self.rows.get_mut(self.cursor) {
                    row.enabled = !row.enabled;
                    return self.changed();
                }
            }
            KeyCode::Char('~') | KeyCode::Char('r') => {
                if let Some(row) = self.rows.get_mut(self.cursor) {
                    row.matcher.is_regex = !row.matcher.is_regex;
                    return self.changed();
                }
            }
            _ => {}
        }
        FormOutcome::Nothing
    }

    fn changed(&mut self) -> FormOutcome {
        self.preview_seq += 1;
        self.preview = Preview::Loading;
        FormOutcome::MatchersChanged
    }
}
