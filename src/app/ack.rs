//! The acknowledge form: matchers from the alert's labels (remove one to widen, switch one
//! to a regex), a duration, a required comment, and a live preview of what it would mute.
//! Two steps: editing, then a confirmation that shows exactly what will be sent.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent};
use jiff::{SignedDuration, Timestamp};

use crate::domain::Alert;
use crate::domain::Matcher;
use crate::domain::SilenceRequest;
use crate::domain::duration;
use crate::input::keymap::Command;

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
    /// Others' recent actions on the alert's model, from the shared journal.
    pub recent: Vec<String>,
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
            recent: Vec::new(),
        }
    }

    /// The form for `alert` with exactly `matchers`, a duration and a comment filled in, as
    /// a shell command gives them; [`AckForm::problem`] and [`AckForm::request`] then judge
    /// and build it as they do the console's.
    pub fn with_matchers(alert: Alert, matchers: Vec<Matcher>, duration: &str, comment: &str) -> AckForm {
        let mut form = AckForm::new(alert, duration, &[]);
        form.rows =
            matchers.into_iter().map(|matcher| MatcherRow { matcher, enabled: true, volatile: false }).collect();
        form.comment = comment.to_string();
        form
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

    /// The silence the confirmation sends: the ticked matchers from `now` for the form's
    /// duration, by `author`, the comment trimmed. `None` while the form has a problem.
    pub fn request(&self, now: Timestamp, author: &str) -> Option<SilenceRequest> {
        if self.problem().is_some() {
            return None;
        }
        let duration = SignedDuration::try_from(self.parsed_duration().ok()?).ok()?;
        Some(SilenceRequest {
            id: None,
            matchers: self.matchers(),
            starts_at: now,
            ends_at: now.checked_add(duration).ok()?,
            created_by: author.to_string(),
            comment: self.comment.trim().to_string(),
        })
    }

    /// A key in the form: `command` is what the keymap's form mode makes of it. In a text
    /// field a printable key types, whatever it is bound to.
    pub fn handle(&mut self, key: &KeyEvent, command: Option<Command>) -> FormOutcome {
        if self.stage == AckStage::Submitting {
            return FormOutcome::Nothing;
        }
        if self.stage == AckStage::Editing && self.field != AckField::Matchers && typed(key).is_some() {
            self.error = None;
            self.type_char(typed(key).unwrap_or_default());
            return FormOutcome::Nothing;
        }
        match command {
            Some(Command::Cancel) if self.stage == AckStage::Confirming => {
                self.stage = AckStage::Editing;
                FormOutcome::Nothing
            }
            Some(Command::Cancel) => FormOutcome::Cancel,
            Some(Command::Submit) if self.stage == AckStage::Confirming => FormOutcome::Submit,
            Some(Command::Submit) => {
                self.error = self.problem();
                if self.error.is_none() {
                    self.stage = AckStage::Confirming;
                }
                FormOutcome::Nothing
            }
            _ if self.stage == AckStage::Confirming => FormOutcome::Nothing,
            Some(Command::NextField) => {
                self.field = match self.field {
                    AckField::Matchers => AckField::Duration,
                    AckField::Duration => AckField::Comment,
                    AckField::Comment => AckField::Matchers,
                };
                FormOutcome::Nothing
            }
            Some(Command::PreviousField) => {
                self.field = match self.field {
                    AckField::Matchers => AckField::Comment,
                    AckField::Duration => AckField::Matchers,
                    AckField::Comment => AckField::Duration,
                };
                FormOutcome::Nothing
            }
            command => {
                self.error = None;
                match self.field {
                    AckField::Matchers => self.matchers_command(command),
                    AckField::Duration => {
                        match command {
                            Some(Command::NextPreset | Command::PreviousPreset) => {
                                let at = PRESETS.iter().position(|p| *p == self.duration);
                                let next = match (at, command == Some(Command::NextPreset)) {
                                    (Some(i), true) => (i + 1) % PRESETS.len(),
                                    (Some(i), false) => (i + PRESETS.len() - 1) % PRESETS.len(),
                                    (None, _) => 1,
                                };
                                self.duration = PRESETS[next].to_string();
                            }
                            Some(Command::ClearField) => self.duration.clear(),
                            _ if key.code == KeyCode::Backspace => {
                                self.duration.pop();
                            }
                            _ => {}
                        }
                        FormOutcome::Nothing
                    }
                    AckField::Comment => {
                        match command {
                            Some(Command::ClearField) => self.comment.clear(),
                            _ if key.code == KeyCode::Backspace => {
                                self.comment.pop();
                            }
                            _ => {}
                        }
                        FormOutcome::Nothing
                    }
                }
            }
        }
    }

    fn type_char(&mut self, c: char) {
        match self.field {
            AckField::Duration if c.is_ascii_alphanumeric() && self.duration.len() < 12 => self.duration.push(c),
            AckField::Comment if self.comment.len() < 1024 => self.comment.push(c),
            _ => {}
        }
    }

    fn matchers_command(&mut self, command: Option<Command>) -> FormOutcome {
        let len = self.rows.len();
        match command {
            Some(Command::Up) => self.cursor = self.cursor.saturating_sub(1),
            Some(Command::Down) => self.cursor = (self.cursor + 1).min(len.saturating_sub(1)),
            Some(Command::Toggle) => {
                if let Some(row) = self.rows.get_mut(self.cursor) {
                    row.enabled = !row.enabled;
                    return self.changed();
                }
            }
            Some(Command::Regex) => {
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

/// The character a key types into a text field: printable, without Ctrl or Alt.
pub fn typed(key: &KeyEvent) -> Option<char> {
    use crossterm::event::KeyModifiers;
    match key.code {
        KeyCode::Char(c) if !c.is_control() && !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
            Some(c)
        }
        _ => None,
    }
}
