//! Acknowledging alerts: the form, the confirmation, un-acknowledging, the silence
//! inventory, and what comes back from Alertmanager. Every path that would change
//! something is refused in read-only mode before any effect is produced.

use jiff::{SignedDuration, Timestamp};

use super::{AckForm, AckStage, App, FormOutcome, MessageLevel, Preview, Screen, Target, alert_words};
use crate::app::Modal;
use crate::domain::Effect;
use crate::domain::{ActionOutcome, ActionReport, ActionRequest};
use crate::domain::{Alert, AlertState};
use crate::domain::{Silence, SilenceState};
use crate::input::keymap::Command;

/// A pending change waiting for Enter: what will happen, line by line, and what it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub title: String,
    /// Environment, model, version and alert, named in full on the confirmation.
    pub target: Target,
    pub lines: Vec<String>,
    /// What Enter sends; `None` when there is nothing to send (only the other choice).
    pub request: Option<ActionRequest>,
    /// Offered when the alert is already silenced: the ack key opens a new silence form
    /// for it anyway, with this duration.
    pub ack_anyway: Option<(Box<Alert>, String)>,
}

/// Active and pending silences, soonest to end first: the silence inventory's rows.
pub fn live_silences(silences: &[Silence]) -> Vec<&Silence> {
    let mut list: Vec<&Silence> = silences.iter().filter(|s| s.state != SilenceState::Expired).collect();
    list.sort_by(|a, b| (a.ends_at, &a.id).cmp(&(b.ends_at, &b.id)));
    list
}

impl App {
    /// The alert the operator is on, if any (see [`App::target`]).
    pub fn target_alert(&self) -> Option<Alert> {
        self.target().alert
    }

    /// Active and pending silences, soonest to end first.
    pub fn live_silences(&self) -> Vec<&Silence> {
        live_silences(&self.silences)
    }

    /// The silence under the inventory's cursor, by id.
    pub fn selected_silence(&self) -> Option<&Silence> {
        let key = self.silence_cursor.key()?;
        self.live_silences().get(self.silence_cursor.index()).copied().filter(|s| &s.id == key)
    }

