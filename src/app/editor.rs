//! The multi-line note editor: plain text, Enter for a new line, the keymap's save key to
//! save, Esc to cancel.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::journal::Subject;

/// Notes longer than this are refused at typing time; a note is a paragraph, not a file.
pub const MAX_NOTE: usize = 8 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteEditor {
    pub subject: Subject,
    pub text: String,
    /// Cursor position in chars.
    pub cursor: usize,
    /// Shown when a save was refused or failed.
    pub error: Option<String>,
    /// The append is in flight; keys wait until it ends.
    pub saving: bool,
}

impl NoteEditor {
    pub fn new(subject: Subject) -> NoteEditor {
        NoteEditor { subject, text: String::new(), cursor: 0, error: None, saving: false }
    }

    /// Edits the text; returns false for keys it does not handle.
    pub fn handle(&mut self, key: &KeyEvent) -> bool {
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            return false;
        }
        self.error = None;
        let len = self.text.chars().count();
        match key.code {
            KeyCode::Char(c) if !c.is_control() && self.text.len() < MAX_NOTE => self.insert(c),
            KeyCode::Enter if self.text.len() < MAX_NOTE => self.insert('\n'),
            KeyCode::Tab => self.insert(' '),
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
            }
            KeyCode::Delete if self.cursor < len => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
            }
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(len),
            KeyCode::Home => self.cursor -= self.column(),
            KeyCode::End => {
                let rest = self.text.chars().skip(self.cursor).take_while(|c| *c != '\n').count();
                self.cursor += rest;
            }
            KeyCode::Up => self.vertical(-1),
            KeyCode::Down => self.vertical(1),
            _ => return false,
        }
        true
    }

    /// (line, column) of the cursor, for drawing it.
    pub fn position(&self) -> (usize, usize) {
        let before: String = self.text.chars().take(self.cursor).collect();
        let line = before.matches('\n').count();
        (line, self.column())
    }

    fn column(&self) -> usize {
        self.text.chars().take(self.cursor).collect::<Vec<_>>().iter().rev().take_while(|c| **c != '\n').count()
    }

    fn vertical(&mut self, delta: isize) {
        let (line, col) = self.position();
        let lines: Vec<&str> = self.text.split('\n').collect();
        let target = line as isize + delta;
        if target < 0 || target as usize >= lines.len() {
            return;
        }
        let target = target as usize;
        let start: usize = lines[..target].iter().map(|l| l.chars().count() + 1).sum();
        self.cursor = start + col.min(lines[target].chars().count());
    }

    fn insert(&mut self, c: char) {
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text.char_indices().nth(chars).map_or(self.text.len(), |(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn typing_newlines_and_moving() {
        let mut e = NoteEditor::new(Subject::default());
        for c in "ab".chars() {
            e.handle(&key(KeyCode::Char(c)));
        }
        e.handle(&key(KeyCode::Enter));
        e.handle(&key(KeyCode::Char('c')));
        assert_eq!(e.text, "ab\nc");
        assert_eq!(e.position(), (1, 1));
        e.handle(&key(KeyCode::Up));
        assert_eq!(e.position(), (0, 1));
        e.handle(&key(KeyCode::Backspace));
        assert_eq!(e.text, "b\nc");
        e.handle(&key(KeyCode::End));
        assert_eq!(e.position(), (0, 1));
        assert!(!e.handle(&KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)));
    }
}
