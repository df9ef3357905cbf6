//! The demo's retraining pipeline: a run is queued for a moment, runs for a few seconds,
//! succeeds, and the model's accuracy comes back up.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::{DemoFleet, MODELS};
use crate::domain::cron::Schedule;
use crate::domain::ports::{BoxFuture, Pipelines};
use crate::domain::schedule::{LastRun, PipelineSchedule, ScheduleRead};
use crate::domain::{RetrainTarget, RunState, TriggerError, TriggerRequest, Triggered};

/// Seconds a demo run spends queued, then running.
const QUEUED_S: f64 = 2.0;
const RUNNING_S: f64 = 8.0;

#[derive(Debug, Clone)]
pub struct DemoRetrain {
    fleet: DemoFleet,
}

impl DemoRetrain {
    pub fn new(fleet: DemoFleet) -> DemoRetrain {
        DemoRetrain { fleet }
    }

    pub fn trigger(&self, model: &str) -> Triggered {
        let now = self.fleet.seconds_in(Timestamp::now());
        let mut state = self.fleet.state();
        let id = format!("demo-run-{}", state.runs.len() + 1);
        state.runs.insert(id.clone(), (model.to_string(), now));
        Triggered { run_id: Some(id.clone()), url: None, pollable: true, detail: format!("simulated run {id} queued") }
    }

    pub fn poll(&self, run_id: &str) -> Result<RunState, String> {
        let now = self.fleet.seconds_in(Timestamp::now());
        let Some((model, at)) = self.fleet.state().runs.get(run_id).cloned() else {
            return Err(format!("no demo run {run_id}"));
        };
        let age = now - at;
        if age < QUEUED_S {
            return Ok(RunState::Queued);
        }
        if age < QUEUED_S + RUNNING_S {
            return Ok(RunState::Running);
        }
        // A finished run retrains the model on fresh data: the degrading model recovers.
        if let Some(i) = MODELS.iter().position(|m| m.name == model) {
            self.fleet.fix(i, Timestamp::now());
        }
        Ok(RunState::Succeeded)
    }
}

impl Pipelines for DemoRetrain {
    fn trigger<'a>(&'a self, request: &'a TriggerRequest) -> BoxFuture<'a, Result<Triggered, TriggerError>> {
        Box::pin(std::future::ready(Ok(DemoRetrain::trigger(self, &request.model))))
    }

    fn poll<'a>(&'a self, _: &'a RetrainTarget, run_id: &'a str) -> BoxFuture<'a, Result<RunState, String>> {
        Box::pin(std::future::ready(DemoRetrain::poll(self, run_id)))
    }

    fn schedule<'a>(&'a self, _: &'a RetrainTarget, now: Timestamp) -> BoxFuture<'a, Result<ScheduleRead, String>> {
        Box::pin(std::future::ready(Ok(ScheduleRead::Read(nightly(now)))))
    }
}

/// The demo pipeline's cron, read as an Argo, KFP or GitHub one is.
const NIGHTLY: &str = "0 2 * * *";

/// The demo pipeline also runs nightly at 02:00 UTC; its last run succeeded.
pub fn nightly(now: Timestamp) -> PipelineSchedule {
    let next = Schedule::parse(NIGHTLY).ok().and_then(|s| s.next_run(now, None, &TimeZone::UTC));
    PipelineSchedule {
        description: Some(format!("cron {NIGHTLY} UTC")),
        paused: false,
        last: next.map(|n| LastRun { state: "success".into(), at: n.checked_sub(SignedDuration::from_hours(24)).ok() }),
        next,
        in_progress: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_schedule_is_its_cron_next_and_the_run_a_day_before() {
        let s = nightly("2026-12-06T21:07:00Z".parse().unwrap());
        assert_eq!(s.description.as_deref(), Some("cron 0 2 * * * UTC"));
        assert_eq!(s.next, Some("2026-12-07T02:00:00Z".parse().unwrap()));
        assert_eq!(s.last.and_then(|l| l.at), Some("2026-12-06T02:00:00Z".parse().unwrap()));
        let s = nightly("2026-12-07T01:30:00Z".parse().unwrap());
        assert_eq!(s.next, Some("2026-12-07T02:00:00Z".parse().unwrap()), "due within the hour");
    }
}
