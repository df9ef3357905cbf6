//! Runbook rules in the app: the suggestion an alert row shows, the key that opens it in
//! the normal confirmation flow, and the automatic actions a rule may opt in to, each
//! rate-limited and journaled (as automatic, or as suppressed).

use jiff::{SignedDuration, Timestamp};

use super::{App, MessageLevel};
use crate::config::runbook::{self, Decision, Rule, Suggestion};
use crate::domain::ActionRequest;
use crate::domain::Effect;
use crate::domain::team::Claim;
use crate::domain::{Alert, AlertState};
use crate::domain::{Matcher, SilenceRequest};
use crate::domain::{RetrainOrder, Suppressed};
use crate::domain::{RetrainTarget, TriggerRequest};

impl App {
    /// The rule that applies to a firing alert now, if any.
    pub fn suggestion(&self, alert: &Alert) -> Option<(usize, &Rule)> {
        if alert.state != AlertState::Active {
            return None;
        }
        let since = alert.starts_at.unwrap_or(self.now);
        runbook::suggestion_for(&self.settings.runbook, &alert.name, alert.model.as_deref(), since, self.now)
    }

    /// A short label for the alert row.
    pub fn suggestion_label(&self, alert: &Alert) -> Option<String> {
        let (_, rule) = self.suggestion(alert)?;
        let what = match &rule.suggest {
            Suggestion::Retrain { .. } => "retrain".to_string(),
            Suggestion::Rollback => "roll back".to_string(),
            Suggestion::Ack { duration } => match duration {
                Some(d) => format!("ack {}", crate::domain::duration::format(*d)),
                None => "ack".to_string(),
            },
        };
        Some(if rule.automatic { format!("{what} (auto)") } else { what })
    }

    fn rule_target(&self, rule: &Rule, model: &str) -> Option<RetrainTarget> {
        match &rule.suggest {
            Suggestion::Retrain { target: Some(name) } => self.settings.retrain.named(name).cloned(),
            Suggestion::Retrain { target: None } => self.settings.retrain.for_model(model).cloned(),
            _ => None,
        }
    }

    /// The runbook key: open the suggestion for the alert the operator is on, in its normal
    /// flow.
    pub(super) fn apply_suggestion(&mut self) -> Vec<Effect> {
        let target = self.target();
        let Some(alert) = target.alert.clone() else {
            self.message = Some((MessageLevel::Info, "select an alert first (Tab to the alerts pane)".into()));
            return Vec::new();
        };
        let Some((_, rule)) = self.suggestion(&alert) else {
            self.message = Some((
                MessageLevel::Info,
                format!("no runbook rule suggests anything for {}", super::alert_words(&alert)),
            ));
            return Vec::new();
        };
        let rule = rule.clone();
        let Some(model) = alert.model.clone() else {
            self.message = Some((MessageLevel::Info, "this alert names no model".into()));
            return Vec::new();
        };
        match &rule.suggest {
            Suggestion::Ack { duration } => {
                let d =
                    duration.map_or_else(|| self.settings.silence_duration.clone(), crate::domain::duration::format);
                self.start_ack_for(&d)
            }
            Suggestion::Retrain { .. } => {
                if self.refuse_read_only("retraining") {
                    return Vec::new();
                }
                match self.rule_target(&rule, &model) {
                    Some(pipeline) => self.open_retrain_form(target, pipeline),
                    None => {
                        self.message = Some((MessageLevel::Error, format!("no retraining is configured for {model}")));
                        Vec::new()
                    }
                }
            }
            Suggestion::Rollback => self.open_rollback_for(model, Some(alert.fingerprint.clone())),
        }
    }

