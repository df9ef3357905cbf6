//! The app driven by the real sources and actions, as the main loop drives it, minus the
//! terminal: events go into `App::update`, effects are run the same way.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use modeldeck::actions::run::{self as action, ActionContext};
use modeldeck::app::{App, Settings};
use modeldeck::backends::http;
use modeldeck::config::Config;
use modeldeck::domain::{Effect, Event};
use modeldeck::input::keymap::Keymap;
use modeldeck::journal::Journal;
use modeldeck::runtime::backends::Backends;
use modeldeck::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::{Notify, mpsc};

pub struct Live {
    pub app: App,
    pub backends: Backends,
    pub journal: Option<Arc<Journal>>,
    rx: mpsc::UnboundedReceiver<Event>,
    tx: mpsc::UnboundedSender<Event>,
    refresh: Arc<Notify>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
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
        let refresh = Arc::new(Notify::new());
        let tasks = backends.sources.start(0, app.generation, &tx, &refresh);
        Live { app, backends, journal, rx, tx, refresh, tasks }
    }

    /// Sends an event (a key, say) and runs the effects it produces.
    pub fn send(&mut self, event: Event) {
        let effects = self.app.update(event);
        self.run(effects);
    }

    fn run(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::RefreshNow => self.refresh.notify_waiters(),
                Effect::PreviewSilence { matchers, seq } => {
                    let silences = self.backends.environment(self.app.environment).silences.clone();
                    let label = self.backends.model_label.clone();
                    let tx = self.tx.clone();
                    tokio::spawn(async move {
                        let result = silences.preview(&matchers, &label).await.map_err(|e| e.to_string());
                        let _ = tx.send(Event::SilencePreview { seq, result });
                    });
                }
                Effect::Act(request) => {
                    let ctx = ActionContext {
                        silences: self.backends.environment(self.app.environment).silences.clone(),
                        registry: self.backends.environment(self.app.environment).registry.clone(),
                        pipelines: self.backends.pipelines.clone(),
                        journal: self.journal.clone(),
                        author: self.app.settings.author.clone(),
                        environment: self.app.environment_info().name.clone(),
                        read_only: self.app.read_only(),
                    };
                    let tx = self.tx.clone();
                    tokio::spawn(async move {
                        let report = action::run(*request, &ctx).await;
                        let _ = tx.send(Event::ActionFinished(Box::new(report)));
                    });
                }
                Effect::LoadDetail { model, bounds, seq } => {
                    let charts = self.backends.environment(self.app.environment).charts.clone();
                    let tx = self.tx.clone();
                    tokio::spawn(async move {
                        let result = charts.load(&model, bounds).await.map(Box::new);
                        let _ = tx.send(Event::DetailLoaded { seq, result });
                    });
                }
                Effect::PollRun { index, model: _, target, run_id } => {
                    let pipelines = self.backends.pipelines.clone();
                    let target = self.app.settings.retrain.named(&target).cloned();
                    let tx = self.tx.clone();
                    tokio::spawn(async move {
                        let result = match target {
                            Some(target) => pipelines.poll(&target, &run_id).await,
                            None => Err("its target is no longer configured".to_string()),
                        };
                        let _ = tx.send(Event::RunPolled { index, run_id, result });
                    });
                }
                Effect::LoadVersions { model, seq } => {
                    let registry = self.backends.environment(self.app.environment).registry.clone();
                    let tx = self.tx.clone();
                    tokio::spawn(async move {
                        let result = registry.load(&model).await.map(Box::new);
                        let _ = tx.send(Event::VersionsLoaded { seq, result });
                    });
                }
                Effect::LoadJournal | Effect::AppendJournal(_) | Effect::StartSources { .. } | Effect::Quit => {}
            }
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

impl Drop for Live {
    fn drop(&mut self) {
        self.tasks.iter().for_each(|t| t.abort());
    }
}
