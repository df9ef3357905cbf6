//! A one-line text editor for the `/` filter and the `:` command line.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Filter,
    Command,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub kind: InputKind,
    pub text: String,
    /// Cursor position in chars.
    pub cursor: usize,
}

/// What a key did to the input line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputOutcome {
    Edited,
    Submit(String),
    Cancel,
    Ignored,
}

const MAX_INPUT: usize = 256;

impl Input {
    pub fn new(kind: InputKind, text: &str) -> Input {
        Input { kind, text: text.to_string(), cursor: text.chars().count() }
    }

    pub fn handle(&mut self, key: &KeyEvent) -> InputOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Enter => InputOutcome::Submit(self.text.clone()),
            KeyCode::Esc => InputOutcome::Cancel,
            KeyCode::Char('c') if ctrl => InputOutcome::Cancel,
            KeyCode::Char('u') if ctrl => {
                self.text.clear();
                self.cursor = 0;
                InputOutcome::Edited
            }
            KeyCode::Char('w') if ctrl => {
                let before: String = self.text.chars().take(self.cursor).collect();
                let trimmed = before.trim_end();
                let cut = trimmed.rfind(char::is_whitespace).map_or(0, |i| i + 1);
                let kept = trimmed[..cut].to_string();
                let after: String = self.text.chars().skip(self.cursor).collect();
                self.cursor = kept.chars().count();
                self.text = kept + &after;
                InputOutcome::Edited
            }
            KeyCode::Char(c) if !ctrl && !c.is_control() => {
                if self.text.chars().count() >= MAX_INPUT {
                    return InputOutcome::Ignored;
                }
                let at = self.byte_at(self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
                InputOutcome::Edited
            }
            KeyCode::Backspace if self.cursor > 0 => {
                let at = self.byte_at(self.cursor - 1);
                self.text.remove(at);
                self.cursor -= 1;
                InputOutcome::Edited
            }
            KeyCode::Backspace if self.text.is_empty() => InputOutcome::Cancel,
            KeyCode::Delete if self.cursor < self.text.chars().count() => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
                InputOutcome::Edited
            }
            KeyCode::Left if self.cursor > 0 => {
                self.cursor -= 1;
                InputOutcome::Edited
            }
            KeyCode::Right if self.cursor < self.text.chars().count() => {
                self.cursor += 1;
                InputOutcome::Edited
            }
            KeyCode::Home => {
                self.cursor = 0;
                InputOutcome::Edited
            }
            KeyCode::End => {
                self.cursor = self.text.chars().count();
                InputOutcome::Edited
            }
            _ => InputOutcome::Ignored,
        }
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text.char_indices().nth(chars).map_or(self.text.len(), |(i, _)| i)
    }
}
