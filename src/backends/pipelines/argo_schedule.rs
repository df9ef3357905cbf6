//! The CronWorkflows that run an Argo WorkflowTemplate, read before a retrain is triggered.
//!
//! `GET /api/v1/cron-workflows/{namespace}` lists them (`items`, `null` when there are
//! none). Each has `spec.schedule` (one cron string) or, from Argo 3.6, `spec.schedules`
//! (several), `spec.timezone`, `spec.suspend`, and the template it runs in
//! `spec.workflowSpec.workflowTemplateRef.name`; its `status.lastScheduledTime` and
//! `status.active` (the workflows it started that are still running). Argo keeps no next
//! time: the console does not compute one from the cron.

use reqwest::Client;
use serde_json::Value;

use super::Argo;
use super::send::{field, get_json_with};
use super::template::segment;
use crate::domain::schedule::{LastRun, PipelineSchedule};

pub async fn read(client: &Client, target: &Argo) -> Result<PipelineSchedule, String> {
    let path = format!("api/v1/cron-workflows/{}", segment(&target.namespace));
    Ok(parse(&get_json_with(client, &target.endpoint, &path, &[]).await?, &target.template))
}

/// The first CronWorkflow that runs `template`; no schedule when none does.
pub fn parse(list: &Value, template: &str) -> PipelineSchedule {
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
    if let Some(zone) = field(cron, "/spec/timezone") {
        description.push_str(&format!(" {zone}"));
    }
    if let Some(name) = field(cron, "/metadata/name") {
        description.push_str(&format!(" (CronWorkflow {name})"));
    }
    let last =
        field(cron, "/status/lastScheduledTime").map(|at| LastRun { state: "scheduled".into(), at: at.parse().ok() });
    let active = cron.pointer("/status/active").and_then(Value::as_array).is_some_and(|a| !a.is_empty());
    PipelineSchedule {
        description: Some(description),
        paused: cron.pointer("/spec/suspend").and_then(Value::as_bool).unwrap_or(false),
        last,
        next: None,
        in_progress: active,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn odd_answers_are_no_schedule_or_partial_ones() {
        assert_eq!(parse(&json!([1]), "t"), PipelineSchedule::default());
        assert_eq!(parse(&json!({"items": "x"}), "t"), PipelineSchedule::default());
        let bare = json!({"items": [{"spec": {"schedules": [3], "suspend": "yes",
            "workflowSpec": {"workflowTemplateRef": {"name": "t"}}}, "status": {"lastScheduledTime": "soon"}}]});
        let s = parse(&bare, "t");
        assert_eq!(s.description.as_deref(), Some("cron "));
        assert!(!s.paused && !s.in_progress);
        assert_eq!(s.last, Some(LastRun { state: "scheduled".into(), at: None }));
    }
}
