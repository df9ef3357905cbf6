//! The only place that owns both the terminal and the app: events in, `update`, effects
//! out, and a throttled draw when something changed.

use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::Result;
use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::StreamExt;
use jiff::Timestamp;
use ratatui::DefaultTerminal;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::backends::Backends;
use crate::actions::inflight::InFlight;
use crate::actions::run::{self as action, ActionContext};
use crate::app::App;
use crate::domain::{Effect, Event};
use crate::journal::Journal;
use crate::theme::Theme;

/// Over SSH a redraw costs bandwidth; 50 ms keeps typing snappy and bursts cheap.
pub const FRAME_BUDGET: Duration = Duration::from_millis(50);

pub async fn run(
    terminal: &mut DefaultTerminal,
    mut app: App,
    theme: &Theme,
    backends: &Backends,
    journal: Option<Arc<Journal>>,
) -> Result<Vec<InFlight>> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let refresh = Arc::new(Notify::new());
    spawn_terminal_events(tx.clone());
    spawn_signals(tx.clone())?;
    let mut tasks = backends.sources.start(app.environment, app.generation, &tx, &refresh);
    let size = terminal.size()?;
    app.update(Event::Resize(size.width, size.height));
    // The journal feeds "last changed" on the fleet from the start.
    journal_effect(Effect::LoadJournal, journal.as_ref(), &tx);

    let mut in_flight: Vec<InFlight> = Vec::new();
    let mut event_log = EventLog::from_env();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut last_draw = Instant::now() - FRAME_BUDGET;
    loop {
        let draw_at = last_draw + FRAME_BUDGET;
        tokio::select! {
            Some(event) = rx.recv() => {
                event_log.received(&event);
                let mut effects = app.update(event);
                // Take whatever else is queued before drawing: one frame per burst.
                while let Ok(more) = rx.try_recv() {
                    event_log.received(&more);
                    effects.extend(app.update(more));
                }
                for effect in effects {
                    match effect {
                        Effect::StartSources { index, generation } => {
                            tasks.iter().for_each(JoinHandle::abort);
                            tasks = backends.sources.start(index, generation, &tx, &refresh);
                        }
                        Effect::RefreshNow => refresh.notify_waiters(),
                        effect @ (Effect::LoadJournal | Effect::AppendJournal(_)) => {
                            journal_effect(effect, journal.as_ref(), &tx);
                        }
                        Effect::PreviewSilence { matchers, seq } => {
                            let silences = backends.environment(app.environment).silences.clone();
                            let label = backends.model_label.clone();
                            let tx = tx.clone();
                            tokio::spawn(async move {
                                let result = silences.preview(&matchers, &label).await.map_err(|e| e.to_string());
                                let _ = tx.send(Event::SilencePreview { seq, result });
                            });
                        }
                        Effect::LoadDetail { model, bounds, seq } => {
                            let charts = backends.environment(app.environment).charts.clone();
                            let tx = tx.clone();
                            tokio::spawn(async move {
                                let result = charts.load(&model, bounds).await.map(Box::new);
                                let _ = tx.send(Event::DetailLoaded { seq, result });
                            });
                        }
                        Effect::LoadVersions { model, seq } => {
                            let registry = backends.environment(app.environment).registry.clone();
                            let tx = tx.clone();
                            tokio::spawn(async move {
                                let result = registry.load(&model).await.map(Box::new);
                                let _ = tx.send(Event::VersionsLoaded { seq, result });
                            });
                        }
                        Effect::PollRun { index, model: _, target, run_id } => {
                            let pipelines = backends.pipelines.clone();
                            let target = app.settings.retrain.named(&target).cloned();
                            let tx = tx.clone();
                            tokio::spawn(async move {
                                let result = match target {
                                    Some(target) => pipelines.poll(&target, &run_id).await,
                                    None => Err("its target is no longer configured".to_string()),
                                };
                                let _ = tx.send(Event::RunPolled { index, run_id, result });
                            });
                        }
                        Effect::Act(request) => {
                            let ctx = ActionContext {
                                silences: backends.environment(app.environment).silences.clone(),
                                registry: backends.environment(app.environment).registry.clone(),
                                pipelines: backends.pipelines.clone(),
                                journal: journal.clone(),
                                author: app.settings.author.clone(),
                                environment: app.environment_info().name.clone(),
                                read_only: app.read_only(),
                            };
                            let tx = tx.clone();
                            let watched = (*request).clone();
                            let context = ctx.clone();
                            // The action finishes even if the operator quits meanwhile (the
                            // caller waits for it after restoring the terminal); its result
                            // is journaled by the task itself.
                            let handle = tokio::spawn(async move {
                                let report = action::run(*request, &ctx).await;
                                let _ = tx.send(Event::ActionFinished(Box::new(report)));
                            });
                            in_flight.retain(|a| !a.handle.is_finished());
                            in_flight.push(InFlight::new(handle, &watched, &context));
                        }
                        Effect::Quit => {}
                    }
                }
            }
            // Through the channel, so that a tick's effects (a due reload) run like any other.
            _ = tick.tick() => {
                // Log events wait in tui-logger's hot buffer (1,000 deep) until moved.
                tui_logger::move_events();
                let _ = tx.send(Event::Tick(Timestamp::now()));
            }
            _ = tokio::time::sleep_until(draw_at), if app.is_dirty() => {
                tui_logger::move_events();
                // A failed write means the terminal is gone (dropped SSH): leave cleanly.
                if let Err(e) = terminal.draw(|frame| crate::ui::draw(frame, &app, theme)) {
                    tracing::warn!(error = %e, "terminal write failed; quitting");
                    break;
                }
                app.mark_clean();
                last_draw = Instant::now();
                event_log.drawn();
            }
        }
        if app.should_quit {
            break;
        }
    }
    tasks.iter().for_each(JoinHandle::abort);
    Ok(in_flight)
}

