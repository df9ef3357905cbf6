//! The one place effects become work: each [`Effect`] the app asks for runs here, off the
//! UI thread, and its answer comes back as an [`Event`]. The main loop and the tests that
//! drive the app against real servers use this same executor.

use std::sync::Arc;

use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use super::backends::Backends;
use crate::actions::inflight::InFlight;
use crate::actions::run::{self as action, ActionContext};
use crate::app::App;
use crate::domain::{Effect, Event};
use crate::journal::Journal;

pub struct Executor {
    backends: Backends,
    journal: Option<Arc<Journal>>,
    events: mpsc::UnboundedSender<Event>,
    /// Wakes every poller of the running sources at once.
    refresh: Arc<Notify>,
    /// The running sources' tasks; replaced when the environment changes.
    sources: Vec<JoinHandle<()>>,
    /// Reads what other processes append to the journal.
    follower: Option<JoinHandle<()>>,
}

/// How often the journal is checked for entries from other processes: one `stat` when
/// nothing changed, so well under a refresh.
pub const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl Executor {
    /// Answers go to `events`; no source runs until [`Executor::start`].
    pub fn new(backends: Backends, journal: Option<Arc<Journal>>, events: mpsc::UnboundedSender<Event>) -> Executor {
        Executor { backends, journal, events, refresh: Arc::new(Notify::new()), sources: Vec::new(), follower: None }
    }

    /// What a run does before its first event: the sources of the app's environment, and
    /// the journal, which feeds "last changed" on the fleet from the start.
    pub fn start(&mut self, app: &App) {
        self.run(Effect::StartSources { index: app.environment, generation: app.generation }, app);
        // The follower starts where the file ends before the first load reads it, so no
        // entry falls between the two; one read by both is dropped by the app.
        self.follow();
        self.run(Effect::LoadJournal, app);
    }

    fn follow(&mut self) {
        let Some(journal) = self.journal.clone() else { return };
        let start = journal.head().unwrap_or_else(|_| crate::journal::Head::empty());
        let tx = self.events.clone();
        self.follower = Some(tokio::spawn(async move {
            let mut seen = start;
            let mut every = tokio::time::interval(FOLLOW_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                let journal = journal.clone();
                let last = seen.clone();
                let read = tokio::task::spawn_blocking(move || journal.follow(&last)).await;
                let Ok(Ok((followed, head))) = read else { continue };
                seen = head;
                if (followed.reset || !followed.entries.is_empty())
                    && tx.send(Event::JournalFollowed(followed)).is_err()
                {
                    return;
                }
            }
        }));
    }

    /// An event as it reaches the app: the run's credentials masked.
    pub fn receive(&self, event: Event) -> Event {
        event.redacted(&self.backends.redactor)
    }

    pub fn backends(&self) -> &Backends {
        &self.backends
    }

    /// Where the actions of the app's current environment go, and who they are journaled as.
    pub fn context(&self, app: &App) -> ActionContext {
        let environment = self.backends.environment(app.environment);
        ActionContext {
            silences: environment.silences.clone(),
            registry: environment.registry.clone(),
            pipelines: self.backends.pipelines.clone(),
            journal: self.journal.clone(),
            author: app.settings.author.clone(),
            environment: app.environment_info().name.clone(),
            read_only: app.read_only(),
        }
    }

    /// Runs one effect for the app as it is now. A confirmed action comes back as the
    /// handle of its task: it finishes even if the operator quits meanwhile, and the caller
    /// waits for it after giving the terminal back.
    pub fn run(&mut self, effect: Effect, app: &App) -> Option<InFlight> {
        let environment = self.backends.environment(app.environment);
        let tx = self.events.clone();
        match effect {
            Effect::StartSources { index, generation } => {
                self.stop_sources();
                self.sources = self.backends.sources.start(index, generation, &self.events, &self.refresh);
            }
            Effect::RefreshNow => self.refresh.notify_waiters(),
            effect @ (Effect::LoadJournal | Effect::AppendJournal(_)) => self.journal_io(effect),
            Effect::PreviewSilence { matchers, seq } => {
                let silences = environment.silences.clone();
                let label = self.backends.model_label.clone();
                tokio::spawn(async move {
                    let result = silences.preview(&matchers, &label).await.map_err(|e| e.to_string());
                    let _ = tx.send(Event::SilencePreview { seq, result });
                });
            }
            Effect::LoadDetail { model, bounds, seq } => {
                let charts = environment.charts.clone();
                tokio::spawn(async move {
                    let result = charts.load(&model, bounds).await.map(Box::new);
                    let _ = tx.send(Event::DetailLoaded { seq, result });
                });
            }
            Effect::LoadVersions { model, seq } => {
                let registry = environment.registry.clone();
                tokio::spawn(async move {
                    let result = registry.load(&model).await.map(Box::new);
                    let _ = tx.send(Event::VersionsLoaded { seq, result });
                });
            }
            Effect::CompareVersions { model, window, seq } => {
                let charts = environment.charts.clone();
                tokio::spawn(async move {
                    let result = charts.compare(&model, window).await.map(Box::new);
                    let _ = tx.send(Event::VersionsCompared { seq, result });
                });
            }
            Effect::PollRun { index, model: _, target, run_id } => {
                let pipelines = self.backends.pipelines.clone();
                let target = app.settings.retrain.named(&target).cloned();
                tokio::spawn(async move {
                    let result = match target {
                        Some(target) => pipelines.poll(&target, &run_id).await,
                        None => Err("its target is no longer configured".to_string()),
                    };
                    let _ = tx.send(Event::RunPolled { index, run_id, result });
                });
            }
            Effect::ReadSchedule { model, target } => {
                let pipelines = self.backends.pipelines.clone();
                let target = app.settings.retrain.named(&target).cloned();
                let now = app.now;
                tokio::spawn(async move {
                    let result = match target {
                        Some(target) => pipelines.schedule(&target, now).await,
                        None => Err("its target is no longer configured".to_string()),
                    };
                    let _ = tx.send(Event::ScheduleRead { model, result });
                });
            }
            Effect::Act(request) => {
                let context = self.context(app);
                let watched = (*request).clone();
                let ctx = context.clone();
                // The task journals the result itself, so it needs nothing from the loop.
                let handle = tokio::spawn(async move {
                    let report = action::run(*request, &ctx).await;
                    let _ = tx.send(Event::ActionFinished(Box::new(report)));
                });
                return Some(InFlight::new(handle, &watched, &context));
            }
            Effect::Quit => {}
        }
        None
    }

    /// Stops the running sources; the next `StartSources` starts them again.
    pub fn stop_sources(&mut self) {
        self.sources.drain(..).for_each(|task| task.abort());
    }

    /// Journal I/O (a lock, a read, an fsync) runs on the blocking pool, never on the loop.
    fn journal_io(&self, effect: Effect) {
        let tx = self.events.clone();
        let Some(journal) = self.journal.clone() else {
            let event = match effect {
                Effect::AppendJournal(_) => Event::JournalAppended(Err("no journal is configured".into())),
                _ => Event::JournalLoaded(Err("no journal is configured".into())),
            };
            let _ = tx.send(event);
            return;
        };
        tokio::task::spawn_blocking(move || {
            let event = match effect {
                Effect::AppendJournal(draft) => Event::JournalAppended(journal.append(*draft).map(Box::new)),
                _ => Event::JournalLoaded(journal.read_all()),
            };
            let _ = tx.send(event);
        });
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        if let Some(follower) = self.follower.take() {
            follower.abort();
        }
        self.stop_sources();
    }
}
