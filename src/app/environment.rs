//! Switching environments: the sources, the data and the health start over for the new
//! one, while the cursors keep their keys.

use super::{App, MessageLevel, Screen};
use crate::domain::{Effect, Health};

impl App {
    pub(super) fn switch_environment(&mut self, name: Option<&str>) -> Vec<Effect> {
        let count = self.settings.environments.len();
        let target = match name {
            Some(name) => match self.settings.environments.iter().position(|e| e.name == name) {
                Some(i) => i,
                None => {
                    let names: Vec<_> = self.settings.environments.iter().map(|e| e.name.as_str()).collect();
                    self.message =
                        Some((MessageLevel::Error, format!("no environment `{name}` (have: {})", names.join(", "))));
                    return Vec::new();
                }
            },
            None => (self.environment + 1) % count.max(1),
        };
        if target == self.environment && name.is_some() {
            self.message = Some((MessageLevel::Info, format!("already in {}", self.environment_info().name)));
            return Vec::new();
        }
        if target == self.environment {
            self.message = Some((MessageLevel::Info, "only one environment is configured".into()));
            return Vec::new();
        }
        self.environment = target;
        self.generation += 1;
        self.fleet = Default::default();
        self.alerts.clear();
        self.pending.clear();
        self.alertmanager_peer = None;
        self.last_refresh = None;
        for health in self.health.values_mut() {
            *health = Health::Connecting;
        }
        // The cursors keep their keys: the same model or alert is selected again if the
        // new environment has it.
        self.silences.clear();
        self.screen = Screen::Overview;
        self.message = Some((MessageLevel::Info, format!("switched to {}", self.environment_info().name)));
        vec![Effect::StartSources { index: target, generation: self.generation }]
    }
}
