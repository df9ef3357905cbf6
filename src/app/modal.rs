//! What sits over the screen: at most one modal at a time (a form, a confirmation, the note
//! editor, the help overlay). One value instead of six optional fields, so that keys and
//! drawing cannot disagree about which one is on top: there is only one.

use super::{AckForm, App, Confirm, NoteEditor, RetrainForm, RollbackForm};

#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    Help(u16),
    Editor(Box<NoteEditor>),
    Confirm(Box<Confirm>),
    Ack(Box<AckForm>),
    Rollback(Box<RollbackForm>),
    Retrain(Box<RetrainForm>),
}

macro_rules! from_boxed {
    ($variant:ident, $ty:ty) => {
        impl From<$ty> for Modal {
            fn from(form: $ty) -> Modal {
                Modal::$variant(Box::new(form))
            }
        }
    };
}

from_boxed!(Confirm, Confirm);
from_boxed!(Ack, AckForm);
from_boxed!(Rollback, RollbackForm);
from_boxed!(Retrain, RetrainForm);

from_boxed!(Editor, NoteEditor);

macro_rules! accessors {
    ($get:ident, $get_mut:ident, $close:ident, $variant:ident, $ty:ty) => {
        pub fn $get(&self) -> Option<&$ty> {
            match &self.modal {
                Some(Modal::$variant(form)) => Some(form.as_ref()),
                _ => None,
            }
        }

        pub fn $get_mut(&mut self) -> Option<&mut $ty> {
            match &mut self.modal {
                Some(Modal::$variant(form)) => Some(form.as_mut()),
                _ => None,
            }
        }

        /// Closes it when it is the one open; another modal stays.
        pub fn $close(&mut self) -> Option<$ty> {
            match self.modal.take() {
                Some(Modal::$variant(form)) => Some(*form),
                other => {
                    self.modal = other;
                    None
                }
            }
        }
    };
}

impl App {
    accessors!(ack, ack_mut, close_ack, Ack, AckForm);
    accessors!(rollback, rollback_mut, close_rollback, Rollback, RollbackForm);
    accessors!(retrain, retrain_mut, close_retrain, Retrain, RetrainForm);
    accessors!(confirm, confirm_mut, close_confirm, Confirm, Confirm);
    accessors!(editor, editor_mut, close_editor, Editor, NoteEditor);

    /// How far the help scrolls: its lines in one column (each key section with its title and
    /// a blank line, the commands, a blank line, the filter's four lines), less the rows the
    /// overlay shows (the terminal less the footer and two borders), so keys pressed past the
    /// end do not pile up.
    pub fn help_max_scroll(&self) -> u16 {
        let keys: usize = self.settings.keymap.help().iter().map(|(_, rows)| rows.len() + 2).sum();
        let lines = keys + 1 + super::COMMANDS.len() + 1 + 4;
        let visible = (self.page_rows + 12).saturating_sub(3);
        u16::try_from(lines.saturating_sub(visible)).unwrap_or(u16::MAX)
    }

    /// The help overlay's scroll, when it is open.
    pub fn help(&self) -> Option<u16> {
        match self.modal {
            Some(Modal::Help(scroll)) => Some(scroll),
            _ => None,
        }
    }
}
