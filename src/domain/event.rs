//! Everything that can happen to the app arrives as one [`Event`]; everything the app
//! wants done outside itself leaves as an [`Effect`].

use std::time::Duration;

use crossterm::event::KeyEvent;
use jiff::Timestamp;

use super::Alert;
use super::Matcher;
use super::{ActionReport, ActionRequest};
use super::{Draft, Entry};
use super::{SourceData, SourceId};

#[derive(Debug, Clone)]
pub enum Event {
    Key(KeyEvent),
    Resize(u16, u16),
    /// Once a second, so that "data age" labels stay true.
    Tick(Timestamp),
    Source(SourceUpdate),
    /// SIGTERM, SIGHUP (dropped SSH session) or SIGINT.
    Shutdown(&'static str),
    /// The journal file was read (oldest first).
    JournalLoaded(Result<Vec<Entry>, String>),
    /// Entries appended to the journal since the last read, by any process.
    JournalFollowed(super::team::Followed),
    /// An append finished: the durable entry, or why it failed.
    JournalAppended(Result<Box<Entry>, String>),
    /// Alertmanager's answer to "which alerts would these matchers mute?".
    SilencePreview {
        seq: u64,
        result: Result<Vec<Alert>, String>,
    },
    /// A confirmed action ended (and was journaled).
    ActionFinished(Box<ActionReport>),
    /// The model screen's panels arrived.
    DetailLoaded {
        seq: u64,
        result: Result<Box<super::DetailSnapshot>, String>,
    },
    /// A followed retraining run's state.
    RunPolled {
        index: usize,
        run_id: String,
        result: Result<super::RunState, String>,
    },
    /// A retraining pipeline's schedule, read when its form opened.
    ScheduleRead {
        model: String,
        result: Result<super::schedule::ScheduleRead, String>,
    },
    /// The versions screen's registry read arrived.
    VersionsLoaded {
        seq: u64,
        result: Result<Box<super::VersionsSnapshot>, String>,
    },
    /// The versions screen's champion-and-challenger figures arrived.
    VersionsCompared {
        seq: u64,
        result: Result<Box<super::WindowComparison>, String>,
    },
    /// One scrape of a `[[model]]`'s own serving endpoint (independent of Prometheus).
    LiveScrape {
        model: String,
        result: Result<Box<super::LiveFigures>, String>,
    },
}

impl Event {
    /// The event with the run's credentials masked in its error and report messages: a
    /// server may quote a token back in an error page, whatever shape the token has.
    pub fn redacted(self, redactor: &super::Redactor) -> Event {
        let text = |e: String| redactor.text(&e);
        match self {
            Event::Source(mut update) => {
                update.outcome = update.outcome.map_err(text);
                Event::Source(update)
            }
            Event::JournalLoaded(result) => Event::JournalLoaded(result.map_err(text)),
            Event::JournalAppended(result) => Event::JournalAppended(result.map_err(text)),
            Event::SilencePreview { seq, result } => Event::SilencePreview { seq, result: result.map_err(text) },
            Event::DetailLoaded { seq, result } => Event::DetailLoaded { seq, result: result.map_err(text) },
            Event::RunPolled { index, run_id, result } => {
                Event::RunPolled { index, run_id, result: result.map_err(text) }
            }
            Event::VersionsLoaded { seq, result } => Event::VersionsLoaded { seq, result: result.map_err(text) },
            Event::VersionsCompared { seq, result } => Event::VersionsCompared { seq, result: result.map_err(text) },
            Event::LiveScrape { model, result } => Event::LiveScrape { model, result: result.map_err(text) },
            Event::ScheduleRead { model, result } => Event::ScheduleRead { model, result: result.map_err(text) },
            Event::ActionFinished(mut report) => {
                report.message = redactor.text(&report.message);
                Event::ActionFinished(report)
            }
            other => other,
        }
    }
}

/// One poll's outcome from one source task.
#[derive(Debug, Clone)]
pub struct SourceUpdate {
    /// Which environment's tasks sent it; results from a previous environment are dropped.
    pub generation: u64,
    pub source: SourceId,
    pub at: Timestamp,
    pub outcome: Result<SourceData, String>,
    /// When the poller will try again (the backoff after a failure).
    pub next_in: Duration,
}

/// Work for the main loop; `App::update` never does I/O itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Stop the current source tasks and start those of environment `index`, tagging
    /// their messages with `generation`.
    StartSources {
        index: usize,
        generation: u64,
    },
    /// Ask every source to poll now instead of waiting for its interval.
    RefreshNow,
    /// Read the journal file and send `Event::JournalLoaded`.
    LoadJournal,
    /// Append to the journal off the UI thread and send `Event::JournalAppended`.
    AppendJournal(Box<Draft>),
    /// Ask Alertmanager which alerts the matchers select; answers `Event::SilencePreview`.
    PreviewSilence {
        matchers: Vec<Matcher>,
        seq: u64,
    },
    /// Run a confirmed action; answers `Event::ActionFinished`.
    Act(Box<ActionRequest>),
    /// Load the model screen's panels for (start, end, step); answers `Event::DetailLoaded`.
    LoadDetail {
        model: String,
        bounds: (f64, f64, f64),
        seq: u64,
    },
    /// Ask a retraining run's state; answers `Event::RunPolled`.
    PollRun {
        index: usize,
        model: String,
        target: String,
        run_id: String,
    },
    /// Read the schedule of retraining target `target`; answers `Event::ScheduleRead`.
    ReadSchedule {
        model: String,
        target: String,
    },
    /// Read a model's versions and governance; answers `Event::VersionsLoaded`.
    LoadVersions {
        model: String,
        seq: u64,
    },
    /// Read every version's figures of a model over `window`; answers `Event::VersionsCompared`.
    CompareVersions {
        model: String,
        window: Duration,
        seq: u64,
    },
    Quit,
}
