//! The registry's live version of each model, next to the version(s) Prometheus reports
//! serving: VER shows the registry's, and marks where the two differ (`2 (serving 3)`), so
//! a rollback shows at once, before the serving side has caught up.

use std::collections::HashMap;

use jiff::Timestamp;

use super::{App, ModelRow};
use crate::domain::ActionReport;
use crate::domain::Effect;
use crate::domain::{ColumnId, RegistrySnapshot};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveVersions {
    /// The environment generation these belong to; another's are never shown.
    generation: u64,
    /// Model → the version behind the alias, as the registry spells it.
    versions: HashMap<String, String>,
    /// Versions a rollback read back, with when: a registry poll that began earlier may
    /// have read the alias before it moved, so it cannot overrule them.
    read_back: HashMap<String, (String, Timestamp)>,
}

/// What VER shows for one model. Raw text: the views sanitise it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionText {
    pub text: String,
    /// The registry's live version is not what Prometheus reports serving.
    pub mismatch: bool,
}

/// The registry's `live` version, with what Prometheus reports `serving` when that differs
/// (`2 (serving 3)`; a canary serves several, `2 (serving 2,3)`). Without a live version,
/// Prometheus's text as it is; `None` when neither has one.
pub fn version_text(live: Option<&str>, serving: Option<&str>) -> Option<VersionText> {
    let serving = serving.filter(|s| !s.trim().is_empty());
    let Some(live) = live else {
        return serving.map(|s| VersionText { text: s.to_string(), mismatch: false });
    };
    match serving {
        Some(s) if s.split(',').any(|v| v.trim() != live) => {
            Some(VersionText { text: format!("{live} (serving {s})"), mismatch: true })
        }
        _ => Some(VersionText { text: live.to_string(), mismatch: false }),
    }
}

impl App {
    /// The registry's live version of `model` in this environment, if it has a registry.
    pub fn live_version(&self, model: &str) -> Option<&str> {
        let live = &self.live_versions;
        if live.generation != self.generation || !self.environment_info().registry {
            return None;
        }
        live.versions.get(model).map(String::as_str)
    }

    /// VER for a fleet row: see [`version_text`].
    pub fn version_text(&self, row: &ModelRow) -> Option<VersionText> {
        version_text(self.live_version(&row.name), row.text(ColumnId::Version))
    }

    pub(super) fn ingest_live_versions(&mut self, snapshot: RegistrySnapshot) {
        let RegistrySnapshot { mut live, started } = snapshot;
        let state = &mut self.live_versions;
        if state.generation != self.generation {
            *state = LiveVersions { generation: self.generation, ..Default::default() };
        }
        state.read_back.retain(|model, (version, at)| {
            if *at <= started || live.get(model) == Some(version) {
                return false;
            }
            live.insert(model.clone(), version.clone());
            true
        });
        state.versions = live;
    }

    /// A rollback verified by reading the registry back: its version is live from now on,
    /// and every source is asked to refresh.
    pub(super) fn on_read_back(&mut self, report: &ActionReport) -> Vec<Effect> {
        let Some(read) = report.read_back.as_ref().filter(|_| report.ok) else { return Vec::new() };
        if read.environment != self.environment_info().name || !self.environment_info().registry {
            return Vec::new();
        }
        let state = &mut self.live_versions;
        if state.generation != self.generation {
            *state = LiveVersions { generation: self.generation, ..Default::default() };
        }
        state.versions.insert(read.model.clone(), read.version.clone());
        state.read_back.insert(read.model.clone(), (read.version.clone(), read.at));
        self.dirty = true;
        vec![Effect::RefreshNow]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(live: Option<&str>, serving: Option<&str>) -> Option<(String, bool)> {
        version_text(live, serving).map(|v| (v.text, v.mismatch))
    }

    #[test]
    fn the_live_version_and_what_serves_when_it_differs() {
        assert_eq!(text(Some("3"), Some("3")), Some(("3".into(), false)));
        assert_eq!(text(Some("2"), Some("3")), Some(("2 (serving 3)".into(), true)));
        assert_eq!(text(Some("2"), Some("2,3")), Some(("2 (serving 2,3)".into(), true)));
        assert_eq!(text(Some("3"), Some("3, 3")), Some(("3".into(), false)));
        assert_eq!(text(Some("2"), None), Some(("2".into(), false)), "Prometheus has no version label");
        assert_eq!(text(Some("2"), Some(" ")), Some(("2".into(), false)));
    }

    fn app(registry: bool) -> App {
        let config = crate::config::from_str("", None, &|_| None).unwrap();
        let settings = super::super::Settings::from_config(&config, Default::default(), registry, false);
        App::new(settings, 0, Timestamp::UNIX_EPOCH)
    }

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + second).unwrap()
    }

    fn polled(app: &mut App, version: &str, started: Timestamp) {
        let live = [("fraud".to_string(), version.to_string())].into();
        app.ingest_live_versions(RegistrySnapshot { live, started });
    }

    fn rolled_back(version: &str, when: Timestamp) -> ActionReport {
        let read_back = crate::domain::ReadBack {
            environment: "local".into(),
            model: "fraud".into(),
            version: version.into(),
            at: when,
        };
        ActionReport {
            kind: crate::domain::ReportKind::Rollback,
            started: None,
            ok: true,
            outcome: crate::domain::ActionOutcome::Ok,
            message: String::new(),
            entry: None,
            read_back: Some(read_back),
        }
    }

    #[test]
    fn a_read_back_is_live_at_once_and_only_a_later_poll_overrules_it() {
        let mut app = app(true);
        polled(&mut app, "3", at(0));
        assert_eq!(app.live_version("fraud"), Some("3"));
        assert_eq!(app.on_read_back(&rolled_back("2", at(10))), vec![Effect::RefreshNow]);
        assert_eq!(app.live_version("fraud"), Some("2"));
        polled(&mut app, "3", at(9));
        assert_eq!(app.live_version("fraud"), Some("2"), "that poll read the alias before it moved");
        polled(&mut app, "4", at(11));
        assert_eq!(app.live_version("fraud"), Some("4"), "moved again after the rollback");
        polled(&mut app, "3", at(5));
        assert_eq!(app.live_version("fraud"), Some("3"), "nothing pinned any more");
    }

    #[test]
    fn failed_foreign_or_registry_less_read_backs_change_nothing() {
        let mut app = app(true);
        polled(&mut app, "3", at(0));
        let failed = ActionReport { ok: false, ..rolled_back("2", at(10)) };
        assert!(app.on_read_back(&failed).is_empty());
        let mut elsewhere = rolled_back("2", at(10));
        elsewhere.read_back.as_mut().unwrap().environment = "prod".into();
        assert!(app.on_read_back(&elsewhere).is_empty());
        assert_eq!(app.live_version("fraud"), Some("3"));

        app.generation += 1;
        assert_eq!(app.live_version("fraud"), None, "another environment's versions are never shown");

        let mut plain = self::app(false);
        assert!(plain.on_read_back(&rolled_back("2", at(10))).is_empty());
        polled(&mut plain, "3", at(0));
        assert_eq!(plain.live_version("fraud"), None, "without a registry VER is Prometheus's");
    }

    #[test]
    fn without_a_live_version_prometheus_text_as_it_is() {
        assert_eq!(text(None, Some("2,3")), Some(("2,3".into(), false)));
        assert_eq!(text(None, None), None);
        assert_eq!(text(None, Some("")), None);
    }
}
