//! The versions screen: a model's versions from the registry with the live one marked, its
//! governance facts, and the start of a rollback. Refusals (read-only, no backend, the live
//! version, an unvalidated target without an allowed override) happen here, before any
//! effect exists.

use super::rollback::{RollbackForm, RollbackOutcome, RollbackStage};
use super::{App, Cursor, MessageLevel, Screen};
use crate::app::Modal;
use crate::domain::Effect;
use crate::domain::ModelVersion;
use crate::domain::VersionsSnapshot;
use crate::domain::{ActionReport, ActionRequest, ReportKind};
use crate::input::keymap::Command;

#[derive(Debug, Clone, PartialEq)]
pub struct VersionsView {
    pub model: String,
    pub snapshot: Option<VersionsSnapshot>,
    pub error: Option<String>,
    pub loading: bool,
    /// The version under the cursor, by version.
    pub cursor: Cursor<String>,
    pub seq: u64,
    /// The alert it was opened from (fingerprint): part of the operator's target.
    pub alert: Option<String>,
    /// Where Esc goes back to.
    pub from_model_screen: bool,
    /// Opened by a runbook rule: on load, pick the newest validated version below the live
    /// one and open the rollback confirmation.
    pub pick_validated: bool,
    /// Champion against challenger.
    pub compare: super::compare::CompareView,
}

impl VersionsView {
    pub fn versions(&self) -> &[ModelVersion] {
        self.snapshot.as_ref().map_or(&[], |s| s.versions())
    }

    /// The version under the cursor, by identity.
    pub fn selected_version(&self) -> Option<&ModelVersion> {
        let key = self.cursor.key()?;
        self.versions().get(self.cursor.index()).filter(|v| &v.version == key)
    }

    /// The highlighted row.
    pub fn selected(&self) -> usize {
        self.cursor.index()
    }

    fn step(&mut self, delta: isize) {
        let versions = self.snapshot.as_ref().map_or(&[][..], |s| s.versions());
        self.cursor.step(delta, versions.len(), |i| versions.get(i).map(|v| &v.version));
    }

    fn select_at(&mut self, at: usize) {
        self.cursor = Cursor::default();
        self.step(at as isize);
    }
}

impl App {
    pub(super) fn open_versions(&mut self, model: String, from_model_screen: bool) -> Vec<Effect> {
        let alert = self.target().alert.map(|a| a.fingerprint);
        self.open_versions_from(model, from_model_screen, alert)
    }

    fn open_versions_from(&mut self, model: String, from_model_screen: bool, alert: Option<String>) -> Vec<Effect> {
        let seq = self.versions.as_ref().map_or(0, |v| v.seq);
        self.versions = Some(VersionsView {
            model: model.clone(),
            snapshot: None,
            error: None,
            loading: false,
            cursor: Cursor::default(),
            seq,
            alert,
            from_model_screen,
            pick_validated: false,
            compare: Default::default(),
        });
        self.screen = Screen::Versions(model);
        self.load_versions()
    }

    fn load_versions(&mut self) -> Vec<Effect> {
        let Some(view) = self.versions.as_mut() else { return Vec::new() };
        view.seq += 1;
        view.loading = true;
        vec![Effect::LoadVersions { model: view.model.clone(), seq: view.seq }]
    }

    pub(super) fn on_versions_loaded(&mut self, seq: u64, result: Result<VersionsSnapshot, String>) -> Vec<Effect> {
        let Some(view) = self.versions.as_mut().filter(|v| v.seq == seq) else { return Vec::new() };
        view.loading = false;
        match result {
            Ok(snapshot) => {
                let first_load = view.snapshot.is_none();
                view.snapshot = Some(snapshot);
                view.error = None;
                if first_load {
                    // Start on the version after the live one: the usual rollback target.
                    let versions = view.versions();
                    let live = view.snapshot.as_ref().and_then(|s| s.live.as_deref());
                    let at = versions.iter().position(|v| Some(v.version.as_str()) == live);
                    let at = at.map_or(0, |i| (i + 1).min(versions.len().saturating_sub(1)));
                    view.select_at(at);
                } else {
                    // A reload keeps the cursor on the same version.
                    let versions = view.snapshot.as_ref().map_or(&[][..], |s| s.versions());
                    view.cursor.resolve(versions.len(), |i| versions.get(i).map(|v| &v.version));
                }
                if std::mem::take(&mut view.pick_validated) {
                    self.pick_last_validated();
                }
                // Every load refreshes the comparison: the default challenger needs it.
                self.load_comparison()
            }
            Err(e) => {
                view.error = Some(e);
                Vec::new()
            }
        }
    }

    /// Selects the newest validated version older than the live one and opens the rollback.
    fn pick_last_validated(&mut self) {
        let Some(view) = self.versions.as_mut() else { return };
        let Some(snapshot) = view.snapshot.as_ref() else { return };
        let Some(spec) = snapshot.spec.as_ref() else { return };
        let live = snapshot.versions().iter().position(|v| Some(v.version.as_str()) == snapshot.live.as_deref());
        let from = live.map_or(0, |i| i + 1);
        let pick = snapshot
            .versions()
            .iter()
            .enumerate()
            .skip(from)
            .find(|(_, v)| spec.is_validated(v.tag(&spec.validation_tag)));
        match pick {
            Some((i, _)) => {
                view.select_at(i);
                self.start_rollback();
            }
            None => {
                self.message = Some((MessageLevel::Error, "no validated version older than the live one".into()));
            }
        }
    }

