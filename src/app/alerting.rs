//! Acknowledging alerts: the form, the confirmation, un-acknowledging, the silence
//! inventory, and what comes back from Alertmanager. Every path that would change
//! something is refused in read-only mode before any effect is produced.

use jiff::{SignedDuration, Timestamp};

use super::{AckForm, AckStage, App, FormOutcome, MessageLevel, Pane, Preview, Screen};
use crate::actions::run::{ActionOutcome, ActionReport, ActionRequest};
use crate::actions::silence::{Silence, SilenceRequest, SilenceState};
use crate::domain::{Alert, AlertState};
use crate::event::Effect;
use crate::keymap::Action;

/// A pending change waiting for Enter: what will happen, line by line.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub request: ActionRequest,
}

impl App {
    /// The alert the operator is pointing at: the alert screen's, else the alerts pane's.
    pub fn target_alert(&self) -> Option<&Alert> {
        match &self.screen {
            Screen::Alert(fp) => self.alert_rows().find(|a| &a.fingerprint == fp),
            Screen::Overview if self.focus == Pane::Alerts => self.selected_alert(),
            _ => None,
        }
    }

    /// Active and pending silences, soonest to end first.
    pub fn live_silences(&self) -> Vec<&Silence> {
        let mut list: Vec<&Silence> = self.silences.iter().filter(|s| s.state != SilenceState::Expired).collect();
        list.sort_by_key(|s| (s.ends_at, s.id.clone()));
        list
    }

    pub fn selected_silence(&self) -> Option<&Silence> {
        self.live_silences().get(self.silence_selected).copied()
    }

    /// How long until the last silence muting `alert` ends.
    pub fn silenced_for(&self, alert: &Alert) -> Option<SignedDuration> {
        self.silences
            .iter()
            .filter(|s| alert.silenced_by.contains(&s.id) && s.state == SilenceState::Active)
            .map(|s| s.ends_at)
            .max()
            .map(|end| end.duration_since(self.now))
    }

    /// A silence that mutes no current alert may be stale, or matchers with a typo.
    pub fn silence_mutes_nothing(&self, silence: &Silence) -> bool {
        !self.alerts.iter().any(|a| a.silenced_by.contains(&silence.id))
    }

    pub(super) fn refuse_read_only(&mut self, what: &str) -> bool {
        if self.read_only() {
            self.message = Some((MessageLevel::Error, format!("read-only: {what} is disabled (no change was made)")));
        }
        self.read_only()
    }

    /// Keys for alert actions; `None` when the action is not one of them.
    pub(super) fn alert_action(&mut self, action: Action) -> Option<Vec<Effect>> {
        match action {
            Action::Ack => Some(self.start_ack()),
            Action::Unack => Some(self.start_unack()),
            Action::Silences => {
                self.screen = Screen::Silences;
                Some(vec![Effect::RefreshNow])
            }
            Action::Expire if self.screen == Screen::Silences => Some(self.start_expire()),
            Action::Extend if self.screen == Screen::Silences => Some(self.start_extend()),
            Action::Expire | Action::Extend => {
                self.message = Some((MessageLevel::Info, "expire and extend work in the silence inventory (M)".into()));
                Some(Vec::new())
            }
            _ => None,
        }
    }

    fn start_ack(&mut self) -> Vec<Effect> {
        let duration = self.settings.silence_duration.clone();
        self.start_ack_for(&duration)
    }

    /// The acknowledge form with `duration` preset (a runbook rule may name one).
    pub(super) fn start_ack_for(&mut self, duration: &str) -> Vec<Effect> {
        if self.refuse_read_only("acknowledging") {
            return Vec::new();
        }
        let Some(alert) = self.target_alert().cloned() else {
            self.message = Some((MessageLevel::Info, "select an alert first (Tab to the alerts pane)".into()));
            return Vec::new();
        };
        if alert.state == AlertState::Pending {
            self.message = Some((
                MessageLevel::Info,
                "a pending alert is not in Alertmanager yet; acknowledge it when it fires".into(),
            ));
            return Vec::new();
        }
        let form = AckForm::new(alert, duration);
        let effect = Effect::PreviewSilence { matchers: form.matchers(), seq: form.preview_seq };
        self.ack = Some(form);
        vec![effect]
    }

    fn start_unack(&mut self) -> Vec<Effect> {
        if self.refuse_read_only("un-acknowledging") {
            return Vec::new();
        }
        let Some(alert) = self.target_alert().cloned() else {
            self.message = Some((MessageLevel::Info, "select an alert first (Tab to the alerts pane)".into()));
            return Vec::new();
        };
        if alert.silenced_by.is_empty() {
            self.message = Some((MessageLevel::Info, format!("{} is not silenced", alert.name)));
            return Vec::new();
        }
        let mut lines = vec![format!("Expire {} silence(s) muting {}:", alert.silenced_by.len(), alert.name)];
        for id in &alert.silenced_by {
            match self.silences.iter().find(|s| &s.id == id) {
                Some(s) => lines.push(format!("  {id}  by {}  \"{}\"  {}", s.created_by, s.comment, matchers_text(s))),
                None => lines.push(format!("  {id}")),
            }
        }
        lines.push("Other alerts these silences mute will fire again too.".into());
        self.confirm = Some(Confirm {
            title: "Un-acknowledge".into(),
            lines,
            request: ActionRequest::ExpireSilences {
                ids: alert.silenced_by.clone(),
                alert: Some(Box::new(alert)),
                silence: None,
            },
        });
        Vec::new()
    }

