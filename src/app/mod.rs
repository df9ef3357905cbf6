//! The application state and its pure update. Only the main loop owns an [`App`]; sources
//! and actions talk to it through [`Event`]s, and it answers with [`Effect`]s to run.

mod ack;
mod alerting;
mod compare;
mod detail;
mod editor;
mod environment;
mod fleet;
mod fleet_order;
mod input;
mod journal;
mod live_versions;
mod modal;
mod notes;
mod resources;
mod retrain;
mod rollback;
mod runbook;
mod schedule;
mod selection;
mod target;
mod team;
mod update;
mod versions;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

pub use ack::{AckField, AckForm, AckStage, FormOutcome, MatcherRow, PRESETS, Preview};
pub use alerting::{Confirm, unack_confirm};
pub use compare::{CompareView, Pair};

/// Text helpers for views that show silences.
pub mod alerting_text {
    pub use super::alerting::{matchers_text, utc};
}
pub use detail::DetailView;
pub use editor::NoteEditor;
pub use fleet::{Filter, Fleet, ModelRow};
pub use fleet_order::{Arrangement, MARGIN as SORT_MARGIN, Placement};
pub use input::{Input, InputKind, InputOutcome};
pub use journal::JournalView;
pub use live_versions::{LiveVersions, VersionText, version_text};
pub use modal::Modal;
pub use resources::{Reading, reading};
pub use retrain::{RetrainBlocker, RetrainField, RetrainForm, RetrainStage, RetrainTargets, RunView, param_label};
pub use rollback::{RollbackBlocker, RollbackField, RollbackForm, RollbackStage, rollback_plan};
pub use schedule::{DUE_SOON_S, ScheduleState, schedule_line, schedule_warnings};
pub use selection::{Cursor, Resolved};
pub use target::{Target, alert_words};
pub use versions::VersionsView;

// What the views need of the settings' vocabulary, so they depend on the app alone.
pub use crate::config::ColumnSpec;
pub use crate::input::command::{COMMANDS, Command, SortKey};
pub use crate::input::keymap::{HintContext, Mode};

use crate::config::Config;
use crate::domain::PeerHealth;
use crate::domain::Silence;
use crate::domain::{Alert, ColumnId, Health, SourceId};
use crate::domain::{Effect, LiveFigures};
use crate::input::keymap::Keymap;

/// What an environment looks like to the views (no endpoints, no secrets).
#[derive(Debug, Clone, PartialEq)]
pub struct EnvironmentInfo {
    pub name: String,
    pub production: bool,
    pub read_only: bool,
    /// It has a model registry (the demo's simulated one included).
    pub registry: bool,
}

/// The fixed settings the app was started with.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub columns: Vec<ColumnSpec>,
    pub environments: Vec<EnvironmentInfo>,
    pub refresh: Duration,
    pub demo: bool,
    pub read_only: bool,
    /// Draw as few bytes as possible: no sparklines, no redraw per tick.
    pub low_bandwidth: bool,
    pub keymap: Keymap,
    /// Written into journal entries.
    pub author: String,
    /// Where the journal is, for the journal view's title.
    pub journal_path: String,
    /// The acknowledge form's default duration.
    pub silence_duration: String,
    /// Labels the acknowledge form leaves out of its default matchers.
    pub silence_ignore_labels: Vec<String>,
    /// The labels that name a model and its version (`[discovery]`).
    pub model_label: String,
    pub version_label: String,
    /// What the model screen charts.
    pub detail: crate::config::detail::DetailConfig,
    /// Retraining pipelines per model.
    pub retrain: RetrainTargets,
    /// Runbook rules, first match wins.
    pub runbook: Vec<crate::config::runbook::Rule>,
    /// The champion-and-challenger comparison reads both versions over this window.
    pub compare_window: Duration,
    /// TLS certificates are not checked (`insecure_skip_verify` and `--insecure-tls`): the
    /// header says so on every screen.
    pub tls_verification_off: bool,
    /// Warnings the header shows for the run's first seconds (secrets others can read), and
    /// until when.
    pub startup_notice: Option<(String, Timestamp)>,
}

impl Settings {
    pub fn from_config(config: &Config, keymap: Keymap, demo: bool, read_only: bool) -> Settings {
        Settings {
            columns: config.columns.clone(),
            environments: config
                .environments
                .iter()
                .map(|e| EnvironmentInfo {
                    name: e.name.clone(),
                    production: e.production,
                    read_only: e.read_only,
                    registry: demo || e.registry.is_some(),
                })
                .collect(),
            refresh: config.refresh,
            demo,
            read_only: read_only || config.read_only,
            low_bandwidth: config.low_bandwidth,
            keymap,
            author: config.author_name(),
            journal_path: String::new(),
            silence_duration: crate::domain::duration::format(config.silence_duration),
            silence_ignore_labels: config.silence_ignore_labels.clone(),
            model_label: config.discovery.model_label.clone(),
            version_label: config.discovery.version_label.clone(),
            detail: config.detail.clone(),
            retrain: RetrainTargets(std::sync::Arc::new(config.retrain.clone())),
            runbook: config.runbook.clone(),
            compare_window: config.governance.compare.window,
            tls_verification_off: config.tls.verification_off(),
            startup_notice: None,
        }
    }

