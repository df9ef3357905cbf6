//! The app driven by the real sources and actions, as the main loop drives it, minus the
//! terminal: events go into `App::update`, and its effects go to the main loop's executor.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use modeldeck::app::{App, Settings};
use modeldeck::backends::http;
use modeldeck::config::Config;
use modeldeck::domain::Event;
use modeldeck::input::keymap::Keymap;
use modeldeck::journal::Journal;
use modeldeck::runtime::backends::Backends;
use modeldeck::runtime::executor::Executor;
use modeldeck::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

pub struct Live {
    pub app: App,
    pub journal: Option<Arc<Journal>>,
    executor: Executor,
    rx: mpsc::UnboundedReceiver<Event>,
}

impl Live {
    pub fn start(config: &Config) -> Live {
        Live::start_with(config, false, None)
    }

    pub fn start_with(config: &Config, read_only: bool, journal: Option<Arc<Journal>>) -> Live {
        let mut settings = Settings::from_config(config, Keymap::default(), false, read_only);
        settings.author = "it-operator".into();
        let app = App::new(settings, 0, jiff::Timestamp::now());
        let backends = Backends::live(config, &http::client(config.timeout).unwrap());
        let (tx, rx) = mpsc::unbounded_channel();
        let mut executor = Executor::new(backends, journal.clone(), tx);
        executor.start(&app);
        Live { app, journal, executor, rx }
    }

    /// The live backends the executor runs effects through.
    pub fn backends(&self) -> &Backends {
        self.executor.backends()
    }

    /// Sends an event (a key, say) and runs the effects it produces. An action's task
    /// journals its own result, so its handle is not kept.
    pub fn send(&mut self, event: Event) {
        let event = self.executor.receive(event);
        for effect in self.app.update(event) {
            self.executor.run(effect, &self.app);
        }
    }

    /// Feeds events into the app until `done` holds, or panics after `timeout`. Like the
    /// main loop, it ticks once a second (the clock that polls retraining runs).
    pub async fn until(&mut self, what: &str, timeout: Duration, done: impl Fn(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        while !done(&self.app) {
            tokio::select! {
                event = self.rx.recv() => match event {
                    Some(event) => self.send(event),
                    None => panic!("sources stopped while waiting for {what}"),
                },
                _ = tick.tick() => self.send(Event::Tick(jiff::Timestamp::now())),
                _ = tokio::time::sleep_until(deadline) => panic!(
                    "timed out waiting for {what}; health: {:?}; message: {:?}",
                    self.app.health, self.app.message
                ),
            }
        }
    }

    pub fn screen(&self) -> String {
        let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
        terminal.draw(|f| modeldeck::ui::draw(f, &self.app, &Theme::mono())).unwrap();
        let buffer = terminal.backend().buffer();
        (0..buffer.area.height)
            .map(|y| (0..buffer.area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>() + "\n")
            .collect()
    }
}
