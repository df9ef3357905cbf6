//! An Airflow 3 DAG's schedule, read before a retrain is triggered.
//!
//! `GET /api/v2/dags/{dag_id}` (`DAGResponse`): `timetable_description` ("At 00:00"),
//! `timetable_summary` ("@daily"), `is_paused`, `next_dagrun_logical_date` and
//! `next_dagrun_run_after` (when the scheduler will create the next run).
//! `GET /api/v2/dags/{dag_id}/dagRuns?order_by=-run_after&limit=1`: the newest run;
//! the same with `state=queued&state=running`: whether one is in progress.

use jiff::Timestamp;
use reqwest::Client;
use serde_json::Value;

use super::Airflow;
use super::airflow::authorised;
use super::send::{field, get_json_with};
use super::template::segment;
use crate::domain::schedule::{LastRun, PipelineSchedule};

pub async fn read(client: &Client, target: &Airflow) -> Result<PipelineSchedule, String> {
    let endpoint = authorised(client, &target.endpoint).await?;
    let dag_path = format!("api/v2/dags/{}", segment(&target.dag_id));
    let dag = get_json_with(client, &endpoint, &dag_path, &[]).await?;
    let runs_path = format!("{dag_path}/dagRuns");
    let newest = [("order_by", "-run_after"), ("limit", "1")];
    let last = get_json_with(client, &endpoint, &runs_path, &newest).await?;
    let active = [("state", "queued"), ("state", "running"), ("limit", "1")];
    let in_progress = get_json_with(client, &endpoint, &runs_path, &active).await?;
    Ok(parse(&dag, &last, &in_progress))
}

/// The schedule from the three answers; any missing or odd field is left out.
pub fn parse(dag: &Value, last: &Value, in_progress: &Value) -> PipelineSchedule {
    let description = field(dag, "/timetable_description").or_else(|| field(dag, "/timetable_summary"));
    let next = time(dag, "/next_dagrun_run_after").or_else(|| time(dag, "/next_dagrun_logical_date"));
    let last = last.pointer("/dag_runs/0").map(|run| LastRun {
        state: field(run, "/state").unwrap_or_else(|| "unknown".into()),
        at: time(run, "/start_date").or_else(|| time(run, "/run_after")),
    });
    let active = in_progress.pointer("/dag_runs/0").is_some()
        || in_progress.get("total_entries").and_then(Value::as_u64).is_some_and(|n| n > 0);
    let paused = dag.get("is_paused").and_then(Value::as_bool).unwrap_or(false);
    PipelineSchedule { description, paused, last, next, in_progress: active }
}

fn time(value: &Value, pointer: &str) -> Option<Timestamp> {
    field(value, pointer)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_of_a_scheduled_dag_and_hostile_answers() {
        let dag = json!({"timetable_description": "At 00:00", "timetable_summary": "@daily", "is_paused": false,
            "next_dagrun_run_after": "2026-12-07T00:00:00Z", "next_dagrun_logical_date": "2026-12-06T00:00:00Z"});
        let last =
            json!({"dag_runs": [{"state": "success", "start_date": "2026-12-06T00:00:05Z"}], "total_entries": 3});
        let none = json!({"dag_runs": [], "total_entries": 0});
        let s = parse(&dag, &last, &none);
        assert_eq!(s.description.as_deref(), Some("At 00:00"));
        assert_eq!(s.next, Some("2026-12-07T00:00:00Z".parse().unwrap()));
        assert_eq!(s.last.as_ref().map(|l| l.state.as_str()), Some("success"));
        assert!(!s.in_progress && !s.paused);
        let running = json!({"dag_runs": [{"state": "running"}], "total_entries": 1});
        let paused =
            parse(&json!({"is_paused": true, "next_dagrun_run_after": "2026-12-07T00:00:00Z"}), &none, &running);
        assert!(paused.paused && paused.in_progress && paused.next.is_some() && paused.description.is_none());
        assert_eq!(parse(&json!([1]), &json!("x"), &json!(null)), PipelineSchedule::default());
    }
}
