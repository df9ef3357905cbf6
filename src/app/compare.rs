//! Champion against challenger on the versions screen: which two versions are compared
//! (the live one and, unless the operator marks another, the newest other version serving
//! traffic, both held by version, never by row), their figures over one window, fetched
//! off the UI thread, and the key that rolls back to the better of the two by accuracy
//! through the usual confirmation.

use super::{App, MessageLevel, Screen};
use crate::domain::{Better, CompareMetric, Effect, WindowComparison, WindowFigures, difference, pick_pair};
use crate::input::keymap::Command;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CompareView {
    /// The challenger the operator marked, by version; `None`: the default pick.
    pub chosen: Option<String>,
    /// The comparison pane is shown.
    pub open: bool,
    pub seq: u64,
    pub loading: bool,
    /// The last good figures; kept while a reload fails.
    pub window: Option<WindowComparison>,
    pub error: Option<String>,
}

/// The two versions compared and their figures, where known.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair<'a> {
    pub champion: Option<String>,
    pub challenger: Option<String>,
    pub champion_figures: Option<&'a WindowFigures>,
    pub challenger_figures: Option<&'a WindowFigures>,
}

impl App {
    /// The champion and challenger of the versions screen now.
    pub fn comparison_pair(&self) -> Pair<'_> {
        let Some(view) = self.versions.as_ref() else {
            return Pair { champion: None, challenger: None, champion_figures: None, challenger_figures: None };
        };
        let listed: Vec<&str> = view.versions().iter().map(|v| v.version.as_str()).collect();
        let live = view.snapshot.as_ref().and_then(|s| s.live.as_deref());
        let window = view.compare.window.as_ref();
        let (champion, challenger) = pick_pair(&listed, live, window, view.compare.chosen.as_deref());
        let figures = |v: &Option<String>| v.as_deref().and_then(|v| window.and_then(|w| w.figures(v)));
        Pair { champion_figures: figures(&champion), challenger_figures: figures(&challenger), champion, challenger }
    }

    /// Asks for every version's figures over the configured window.
    pub(super) fn load_comparison(&mut self) -> Vec<Effect> {
        let window = self.settings.compare_window;
        let Some(view) = self.versions.as_mut() else { return Vec::new() };
        view.compare.seq += 1;
        view.compare.loading = true;
        vec![Effect::CompareVersions { model: view.model.clone(), window, seq: view.compare.seq }]
    }

    pub(super) fn on_versions_compared(&mut self, seq: u64, result: Result<WindowComparison, String>) {
        let Some(view) = self.versions.as_mut().filter(|v| v.compare.seq == seq) else { return };
        let compare = &mut view.compare;
        compare.loading = false;
        match result {
            Ok(window) => {
                compare.window = Some(window);
                compare.error = None;
            }
            Err(e) => compare.error = Some(e),
        }
    }

    /// `c`, `C` and `B` on the versions screen.
    pub(super) fn compare_command(&mut self, command: &Command) -> Option<Vec<Effect>> {
        if !matches!(self.screen, Screen::Versions(_)) {
            return None;
        }
        match command {
            Command::Challenger => Some(self.mark_challenger()),
            Command::Compare => {
                let view = self.versions.as_mut()?;
                view.compare.open = !view.compare.open;
                let idle = view.compare.window.is_none() && !view.compare.loading && view.snapshot.is_some();
                Some(if view.compare.open && idle { self.load_comparison() } else { Vec::new() })
            }
            Command::RollbackBetter => Some(self.roll_back_to_better()),
            _ => None,
        }
    }

    fn mark_challenger(&mut self) -> Vec<Effect> {
        let Some(selected) = self.versions.as_ref().and_then(|v| v.selected_version()).map(|v| v.version.clone())
        else {
            self.message = Some((MessageLevel::Info, "no version is selected".into()));
            return Vec::new();
        };
        if self.comparison_pair().champion.as_deref() == Some(selected.as_str()) {
            let text = format!("version {selected} is the champion: mark another version as the challenger");
            self.message = Some((MessageLevel::Error, text));
            return Vec::new();
        }
        let Some(view) = self.versions.as_mut() else { return Vec::new() };
        view.compare.chosen = Some(selected.clone());
        view.compare.open = true;
        self.message = Some((MessageLevel::Info, format!("challenger: version {selected}")));
        Vec::new()
    }

    fn roll_back_to_better(&mut self) -> Vec<Effect> {
        let refuse = |app: &mut App, level: MessageLevel, text: String| {
            app.message = Some((level, text));
            Vec::new()
        };
        if !self.versions.as_ref().is_some_and(|v| v.compare.open) {
            let key = self.settings.keymap.primary(Command::Compare);
            return refuse(self, MessageLevel::Info, format!("open the comparison first ({key})"));
        }
        let pair = self.comparison_pair();
        let (Some(champion), Some(challenger)) = (pair.champion.clone(), pair.challenger.clone()) else {
            return refuse(self, MessageLevel::Error, "no champion and challenger to compare".into());
        };
        let accuracy = match (pair.champion_figures, pair.challenger_figures) {
            (Some(a), Some(b)) => difference(CompareMetric::Accuracy, a, b),
            _ => None,
        };
        let target = match accuracy {
            None => {
                let text = format!("no accuracy for both {champion} and {challenger}: nothing to choose by");
                return refuse(self, MessageLevel::Error, text);
            }
            Some((_, Better::Neither)) => {
                let text = format!("versions {champion} and {challenger} are level on accuracy: nothing to do");
                return refuse(self, MessageLevel::Info, text);
            }
            Some((_, Better::Champion)) => {
                // The champion is what serves now, live or (without a registry) busiest.
                let live = self.versions.as_ref().and_then(|v| v.snapshot.as_ref()).and_then(|s| s.live.clone());
                let text = if live.as_deref() == Some(champion.as_str()) {
                    format!("version {champion} is the better by accuracy and already live: nothing to do")
                } else {
                    format!("version {champion}, the champion, is the better by accuracy: nothing to do")
                };
                return refuse(self, MessageLevel::Info, text);
            }
            Some((_, Better::Challenger)) => challenger,
        };
        self.start_rollback_to(Some(target))
    }
}
