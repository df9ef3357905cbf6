//! A Kubeflow Pipelines recurring run of the configured pipeline, and its newest runs, read
//! before a retrain is triggered.
//!
//! `GET /apis/v2beta1/recurringruns` (with `experiment_id` when one is configured) lists
//! them under `recurringRuns` (the swagger's name; `recurring_runs` is accepted too). Each
//! names its pipeline in `pipeline_version_reference { pipeline_id, pipeline_version_id }`
//! (older servers: a top-level `pipeline_version_id`), its `trigger` as `cron_schedule.cron`
//! (six fields, seconds first) or `periodic_schedule.interval_second`, each with optional
//! `start_time` and `end_time`, and `status` ENABLED or DISABLED. The newest runs come from
//! `GET /apis/v2beta1/runs?sort_by=created_at desc`; those of the pipeline give the last
//! run and whether one is PENDING or RUNNING.
//!
//! KFP keeps no next time: the console computes it as the controller does. A cron fires
//! next after now or its `start_time`, whichever is later, in UTC (the controller's
//! default zone); an interval comes after the newest run the recurring run started (its
//! `recurring_run_id`), else after its `start_time` or when it was created. A time past
//! `end_time`, or a DISABLED recurring run, has no next run.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use reqwest::Client;
use serde_json::Value;

use super::Kfp;
use super::send::{field, get_json_with};
use crate::domain::cron::{Schedule, next_interval};
use crate::domain::schedule::{LastRun, PipelineSchedule};

/// How many of the newest runs are looked through for the pipeline's.
const RUNS_PAGE: &str = "20";

