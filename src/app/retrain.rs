//! Retraining from the console: the form (target, editable parameters, the reason, a
//! required note), the confirmation with the exact request, and the runs followed until
//! they end.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};
use jiff::Timestamp;

use super::ack::typed;
use super::{App, EnvironmentInfo, MessageLevel, Target};
use crate::app::Modal;
use crate::backends::pipelines;
use crate::domain::Effect;
use crate::domain::{ActionReport, ActionRequest, ReportKind};
use crate::domain::{Param, ParamKind, RetrainTarget, RunState, TriggerRequest};
use crate::domain::{RetrainOrder, RunEnd, StartedRun};
use crate::input::keymap::Command;

/// How often a followed run is asked for its state.
pub const POLL_EVERY_S: i64 = 5;

/// The configured retraining targets: (model, target); model `*` serves every model.
#[derive(Clone, Default)]
pub struct RetrainTargets(pub Arc<Vec<(String, RetrainTarget)>>);

impl RetrainTargets {
    pub fn for_model(&self, model: &str) -> Option<&RetrainTarget> {
        let exact = self.0.iter().find(|(m, _)| m == model);
        exact.or_else(|| self.0.iter().find(|(m, _)| m == "*")).map(|(_, t)| t)
    }

    pub fn named(&self, name: &str) -> Option<&RetrainTarget> {
        self.0.iter().map(|(_, t)| t).find(|t| t.name == name)
    }
}

// Targets hold endpoints (with credentials) that have no equality; the list is fixed at start.
impl PartialEq for RetrainTargets {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::fmt::Debug for RetrainTargets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.iter().map(|(m, t)| format!("{m}: {}", t.name))).finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetrainStage {
    Editing,
    /// Valid; the exact request is shown and Enter sends it.
    Confirming,
    Sending,
}

#[derive(Debug, Clone)]
pub struct RetrainForm {
    pub request: TriggerRequest,
    pub production: bool,
    /// What the operator was on when the form opened: named in full on the form.
    pub target: Target,
    /// Parameters first, then the reason, the note, and in production the typed name.
    pub field: usize,
    pub confirm: String,
    pub stage: RetrainStage,
    pub error: Option<String>,
    /// The exact request, computed when the form is confirmed.
    pub described: String,
    /// Others' recent and in-flight actions on the model, from the shared journal.
    pub team: crate::domain::team::TeamContext,
    /// The in-flight action taken over with the explicit key, journaled.
    pub take_over: Option<crate::domain::team::InFlight>,
}

impl PartialEq for RetrainForm {
    fn eq(&self, other: &Self) -> bool {
        self.request.model == other.request.model
            && self.request.params == other.request.params
            && self.request.note == other.request.note
            && self.request.reason == other.request.reason
            && (self.field, &self.confirm, self.stage, &self.error)
                == (other.field, &other.confirm, other.stage, &other.error)
            && (&self.team, &self.take_over) == (&other.team, &other.take_over)
    }
}

/// What the form's text fields are.
pub enum RetrainField {
    Param(usize),
    Reason,
    Note,
    Confirm,
}

impl RetrainForm {
    fn fields(&self) -> usize {
        self.request.params.len() + 2 + usize::from(self.production)
    }

    pub fn current(&self) -> RetrainField {
        let n = self.request.params.len();
        match self.field {
            i if i < n => RetrainField::Param(i),
            i if i == n => RetrainField::Reason,
            i if i == n + 1 => RetrainField::Note,
            _ => RetrainField::Confirm,
        }
    }

    fn text(&mut self) -> &mut String {
        match self.current() {
            RetrainField::Param(i) => &mut self.request.params[i].value,
            RetrainField::Reason => &mut self.request.reason,
            RetrainField::Note => &mut self.request.note,
            RetrainField::Confirm => &mut self.confirm,
        }
    }

    /// The form for `target`'s model (`None` when it names none) in `environment`, by
    /// `author`, filled in at `now`: the pipeline's parameters with their defaults, the
    /// reason taken from the alert it came from, and no note yet.
    pub fn new(
        target: Target,
        pipeline: RetrainTarget,
        environment: &EnvironmentInfo,
        author: &str,
        now: Timestamp,
    ) -> Option<RetrainForm> {
        let model = target.model.clone()?;
        let reason = target.alert.as_ref().map_or_else(String::new, |a| format!("{}: {}", a.name, a.summary));
        let params = pipeline.params.clone();
        // Start on the note: parameters and reason have sensible defaults.
        let field = params.len() + 1;
        Some(RetrainForm {
            request: TriggerRequest {
                target: pipeline,
                model,
                environment: environment.name.clone(),
                params,
                note: String::new(),
                author: author.to_string(),
                reason,
                at: now,
            },
            production: environment.production,
            target,
            field,
            confirm: String::new(),
            stage: RetrainStage::Editing,
            error: None,
            described: String::new(),
            team: Default::default(),
            take_over: None,
        })
    }

