//! The rollback form: everything the operator must see before a model changes version
//! (environment, current → target, backend, the exact request, the target's validation),
//! a required change note, the model's name typed again in production, and the override
//! for an unvalidated target where the config allows one.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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

    pub fn handle(&mut self, key: &KeyEvent) -> RollbackOutcome {
        if self.stage == RollbackStage::Running {
            return RollbackOutcome::Nothing;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let text = match self.field {
            RollbackField::Note => &mut self.plan.note,
            RollbackField::Confirm => &mut self.confirm,
        };
        match key.code {
            KeyCode::Esc => return RollbackOutcome::Cancel,
            KeyCode::Char('c') if ctrl => return RollbackOutcome::Cancel,
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Down | KeyCode::Up if self.production => {
                self.field = match self.field {
                    RollbackField::Note => RollbackField::Confirm,
                    RollbackField::Confirm => RollbackField::Note,
                };
            }
            KeyCode::Char('o') if ctrl && !self.plan.validated && self.plan.spec.allow_override => {
                self.plan.override_validation = !self.plan.override_validation;
            }
            KeyCode::Char('o') if ctrl => {}
            KeyCode::Char('u') if ctrl => text.clear(),
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char(c) if !ctrl && !c.is_control() => text.push(c),
            KeyCode::Enter => match self.blocker() {
                Some(why) => self.error = Some(why),
                None => {
                    self.error = None;
                    self.stage = RollbackStage::Running;
                    return RollbackOutcome::Submit(Box::new(self.plan()));
                }
            },
            _ => {}
        }
        RollbackOutcome::Nothing
    }

    /// The plan as confirmed: the note trimmed.
    pub fn plan(&self) -> RollbackPlan {
        RollbackPlan { note: self.plan.note.trim().to_string(), ..self.plan.clone() }
    }
}
