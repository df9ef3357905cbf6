//! Writing notes: the editor's keys and what a new note is about.

use crossterm::event::KeyEvent;

use super::{App, MessageLevel};
use crate::domain::Effect;
use crate::input::keymap::Command;
use crate::journal::{Draft, Subject};

impl App {
    pub(super) fn on_editor_key(&mut self, key: &KeyEvent, command: Option<Command>) -> Vec<Effect> {
        let env = self.environment_info().name.clone();
        let author = self.settings.author.clone();
        let Some(editor) = self.editor_mut() else { return Vec::new() };
        if editor.saving {
            return Vec::new();
        }
        // Enter starts a new line and Tab types a space: the editor is a text area, only
        // saving and cancelling are commands.
        match command {
            Some(Command::Save) => {
                let text = editor.text.trim_end();
                if text.trim().is_empty() {
                    editor.error = Some("a note needs some text".into());
                    return Vec::new();
                }
                editor.saving = true;
                let draft = Draft::note(&author, &env, editor.subject.clone(), text);
                vec![Effect::AppendJournal(Box::new(draft))]
            }
            Some(Command::Cancel) => {
                self.close_editor();
                self.message = Some((MessageLevel::Info, "note discarded".into()));
                Vec::new()
            }
            _ => {
                editor.handle(key);
                Vec::new()
            }
        }
    }

    /// The subject a note is about: what the operator is on.
    pub(super) fn note_subject(&self) -> Subject {
        self.target().subject()
    }
}
