//! What the operator is on: one environment, model, version and alert, worked out in one
//! place from the screen, the focused pane and the cursors. Every key that acts (versions,
//! rollback, retrain, note, runbook, acknowledge) takes its target from here, and every
//! confirmation names it in full, so an action cannot land on something other than what the
//! operator is looking at.

use super::{App, Pane, Screen};
use crate::domain::{Alert, ColumnId};
use crate::journal::Subject;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Target {
    pub environment: String,
    pub model: Option<String>,
    /// The version in question: the one under the cursor on the versions screen, the
    /// alert's own version label, else the version the fleet reports for the model.
    pub version: Option<String>,
    pub alert: Option<Alert>,
}

impl Target {
    /// For confirmations and messages: every part that is known, raw (views make it inert).
    pub fn describe(&self) -> String {
        let mut parts = vec![format!("environment {}", self.environment)];
        if let Some(model) = &self.model {
            parts.push(format!("model {model}"));
        }
        if let Some(version) = &self.version {
            parts.push(format!("version {version}"));
        }
        if let Some(alert) = &self.alert {
            parts.push(format!("alert {} ({})", alert.name, alert.fingerprint));
        }
        parts.join(" · ")
    }

    pub fn subject(&self) -> Subject {
        Subject {
            model: self.model.clone(),
            version: self.version.clone(),
            alert: self.alert.as_ref().map(|a| a.fingerprint.clone()),
            alertname: self.alert.as_ref().map(|a| a.name.clone()),
        }
    }
}

/// `ModelAccuracyLow on fraud-detector` (see [`Alert::title`]).
pub fn alert_words(alert: &Alert) -> String {
    alert.title()
}

impl App {
    /// The one answer to "what is the operator on?".
    pub fn target(&self) -> Target {
        let environment = self.environment_info().name.clone();
        let (model, alert, version) = match &self.screen {
            Screen::Overview => match self.focus {
                Pane::Fleet => (self.selected_model().map(|r| r.name.clone()), None, None),
                Pane::Alerts => self.alert_target(self.selected_alert()),
            },
            Screen::Alert(fp) => self.alert_target(self.alert_by_fingerprint(fp)),
            Screen::Model(model) => {
                let alert =
                    self.detail.as_ref().and_then(|d| d.alert.as_deref()).and_then(|fp| self.alert_by_fingerprint(fp));
                (Some(model.clone()), alert.cloned(), None)
            }
            Screen::Versions(model) => {
                let view = self.versions.as_ref();
                let alert = view.and_then(|v| v.alert.as_deref()).and_then(|fp| self.alert_by_fingerprint(fp));
                let version = view.and_then(|v| v.selected_version()).map(|v| v.version.clone());
                (Some(model.clone()), alert.cloned(), version)
            }
            Screen::Silences => {
                let model = self.selected_silence().and_then(|s| {
                    let label = &self.settings.model_label;
                    s.matchers.iter().find(|m| &m.name == label && !m.is_regex && m.is_equal).map(|m| m.value.clone())
                });
                (model, None, None)
            }
            Screen::Journal | Screen::JournalEntry(_) => {
                let entry = match &self.screen {
                    Screen::JournalEntry(seq) => self.journal.find(*seq),
                    _ => self.journal.selected_entry(),
                };
                let subject = entry.map(|e| e.subject.clone()).unwrap_or_default();
                let alert = subject.alert.as_deref().and_then(|fp| self.alert_by_fingerprint(fp)).cloned();
                (subject.model, alert, subject.version)
            }
        };
        let version = version.or_else(|| {
            let from_alert = alert.as_ref().and_then(|a| a.labels.get(&self.settings.version_label)).cloned();
            from_alert.or_else(|| model.as_deref().and_then(|m| self.model_version(m)))
        });
        Target { environment, model, version, alert }
    }

    /// The version the fleet shows for `model`, if any.
    pub fn model_version(&self, model: &str) -> Option<String> {
        self.fleet.find(model).and_then(|r| r.text(ColumnId::Version)).filter(|v| !v.is_empty()).map(str::to_string)
    }

    pub fn alert_by_fingerprint(&self, fingerprint: &str) -> Option<&Alert> {
        self.alert_rows().find(|a| a.fingerprint == fingerprint)
    }

    fn alert_target(&self, alert: Option<&Alert>) -> (Option<String>, Option<Alert>, Option<String>) {
        match alert {
            Some(a) => (a.model.clone(), Some(a.clone()), None),
            None => (None, None, None),
        }
    }
}
