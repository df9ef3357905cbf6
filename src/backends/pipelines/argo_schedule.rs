//! The CronWorkflows that run an Argo WorkflowTemplate, read before a retrain is triggered.
//!
//! `GET /api/v1/cron-workflows/{namespace}` lists them (`items`, `null` when there are
//! none). Each has `spec.schedule` (one cron string) or, from Argo 3.6, `spec.schedules`
//! (several), `spec.timezone`, `spec.suspend`, and the template it runs in
//! `spec.workflowSpec.workflowTemplateRef.name`; its `status.lastScheduledTime` and
//! `status.active` (the workflows it started that are still running). Argo keeps no next
//! time: the console computes it from the crons (the earliest of them) in `spec.timezone`,
//! or in UTC when there is none (the controller's local time, UTC in its image) or the zone
//! is not in this machine's zone database, which the description then says. `@every` counts
//! on from the last scheduled time. A suspended CronWorkflow has no next run.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use reqwest::Client;
use serde_json::Value;

use super::Argo;
use super::send::{field, get_json_with};
use super::template::segment;
use crate::domain::cron::earliest_next;
use crate::domain::schedule::{LastRun, PipelineSchedule};

pub async fn read(client: &Client, target: &Argo, now: Timestamp) -> Result<PipelineSchedule, String> {
    let path = format!("api/v1/cron-workflows/{}", segment(&target.namespace));
    Ok(parse(&get_json_with(client, &target.endpoint, &path, &[]).await?, &target.template, now))
}

/// The first CronWorkflow that runs `template`, with its next run after `now`; no schedule
/// when none does.
pub fn parse(list: &Value, template: &str, now: Timestamp) -> PipelineSchedule {
    let items = list.get("items").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let runs_template =
        |c: &&Value| field(c, "/spec/workflowSpec/workflowTemplateRef/name").as_deref() == Some(template);
    let Some(cron) = items.iter().find(runs_template) else { return PipelineSchedule::default() };
    let mut schedules: Vec<String> = match cron.pointer("/spec/schedules").and_then(Value::as_array) {
        Some(list) => list.iter().filter_map(|s| s.as_str()).map(str::to_string).collect(),
        None => Vec::new(),
    };
    if schedules.is_empty() {
        schedules.extend(field(cron, "/spec/schedule"));
    }
    let mut description = format!("cron {}", schedules.join(", "));
    let zone_name = field(cron, "/spec/timezone");
    let zone = zone_name.as_deref().map_or(Ok(TimeZone::UTC), TimeZone::get);
    if let Some(name) = &zone_name {
        description.push_str(&format!(" {name}"));
        if zone.is_err() {
            description.push_str(" (a time zone not known here: next run in UTC)");
        }
    }
    if let Some(name) = field(cron, "/metadata/name") {
        description.push_str(&format!(" (CronWorkflow {name})"));
    }
    let last =
        field(cron, "/status/lastScheduledTime").map(|at| LastRun { state: "scheduled".into(), at: at.parse().ok() });
    let active = cron.pointer("/status/active").and_then(Value::as_array).is_some_and(|a| !a.is_empty());
    let paused = cron.pointer("/spec/suspend").and_then(Value::as_bool).unwrap_or(false);
    let previous = last.as_ref().and_then(|l| l.at);
    let zone = zone.unwrap_or(TimeZone::UTC);
    let next = if paused { None } else { earliest_next(&schedules, now, previous, &zone) };
    PipelineSchedule { description: Some(description), paused, last, next, in_progress: active }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        "2026-12-06T21:07:00Z".parse().unwrap()
    }

    #[test]
    fn odd_answers_are_no_schedule_or_partial_ones() {
        assert_eq!(parse(&json!([1]), "t", now()), PipelineSchedule::default());
        assert_eq!(parse(&json!({"items": "x"}), "t", now()), PipelineSchedule::default());
        let bare = json!({"items": [{"spec": {"schedules": [3], "suspend": "yes",
            "workflowSpec": {"workflowTemplateRef": {"name": "t"}}}, "status": {"lastScheduledTime": "soon"}}]});
        let s = parse(&bare, "t", now());
        assert_eq!(s.description.as_deref(), Some("cron "));
        assert!(!s.paused && !s.in_progress && s.next.is_none());
        assert_eq!(s.last, Some(LastRun { state: "scheduled".into(), at: None }));
    }

    fn cron_workflow(spec: Value, status: Value) -> Value {
        let mut spec = spec;
        spec["workflowSpec"] = json!({"workflowTemplateRef": {"name": "t"}});
        json!({"items": [{"metadata": {"name": "c"}, "spec": spec, "status": status}]})
    }

    #[test]
    fn the_next_run_is_the_earliest_cron_in_the_time_zone() {
        let at = |s: &str| Some(s.parse::<Timestamp>().unwrap());
        let spec = json!({"schedules": ["0 3 * * *", "15 22 * * *", "bad"], "timezone": "Europe/Berlin"});
        let s = parse(&cron_workflow(spec, json!({})), "t", now());
        // 22:15 in Berlin (CET, +01:00) is 21:15 UTC.
        assert_eq!(s.next, at("2026-12-06T21:15:00Z"));
        assert_eq!(s.description.as_deref(), Some("cron 0 3 * * *, 15 22 * * *, bad Europe/Berlin (CronWorkflow c)"));
        let list = cron_workflow(json!({"schedule": "0 3 * * *"}), json!({}));
        assert_eq!(parse(&list, "t", now()).next, at("2026-12-07T03:00:00Z"), "no zone: UTC");
        let list = cron_workflow(json!({"schedule": "0 3 * * *", "timezone": "Mars/Olympus"}), json!({}));
        let s = parse(&list, "t", now());
        assert_eq!(s.next, at("2026-12-07T03:00:00Z"));
        assert_eq!(
            s.description.as_deref(),
            Some("cron 0 3 * * * Mars/Olympus (a time zone not known here: next run in UTC) (CronWorkflow c)")
        );
        let list = cron_workflow(json!({"schedule": "0 3 * * *", "suspend": true}), json!({}));
        let s = parse(&list, "t", now());
        assert!(s.paused && s.next.is_none(), "a suspended CronWorkflow runs nothing");
        let ran = json!({"lastScheduledTime": "2026-12-06T20:00:00Z"});
        assert_eq!(
            parse(&cron_workflow(json!({"schedule": "@every 2h"}), ran), "t", now()).next,
            at("2026-12-06T22:00:00Z")
        );
        let list = cron_workflow(json!({"schedule": "@every 2h"}), json!({}));
        assert_eq!(parse(&list, "t", now()).next, None, "@every with no last run: not known");
    }
}
