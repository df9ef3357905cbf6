//! A GitHub Actions workflow's `on.schedule` crons and its newest runs, read before a
//! retrain is triggered.
//!
//! `GET /repos/{owner}/{repo}/actions/workflows/{workflow}` gives the workflow file's `path`
//! and its `state` (`active`, or `disabled_manually` / `disabled_inactivity`). The file comes
//! from `GET /repos/{owner}/{repo}/contents/{path}` with `Accept:
//! application/vnd.github.raw+json` (its text, on the default branch, where scheduled
//! workflows run). Its `- cron: '…'` lines are the schedule: the console has no YAML parser,
//! so the lines are read as text. `GET …/workflows/{workflow}/runs?per_page=10` gives the
//! newest runs: the last one, and whether one is queued or in progress. GitHub keeps no next
//! time: the console computes it from the crons (the earliest of them), in UTC as GitHub
//! reads them; a disabled workflow has none. GitHub may start a scheduled run late under
//! load, so the next time is when it is due, not when it will start.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use reqwest::Client;
use serde_json::Value;

use super::Github;
use super::send::{field, get_json_with, status_error};
use super::template::segment;
use crate::backends::http;
use crate::domain::Endpoint;
use crate::domain::cron::earliest_next;
use crate::domain::schedule::{LastRun, PipelineSchedule};

fn with_headers(endpoint: &Endpoint, accept: &str) -> Endpoint {
    let mut endpoint = endpoint.clone();
    endpoint.headers.push(("Accept".into(), accept.into()));
    endpoint.headers.push(("X-GitHub-Api-Version".into(), "2022-11-28".into()));
    endpoint
}

pub async fn read(client: &Client, target: &Github, now: Timestamp) -> Result<PipelineSchedule, String> {
    let json = with_headers(&target.endpoint, "application/vnd.github+json");
    let repo = format!("repos/{}/{}", segment(&target.owner), segment(&target.repo));
    let workflow_path = format!("{repo}/actions/workflows/{}", segment(&target.workflow));
    let workflow = get_json_with(client, &json, &workflow_path, &[]).await?;
    let file = field(&workflow, "/path").ok_or("GitHub named no file for the workflow")?;
    let file_path = format!("{repo}/contents/{}", file.split('/').map(segment).collect::<Vec<_>>().join("/"));
    let raw = with_headers(&target.endpoint, "application/vnd.github.raw+json");
    let answer = http::get(client, &raw, &file_path, &[]).await?;
    if !(200..300).contains(&answer.status) {
        return Err(status_error(answer.status, &answer.body));
    }
    let text = String::from_utf8_lossy(&answer.body);
    let runs = get_json_with(client, &json, &format!("{workflow_path}/runs"), &[("per_page", "10")]).await?;
    Ok(parse(&workflow, &text, &runs, now))
}

/// The crons of `- cron: '…'` lines, quotes and trailing comments taken off.
pub fn crons(file: &str) -> Vec<String> {
    file.lines()
        .filter_map(|line| line.trim().strip_prefix('-')?.trim().strip_prefix("cron:"))
        .map(|value| {
            let value = value.trim();
            let value = match value.chars().next() {
                Some(q @ ('\'' | '"')) => value[1..].split(q).next().unwrap_or_default(),
                _ => value.split(" #").next().unwrap_or_default(),
            };
            value.trim().to_string()
        })
        .filter(|cron| !cron.is_empty())
        .collect()
}

pub fn parse(workflow: &Value, file: &str, runs: &Value, now: Timestamp) -> PipelineSchedule {
    let crons = crons(file);
    let description = (!crons.is_empty()).then(|| format!("cron {} UTC", crons.join(", ")));
    let runs = runs.get("workflow_runs").and_then(Value::as_array).cloned().unwrap_or_default();
    let last = runs.first().map(|run| LastRun {
        state: field(run, "/conclusion").or_else(|| field(run, "/status")).unwrap_or_else(|| "unknown".into()),
        at: field(run, "/created_at").and_then(|t| t.parse().ok()),
    });
    let waiting = ["queued", "in_progress", "waiting", "pending", "requested"];
    let in_progress = runs.iter().any(|r| field(r, "/status").is_some_and(|s| waiting.contains(&s.as_str())));
    let paused = field(workflow, "/state").is_some_and(|s| s.starts_with("disabled"));
    let next = if paused { None } else { earliest_next(&crons, now, None, &TimeZone::UTC) };
    PipelineSchedule { description, paused, last, next, in_progress }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cron_lines_and_odd_answers() {
        let file = "on:\n  schedule:\n    - cron: '0 3 * * *'\n    - cron: \"30 12 * * 1-5\"  # weekdays\n    -  cron: 5 4 * * * # bare\n  workflow_dispatch:\n";
        assert_eq!(crons(file), ["0 3 * * *", "30 12 * * 1-5", "5 4 * * *"]);
        assert!(crons("- cron: ''\n- cron:\n").is_empty());
        let now = "2026-12-06T21:07:00Z".parse().unwrap();
        let s =
            parse(&json!({"state": "disabled_manually"}), "", &json!({"workflow_runs": [{"status": "queued"}]}), now);
        assert!(s.paused && s.in_progress && s.description.is_none());
        assert_eq!(s.last.map(|l| l.state), Some("queued".into()));
        assert_eq!(parse(&json!([1]), "\u{0}", &json!(null), now), PipelineSchedule::default());
    }

    #[test]
    fn the_next_run_is_the_earliest_cron_in_utc_unless_disabled() {
        let now: Timestamp = "2026-12-06T21:07:00Z".parse().unwrap();
        let file = "on:\n  schedule:\n    - cron: '0 3 * * *'\n    - cron: '45 21 * * 0'\n    - cron: 'nonsense'\n";
        let s = parse(&json!({"state": "active"}), file, &json!({}), now);
        // 2026-12-06 is a Sunday.
        assert_eq!(s.next, Some("2026-12-06T21:45:00Z".parse().unwrap()));
        assert_eq!(s.description.as_deref(), Some("cron 0 3 * * *, 45 21 * * 0, nonsense UTC"));
        let s = parse(&json!({"state": "disabled_inactivity"}), file, &json!({}), now);
        assert!(s.paused && s.next.is_none());
        let s = parse(&json!({"state": "active"}), "- cron: 'nonsense'\n", &json!({}), now);
        assert_eq!((s.description.as_deref(), s.next), (Some("cron nonsense UTC"), None));
    }
}
