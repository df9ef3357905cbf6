//! The rollback form: everything the operator must see before a model changes version
//! (environment, current → target, backend, the exact request, the target's validation),
//! a required change note, the model's name typed again in production, and the override
//! for an unvalidated target where the config allows one.

use crossterm::event::{KeyCode, KeyEvent};

use super::ack::typed;
use crate::input::keymap::Command;

use crate::domain::RollbackPlan;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollbackField {
    Note,
    /// Production only: the model's name, typed.
    Confirm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollbackStage {
    Editing,
    /// Sent; waiting for the backend and the check afterwards.
    Running,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RollbackForm {
    pub environment: String,
    pub production: bool,
    /// The alert the operator came from, if any: named on the confirmation.
    pub alert: Option<crate::domain::Alert>,
    /// What will be sent; the note and the override are filled in here.
    pub plan: RollbackPlan,
    pub confirm: String,
    pub field: RollbackField,
    pub stage: RollbackStage,
    pub error: Option<String>,
}

pub enum RollbackOutcome {
    Nothing,
    Cancel,
    Submit(Box<RollbackPlan>),
}

impl RollbackForm {
    /// Whether Enter would run it; otherwise the reason.
    pub fn blocker(&self) -> Option<String> {
        let plan = &self.plan;
        if plan.note.trim().is_empty() {
            return Some("write a change note (why this rollback)".into());
        }
        if self.production && self.confirm.trim() != plan.model {
            return Some(format!("type the model name `{}` to confirm (production)", plan.model));
        }
        if !plan.validated && !plan.override_validation {
            return Some("the target is not validated: Ctrl-o overrides (journaled)".into());
        }
        None
    }

    /// A key in the form, with what the keymap's form mode makes of it; in a text field a
    /// printable key types.
    pub fn handle(&mut self, key: &KeyEvent, command: Option<Command>) -> RollbackOutcome {
        if self.stage == RollbackStage::Running {
            return RollbackOutcome::Nothing;
        }
        let text = match self.field {
            RollbackField::Note => &mut self.plan.note,
            RollbackField::Confirm => &mut self.confirm,
        };
        if let Some(c) = typed(key) {
            text.push(c);
            return RollbackOutcome::Nothing;
        }
        match command {
            Some(Command::Cancel) => return RollbackOutcome::Cancel,
            Some(Command::NextField | Command::PreviousField | Command::Down | Command::Up) if self.production => {
                self.field = match self.field {
                    RollbackField::Note => RollbackField::Confirm,
                    RollbackField::Confirm => RollbackField::Note,
                };
            }
            Some(Command::Override) if !self.plan.validated && self.plan.spec.allow_override => {
                self.plan.override_validation = !self.plan.override_validation;
            }
            Some(Command::ClearField) => text.clear(),
            Some(Command::Submit) => match self.blocker() {
                Some(why) => self.error = Some(why),
                None => {
                    self.error = None;
                    self.stage = RollbackStage::Running;
                    return RollbackOutcome::Submit(Box::new(self.plan()));
                }
            },
            _ if key.code == KeyCode::Backspace => {
                text.pop();
            }
            _ => {}
        }
        RollbackOutcome::Nothing
    }

    /// The plan as confirmed: the note trimmed.
    pub fn plan(&self) -> RollbackPlan {
        RollbackPlan { note: self.plan.note.trim().to_string(), ..self.plan.clone() }
    }
}