    /// Keys on the versions screen, and `v`/`R` anywhere: they act on the target's model.
    pub(super) fn versions_command(&mut self, command: &Command) -> Option<Vec<Effect>> {
        if let Some(effects) = self.compare_command(command) {
            return Some(effects);
        }
        match (&self.screen, command) {
            (Screen::Versions(_), Command::Rollback) => Some(self.start_rollback()),
            (Screen::Versions(_), Command::Refresh) => Some(self.load_versions()),
            (Screen::Versions(model), Command::Back) => {
                let model = model.clone();
                let back_to_model = self.versions.as_ref().is_some_and(|v| v.from_model_screen);
                self.screen = if back_to_model { Screen::Model(model) } else { Screen::Overview };
                Some(Vec::new())
            }
            (
                Screen::Versions(_),
                Command::Up | Command::Down | Command::Top | Command::Bottom | Command::PageUp | Command::PageDown,
            ) => {
                let page = self.page_rows as isize;
                let view = self.versions.as_mut()?;
                view.step(match command {
                    Command::Up => -1,
                    Command::Down => 1,
                    Command::PageUp => -page,
                    Command::PageDown => page,
                    Command::Top => isize::MIN / 2,
                    _ => isize::MAX / 2,
                });
                Some(Vec::new())
            }
            (_, Command::Versions(Some(model))) => Some(self.open_versions(model.clone(), false)),
            (Screen::Versions(_), Command::Versions(None)) => Some(Vec::new()),
            (_, Command::Versions(None) | Command::Rollback) => {
                let target = self.target();
                let Some(model) = target.model else {
                    self.message = Some((MessageLevel::Info, "select a model or an alert first".into()));
                    return Some(Vec::new());
                };
                let alert = target.alert.map(|a| a.fingerprint);
                let from_model_screen = matches!(self.screen, Screen::Model(_));
                Some(if *command == Command::Rollback {
                    self.open_rollback_for(model, alert)
                } else {
                    self.open_versions_from(model, from_model_screen, alert)
                })
            }
            _ => None,
        }
    }

    /// `R` outside the versions screen (and a runbook's rollback): the model's versions with
    /// the newest validated version older than the live one picked and its confirmation open.
    pub(super) fn open_rollback_for(&mut self, model: String, alert: Option<String>) -> Vec<Effect> {
        if self.refuse_read_only("rollback") {
            return Vec::new();
        }
        let from_model_screen = matches!(self.screen, Screen::Model(_));
        let effects = self.open_versions_from(model, from_model_screen, alert);
        if let Some(view) = self.versions.as_mut() {
            view.pick_validated = true;
        }
        effects
    }

    fn start_rollback(&mut self) -> Vec<Effect> {
        let target = self.versions.as_ref().and_then(|v| v.selected_version()).map(|v| v.version.clone());
        self.start_rollback_to(target)
    }

    /// The confirmation of a rollback to `target`, or why there is none.
    pub(super) fn start_rollback_to(&mut self, target: Option<String>) -> Vec<Effect> {
        if self.refuse_read_only("rollback") {
            return Vec::new();
        }
        let env = self.environment_info().clone();
        let who = self.target();
        let Some(view) = self.versions.as_ref() else { return Vec::new() };
        let refuse = |app: &mut App, why: String| {
            app.message = Some((MessageLevel::Error, why));
            Vec::new()
        };
        let Some(snapshot) = view.snapshot.as_ref() else {
            return refuse(self, "the versions are still loading".into());
        };
        match super::rollback::rollback_plan(snapshot, &view.model, target.as_deref(), &env.name) {
            Ok(plan) => {
                self.modal = Some(Modal::from(RollbackForm::new(&env, who.alert, plan)));
                self.with_team();
                Vec::new()
            }
            Err(why) => refuse(self, why),
        }
    }

    pub(super) fn on_rollback_key(
        &mut self,
        key: &crossterm::event::KeyEvent,
        command: Option<Command>,
    ) -> Vec<Effect> {
        let Some(form) = self.rollback_mut() else { return Vec::new() };
        match form.handle(key, command) {
            RollbackOutcome::Nothing => Vec::new(),
            RollbackOutcome::Cancel => {
                self.close_rollback();
                self.message = Some((MessageLevel::Info, "rollback cancelled; nothing was changed".into()));
                Vec::new()
            }
            RollbackOutcome::Submit(plan) => {
                if self.refuse_read_only("rollback") {
                    return Vec::new();
                }
                let from = plan.current.clone().unwrap_or_else(|| "?".into());
                self.busy = Some(format!("rolling back {} {from} → {}…", plan.model, plan.target));
                vec![Effect::Act(Box::new(ActionRequest::Rollback(plan)))]
            }
        }
    }

    /// A rollback's report closes its form, makes a verified version live, and reloads the
    /// versions to show the new state.
    pub(super) fn on_rollback_finished(&mut self, report: &ActionReport) -> Vec<Effect> {
        if report.kind != ReportKind::Rollback {
            return Vec::new();
        }
        if self.rollback().is_some_and(|f| f.stage == RollbackStage::Running) {
            self.close_rollback();
        }
        let mut effects = self.on_read_back(report);
        if matches!(self.screen, Screen::Versions(_)) {
            effects.extend(self.load_versions());
        }
        effects
    }
}
