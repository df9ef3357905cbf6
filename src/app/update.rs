//! `App::update`: event in, state changed, effects out. No I/O, no clock: time arrives in
//! events, so every path is testable without a terminal or a network.

use std::borrow::Borrow;

use crossterm::event::{KeyEvent, KeyEventKind};

use super::{
    App, Arrangement, Filter, Input, InputKind, InputOutcome, MessageLevel, Modal, NoteEditor, Pane, Resolved, Screen,
    alert_words,
};
use crate::domain::{Alert, Health, SourceData};
use crate::domain::{Effect, Event, SourceUpdate};
use crate::input::command::{self, Command};
use crate::input::keymap::Mode;

impl App {
    pub fn update(&mut self, event: Event) -> Vec<Effect> {
        match event {
            Event::Key(key) => {
                if key.kind == KeyEventKind::Release {
                    return Vec::new();
                }
                self.dirty = true;
                self.on_key(&key)
            }
            Event::Resize(_, h) => {
                self.page_rows = usize::from(h.saturating_sub(12)).max(1);
                self.dirty = true;
                Vec::new()
            }
            Event::Tick(now) => {
                // Ages shown in the header change every second. On a thin link data and keys
                // redraw; a redraw a minute still shows a silent source going stale.
                self.clock_dirty |= !self.settings.low_bandwidth || self.now.as_second() / 60 != now.as_second() / 60;
                self.now = now;
                let mut effects = self.detail_due();
                effects.extend(self.runs_due());
                effects
            }
            Event::Source(update) => {
                let at = update.at;
                let alerts = matches!(&update.outcome, Ok(SourceData::Alerts(_)));
                if self.on_source(update) && alerts { self.automatic_actions(at) } else { Vec::new() }
            }
            Event::RunPolled { index, run_id, result } => {
                self.dirty = true;
                self.on_run_polled(index, &run_id, result)
            }
            Event::Shutdown(_) => {
                self.should_quit = true;
                vec![Effect::Quit]
            }
            Event::SilencePreview { seq, result } => {
                self.dirty = true;
                self.on_preview(seq, result);
                Vec::new()
            }
            Event::DetailLoaded { seq, result } => {
                self.dirty = true;
                self.on_detail_loaded(seq, result.map(|b| *b));
                Vec::new()
            }
            Event::LiveScrape { model, result } => self.on_live_scrape(model, result),
            Event::ScheduleRead { model, result } => self.on_schedule_read(model, result),
            Event::ActionFinished(report) => {
                self.dirty = true;
                self.on_retrain_finished(&report);
                let mut effects = self.on_rollback_finished(&report);
                effects.extend(self.on_action_finished(*report));
                effects
            }
            Event::VersionsLoaded { seq, result } => {
                self.dirty = true;
                self.on_versions_loaded(seq, result.map(|b| *b))
            }
            Event::VersionsCompared { seq, result } => {
                self.dirty = true;
                self.on_versions_compared(seq, result.map(|b| *b));
                Vec::new()
            }
            Event::JournalFollowed(followed) => {
                self.dirty = true;
                self.on_journal_followed(followed);
                Vec::new()
            }
            Event::JournalLoaded(result) => {
                self.dirty = true;
                match result {
                    Ok(entries) => self.journal.load(entries),
                    Err(e) => {
                        self.message = Some((MessageLevel::Error, format!("journal: {e}")));
                        self.journal.error = Some(e);
                    }
                }
                Vec::new()
            }
            Event::JournalAppended(result) => {
                self.dirty = true;
                match result {
                    Ok(entry) => {
                        self.message = Some((MessageLevel::Info, format!("note saved as journal entry {}", entry.seq)));
                        self.journal.push(*entry);
                        self.close_editor();
                    }
                    Err(e) => {
                        self.message = Some((MessageLevel::Error, format!("note NOT saved: {e}")));
                        if let Some(editor) = self.editor_mut() {
                            editor.saving = false;
                            editor.error = Some(e);
                        }
                    }
                }
                Vec::new()
            }
        }
    }

