//! Runbook rules: which action an alert suggests (retrain, roll back, acknowledge), after how
//! long, and whether the console may take it by itself. Pure: callers pass the clock in.
//!
//! An automatic action is limited per rule and model, so a flapping alert cannot start a
//! retraining run on every refresh. The first matching rule wins, as in a routing tree, so
//! specific rules (one model) go before general ones.

use std::collections::HashMap;
use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;

use super::retrain::KeyError;
use crate::domain::duration::deserialize_opt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The alert's `alertname`.
    pub alert: String,
    /// The alert must have been active this long; `None` suggests at once.
    pub for_at_least: Option<Duration>,
    /// Only this model; `None` for any model.
    pub model: Option<String>,
    pub suggest: Suggestion,
    /// Taken without asking the operator (still journaled).
    pub automatic: bool,
    /// At most one automatic action per rule and model within this time.
    pub rate_limit: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suggestion {
    /// Retrain with the named target; `None` uses the model's own `retrain` target.
    Retrain { target: Option<String> },
    /// Roll back to the last validated version.
    Rollback,
    /// Acknowledge (silence) for this long; `None` uses the acknowledge form's default.
    Ack { duration: Option<Duration> },
}

/// A `[[runbook]]` block as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRule {
    pub alert: String,
    #[serde(default, rename = "for", deserialize_with = "deserialize_opt")]
    pub for_at_least: Option<Duration>,
    pub model: Option<String>,
    /// `retrain`, `rollback` or `ack`.
    pub suggest: String,
    pub target: Option<String>,
    #[serde(default, deserialize_with = "deserialize_opt")]
    pub ack_for: Option<Duration>,
    #[serde(default)]
    pub automatic: bool,
    #[serde(default, deserialize_with = "deserialize_opt")]
    pub rate_limit: Option<Duration>,
}

pub fn resolve(raw: &FileRule) -> Result<Rule, KeyError> {
    if raw.alert.trim().is_empty() {
        return Err(("alert", "a runbook rule needs `alert`, the alertname it answers".into()));
    }
    if raw.target.is_some() && raw.suggest != "retrain" {
        return Err(("target", "`target` applies only to `suggest = \"retrain\"`".into()));
    }
    if raw.ack_for.is_some() && raw.suggest != "ack" {
        return Err(("ack_for", "`ack_for` applies only to `suggest = \"ack\"`".into()));
    }
    let suggest = match raw.suggest.as_str() {
        "retrain" => Suggestion::Retrain { target: raw.target.clone().filter(|t| !t.trim().is_empty()) },
        "rollback" => Suggestion::Rollback,
        "ack" => Suggestion::Ack { duration: raw.ack_for },
        other => return Err(("suggest", format!("`{other}` is not one of retrain, rollback, ack"))),
    };
    if raw.ack_for.is_some_and(|d| d < Duration::from_secs(60)) {
        return Err(("ack_for", "must be at least 1m".into()));
    }
    match (raw.automatic, raw.rate_limit) {
        (true, None) => {
            return Err(("rate_limit", "an automatic rule needs `rate_limit`, e.g. \"6h\"".into()));
        }
        (true, Some(limit)) if limit < Duration::from_secs(60) => {
            return Err(("rate_limit", "must be at least 1m".into()));
        }
        (false, Some(_)) => return Err(("rate_limit", "`rate_limit` applies only to `automatic = true`".into())),
        _ => {}
    }
    Ok(Rule {
        alert: raw.alert.clone(),
        for_at_least: raw.for_at_least,
        model: raw.model.clone().filter(|m| !m.trim().is_empty()),
        suggest,
        automatic: raw.automatic,
        rate_limit: raw.rate_limit,
    })
}