    /// Everything that keeps Enter from going on, in order; empty when it would.
    pub fn blockers(&self) -> Vec<RetrainBlocker> {
        let mut blockers = Vec::new();
        if self.request.note.trim().is_empty() {
            blockers.push(RetrainBlocker::Note);
        }
        for p in &self.request.params {
            if p.kind == ParamKind::Number && !p.value.contains('{') && p.value.trim().parse::<f64>().is_err() {
                blockers.push(RetrainBlocker::NotANumber(p.name.clone()));
                break;
            }
        }
        if self.production && !crate::domain::confirms_model(&self.request.model, &self.confirm) {
            blockers.push(RetrainBlocker::Unconfirmed);
        }
        if let Err(e) = pipelines::prepare(&self.request) {
            blockers.push(RetrainBlocker::Request(e));
        }
        if !self.team.in_flight.is_empty() && self.take_over.is_none() {
            blockers.push(RetrainBlocker::InFlight);
        }
        blockers
    }

    /// Why Enter cannot go on yet, if it cannot.
    pub fn blocker(&self) -> Option<String> {
        self.blockers().first().map(|b| b.text(&self.request.model))
    }

    /// What the confirmation sends: the request with its note trimmed, from the alert the
    /// form was opened on.
    pub fn order(&self) -> RetrainOrder {
        let mut request = self.request.clone();
        request.note = request.note.trim().to_string();
        let alert = self.target.alert.as_ref().map(|a| a.name.clone());
        RetrainOrder { request, automatic: None, alert, take_over: self.take_over.clone() }
    }
}

/// What keeps a retraining form from going on, in the order the form names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetrainBlocker {
    Note,
    /// The parameter of this name must be a number.
    NotANumber(String),
    /// Production, and the model's name is not typed.
    Unconfirmed,
    /// The request cannot be built (a placeholder or a value the pipeline refuses).
    Request(String),
    /// Another operator's action on the model is in flight and not taken over.
    InFlight,
}

impl RetrainBlocker {
    /// The console's words.
    pub fn text(&self, model: &str) -> String {
        match self {
            RetrainBlocker::Note => "write a note (why retrain now)".into(),
            RetrainBlocker::NotANumber(name) => format!("`{name}` must be a number"),
            RetrainBlocker::Unconfirmed => format!("type the model name `{model}` to confirm (production)"),
            RetrainBlocker::Request(e) => e.clone(),
            RetrainBlocker::InFlight => super::rollback::in_flight_text(model),
        }
    }
}

pub enum RetrainOutcome {
    Nothing,
    Cancel,
    Submit,
}

impl RetrainForm {
    /// A key in the form, with what the keymap's form mode makes of it; in a text field a
    /// printable key types.
    pub fn handle(&mut self, key: &KeyEvent, command: Option<Command>) -> RetrainOutcome {
        if self.stage == RetrainStage::Editing
            && let Some(c) = typed(key)
        {
            self.text().push(c);
            return RetrainOutcome::Nothing;
        }
        match (self.stage, command) {
            (RetrainStage::Sending, _) => RetrainOutcome::Nothing,
            (RetrainStage::Confirming, Some(Command::Submit)) => RetrainOutcome::Submit,
            (RetrainStage::Confirming, Some(Command::Cancel)) => {
                self.stage = RetrainStage::Editing;
                RetrainOutcome::Nothing
            }
            (RetrainStage::Confirming, _) => RetrainOutcome::Nothing,
            (RetrainStage::Editing, Some(Command::Cancel)) => RetrainOutcome::Cancel,
            (RetrainStage::Editing, Some(Command::NextField | Command::Down)) => {
                self.field = (self.field + 1) % self.fields();
                RetrainOutcome::Nothing
            }
            (RetrainStage::Editing, Some(Command::PreviousField | Command::Up)) => {
                self.field = (self.field + self.fields() - 1) % self.fields();
                RetrainOutcome::Nothing
            }
            (RetrainStage::Editing, Some(Command::Submit)) => {
                match self.blocker() {
                    Some(why) => self.error = Some(why),
                    None => {
                        self.error = None;
                        self.described = pipelines::describe(&self.request);
                        self.stage = RetrainStage::Confirming;
                    }
                }
                RetrainOutcome::Nothing
            }
            (RetrainStage::Editing, Some(Command::Override)) if !self.team.in_flight.is_empty() => {
                self.take_over = match self.take_over {
                    Some(_) => None,
                    None => self.team.in_flight.first().cloned(),
                };
                RetrainOutcome::Nothing
            }
            (RetrainStage::Editing, Some(Command::ClearField)) => {
                self.text().clear();
                RetrainOutcome::Nothing
            }
            (RetrainStage::Editing, _) if key.code == KeyCode::Backspace => {
                self.text().pop();
                RetrainOutcome::Nothing
            }
            _ => RetrainOutcome::Nothing,
        }
    }
}

/// A run being followed, as the model screen shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunView {
    pub run: StartedRun,
    pub state: RunState,
    pub started: Timestamp,
    pub polled: Option<Timestamp>,
    pub polling: bool,
    pub error: Option<String>,
}

