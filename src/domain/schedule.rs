//! A retraining pipeline's own schedule, as its API reports it: shown before an operator
//! triggers, so that a run already in progress or one due soon is not doubled.

use jiff::Timestamp;

/// What was read of a pipeline's schedule. Text from the server is kept raw.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PipelineSchedule {
    /// The schedule in the pipeline's words ("At 00:00", "@daily"); `None` when it runs
    /// only when triggered.
    pub description: Option<String>,
    /// The schedule is switched off (an Airflow DAG paused): nothing runs on its own.
    pub paused: bool,
    /// The newest run: its state as the server names it, and when it was due or began.
    pub last: Option<LastRun>,
    /// When the next scheduled run is due: as the server has it on record (Airflow; a
    /// paused schedule keeps one that will not run), or computed from the cron where the
    /// server keeps none (Argo, KFP, GitHub; none while switched off).
    pub next: Option<Timestamp>,
    /// A run is queued or running now.
    pub in_progress: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LastRun {
    pub state: String,
    pub at: Option<Timestamp>,
}

/// A schedule, or why there is none to show.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleRead {
    Read(PipelineSchedule),
    /// The kind has no schedule to ask (a webhook, a local command).
    NotKnown,
}