/// The first rule for this alert and model whose `for` has elapsed, with its index.
pub fn suggestion_for<'a>(
    rules: &'a [Rule],
    alertname: &str,
    model: Option<&str>,
    active_since: Timestamp,
    now: Timestamp,
) -> Option<(usize, &'a Rule)> {
    let active_ms = now.as_millisecond().saturating_sub(active_since.as_millisecond()).max(0) as u128;
    rules.iter().enumerate().find(|(_, rule)| {
        rule.alert == alertname
            && rule.model.as_deref().is_none_or(|m| Some(m) == model)
            && rule.for_at_least.is_none_or(|d| active_ms >= d.as_millis())
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Run,
    Suppressed { until: Timestamp },
}

/// The last automatic action per rule (by index into one rules list) and model.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RateLimiter {
    last: HashMap<(usize, String), Timestamp>,
}

impl RateLimiter {
    pub fn new() -> RateLimiter {
        RateLimiter::default()
    }

    /// Whether the rule may act for `model` now; a `Run` is recorded at once, so a failed
    /// action also waits out the limit rather than hammering a broken pipeline.
    pub fn check(&mut self, (index, rule): (usize, &Rule), model: &str, now: Timestamp) -> Decision {
        let key = (index, model.to_string());
        if let (Some(limit), Some(last)) = (rule.rate_limit, self.last.get(&key)) {
            let until = last.checked_add(limit).unwrap_or(Timestamp::MAX);
            if now < until {
                return Decision::Suppressed { until };
            }
        }
        self.last.insert(key, now);
        Decision::Run
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + minutes * 60).unwrap()
    }

    fn rule(toml_text: &str) -> Rule {
        resolve(&toml::from_str::<FileRule>(toml_text).unwrap()).unwrap()
    }

    fn error(toml_text: &str) -> KeyError {
        resolve(&toml::from_str::<FileRule>(toml_text).unwrap()).unwrap_err()
    }

    #[test]
    fn resolves_each_suggestion() {
        let r = rule("alert = \"ModelDriftHigh\"\nfor = \"30m\"\nsuggest = \"retrain\"\ntarget = \"nightly\"");
        assert_eq!(r.suggest, Suggestion::Retrain { target: Some("nightly".into()) });
        assert_eq!(r.for_at_least, Some(Duration::from_secs(1800)));
        assert_eq!(rule("alert = \"A\"\nsuggest = \"rollback\"").suggest, Suggestion::Rollback);
        let ack = rule("alert = \"A\"\nsuggest = \"ack\"\nack_for = \"2h\"");
        assert_eq!(ack.suggest, Suggestion::Ack { duration: Some(Duration::from_secs(7200)) });
        let auto = rule("alert = \"A\"\nsuggest = \"retrain\"\nautomatic = true\nrate_limit = \"6h\"");
        assert!(auto.automatic && auto.rate_limit == Some(Duration::from_secs(6 * 3600)));
    }

    #[test]
    fn bad_rules_name_their_key() {
        assert_eq!(error("alert = \"A\"\nsuggest = \"retrain\"\nautomatic = true").0, "rate_limit");
        assert_eq!(error("alert = \"A\"\nsuggest = \"rollback\"\nrate_limit = \"1h\"").0, "rate_limit");
        assert_eq!(error("alert = \"A\"\nsuggest = \"reboot\"").0, "suggest");
        assert_eq!(error("alert = \"A\"\nsuggest = \"ack\"\ntarget = \"x\"").0, "target");
        assert_eq!(error("alert = \"\"\nsuggest = \"ack\"").0, "alert");
        assert!(toml::from_str::<FileRule>("alert = \"A\"\nsuggest = \"ack\"\nfour = \"1m\"").is_err());
    }

    #[test]
    fn first_matching_rule_after_its_for() {
        let rules = vec![
            rule("alert = \"Drift\"\nmodel = \"fraud\"\nfor = \"1h\"\nsuggest = \"retrain\""),
            rule("alert = \"Drift\"\nfor = \"10m\"\nsuggest = \"ack\""),
            rule("alert = \"Accuracy\"\nsuggest = \"rollback\""),
        ];
        assert_eq!(suggestion_for(&rules, "Drift", Some("fraud"), at(0), at(5)), None);
        assert_eq!(suggestion_for(&rules, "Drift", Some("fraud"), at(0), at(10)).map(|r| r.0), Some(1));
        assert_eq!(suggestion_for(&rules, "Drift", Some("fraud"), at(0), at(60)).map(|r| r.0), Some(0));
        assert_eq!(suggestion_for(&rules, "Drift", Some("churn"), at(0), at(60)).map(|r| r.0), Some(1));
        assert_eq!(suggestion_for(&rules, "Drift", None, at(0), at(60)).map(|r| r.0), Some(1));
        assert_eq!(suggestion_for(&rules, "Accuracy", None, at(0), at(0)).map(|r| r.0), Some(2));
        assert_eq!(suggestion_for(&rules, "Other", None, at(0), at(600)), None);
        // A start in the future (clock skew) counts as just started.
        assert_eq!(suggestion_for(&rules, "Drift", Some("x"), at(30), at(0)), None);
    }

    #[test]
    fn rate_limit_per_rule_and_model() {
        let r = rule("alert = \"A\"\nsuggest = \"retrain\"\nautomatic = true\nrate_limit = \"6h\"");
        let mut limiter = RateLimiter::new();
        assert_eq!(limiter.check((0, &r), "fraud", at(0)), Decision::Run);
        assert_eq!(limiter.check((0, &r), "fraud", at(60)), Decision::Suppressed { until: at(360) });
        assert_eq!(limiter.check((0, &r), "churn", at(60)), Decision::Run);
        assert_eq!(limiter.check((1, &r), "fraud", at(60)), Decision::Run);
        assert_eq!(limiter.check((0, &r), "fraud", at(359)), Decision::Suppressed { until: at(360) });
        assert_eq!(limiter.check((0, &r), "fraud", at(360)), Decision::Run);
        assert_eq!(limiter.check((0, &r), "fraud", at(361)), Decision::Suppressed { until: at(720) });
        let unlimited = rule("alert = \"A\"\nsuggest = \"ack\"");
        assert_eq!(limiter.check((2, &unlimited), "fraud", at(0)), Decision::Run);
        assert_eq!(limiter.check((2, &unlimited), "fraud", at(0)), Decision::Run);
    }
}