    pub fn column(&self, id: ColumnId) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.id == id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Fleet,
    Alerts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Overview,
    /// A model's screen: its figures and charts over a time range.
    Model(String),
    /// One alert in full, by fingerprint.
    Alert(String),
    /// Active and pending silences.
    Silences,
    /// The journal, newest first.
    Journal,
    /// One journal entry in full, by sequence number.
    JournalEntry(u64),
    /// A model's versions and governance, where rollbacks start.
    Versions(String),
}

/// The last scrape of a `[[model]]`'s own serving endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveState {
    /// The last good figures; kept while later scrapes fail.
    pub figures: Option<LiveFigures>,
    /// Why the last scrape failed; `None` after a good one.
    pub error: Option<String>,
    /// When the last answer (figures or error) arrived.
    pub at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageLevel {
    Info,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub settings: Settings,
    pub environment: usize,
    /// Bumped on every environment switch; stale source messages are dropped.
    pub generation: u64,
    pub now: Timestamp,
    pub health: BTreeMap<SourceId, Health>,
    pub fleet: Fleet,
    /// Alertmanager's alerts, most urgent first; shared with the source, which reuses the
    /// unchanged ones in its next answer.
    pub alerts: Vec<Arc<Alert>>,
    /// Prometheus's pending alerts, shown dimmed after the firing ones.
    pub pending: Vec<Alert>,
    /// The peer that answered the last Alertmanager poll.
    pub alertmanager_peer: Option<String>,
    pub last_refresh: Option<Timestamp>,
    pub screen: Screen,
    pub focus: Pane,
    /// The models pane's selection, by model name.
    pub fleet_cursor: Cursor<String>,
    /// The alerts pane's selection, by fingerprint.
    pub alert_cursor: Cursor<String>,
    pub filter_text: String,
    pub filter: Filter,
    pub sort: SortKey,
    pub sort_descending: bool,
    pub input: Option<Input>,
    pub show_log: bool,
    /// The form, confirmation, editor or help over the screen, if any.
    pub modal: Option<Modal>,
    pub journal: JournalView,
    /// The model screen's charts.
    pub detail: Option<DetailView>,
    /// The versions screen's state.
    pub versions: Option<VersionsView>,
    /// Retraining runs followed since start.
    pub runs: Vec<RunView>,
    /// Each model's retraining pipeline schedule, read when its form opened.
    pub schedules: BTreeMap<String, ScheduleState>,
    /// Automatic runbook actions per rule and model.
    pub limiter: crate::config::runbook::RateLimiter,
    /// Alert occurrences the automatic rules have already considered.
    pub handled: std::collections::BTreeSet<String>,
    /// Silences from the last Alertmanager poll.
    pub silences: Vec<Silence>,
    /// The silence inventory's selection, by silence id.
    pub silence_cursor: Cursor<String>,
    /// Each Alertmanager peer's health in the last poll.
    pub am_peers: Vec<PeerHealth>,
    /// The action in flight, for the status line.
    pub busy: Option<String>,
    pub message: Option<(MessageLevel, String)>,
    /// Another operator's latest action in this environment, for the header.
    pub team_notice: Option<team::TeamNotice>,
    /// Live figures per `[[model]]`, straight from its serving endpoint.
    pub live: HashMap<String, LiveState>,
    /// The registry's live version per model.
    pub live_versions: LiveVersions,
    /// Rows that fit on screen, told by the main loop on resize (for paging).
    pub page_rows: usize,
    pub should_quit: bool,
    dirty: bool,
    /// Only clock-derived text (ages, the clock) may have changed since the last draw.
    clock_dirty: bool,
}

impl App {
    pub fn new(settings: Settings, environment: usize, now: Timestamp) -> App {
        let health = SourceId::ALL.iter().map(|s| (*s, Health::Connecting)).collect();
        App {
            environment: environment.min(settings.environments.len().saturating_sub(1)),
            settings,
            generation: 1,
            now,
            health,
            fleet: Fleet::default(),
            alerts: Vec::new(),
            pending: Vec::new(),
            alertmanager_peer: None,
            last_refresh: None,
            screen: Screen::Overview,
            focus: Pane::Fleet,
            // The models pane has the focus from the start: its cursor is seen at once.
            fleet_cursor: Cursor::held(),
            alert_cursor: Cursor::default(),
            filter_text: String::new(),
            filter: Filter::default(),
            sort: SortKey::Health,
            sort_descending: false,
            input: None,
            show_log: false,
            modal: None,
            journal: JournalView::default(),
            detail: None,
            versions: None,
            runs: Vec::new(),
            schedules: Default::default(),
            limiter: Default::default(),
            handled: Default::default(),
            silences: Vec::new(),
            silence_cursor: Cursor::default(),
            am_peers: Vec::new(),
            busy: None,
            message: None,
            team_notice: None,
            live: HashMap::new(),
            live_versions: LiveVersions::default(),
            page_rows: 10,
            should_quit: false,
            dirty: true,
            clock_dirty: false,
        }
    }

