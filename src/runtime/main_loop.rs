//! The only place that owns both the terminal and the app: events in, `update`, effects
//! out to the [`Executor`], and a throttled draw when something changed.

use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::Result;
use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::StreamExt;
use jiff::Timestamp;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::backends::Backends;
use super::executor::Executor;
use super::terminal::Console;
use crate::actions::inflight::InFlight;
use crate::app::App;
use crate::domain::Event;
use crate::journal::Journal;
use crate::theme::Theme;
use crate::ui::clock::TickRedraw;

/// Over SSH a redraw costs bandwidth; 50 ms keeps typing snappy and bursts cheap.
pub const FRAME_BUDGET: Duration = Duration::from_millis(50);

pub async fn run(
    terminal: &mut Console,
    mut app: App,
    theme: &Theme,
    backends: Backends,
    journal: Option<Arc<Journal>>,
) -> Result<Vec<InFlight>> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    spawn_terminal_events(tx.clone());
    spawn_signals(tx.clone())?;
    let mut executor = Executor::new(backends, journal, tx.clone());
    let size = terminal.size()?;
    app.update(Event::Resize(size.width, size.height));
    executor.start(&app);

    let mut in_flight: Vec<InFlight> = Vec::new();
    let mut event_log = EventLog::from_env();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut last_draw = Instant::now() - FRAME_BUDGET;
    let mut frames = TickRedraw::default();
    loop {
        let draw_at = last_draw + FRAME_BUDGET;
        tokio::select! {
            Some(event) = rx.recv() => {
                event_log.received(&event);
                let mut effects = app.update(executor.receive(event));
                // Take whatever else is queued before drawing: one frame per burst.
                while let Ok(more) = rx.try_recv() {
                    event_log.received(&more);
                    effects.extend(app.update(executor.receive(more)));
                }
                for effect in effects {
                    if let Some(action) = executor.run(effect, &app) {
                        in_flight.retain(|a| !a.handle.is_finished());
                        in_flight.push(action);
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
                let clock_only = app.clock_only();
                if let Err(e) = frames.draw(terminal, &app, theme, clock_only) {
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
    executor.stop_sources();
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
