//! A Kubeflow Pipelines recurring run of the configured pipeline, and its newest runs, read
//! before a retrain is triggered.
//!
//! `GET /apis/v2beta1/recurringruns` (with `experiment_id` when one is configured) lists
//! them under `recurringRuns` (the swagger's name; `recurring_runs` is accepted too). Each
//! names its pipeline in `pipeline_version_reference { pipeline_id, pipeline_version_id }`
//! (older servers: a top-level `pipeline_version_id`), its `trigger` as `cron_schedule.cron`
//! (six fields, seconds first) or `periodic_schedule.interval_second`, and `status`
//! ENABLED or DISABLED. KFP keeps no next time. The newest runs come from
//! `GET /apis/v2beta1/runs?sort_by=created_at desc`; those of the pipeline give the last
//! run and whether one is PENDING or RUNNING.

use reqwest::Client;
use serde_json::Value;

use super::Kfp;
use super::send::{field, get_json_with};
use crate::domain::schedule::{LastRun, PipelineSchedule};

/// How many of the newest runs are looked through for the pipeline's.
const RUNS_PAGE: &str = "20";

pub async fn read(client: &Client, target: &Kfp) -> Result<PipelineSchedule, String> {
    let mut query = vec![("page_size", "100")];
    if let Some(experiment) = &target.experiment_id {
        query.push(("experiment_id", experiment.as_str()));
    }
    let recurring = get_json_with(client, &target.endpoint, "apis/v2beta1/recurringruns", &query).await?;
    query[0] = ("page_size", RUNS_PAGE);
    query.push(("sort_by", "created_at desc"));
    let runs = get_json_with(client, &target.endpoint, "apis/v2beta1/runs", &query).await?;
    Ok(parse(&recurring, &runs, target))
}

/// Whether a recurring run or a run is of the configured pipeline (and version, if set).
fn of_pipeline(item: &Value, target: &Kfp) -> bool {
    let version =
        field(item, "/pipeline_version_reference/pipeline_version_id").or_else(|| field(item, "/pipeline_version_id"));
    match &target.pipeline_version_id {
        Some(wanted) => version.as_deref() == Some(wanted.as_str()),
        None => field(item, "/pipeline_version_reference/pipeline_id").as_deref() == Some(target.pipeline_id.as_str()),
    }
}

pub fn parse(recurring: &Value, runs: &Value, target: &Kfp) -> PipelineSchedule {
    let list = |v: &Value, keys: &[&str]| -> Vec<Value> {
        keys.iter().find_map(|k| v.get(*k).and_then(Value::as_array)).cloned().unwrap_or_default()
    };
    let recurring = list(recurring, &["recurringRuns", "recurring_runs"]);
    let schedule = recurring.iter().find(|r| of_pipeline(r, target));
    let runs: Vec<Value> = list(runs, &["runs"]).into_iter().filter(|r| of_pipeline(r, target)).collect();
    let last = runs.first().map(|run| LastRun {
        state: field(run, "/state").unwrap_or_else(|| "unknown".into()),
        at: field(run, "/created_at").and_then(|t| t.parse().ok()),
    });
    let in_progress = runs.iter().any(|r| matches!(field(r, "/state").as_deref(), Some("PENDING" | "RUNNING")));
    let Some(schedule) = schedule else {
        return PipelineSchedule { last, in_progress, ..PipelineSchedule::default() };
    };
    let trigger = match (
        field(schedule, "/trigger/cron_schedule/cron"),
        field(schedule, "/trigger/periodic_schedule/interval_second"),
    ) {
        (Some(cron), _) => format!("cron {cron}"),
        (None, Some(every)) => format!("every {every} s"),
        (None, None) => "a trigger of an unknown kind".into(),
    };
    let name = field(schedule, "/display_name").map(|n| format!(" (recurring run {n})")).unwrap_or_default();
    let disabled = field(schedule, "/status").as_deref() == Some("DISABLED")
        || field(schedule, "/mode").as_deref() == Some("DISABLE");
    PipelineSchedule { description: Some(format!("{trigger}{name}")), paused: disabled, last, next: None, in_progress }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Auth, Endpoint};
    use serde_json::json;

    fn target(version: Option<&str>) -> Kfp {
        Kfp {
            endpoint: Endpoint { url: "http://127.0.0.1:9".parse().unwrap(), headers: Vec::new(), auth: Auth::None },
            pipeline_id: "p1".into(),
            pipeline_version_id: version.map(str::to_string),
            experiment_id: None,
            service_account: None,
        }
    }

    #[test]
    fn the_pipelines_recurring_run_and_runs_only() {
        let recurring = json!({"recurringRuns": [
            {"display_name": "other", "pipeline_version_reference": {"pipeline_id": "p2"}, "trigger": {"cron_schedule": {"cron": "0 0 1 * * *"}}},
            {"display_name": "nightly", "pipeline_version_reference": {"pipeline_id": "p1", "pipeline_version_id": "v1"},
             "trigger": {"periodic_schedule": {"interval_second": "86400"}}, "status": "DISABLED"}]});
        let runs = json!({"runs": [
            {"state": "RUNNING", "pipeline_version_reference": {"pipeline_id": "p2"}},
            {"state": "SUCCEEDED", "created_at": "2026-12-06T02:00:00Z", "pipeline_version_reference": {"pipeline_id": "p1"}}]});
        let s = parse(&recurring, &runs, &target(None));
        assert_eq!(s.description.as_deref(), Some("every 86400 s (recurring run nightly)"));
        assert!(s.paused && !s.in_progress);
        assert_eq!(s.last.map(|l| l.state), Some("SUCCEEDED".into()));
        let s = parse(&recurring, &runs, &target(Some("v9")));
        assert_eq!(s, PipelineSchedule::default());
        assert_eq!(parse(&json!([1]), &json!(null), &target(None)), PipelineSchedule::default());
    }
}
