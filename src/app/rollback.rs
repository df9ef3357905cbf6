//! The rollback form: everything the operator must see before a model changes version
//! (environment, current → target, backend, the exact request, the target's validation),
//! a required change note, the model's name typed again in production, and the override
//! for an unvalidated target where the config allows one.

use crossterm::event::{KeyCode, KeyEvent};

use super::ack::typed;
use crate::input::keymap::Command;

use super::EnvironmentInfo;
use crate::domain::{RollbackPlan, VersionsSnapshot};

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
    /// Others' recent and in-flight actions on the model, from the shared journal.
    pub team: crate::domain::team::TeamContext,
}

pub enum RollbackOutcome {
    Nothing,
    Cancel,
    Submit(Box<RollbackPlan>),
}

/// What keeps Enter from running a rollback, in the order the form names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollbackBlocker {
    /// No change note.
    Note,
    /// Production, and the model's name is not typed.
    Unconfirmed,
    /// The target is not validated and the override is not given (the config allows it).
    Unvalidated,
    /// Another operator's action on the model is in flight and not taken over.
    InFlight,
}

impl RollbackBlocker {
    /// The console's words.
    pub fn text(self, model: &str) -> String {
        match self {
            RollbackBlocker::Note => "write a change note (why this rollback)".into(),
            RollbackBlocker::Unconfirmed => format!("type the model name `{model}` to confirm (production)"),
            RollbackBlocker::Unvalidated => "the target is not validated: Ctrl-o overrides (journaled)".into(),
            RollbackBlocker::InFlight => in_flight_text(model),
        }
    }
}

/// What a form says while another operator's action on `model` is in flight.
pub fn in_flight_text(model: &str) -> String {
    format!("another operator's action on {model} is in flight: Ctrl-o takes over (journaled)")
}

/// The rollback of `model` to `target` in `environment` as `snapshot` shows it, or why
/// there is none: no backend, no such version, the live one, or a target the validation gate
/// refuses because overrides are off. The versions screen and the shell both start here.
pub fn rollback_plan(
    snapshot: &VersionsSnapshot,
    model: &str,
    target: Option<&str>,
    environment: &str,
) -> Result<RollbackPlan, String> {
    let Some(spec) = snapshot.spec.clone() else {
        return Err(format!("no rollback is configured for {model}"));
    };
    let Some(target) = target else { return Err("no version is selected".into()) };
    let Some(version) = snapshot.versions().iter().find(|v| v.version == target) else {
        return Err(format!("the registry has no version {target} of {model}"));
    };
    if snapshot.live.as_deref() == Some(target) {
        return Err(format!("version {target} is already live"));
    }
    let validation = version.tag(&spec.validation_tag).map(str::to_string);
    let validated = spec.is_validated(validation.as_deref());
    if !validated && !spec.allow_override {
        let status = validation.as_deref().unwrap_or("no tag");
        return Err(format!(
            "refused: version {target} is not validated ({} = {status}); overrides are off in [governance]",
            spec.validation_tag
        ));
    }
    let current = snapshot.live.clone();
    let request = spec.describe(model, environment, current.as_deref(), target);
    Ok(RollbackPlan {
        model: model.to_string(),
        current,
        target: target.to_string(),
        spec,
        request,
        validation,
        validated,
        target_data: version.lineage.summary(),
        override_validation: false,
        note: String::new(),
        take_over: None,
    })
}

impl RollbackForm {
    /// The confirmation of `plan` in `environment`, opened from `alert` if any.
    pub fn new(environment: &EnvironmentInfo, alert: Option<crate::domain::Alert>, plan: RollbackPlan) -> RollbackForm {
        RollbackForm {
            environment: environment.name.clone(),
            production: environment.production,
            alert,
            plan,
            confirm: String::new(),
            field: RollbackField::Note,
            stage: RollbackStage::Editing,
            error: None,
            team: Default::default(),
        }
    }

    /// Everything that keeps Enter from running it, in order; empty when it would run.
    pub fn blockers(&self) -> Vec<RollbackBlocker> {
        let plan = &self.plan;
        let mut blockers = Vec::new();
        if plan.note.trim().is_empty() {
            blockers.push(RollbackBlocker::Note);
        }
        if self.production && !crate::domain::confirms_model(&plan.model, &self.confirm) {
            blockers.push(RollbackBlocker::Unconfirmed);
        }
        if !plan.validated && !plan.override_validation {
            blockers.push(RollbackBlocker::Unvalidated);
        }
        if !self.team.in_flight.is_empty() && plan.take_over.is_none() {
            blockers.push(RollbackBlocker::InFlight);
        }
        blockers
    }

    /// Whether Enter would run it; otherwise the reason.
    pub fn blocker(&self) -> Option<String> {
        self.blockers().first().map(|b| b.text(&self.plan.model))
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
            Some(Command::Override) => self.toggle_overrides(),
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

    /// The override key: every gate the form shows that may be overridden (an unvalidated
    /// target where the config allows it, another operator's action in flight) is
    /// overridden together, or, when all already are, none is.
    fn toggle_overrides(&mut self) {
        let validation = !self.plan.validated && self.plan.spec.allow_override;
        let flight = !self.team.in_flight.is_empty();
        let all_on = (!validation || self.plan.override_validation) && (!flight || self.plan.take_over.is_some());
        if validation {
            self.plan.override_validation = !all_on;
        }
        if flight {
            self.plan.take_over = if all_on { None } else { self.team.in_flight.first().cloned() };
        }
        self.error = None;
    }

    /// The plan as confirmed: the note trimmed.
    pub fn plan(&self) -> RollbackPlan {
        RollbackPlan { note: self.plan.note.trim().to_string(), ..self.plan.clone() }
    }
}
