//! The retraining pipeline's own schedule: read when the retraining form opens, shown on
//! the form and the model screen, with a warning when a run is in progress or due soon so
//! that a retrain is not doubled.

use jiff::Timestamp;

use super::App;
use crate::domain::Effect;
use crate::domain::schedule::{PipelineSchedule, ScheduleRead};

/// A scheduled run this close counts as due soon.
pub const DUE_SOON_S: i64 = 3600;

/// A model's pipeline schedule as the console knows it.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleState {
    Reading,
    Known(ScheduleRead),
    Failed(String),
}

impl App {
    /// Asks the pipeline behind `target` for `model`'s schedule.
    pub(super) fn read_schedule(&mut self, model: &str, target: &str) -> Vec<Effect> {
        self.schedules.insert(model.to_string(), ScheduleState::Reading);
        vec![Effect::ReadSchedule { model: model.to_string(), target: target.to_string() }]
    }

    pub(super) fn on_schedule_read(&mut self, model: String, result: Result<ScheduleRead, String>) -> Vec<Effect> {
        self.dirty = true;
        let state = match result {
            Ok(read) => ScheduleState::Known(read),
            Err(e) => ScheduleState::Failed(e),
        };
        self.schedules.insert(model, state);
        Vec::new()
    }

    /// `model`'s schedule line and its warnings, once a read was asked for.
    pub fn schedule_text(&self, model: &str) -> Option<(String, Vec<String>)> {
        let state = self.schedules.get(model)?;
        Some((schedule_line(state, self.now), schedule_warnings(state, self.now)))
    }
}

/// "schedule: At 00:00; last run success 3 h ago; next 2026-12-07 00:00 UTC (in 40 min)".
/// Outside text stays raw here; views make it inert.
pub fn schedule_line(state: &ScheduleState, now: Timestamp) -> String {
    let s = match state {
        ScheduleState::Reading => return "schedule: reading…".into(),
        ScheduleState::Failed(e) => return format!("schedule: could not be read: {e}"),
        ScheduleState::Known(ScheduleRead::NotKnown) => return "schedule: not known for this kind".into(),
        ScheduleState::Known(ScheduleRead::Read(s)) => s,
    };
    let mut text = format!("schedule: {}", s.description.as_deref().unwrap_or("none (runs only when triggered)"));
    if s.paused {
        text.push_str(" (paused)");
    }
    match &s.last {
        Some(last) => {
            text.push_str(&format!("; last run {}", last.state));
            if let Some(at) = last.at {
                text.push_str(&format!(" {} ago", span(now.as_second() - at.as_second())));
            }
        }
        None => text.push_str("; no run yet"),
    }
    if let Some(next) = s.next.filter(|_| !s.paused) {
        let when = next.strftime("%Y-%m-%d %H:%M UTC");
        let left = next.as_second() - now.as_second();
        let relative = if left > 0 { format!("in {}", span(left)) } else { "due now".into() };
        text.push_str(&format!("; next {when} ({relative})"));
    }
    text
}

/// "⚠ a run is in progress", "⚠ the next scheduled run is due in 40 min".
pub fn schedule_warnings(state: &ScheduleState, now: Timestamp) -> Vec<String> {
    let ScheduleState::Known(ScheduleRead::Read(s)) = state else { return Vec::new() };
    let mut warnings = Vec::new();
    if s.in_progress {
        warnings.push("⚠ a run is in progress".to_string());
    }
    if let Some(left) = due_soon(s, now) {
        let when = if left > 0 { format!("due in {}", span(left)) } else { "due now".into() };
        warnings.push(format!("⚠ the next scheduled run is {when}"));
    }
    warnings
}

/// Seconds until the next scheduled run when that is within [`DUE_SOON_S`].
fn due_soon(s: &PipelineSchedule, now: Timestamp) -> Option<i64> {
    let left = s.next.filter(|_| !s.paused)?.as_second() - now.as_second();
    (left <= DUE_SOON_S).then_some(left)
}

/// "40 s", "40 min", "3 h", "2 days".
fn span(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..172_800 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}
