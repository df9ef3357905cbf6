//! Writing notes: the editor's keys and what a new note is about.

use crossterm::event::KeyEvent;

use super::{App, MessageLevel, Pane, Screen};
use crate::domain::ColumnId;
use crate::event::Effect;
use crate::journal::{Draft, Subject};
use crate::keymap::Action;

impl App {
    pub(super) fn on_editor_key(&mut self, key: &KeyEvent, action: Option<Action>) -> Vec<Effect> {
        let Some(editor) = self.editor.as_mut() else { return Vec::new() };
        if editor.saving {
            return Vec::new();
        }
        let ctrl_c = key.code == crossterm::event::KeyCode::Char('c')
            && key.modifiers.contains(crossterm::event::KeyModifiers::CONTROL);
        match action {
            Some(Action::Save) => {
                let text = editor.text.trim_end();
                if text.trim().is_empty() {
                    editor.error = Some("a note needs some text".into());
                    return Vec::new();
                }
                editor.saving = true;
                let env = self.settings.environments[self.environment].name.clone();
                let draft = Draft::note(&self.settings.author, &env, editor.subject.clone(), text);
                vec![Effect::AppendJournal(Box::new(draft))]
            }
            Some(Action::Back) => {
                self.editor = None;
                self.message = Some((MessageLevel::Info, "note discarded".into()));
                Vec::new()
            }
            _ if ctrl_c => {
                self.editor = None;
                self.message = Some((MessageLevel::Info, "note discarded".into()));
                Vec::new()
            }
            _ => {
                editor.handle(key);
                Vec::new()
            }
        }
    }

    /// The subject a note is about: what the operator is looking at.
    pub(super) fn note_subject(&self) -> Subject {
        let model_subject = |name: &str| Subject {
            model: Some(name.to_string()),
            version: self.fleet.find(name).and_then(|r| r.text(ColumnId::Version)).map(str::to_string),
            ..Subject::default()
        };
        match &self.screen {
            Screen::Model(name) => model_subject(name),
            // A note on the versions screen is about the version under the cursor.
            Screen::Versions(name) => Subject {
                model: Some(name.clone()),
                version: self.versions.as_ref().and_then(|v| v.selected_version()).map(|v| v.version.clone()),
                ..Subject::default()
            },
            Screen::Journal | Screen::JournalEntry(_) => {
                self.journal.selected_entry().map(|e| e.subject.clone()).unwrap_or_default()
            }
            Screen::Alert(_) | Screen::Silences => Subject {
                model: self.target_alert().and_then(|a| a.model.clone()),
                alert: self.target_alert().map(|a| a.fingerprint.clone()),
                alertname: self.target_alert().map(|a| a.name.clone()),
                ..Subject::default()
            },
            Screen::Overview => match self.focus {
                Pane::Fleet => self.selected_model().map(|r| model_subject(&r.name)).unwrap_or_default(),
                Pane::Alerts => self
                    .selected_alert()
                    .map(|a| Subject {
                        model: a.model.clone(),
                        version: a.labels.get("version").cloned(),
                        alert: Some(a.fingerprint.clone()),
                        alertname: Some(a.name.clone()),
                    })
                    .unwrap_or_default(),
            },
        }
    }
}
