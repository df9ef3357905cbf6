//! The model screen's state: which model, the time range, and the last load of its panels.

use jiff::Timestamp;

use super::{App, Screen};
use crate::domain::Alert;
use crate::domain::Effect;
use crate::domain::{DetailSnapshot, TimeRange};
use crate::input::keymap::Command;

#[derive(Debug, Clone, PartialEq)]
pub struct DetailView {
    pub model: String,
    pub range: TimeRange,
    pub snapshot: Option<DetailSnapshot>,
    pub error: Option<String>,
    pub loading: bool,
    pub loaded_at: Option<Timestamp>,
    /// Bumped per request; older answers are dropped.
    pub seq: u64,
    /// The alert it was opened from (fingerprint): part of the operator's target.
    pub alert: Option<String>,
}

impl App {
    /// Opens the model screen; from an alert, anchored at the alert's start. Where the model
    /// has a retraining pipeline, its schedule is read as well.
    pub(super) fn open_model(&mut self, model: String, from: Option<&Alert>) -> Vec<Effect> {
        let now = self.now.as_second();
        let anchor = from.and_then(|a| a.starts_at);
        let range = anchor.map_or_else(TimeRange::default, |t| TimeRange::anchored(t.as_second(), now));
        let seq = self.detail.as_ref().map_or(0, |d| d.seq);
        self.detail = Some(DetailView {
            model: model.clone(),
            range,
            snapshot: None,
            error: None,
            loading: false,
            loaded_at: None,
            seq,
            alert: from.map(|a| a.fingerprint.clone()),
        });
        let pipeline = self.settings.retrain.for_model(&model).map(|t| t.name.clone());
        self.screen = Screen::Model(model.clone());
        let mut effects = self.load_detail();
        // The screen shows the retraining pipeline's schedule too, read afresh.
        if let Some(pipeline) = pipeline {
            effects.extend(self.read_schedule(&model, &pipeline));
        }
        effects
    }

    pub(super) fn load_detail(&mut self) -> Vec<Effect> {
        let now = self.now.as_second();
        let Some(detail) = self.detail.as_mut() else { return Vec::new() };
        detail.seq += 1;
        detail.loading = true;
        vec![Effect::LoadDetail { model: detail.model.clone(), bounds: detail.range.bounds(now), seq: detail.seq }]
    }

    /// Zoom, pan and live keys on the model screen.
    pub(super) fn chart_command(&mut self, command: &Command) -> Option<Vec<Effect>> {
        if !matches!(self.screen, Screen::Model(_)) {
            return None;
        }
        let now = self.now.as_second();
        let detail = self.detail.as_mut()?;
        match command {
            Command::ZoomIn => detail.range.zoom_in(),
            Command::ZoomOut => detail.range.zoom_out(),
            Command::PanBack => detail.range.pan(false, now),
            Command::PanForward => detail.range.pan(true, now),
            Command::Live => detail.range.live(),
            _ => return None,
        }
        Some(self.load_detail())
    }

    pub(super) fn on_detail_loaded(&mut self, seq: u64, result: Result<DetailSnapshot, String>) {
        let now = self.now;
        let Some(detail) = self.detail.as_mut() else { return };
        if detail.seq != seq {
            return;
        }
        detail.loading = false;
        detail.loaded_at = Some(now);
        match result {
            Ok(snapshot) => {
                detail.snapshot = Some(snapshot);
                detail.error = None;
            }
            Err(e) => detail.error = Some(e),
        }
    }

    /// A live model screen, or one whose window still reaches into the future, reloads at
    /// the refresh interval.
    pub(super) fn detail_due(&mut self) -> Vec<Effect> {
        let refresh = self.settings.refresh.as_secs().max(1) as i64;
        let due = match (&self.screen, &self.detail) {
            (Screen::Model(_), Some(d)) => {
                d.range.is_open(self.now.as_second())
                    && !d.loading
                    && d.loaded_at.is_none_or(|t| self.now.as_second() - t.as_second() >= refresh)
            }
            _ => false,
        };
        if due { self.load_detail() } else { Vec::new() }
    }
}