    /// Files a poll's outcome; false when it was for an older environment and dropped.
    fn on_source(&mut self, update: SourceUpdate) -> bool {
        if update.generation != self.generation {
            return false;
        }
        let previous = self.health.get(&update.source).and_then(Health::last_ok);
        let was_ok = matches!(self.health.get(&update.source), Some(Health::Ok { .. }));
        match update.outcome {
            Ok(mut data) => {
                // An Alertmanager answer that repeats the last one moves only the header's
                // age: the tick's partial redraw shows it, not a full frame (on 50 models one
                // full frame less each refresh: 61 ms against 51 ms of CPU in 30 s).
                if let SourceData::Alerts(snapshot) = &mut data {
                    sort_alerts(&mut snapshot.alerts);
                }
                if was_ok && self.repeats(&data) {
                    self.clock_dirty = true;
                } else {
                    self.dirty = true;
                }
                self.health.insert(update.source, Health::Ok { at: update.at });
                self.last_refresh = Some(update.at);
                self.ingest(data);
            }
            Err(error) => {
                self.dirty = true;
                let since = match self.health.get(&update.source) {
                    Some(Health::Failing { since, .. }) => *since,
                    _ => update.at,
                };
                self.health.insert(
                    update.source,
                    Health::Failing {
                        error,
                        since,
                        last_ok: previous,
                        retry_in_ms: u64::try_from(update.next_in.as_millis()).unwrap_or(u64::MAX),
                    },
                );
            }
        }
        true
    }

    /// Whether `data` (its alerts sorted) holds exactly what the app shows already.
    fn repeats(&self, data: &SourceData) -> bool {
        match data {
            SourceData::Alerts(snapshot) => {
                snapshot.alerts == self.alerts
                    && snapshot.silences == self.silences
                    && snapshot.peers == self.am_peers
                    && self.alertmanager_peer.as_ref() == Some(&snapshot.peer)
            }
            SourceData::Fleet(_) | SourceData::Registry(_) => false,
        }
    }

    fn ingest(&mut self, data: SourceData) {
        let alert_before = self.selected_alert().cloned();
        match data {
            SourceData::Fleet(snapshot) => {
                self.fleet.ingest(&snapshot.columns, &self.settings.columns);
                self.pending = snapshot.pending_alerts;
                sort_alerts(&mut self.pending);
            }
            SourceData::Alerts(snapshot) => {
                // Sorted already, by `on_source`, to compare it with what is shown.
                self.alerts = snapshot.alerts;
                self.alertmanager_peer = Some(snapshot.peer);
                self.silences = snapshot.silences;
                self.am_peers = snapshot.peers;
                if let (Resolved::Gone { was, now }, Screen::Silences) = (self.resolve_silences(), &self.screen) {
                    let now = now.map_or_else(|| "no silence is active".to_string(), |id| format!("cursor on {id}"));
                    self.message = Some((MessageLevel::Info, format!("silence {was} is no longer active; {now}")));
                }
            }
            SourceData::Registry(snapshot) => self.ingest_live_versions(snapshot),
        }
        self.fleet.attach_alerts(&self.alerts);
        let fleet_moved = self.rearrange(Arrangement::Keep);
        let alert_moved = self.resolve_alerts();
        // Say so where the operator is looking: the cursor they are using moved.
        let on_alerts = matches!(self.screen, Screen::Overview) && self.focus == Pane::Alerts;
        let on_fleet = matches!(self.screen, Screen::Overview) && self.focus == Pane::Fleet;
        if let (true, Resolved::Gone { was, now }) = (on_fleet, fleet_moved) {
            let now = now.map_or_else(|| "no model is listed".to_string(), |m| format!("cursor on {m}"));
            self.message = Some((MessageLevel::Info, format!("{was} is no longer listed; {now}")));
        }
        if let (true, Resolved::Gone { now, .. }) = (on_alerts, alert_moved) {
            let was = alert_before.as_ref().map_or_else(|| "the selected alert".to_string(), alert_words);
            let now = now
                .and_then(|fp| self.alert_by_fingerprint(&fp))
                .map_or_else(|| "no alert is listed".to_string(), |a| format!("cursor on {}", alert_words(a)));
            self.message = Some((MessageLevel::Info, format!("{was} is no longer listed; {now}")));
        }
    }

    /// Re-sorts and re-filters; the cursor stays on the same model wherever it went.
    fn rearrange(&mut self, how: Arrangement) -> Resolved<String> {
        self.fleet.arrange(&self.filter, self.sort, self.sort_descending, how);
        let fleet = &self.fleet;
        self.fleet_cursor.resolve(fleet.visible.len(), |i| fleet.row(i).map(|r| &r.name))
    }

    /// Puts the models pane's cursor on `name`; when it is not listed, on the row the cursor
    /// was on.
    pub fn select_model(&mut self, name: &str) {
        self.fleet_cursor.select(name.to_string());
        let fleet = &self.fleet;
        self.fleet_cursor.resolve(fleet.visible.len(), |i| fleet.row(i).map(|r| &r.name));
    }

    fn resolve_alerts(&mut self) -> Resolved<String> {
        let (alerts, pending) = (&self.alerts, &self.pending);
        self.alert_cursor.resolve(alerts.len() + pending.len(), |i| super::alert_key(alerts, pending, i))
    }