/// With `MODELDECK_EVENT_LOG=<file>`, one line per drawn frame that handled keys:
/// `key <handled_epoch_us> <drawn_epoch_us>` for each key, to show that input is handled
/// and drawn within a frame even while a backend hangs.
struct EventLog {
    file: Option<std::fs::File>,
    keys: Vec<i64>,
}

impl EventLog {
    fn from_env() -> EventLog {
        let file = std::env::var_os("MODELDECK_EVENT_LOG")
            .and_then(|path| std::fs::OpenOptions::new().create(true).append(true).open(path).ok());
        EventLog { file, keys: Vec::new() }
    }

    fn received(&mut self, event: &Event) {
        if self.file.is_some() && matches!(event, Event::Key(_)) {
            self.keys.push(Timestamp::now().as_microsecond());
        }
    }

    fn drawn(&mut self) {
        use std::io::Write;
        let Some(file) = self.file.as_mut() else { return };
        let drawn = Timestamp::now().as_microsecond();
        let lines: String = self.keys.drain(..).map(|k| format!("key {k} {drawn}\n")).collect();
        let _ = file.write_all(lines.as_bytes());
    }
}

/// Journal I/O (a lock, a read, an fsync) runs on the blocking pool, never on the loop.
fn journal_effect(effect: Effect, journal: Option<&Arc<Journal>>, tx: &mpsc::UnboundedSender<Event>) {
    let Some(journal) = journal.cloned() else {
        let event = match effect {
            Effect::AppendJournal(_) => Event::JournalAppended(Err("no journal is configured".into())),
            _ => Event::JournalLoaded(Err("no journal is configured".into())),
        };
        let _ = tx.send(event);
        return;
    };
    let tx = tx.clone();
    tokio::task::spawn_blocking(move || {
        let event = match effect {
            Effect::AppendJournal(draft) => Event::JournalAppended(journal.append(*draft).map(Box::new)),
            _ => Event::JournalLoaded(journal.read_all()),
        };
        let _ = tx.send(event);
    });
}

fn spawn_terminal_events(tx: mpsc::UnboundedSender<Event>) {
    tokio::spawn(async move {
        let mut stream = EventStream::new();
        while let Some(item) = stream.next().await {
            let event = match item {
                Ok(TermEvent::Key(key)) => Event::Key(key),
                Ok(TermEvent::Resize(w, h)) => Event::Resize(w, h),
                Ok(_) => continue,
                Err(_) => Event::Shutdown("terminal input closed"),
            };
            let stop = matches!(event, Event::Shutdown(_));
            if tx.send(event).is_err() || stop {
                return;
            }
        }
        let _ = tx.send(Event::Shutdown("terminal input closed"));
    });
}

fn spawn_signals(tx: mpsc::UnboundedSender<Event>) -> Result<()> {
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = hup.recv() => "SIGHUP",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!(signal = name, "shutting down");
        let _ = tx.send(Event::Shutdown(name));
    });
    Ok(())
}