    /// The highlighted row of the silence inventory.
    pub fn silence_selected(&self) -> usize {
        self.silence_cursor.index()
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

    /// The one read-only check before anything is sent: refuses `what`, says so, and closes
    /// the form or confirmation that asked for it.
    pub(super) fn refuse_read_only(&mut self, what: &str) -> bool {
        if self.read_only() {
            self.modal = None;
            self.message = Some((MessageLevel::Error, crate::domain::read_only_refusal(what)));
        }
        self.read_only()
    }

    /// Keys for alert actions; `None` when the action is not one of them.
    pub(super) fn alert_command(&mut self, command: &Command) -> Option<Vec<Effect>> {
        match command {
            Command::Ack => Some(self.start_ack()),
            Command::Unack => Some(self.start_unack()),
            Command::Silences => {
                self.screen = Screen::Silences;
                self.silence_cursor.hold();
                Some(vec![Effect::RefreshNow])
            }
            Command::Expire if self.screen == Screen::Silences => Some(self.start_expire()),
            Command::Extend if self.screen == Screen::Silences => Some(self.start_extend()),
            Command::Expire | Command::Extend => {
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

    /// The acknowledge form with `duration` preset (a runbook rule may name one). An alert
    /// that is already silenced gets a warning naming its silences first, with the offer to
    /// extend one instead of piling up another.
    pub(super) fn start_ack_for(&mut self, duration: &str) -> Vec<Effect> {
        if self.refuse_read_only("acknowledging") {
            return Vec::new();
        }
        let target = self.target();
        let Some(alert) = target.alert.clone() else {
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
        if !alert.silenced_by.is_empty() {
            self.warn_already_silenced(target, alert, duration);
            return Vec::new();
        }
        self.open_ack_form(alert, duration)
    }

    fn open_ack_form(&mut self, alert: Alert, duration: &str) -> Vec<Effect> {
        let form = AckForm::new(alert, duration, &self.settings.silence_ignore_labels);
        let effect = Effect::PreviewSilence { matchers: form.matchers(), seq: form.preview_seq };
        self.modal = Some(Modal::from(form));
        self.with_team();
        vec![effect]
    }

    /// `a` on a silenced alert: name the silences; `E` extends the one that ends last, `a`
    /// creates another anyway.
    fn warn_already_silenced(&mut self, target: Target, alert: Alert, duration: &str) {
        let mut lines = vec![format!("{} is already silenced by:", alert_words(&alert))];
        let known: Vec<&Silence> =
            alert.silenced_by.iter().filter_map(|id| self.silences.iter().find(|s| &s.id == id)).collect();
        for id in &alert.silenced_by {
            match known.iter().find(|s| &s.id == id) {
                Some(s) => lines.push(format!(
                    "  {id}  by {}  \"{}\"  until {}  {}",
                    s.created_by,
                    s.comment,
                    utc(s.ends_at),
                    matchers_text(s)
                )),
                None => lines.push(format!("  {id}")),
            }
        }
        let longest = known.iter().max_by_key(|s| s.ends_at).map(|s| (*s).clone());
        let step = crate::domain::duration::parse(duration).ok().and_then(|d| SignedDuration::try_from(d).ok());
        let extend = longest.zip(step).and_then(|(silence, step)| {
            let base = if silence.ends_at > self.now { silence.ends_at } else { self.now };
            base.checked_add(step).ok().map(|ends_at| (silence, ends_at))
        });
        let request = match extend {
            Some((silence, ends_at)) => {
                lines.push(format!(
                    "Enter or E: extend silence {} by {duration} (ends {} → {})",
                    silence.id,
                    utc(silence.ends_at),
                    utc(ends_at)
                ));
                Some(ActionRequest::ExtendSilence {
                    silence: Box::new(silence),
                    ends_at,
                    author: self.settings.author.clone(),
                })
            }
            None => {
                lines.push("Its silences are not loaded yet: nothing to extend (M lists them).".into());
                None
            }
        };
        lines.push("a: create another silence anyway · Esc: cancel".into());
        self.modal = Some(Modal::from(Confirm {
            title: "Already silenced".into(),
            target,
            lines,
            request,
            ack_anyway: Some((Box::new(alert), duration.to_string())),
        }));
    }

    fn start_unack(&mut self) -> Vec<Effect> {
        if self.refuse_read_only("un-acknowledging") {
            return Vec::new();
        }
        let target = self.target();
        let Some(alert) = target.alert.clone() else {
            self.message = Some((MessageLevel::Info, "select an alert first (Tab to the alerts pane)".into()));
            return Vec::new();
        };
        if alert.silenced_by.is_empty() {
            self.message = Some((MessageLevel::Info, format!("{} is not silenced", alert_words(&alert))));
            return Vec::new();
        }
        self.modal = unack_confirm(target, std::slice::from_ref(&alert), &self.silences).map(Modal::from);
        Vec::new()
    }

    fn start_expire(&mut self) -> Vec<Effect> {
        if self.refuse_read_only("expiring silences") {
            return Vec::new();
        }
        let Some(silence) = self.selected_silence().cloned() else { return Vec::new() };
        self.modal = Some(Modal::from(Confirm {
            title: "Expire silence".into(),
            target: self.target(),
            lines: vec![
                format!("Expire silence {} now?", silence.id),
                format!("  matchers: {}", matchers_text(&silence)),
                format!("  by {}: \"{}\"", silence.created_by, silence.comment),
                "The alerts it mutes will notify again.".into(),
            ],
            request: Some(ActionRequest::ExpireSilences {
                ids: vec![silence.id.clone()],
                alert: None,
                silence: Some(Box::new(silence)),
            }),
            ack_anyway: None,
        }));
        Vec::new()
    }

    fn start_extend(&mut self) -> Vec<Effect> {
        if self.refuse_read_only("extending silences") {
            return Vec::new();
        }
        let Some(silence) = self.selected_silence().cloned() else { return Vec::new() };
        let step = crate::domain::duration::parse(&self.settings.silence_duration).unwrap_or_default();
        let step = SignedDuration::try_from(step).unwrap_or(SignedDuration::from_hours(1));
        let base = if silence.ends_at > self.now { silence.ends_at } else { self.now };
        let Ok(ends_at) = base.checked_add(step) else { return Vec::new() };
        self.modal = Some(Modal::from(Confirm {
            title: "Extend silence".into(),
            target: self.target(),
            lines: vec![
                format!("Extend silence {} by {}?", silence.id, self.settings.silence_duration),
                format!("  ends {} → {}", utc(silence.ends_at), utc(ends_at)),
                format!("  matchers: {}", matchers_text(&silence)),
                "Alertmanager may give the silence a new id.".into(),
            ],
            request: Some(ActionRequest::ExtendSilence {
                silence: Box::new(silence),
                ends_at,
                author: self.settings.author.clone(),
            }),
            ack_anyway: None,
        }));
        Vec::new()
    }

    /// Keys while the acknowledge form is open.
    pub(super) fn on_ack_key(&mut self, key: &crossterm::event::KeyEvent, command: Option<Command>) -> Vec<Effect> {
        let Some(form) = self.ack_mut() else { return Vec::new() };
        match form.handle(key, command) {
            FormOutcome::Nothing => Vec::new(),
            FormOutcome::MatchersChanged => {
                vec![Effect::PreviewSilence { matchers: form.matchers(), seq: form.preview_seq }]
            }
            FormOutcome::Cancel => {
                self.close_ack();
                Vec::new()
            }
            FormOutcome::Submit => {
                if self.refuse_read_only("acknowledging") {
                    return Vec::new();
                }
                let (now, author) = (self.now, self.settings.author.clone());
                let Some(form) = self.ack_mut() else { return Vec::new() };
                let Some(request) = form.request(now, &author) else { return Vec::new() };
                form.stage = AckStage::Submitting;
                let alert = form.alert.clone();
                self.busy = Some(format!("acknowledging {}…", alert_words(&alert)));
                vec![Effect::Act(Box::new(ActionRequest::CreateSilence { request, alert: Box::new(alert) }))]
            }
        }
    }

    /// A confirmation's command: Submit runs it, Cancel drops it. On the "already silenced"
    /// warning, Extend runs it too and Ack opens a new form.
    pub(super) fn on_confirm_key(&mut self, command: Option<Command>) -> Vec<Effect> {
        let anyway = self.confirm().is_some_and(|c| c.ack_anyway.is_some());
        match command {
            Some(Command::Ack) if anyway => {
                let Some((alert, duration)) = self.close_confirm().and_then(|c| c.ack_anyway) else {
                    return Vec::new();
                };
                self.open_ack_form(*alert, &duration)
            }
            Some(Command::Submit) => self.run_confirmed(),
            Some(Command::Extend) if anyway => self.run_confirmed(),
            Some(Command::Cancel) => {
                self.close_confirm();
                self.message = Some((MessageLevel::Info, "cancelled: nothing was changed".into()));
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn run_confirmed(&mut self) -> Vec<Effect> {
        let Some(confirm) = self.close_confirm() else { return Vec::new() };
        let Some(request) = confirm.request else {
            self.message = Some((MessageLevel::Info, "nothing to extend: nothing was changed".into()));
            return Vec::new();
        };
        if self.refuse_read_only("this action") {
            return Vec::new();
        }
        self.busy = Some(format!("{}…", confirm.title.to_lowercase()));
        vec![Effect::Act(Box::new(request))]
    }

    pub(super) fn on_preview(&mut self, seq: u64, result: Result<Vec<Alert>, String>) {
        if let Some(form) = self.ack_mut()
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
        if report.kind == crate::domain::ReportKind::Acknowledgement
            && let Some(form) = self.ack_mut().filter(|f| f.stage == AckStage::Submitting)
        {
            match report.outcome {
                // Unknown closes the form too: the silence may exist, and sending the form
                // again could make a second one.
                ActionOutcome::Ok | ActionOutcome::Unknown => {
                    self.close_ack();
                }
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

/// The un-acknowledge confirmation: every silence that mutes one of `alerts` (the console's
/// one alert, or each alert a shell command names), listed and expired once. `None` when
/// none of them is silenced.
pub fn unack_confirm(target: Target, alerts: &[Alert], silences: &[Silence]) -> Option<Confirm> {
    let silenced: Vec<&Alert> = alerts.iter().filter(|a| !a.silenced_by.is_empty()).collect();
    let first = *silenced.first()?;
    let mut ids: Vec<String> = Vec::new();
    for id in silenced.iter().flat_map(|a| &a.silenced_by) {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    let what = match silenced.len() {
        1 => alert_words(first),
        n => format!("{} and {} more alert(s)", alert_words(first), n - 1),
    };
    let mut lines = vec![format!("Expire {} silence(s) muting {what}:", ids.len())];
    for id in &ids {
        match silences.iter().find(|s| &s.id == id) {
            Some(s) => lines.push(format!("  {id}  by {}  \"{}\"  {}", s.created_by, s.comment, matchers_text(s))),
            None => lines.push(format!("  {id}")),
        }
    }
    lines.push("Other alerts these silences mute will fire again too.".into());
    Some(Confirm {
        title: "Un-acknowledge".into(),
        target,
        lines,
        request: Some(ActionRequest::ExpireSilences { ids, alert: Some(Box::new(first.clone())), silence: None }),
        ack_anyway: None,
    })
}

pub fn matchers_text(silence: &Silence) -> String {
    silence.matchers.iter().map(|m| m.describe()).collect::<Vec<_>>().join(", ")
}

pub fn utc(t: Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::UTC).strftime("%m-%d %H:%M UTC").to_string()
}