    fn resolve_silences(&mut self) -> Resolved<String> {
        let live = super::alerting::live_silences(&self.silences);
        self.silence_cursor.resolve(live.len(), |i| live.get(i).map(|s| &s.id))
    }

    fn on_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        if let Some(input) = self.input.as_mut() {
            let kind = input.kind;
            return match input.handle(key) {
                InputOutcome::Edited => {
                    if kind == InputKind::Filter {
                        let text = input.text.clone();
                        self.apply_filter(&text);
                    }
                    Vec::new()
                }
                InputOutcome::Submit(text) => {
                    self.input = None;
                    match kind {
                        InputKind::Filter => {
                            self.apply_filter(&text);
                            Vec::new()
                        }
                        InputKind::Command => match command::parse(&text) {
                            Ok(command) => self.run_command(command),
                            Err(e) => {
                                self.message = Some((MessageLevel::Error, e));
                                Vec::new()
                            }
                        },
                    }
                }
                InputOutcome::Cancel => {
                    self.input = None;
                    if kind == InputKind::Filter {
                        self.apply_filter("");
                    }
                    Vec::new()
                }
                InputOutcome::Ignored => Vec::new(),
            };
        }
        let keymap = &self.settings.keymap;
        // The modal on top takes every key, in its own mode.
        match &self.modal {
            Some(Modal::Editor(_)) => return self.on_editor_key(key, keymap.command(Mode::Form, key)),
            Some(Modal::Ack(_)) => return self.on_ack_key(key, keymap.command(Mode::Form, key)),
            Some(Modal::Rollback(_)) => return self.on_rollback_key(key, keymap.command(Mode::Form, key)),
            Some(Modal::Retrain(_)) => return self.on_retrain_key(key, keymap.command(Mode::Form, key)),
            Some(Modal::Confirm(_)) => return self.on_confirm_key(keymap.command(Mode::Confirm, key)),
            Some(Modal::Help(scroll)) => {
                let scroll = *scroll;
                match keymap.command(Mode::Normal, key) {
                    Some(Command::Help | Command::Back) => self.modal = None,
                    Some(Command::Quit) => return self.quit(),
                    Some(Command::Down) => self.modal = Some(Modal::Help((scroll + 1).min(self.help_max_scroll()))),
                    Some(Command::Up) => self.modal = Some(Modal::Help(scroll.saturating_sub(1))),
                    Some(Command::Top) => self.modal = Some(Modal::Help(0)),
                    _ => {}
                }
                return Vec::new();
            }
            None => {}
        }
        self.message = None;
        match keymap.command(Mode::Normal, key) {
            Some(command) => self.run_command(command),
            None => Vec::new(),
        }
    }

    /// Carries out one command, whether it came from a key or from the command line.
    pub fn run_command(&mut self, command: Command) -> Vec<Effect> {
        let on_journal = matches!(self.screen, Screen::Journal | Screen::JournalEntry(_));
        if let Some(effects) = self.alert_command(&command) {
            return effects;
        }
        if let Some(effects) = self.versions_command(&command) {
            return effects;
        }
        if let Some(effects) = self.chart_command(&command) {
            return effects;
        }
        match command {
            Command::Open if matches!(self.screen, Screen::Alert(_)) => {
                let alert = self.target().alert;
                match alert {
                    Some(alert) if alert.model.is_some() => {
                        let model = alert.model.clone().unwrap_or_default();
                        self.open_model(model, Some(&alert))
                    }
                    _ => {
                        self.message = Some((MessageLevel::Info, "this alert names no model".into()));
                        Vec::new()
                    }
                }
            }
            Command::Back if matches!(self.screen, Screen::Alert(_) | Screen::Silences) => {
                self.screen = Screen::Overview;
                Vec::new()
            }
            Command::Note => {
                self.modal = Some(Modal::from(NoteEditor::new(self.note_subject())));
                Vec::new()
            }
            Command::Journal => {
                self.screen = Screen::Journal;
                self.journal.cursor.hold();
                vec![Effect::LoadJournal]
            }
            Command::Open if on_journal => {
                if let Some(entry) = self.journal.selected_entry() {
                    self.screen = Screen::JournalEntry(entry.seq);
                }
                Vec::new()
            }
            Command::Back if on_journal => {
                self.screen = match self.screen {
                    Screen::JournalEntry(_) => Screen::Journal,
                    _ if !self.journal.filter_text.is_empty() => {
                        self.journal.set_filter("");
                        Screen::Journal
                    }
                    _ => Screen::Overview,
                };
                Vec::new()
            }
            Command::Refresh if on_journal => vec![Effect::LoadJournal, Effect::RefreshNow],
            Command::Refresh => {
                self.message = Some((MessageLevel::Info, "refreshing…".into()));
                vec![Effect::RefreshNow]
            }
            Command::Up => self.move_selection(-1),
            Command::Down => self.move_selection(1),
            Command::PageUp => self.move_selection(-(self.page_rows as isize)),
            Command::PageDown => self.move_selection(self.page_rows as isize),
            Command::Top => self.move_selection(isize::MIN / 2),
            Command::Bottom => self.move_selection(isize::MAX / 2),
            Command::FocusNext => {
                if self.screen == Screen::Overview {
                    self.focus = match self.focus {
                        Pane::Fleet => Pane::Alerts,
                        Pane::Alerts => Pane::Fleet,
                    };
                    self.alert_cursor.hold();
                }
                Vec::new()
            }
            Command::Open => self.open(),
            Command::Back => {
                if self.screen != Screen::Overview {
                    self.screen = Screen::Overview;
                } else if !self.filter_text.is_empty() {
                    self.apply_filter("");
                }
                Vec::new()
            }
            Command::Filter(None) => {
                let current = if on_journal { &self.journal.filter_text } else { &self.filter_text };
                self.input = Some(Input::new(InputKind::Filter, current));
                Vec::new()
            }
            Command::Filter(Some(text)) => {
                self.apply_filter(&text);
                Vec::new()
            }
            Command::CommandLine => {
                self.input = Some(Input::new(InputKind::Command, ""));
                Vec::new()
            }
            Command::Sort(key) => {
                let key = key.unwrap_or_else(|| self.sort.next());
                self.sort = key;
                self.sort_descending = false;
                self.message = Some((MessageLevel::Info, format!("sorted by {}", key.label())));
                self.rearrange(Arrangement::Resort);
                Vec::new()
            }
            Command::ReverseSort => {
                self.sort_descending = !self.sort_descending;
                self.rearrange(Arrangement::Resort);
                Vec::new()
            }
            Command::Environment(name) => self.switch_environment(name.as_deref()),
            Command::ToggleLog => {
                self.show_log = !self.show_log;
                Vec::new()
            }
            Command::Help => {
                self.modal = Some(Modal::Help(0));
                Vec::new()
            }
            Command::Quit => self.quit(),
            Command::Retrain => self.start_retrain(),
            Command::Runbook => self.apply_suggestion(),
            // Handled above where they apply; elsewhere, or form-only, they do nothing.
            _ => Vec::new(),
        }
    }

    fn quit(&mut self) -> Vec<Effect> {
        self.should_quit = true;
        vec![Effect::Quit]
    }

    fn apply_filter(&mut self, text: &str) {
        if matches!(self.screen, Screen::Journal | Screen::JournalEntry(_)) {
            self.journal.set_filter(text);
            return;
        }
        self.filter_text = text.to_string();
        self.filter = Filter::parse(text);
        self.rearrange(Arrangement::Keep);
    }

    fn open(&mut self) -> Vec<Effect> {
        if self.screen != Screen::Overview {
            return Vec::new();
        }
        if self.focus == Pane::Alerts {
            if let Some(fp) = self.selected_alert().map(|a| a.fingerprint.clone()) {
                self.screen = Screen::Alert(fp);
            }
            return Vec::new();
        }
        match self.selected_model().map(|r| r.name.clone()) {
            Some(name) => self.open_model(name, None),
            None => Vec::new(),
        }
    }

    fn move_selection(&mut self, delta: isize) -> Vec<Effect> {
        match (&self.screen, self.focus) {
            (Screen::Journal, _) => self.journal.step(delta),
            (Screen::Silences, _) => {
                let live = super::alerting::live_silences(&self.silences);
                self.silence_cursor.step(delta, live.len(), |i| live.get(i).map(|s| &s.id));
            }
            (Screen::Overview, Pane::Fleet) => {
                let fleet = &self.fleet;
                self.fleet_cursor.step(delta, fleet.visible.len(), |i| fleet.row(i).map(|r| &r.name));
            }
            (Screen::Overview, Pane::Alerts) => {
                let (alerts, pending) = (&self.alerts, &self.pending);
                self.alert_cursor.step(delta, alerts.len() + pending.len(), |i| super::alert_key(alerts, pending, i));
            }
            _ => {}
        }
        Vec::new()
    }
}

/// Severity first, then the oldest first (it has burned longest).
fn sort_alerts<A: Borrow<Alert>>(alerts: &mut [A]) {
    alerts.sort_by(|a, b| {
        let (a, b) = (a.borrow(), b.borrow());
        a.severity
            .cmp(&b.severity)
            .then_with(|| b.state.is_firing().cmp(&a.state.is_firing()))
            .then_with(|| a.starts_at.cmp(&b.starts_at))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
}