    /// Automatic actions for alerts that just arrived: each alert occurrence is considered
    /// once; the rate limit decides between running and recording a suppression.
    pub(super) fn automatic_actions(&mut self, at: Timestamp) -> Vec<Effect> {
        if self.settings.runbook.iter().all(|r| !r.automatic) {
            return Vec::new();
        }
        let mut effects = Vec::new();
        let alerts = self.alerts.clone();
        for alert in &alerts {
            let Some((index, rule)) = self.suggestion(alert) else { continue };
            if !rule.automatic {
                continue;
            }
            let rule = rule.clone();
            let Some(model) = alert.model.clone() else { continue };
            let occurrence = format!("{index}|{}|{:?}", alert.fingerprint, alert.starts_at);
            if !self.handled.insert(occurrence.clone()) {
                continue;
            }
            if self.read_only() {
                // Said, not refused through `refuse_read_only`: a form the operator is filling
                // in stays open when a rule fires meanwhile.
                let what = format!("runbook rule {} on {}", index + 1, super::alert_words(alert));
                self.message = Some((MessageLevel::Info, crate::domain::read_only_refusal(&what)));
                continue;
            }
            let name = format!("runbook rule {} ({})", index + 1, rule.alert);
            let action = match rule.suggest {
                Suggestion::Ack { .. } => "ack",
                _ => "retrain",
            };
            // The journal decides across consoles and restarts (the claim); this console's
            // own limiter still holds back what it alone can see.
            let claim = Claim {
                occurrence,
                rule: name.clone(),
                model: model.clone(),
                rate_limit: rule.rate_limit.and_then(|d| SignedDuration::try_from(d).ok()).unwrap_or_default(),
            };
            let until = at.checked_add(claim.rate_limit).unwrap_or(at);
            let held = Suppressed {
                model: model.clone(),
                alertname: alert.name.clone(),
                rule: name.clone(),
                action: action.into(),
                until,
            };
            let actions = match self.limiter.check((index, &rule), &model, at) {
                Decision::Suppressed { until } => {
                    vec![ActionRequest::Suppressed(Box::new(Suppressed { until, ..held.clone() }))]
                }
                Decision::Run => self.automatic_action(&rule, &name, alert, model, at),
            };
            effects.extend(actions.into_iter().map(|action| {
                let (claim, held) = (claim.clone(), Box::new(held.clone()));
                Effect::Act(Box::new(ActionRequest::Automatic { claim, action: Box::new(action), held }))
            }));
        }
        effects
    }

    fn automatic_action(
        &mut self,
        rule: &Rule,
        name: &str,
        alert: &Alert,
        model: String,
        at: Timestamp,
    ) -> Vec<ActionRequest> {
        let note = format!("automatic: {name} on {}", alert.name);
        match &rule.suggest {
            Suggestion::Ack { duration } => {
                let minutes = duration.map_or(60, |d| (d.as_secs() / 60).max(1)) as i64;
                let request = SilenceRequest {
                    id: None,
                    matchers: vec![
                        Matcher::equal("alertname", &alert.name),
                        Matcher::equal(&self.settings.model_label, &model),
                    ],
                    starts_at: at,
                    ends_at: at.checked_add(SignedDuration::from_mins(minutes)).unwrap_or(at),
                    created_by: format!("{} (automatic)", self.settings.author),
                    comment: note,
                };
                vec![ActionRequest::CreateSilence { request, alert: Box::new(alert.clone()) }]
            }
            Suggestion::Retrain { .. } => {
                let Some(target) = self.rule_target(rule, &model) else { return Vec::new() };
                let params = target.params.clone();
                let request = TriggerRequest {
                    target,
                    model,
                    environment: self.environment_info().name.clone(),
                    params,
                    note,
                    author: format!("{} (automatic)", self.settings.author),
                    reason: format!("{}: {}", alert.name, alert.summary),
                    at,
                };
                let order = RetrainOrder {
                    request,
                    automatic: Some(name.to_string()),
                    alert: Some(alert.name.clone()),
                    take_over: None,
                };
                vec![ActionRequest::Retrain(Box::new(order))]
            }
            // Refused at config load: a person picks the version.
            Suggestion::Rollback => Vec::new(),
        }
    }
}