    fn start_expire(&mut self) -> Vec<Effect> {
        if self.refuse_read_only("expiring silences") {
            return Vec::new();
        }
        let Some(silence) = self.selected_silence().cloned() else { return Vec::new() };
        self.confirm = Some(Confirm {
            title: "Expire silence".into(),
            lines: vec![
                format!("Expire silence {} now?", silence.id),
                format!("  matchers: {}", matchers_text(&silence)),
                format!("  by {}: \"{}\"", silence.created_by, silence.comment),
                "The alerts it mutes will notify again.".into(),
            ],
            request: ActionRequest::ExpireSilences {
                ids: vec![silence.id.clone()],
                alert: None,
                silence: Some(Box::new(silence)),
            },
        });
        Vec::new()
    }

    fn start_extend(&mut self) -> Vec<Effect> {
        if self.refuse_read_only("extending silences") {
            return Vec::new();
        }
        let Some(silence) = self.selected_silence().cloned() else { return Vec::new() };
        let step = crate::config::duration::parse(&self.settings.silence_duration).unwrap_or_default();
        let step = SignedDuration::try_from(step).unwrap_or(SignedDuration::from_hours(1));
        let base = if silence.ends_at > self.now { silence.ends_at } else { self.now };
        let Ok(ends_at) = base.checked_add(step) else { return Vec::new() };
        self.confirm = Some(Confirm {
            title: "Extend silence".into(),
            lines: vec![
                format!("Extend silence {} by {}?", silence.id, self.settings.silence_duration),
                format!("  ends {} → {}", utc(silence.ends_at), utc(ends_at)),
                format!("  matchers: {}", matchers_text(&silence)),
                "Alertmanager may give the silence a new id.".into(),
            ],
            request: ActionRequest::ExtendSilence {
                silence: Box::new(silence),
                ends_at,
                author: self.settings.author.clone(),
            },
        });
        Vec::new()
    }

    /// Keys while the acknowledge form is open.
    pub(super) fn on_ack_key(&mut self, key: &crossterm::event::KeyEvent) -> Vec<Effect> {
        let Some(form) = self.ack.as_mut() else { return Vec::new() };
        match form.handle(key) {
            FormOutcome::Nothing => Vec::new(),
            FormOutcome::MatchersChanged => {
                vec![Effect::PreviewSilence { matchers: form.matchers(), seq: form.preview_seq }]
            }
            FormOutcome::Cancel => {
                self.ack = None;
                Vec::new()
            }
            FormOutcome::Submit => {
                if self.read_only() {
                    self.ack = None;
                    self.refuse_read_only("acknowledging");
                    return Vec::new();
                }
                let Some(form) = self.ack.as_mut() else { return Vec::new() };
                let Ok(duration) = form.parsed_duration() else { return Vec::new() };
                let Ok(ends_at) = self.now.checked_add(SignedDuration::try_from(duration).unwrap_or_default()) else {
                    return Vec::new();
                };
                form.stage = AckStage::Submitting;
                let request = SilenceRequest {
                    id: None,
                    matchers: form.matchers(),
                    starts_at: self.now,
                    ends_at,
                    created_by: self.settings.author.clone(),
                    comment: form.comment.trim().to_string(),
                };
                self.busy = Some(format!("acknowledging {}…", form.alert.name));
                vec![Effect::Act(Box::new(ActionRequest::CreateSilence {
                    request,
                    alert: Box::new(form.alert.clone()),
                }))]
            }
        }
    }

    /// Keys while a confirmation is shown: Enter runs it, Esc drops it.
    pub(super) fn on_confirm_key(&mut self, key: &crossterm::event::KeyEvent) -> Vec<Effect> {
        use crossterm::event::KeyCode;
        match key.code {
            KeyCode::Enter => {
                let Some(confirm) = self.confirm.take() else { return Vec::new() };
                if self.read_only() {
                    self.refuse_read_only("this action");
                    return Vec::new();
                }
                self.busy = Some(format!("{}…", confirm.title.to_lowercase()));
                vec![Effect::Act(Box::new(confirm.request))]
            }
            KeyCode::Esc | KeyCode::Char('n') | KeyCode::Char('q') => {
                self.confirm = None;
                self.message = Some((MessageLevel::Info, "cancelled: nothing was changed".into()));
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    pub(super) fn on_preview(&mut self, seq: u64, result: Result<Vec<Alert>, String>) {
        if let Some(form) = self.ack.as_mut()
            && form.preview_seq == seq
        {
            form.preview = match result {
                Ok(alerts) => Preview::Ready(alerts),
                Err(e) => Preview::Failed(e),
            };
        }
    }

    pub(super) fn on_action_finished(&mut self, report: ActionReport) -> Vec<Effect> {
        self.busy = None;
        let level = if report.ok { MessageLevel::Info } else { MessageLevel::Error };
        self.message = Some((level, report.message.clone()));
        if let Some(entry) = report.entry {
            self.journal.push(entry);
        }
        // Only a form that sent an acknowledgement waits for its report; an expire or an
        // extend finishing meanwhile leaves the form alone.
        if report.kind == crate::actions::run::ReportKind::Acknowledgement
            && let Some(form) = self.ack.as_mut().filter(|f| f.stage == AckStage::Submitting)
        {
            match report.outcome {
                // Unknown closes the form too: the silence may exist, and sending the form
                // again could make a second one.
                ActionOutcome::Ok | ActionOutcome::Unknown => self.ack = None,
                ActionOutcome::Failed => {
                    form.stage = AckStage::Editing;
                    form.error = Some(report.message);
                }
            }
        }
        // Show the new state at once instead of at the next poll.
        vec![Effect::RefreshNow]
    }
}

pub fn matchers_text(silence: &Silence) -> String {
    silence.matchers.iter().map(|m| m.describe()).collect::<Vec<_>>().join(", ")
}

pub fn utc(t: Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::UTC).strftime("%m-%d %H:%M UTC").to_string()
}