    pub fn environment_info(&self) -> &EnvironmentInfo {
        &self.settings.environments[self.environment]
    }

    pub fn read_only(&self) -> bool {
        self.settings.read_only || self.environment_info().read_only
    }

    /// True when something changed since the last draw.
    pub fn is_dirty(&self) -> bool {
        self.dirty || self.clock_dirty
    }

    /// True when only the clock moved since the last draw: the ages may read differently,
    /// nothing else does.
    pub fn clock_only(&self) -> bool {
        self.clock_dirty && !self.dirty
    }

    pub fn mark_clean(&mut self) {
        self.dirty = false;
        self.clock_dirty = false;
    }

    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// The selected model: the row the cursor's key names, and only if it is the row the
    /// operator sees highlighted.
    pub fn selected_model(&self) -> Option<&ModelRow> {
        let key = self.fleet_cursor.key()?;
        self.fleet.row(self.fleet_cursor.index()).filter(|r| &r.name == key)
    }

    /// The highlighted row of the models pane.
    pub fn fleet_selected(&self) -> usize {
        self.fleet_cursor.index()
    }

    /// The highlighted row of the alerts pane.
    pub fn alert_selected(&self) -> usize {
        self.alert_cursor.index()
    }

    /// Every alert row in display order: firing/silenced from Alertmanager, then pending.
    pub fn alert_rows(&self) -> impl Iterator<Item = &Alert> {
        self.alerts.iter().map(|a| &**a).chain(self.pending.iter())
    }

    pub fn alert_count(&self) -> usize {
        self.alerts.len() + self.pending.len()
    }

    /// The selected alert, by fingerprint, and only if it is the row shown highlighted.
    pub fn selected_alert(&self) -> Option<&Alert> {
        let key = self.alert_cursor.key()?;
        self.alert_rows().nth(self.alert_cursor.index()).filter(|a| &a.fingerprint == key)
    }

    /// The fingerprint of alert row `i`, in display order.
    pub fn alert_key(&self, i: usize) -> Option<&String> {
        alert_key(&self.alerts, &self.pending, i)
    }

    /// Files a live scrape: good figures replace the last ones, an error keeps them.
    fn on_live_scrape(&mut self, model: String, result: Result<Box<LiveFigures>, String>) -> Vec<Effect> {
        self.dirty = true;
        let state = self.live.entry(model).or_insert(LiveState { figures: None, error: None, at: self.now });
        match result {
            Ok(figures) => {
                state.at = figures.at;
                state.figures = Some(*figures);
                state.error = None;
            }
            Err(error) => {
                state.at = self.now;
                state.error = Some(error);
            }
        }
        Vec::new()
    }

    /// The startup warnings while they are still shown.
    pub fn startup_notice(&self) -> Option<&str> {
        self.settings.startup_notice.as_ref().filter(|(_, until)| self.now < *until).map(|(text, _)| text.as_str())
    }

    /// Which keys the footer offers: the open form or confirmation's, else the screen's.
    pub fn hint_context(&self) -> HintContext {
        match &self.modal {
            Some(Modal::Help(_)) => return HintContext::Help,
            Some(Modal::Editor(_)) => return HintContext::Editor,
            Some(Modal::Confirm(_)) => return HintContext::Confirm,
            Some(Modal::Ack(_) | Modal::Rollback(_) | Modal::Retrain(_)) => return HintContext::Form,
            None => {}
        }
        match (&self.screen, self.focus) {
            (Screen::Overview, Pane::Fleet) => HintContext::Fleet,
            (Screen::Overview, Pane::Alerts) => HintContext::Alerts,
            (Screen::Model(_), _) => HintContext::Model,
            (Screen::Alert(_), _) => HintContext::Alert,
            (Screen::Silences, _) => HintContext::Silences,
            (Screen::Journal, _) => HintContext::Journal,
            (Screen::JournalEntry(_), _) => HintContext::JournalEntry,
            (Screen::Versions(_), _) => HintContext::Versions,
        }
    }

    pub fn firing_count(&self) -> usize {
        self.alerts.iter().filter(|a| a.state.is_firing()).count()
    }
}

/// Row `i` of the alerts pane (firing and silenced first, then pending), by fingerprint.
fn alert_key<'a>(alerts: &'a [Arc<Alert>], pending: &'a [Alert], i: usize) -> Option<&'a String> {
    match alerts.get(i) {
        Some(a) => Some(&a.fingerprint),
        None => pending.get(i - alerts.len()).map(|a| &a.fingerprint),
    }
}