impl App {
    pub(super) fn start_retrain(&mut self) -> Vec<Effect> {
        if self.refuse_read_only("retraining") {
            return Vec::new();
        }
        let target = self.target();
        let Some(model) = target.model.clone() else {
            self.message = Some((MessageLevel::Info, "select a model or an alert first".into()));
            return Vec::new();
        };
        let Some(pipeline) = self.settings.retrain.for_model(&model).cloned() else {
            self.message = Some((MessageLevel::Error, format!("no retraining is configured for {model}")));
            return Vec::new();
        };
        self.open_retrain_form(target, pipeline)
    }

    /// The form for `target`'s model (which must be set), the reason taken from its alert;
    /// the pipeline's schedule is read meanwhile.
    pub(super) fn open_retrain_form(&mut self, target: Target, pipeline: RetrainTarget) -> Vec<Effect> {
        let env = self.environment_info().clone();
        let Some(form) = RetrainForm::new(target, pipeline, &env, &self.settings.author, self.now) else {
            return Vec::new();
        };
        let (model, name) = (form.request.model.clone(), form.request.target.name.clone());
        self.modal = Some(Modal::from(form));
        self.with_team();
        self.read_schedule(&model, &name)
    }

    pub(super) fn on_retrain_key(&mut self, key: &KeyEvent, command: Option<Command>) -> Vec<Effect> {
        let Some(form) = self.retrain_mut() else { return Vec::new() };
        match form.handle(key, command) {
            RetrainOutcome::Nothing => Vec::new(),
            RetrainOutcome::Cancel => {
                self.close_retrain();
                self.message = Some((MessageLevel::Info, "retraining cancelled; nothing was sent".into()));
                Vec::new()
            }
            RetrainOutcome::Submit => {
                if self.refuse_read_only("retraining") {
                    return Vec::new();
                }
                let Some(form) = self.retrain_mut() else { return Vec::new() };
                form.stage = RetrainStage::Sending;
                let order = form.order();
                self.busy = Some(format!("triggering {} for {}…", order.request.target.label, order.request.model));
                vec![Effect::Act(Box::new(ActionRequest::Retrain(Box::new(order))))]
            }
        }
    }

    /// A trigger's report closes the form; a started run is followed from then on.
    pub(super) fn on_retrain_finished(&mut self, report: &ActionReport) {
        if report.kind != ReportKind::Retrain {
            return;
        }
        if let Some(form) = self.retrain_mut().filter(|f| f.stage == RetrainStage::Sending) {
            if report.ok || report.started.is_some() {
                self.close_retrain();
            } else {
                form.stage = RetrainStage::Editing;
                form.error = Some(report.message.clone());
            }
        }
        if let Some(run) = report.started.clone() {
            self.runs.push(RunView {
                run,
                state: RunState::Queued,
                started: self.now,
                polled: None,
                polling: false,
                error: None,
            });
        }
    }

    /// Runs due for a poll, on each tick.
    pub(super) fn runs_due(&mut self) -> Vec<Effect> {
        let now = self.now;
        let mut effects = Vec::new();
        for (i, view) in self.runs.iter_mut().enumerate() {
            let due = view.polled.is_none_or(|t| now.as_second() - t.as_second() >= POLL_EVERY_S);
            if view.run.pollable && !view.state.is_final() && !view.polling && due {
                view.polling = true;
                let run_id = view.run.run_id.clone().unwrap_or_default();
                effects.push(Effect::PollRun {
                    index: i,
                    model: view.run.model.clone(),
                    target: view.run.target.clone(),
                    run_id,
                });
            }
        }
        effects
    }

    pub(super) fn on_run_polled(
        &mut self,
        index: usize,
        run_id: &str,
        result: Result<RunState, String>,
    ) -> Vec<Effect> {
        let now = self.now;
        let Some(view) = self.runs.get_mut(index).filter(|v| v.run.run_id.as_deref() == Some(run_id)) else {
            return Vec::new();
        };
        view.polling = false;
        view.polled = Some(now);
        match result {
            Ok(state) => {
                view.error = None;
                let ended = state.is_final() && !view.state.is_final();
                view.state = state.clone();
                if ended {
                    let level = if state == RunState::Succeeded { MessageLevel::Info } else { MessageLevel::Error };
                    self.message = Some((level, format!("retrain run {run_id} of {} {state}", view.run.model)));
                    let end = RunEnd {
                        model: view.run.model.clone(),
                        target: view.run.target.clone(),
                        run_id: run_id.to_string(),
                        state,
                        started: view.started,
                    };
                    return vec![Effect::Act(Box::new(ActionRequest::RunEnded(Box::new(end))))];
                }
            }
            Err(e) => view.error = Some(e),
        }
        Vec::new()
    }

    /// The runs of `model`, newest first.
    pub fn runs_of<'a>(&'a self, model: &'a str) -> impl Iterator<Item = &'a RunView> + 'a {
        self.runs.iter().rev().filter(move |r| r.run.model == model)
    }
}

/// A param as the form shows it.
pub fn param_label(p: &Param) -> String {
    match p.kind {
        ParamKind::Text => p.name.clone(),
        ParamKind::Number => format!("{} (number)", p.name),
        ParamKind::Bool => format!("{} (true/false)", p.name),
    }
}