pub async fn read(client: &Client, target: &Kfp, now: Timestamp) -> Result<PipelineSchedule, String> {
    let mut query = vec![("page_size", "100")];
    if let Some(experiment) = &target.experiment_id {
        query.push(("experiment_id", experiment.as_str()));
    }
    let recurring = get_json_with(client, &target.endpoint, "apis/v2beta1/recurringruns", &query).await?;
    query[0] = ("page_size", RUNS_PAGE);
    query.push(("sort_by", "created_at desc"));
    let runs = get_json_with(client, &target.endpoint, "apis/v2beta1/runs", &query).await?;
    Ok(parse(&recurring, &runs, target, now))
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

pub fn parse(recurring: &Value, runs: &Value, target: &Kfp, now: Timestamp) -> PipelineSchedule {
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
    let cron = field(schedule, "/trigger/cron_schedule/cron");
    let every = field(schedule, "/trigger/periodic_schedule/interval_second");
    let trigger = match (&cron, &every) {
        (Some(cron), _) => format!("cron {cron}"),
        (None, Some(every)) => format!("every {every} s"),
        (None, None) => "a trigger of an unknown kind".into(),
    };
    let name = field(schedule, "/display_name").map(|n| format!(" (recurring run {n})")).unwrap_or_default();
    let disabled = field(schedule, "/status").as_deref() == Some("DISABLED")
        || field(schedule, "/mode").as_deref() == Some("DISABLE");
    let next = if disabled { None } else { next_run(schedule, &runs, cron, every, now) };
    PipelineSchedule { description: Some(format!("{trigger}{name}")), paused: disabled, last, next, in_progress }
}

/// The recurring run's next run after `now`, within its start and end times.
fn next_run(
    schedule: &Value,
    runs: &[Value],
    cron: Option<String>,
    every: Option<String>,
    now: Timestamp,
) -> Option<Timestamp> {
    let kind = if cron.is_some() { "cron_schedule" } else { "periodic_schedule" };
    let time = |v: &Value, pointer: &str| field(v, pointer).and_then(|t| t.parse::<Timestamp>().ok());
    let start = time(schedule, &format!("/trigger/{kind}/start_time"));
    let end = time(schedule, &format!("/trigger/{kind}/end_time"));
    let next = match (cron, every) {
        (Some(cron), _) => {
            let after = start.map_or(now, |s| s.max(now));
            Schedule::parse(&cron).ok()?.next_run(after, None, &TimeZone::UTC)?
        }
        (None, Some(every)) => {
            let seconds: i64 = every.parse().ok().filter(|s| *s > 0)?;
            let id = field(schedule, "/recurring_run_id");
            let started = runs
                .iter()
                .find(|r| id.is_some() && field(r, "/recurring_run_id") == id)
                .and_then(|r| time(r, "/created_at"));
            let previous = started.or(start).or_else(|| time(schedule, "/created_at"))?;
            next_interval(previous, SignedDuration::from_secs(seconds), now)?
        }
        (None, None) => return None,
    };
    end.is_none_or(|end| next <= end).then_some(next)
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

    fn now() -> Timestamp {
        "2026-12-06T21:07:00Z".parse().unwrap()
    }

    fn at(text: &str) -> Option<Timestamp> {
        Some(text.parse().unwrap())
    }

    /// The next run of a recurring run of `p1` with `trigger`, given the pipeline's `runs`.
    fn next_of(trigger: Value, status: &str, runs: Value) -> Option<Timestamp> {
        let recurring = json!({"recurringRuns": [{"recurring_run_id": "rr1", "created_at": "2026-12-01T10:00:00Z",
            "pipeline_version_reference": {"pipeline_id": "p1"}, "trigger": trigger, "status": status}]});
        parse(&recurring, &json!({ "runs": runs }), &target(None), now()).next
    }

    #[test]
    fn a_cron_fires_next_in_utc_within_its_start_and_end() {
        let cron = |c: Value| json!({ "cron_schedule": c });
        let none = json!([]);
        assert_eq!(next_of(cron(json!({"cron": "0 0 3 * * *"})), "ENABLED", none.clone()), at("2026-12-07T03:00:00Z"));
        assert_eq!(
            next_of(cron(json!({"cron": "0 30 21 * * *"})), "ENABLED", none.clone()),
            at("2026-12-06T21:30:00Z")
        );
        assert_eq!(next_of(cron(json!({"cron": "0 30 21 * * *"})), "DISABLED", none.clone()), None);
        let later = json!({"cron": "0 30 21 * * *", "start_time": "2026-12-10T00:00:00Z"});
        assert_eq!(next_of(cron(later), "ENABLED", none.clone()), at("2026-12-10T21:30:00Z"), "not before its start");
        let ended = json!({"cron": "0 30 21 * * *", "end_time": "2026-12-06T21:00:00Z"});
        assert_eq!(next_of(cron(ended), "ENABLED", none.clone()), None, "none after its end");
        assert_eq!(next_of(cron(json!({"cron": "61 * * * * *"})), "ENABLED", none), None);
    }

    #[test]
    fn an_interval_comes_after_the_newest_run_it_started() {
        let every = |p: Value| json!({ "periodic_schedule": p });
        let runs = json!([
            {"state": "SUCCEEDED", "created_at": "2026-12-06T20:50:00Z", "pipeline_version_reference": {"pipeline_id": "p1"}},
            {"state": "SUCCEEDED", "created_at": "2026-12-06T20:30:00Z", "recurring_run_id": "rr1",
             "pipeline_version_reference": {"pipeline_id": "p1"}}]);
        // The manual run at 20:50 does not count: 20:30 + 1 h.
        let hourly = json!({"interval_second": "3600"});
        assert_eq!(next_of(every(hourly.clone()), "ENABLED", runs), at("2026-12-06T21:30:00Z"));
        // No run yet: from its start time, else from when it was created (2026-12-01T10:00Z).
        let started = json!({"interval_second": 3600, "start_time": "2026-12-06T20:45:00Z"});
        assert_eq!(next_of(every(started), "ENABLED", json!([])), at("2026-12-06T21:45:00Z"));
        assert_eq!(next_of(every(hourly), "ENABLED", json!([])), at("2026-12-06T22:00:00Z"));
        let ended = json!({"interval_second": "3600", "end_time": "2026-12-06T21:59:00Z"});
        assert_eq!(next_of(every(ended), "ENABLED", json!([])), None);
        assert_eq!(next_of(every(json!({"interval_second": "0"})), "ENABLED", json!([])), None);
        assert_eq!(next_of(every(json!({"interval_second": "soon"})), "ENABLED", json!([])), None);
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
        let s = parse(&recurring, &runs, &target(None), now());
        assert_eq!(s.description.as_deref(), Some("every 86400 s (recurring run nightly)"));
        assert!(s.paused && !s.in_progress);
        assert_eq!(s.last.map(|l| l.state), Some("SUCCEEDED".into()));
        let s = parse(&recurring, &runs, &target(Some("v9")), now());
        assert_eq!(s, PipelineSchedule::default());
        assert_eq!(parse(&json!([1]), &json!(null), &target(None), now()), PipelineSchedule::default());
    }
}
