//! Backfilled history for a [`Stack`]: a deterministic OpenMetrics file with
//! per-model accuracy, drift, request counters and a latency histogram,
//! turned into TSDB blocks with `promtool` before Prometheus starts.
//!
//! Every series has one sample per `step_s` seconds on the Unix-time grid
//! (timestamps are multiples of `step_s`), the last one at
//! [`Stack::backfill_end`], about 5 minutes before the stack started, so the
//! blocks stay clear of the head block Prometheus fills while it scrapes.
//! The values come from the `backfilled_*` functions below, so a test can
//! compute what a query must return.

use std::f64::consts::TAU;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use jiff::Timestamp;

use super::Stack;

/// How far before "now" the backfilled data ends.
const END_BEFORE_NOW_S: i64 = 300;
/// Model `model-000` degrades over this last stretch of the history.
const DROP_S: i64 = 6 * 3600;
/// Period of the daily-looking wave on accuracy and drift.
const WAVE_PERIOD_S: i64 = 4 * 3600;
/// Upper bounds of the latency histogram and the cumulative share of
/// requests in each; `+Inf` holds every request.
const LATENCY_BUCKETS: [(&str, f64); 6] =
    [("0.025", 0.2), ("0.05", 0.5), ("0.1", 0.8), ("0.25", 0.95), ("0.5", 0.99), ("1", 0.999)];
/// Mean latency in seconds, for `model_infer_request_duration_sum`.
const MEAN_LATENCY_S: f64 = 0.06;

/// History to backfill into Prometheus before it starts
/// ([`super::StackOptions::backfill`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backfill {
    /// Models `model-000`, `model-001`, ...
    pub models: usize,
    /// Length of the history.
    pub hours: u32,
    /// Seconds between samples (also the timestamp grid).
    pub step_s: u32,
}

/// The name of model `i`: `model-000`, `model-001`, ...
pub fn backfilled_model(i: usize) -> String {
    format!("model-{i:03}")
}

/// The `version` label of model `i`: `"1"` to `"4"`.
pub fn backfilled_version(i: usize) -> String {
    (i % 4 + 1).to_string()
}

/// How far into the final [`DROP_S`] stretch `t` is: 0 before it, 1 at `end`.
fn drop_progress(t: i64, end: i64) -> f64 {
    ((t - (end - DROP_S)) as f64 / DROP_S as f64).clamp(0.0, 1.0)
}

fn wave(model: usize, t: i64) -> f64 {
    (TAU * t.rem_euclid(WAVE_PERIOD_S) as f64 / WAVE_PERIOD_S as f64 + model as f64 * 0.7).sin()
}

/// `model_accuracy` of model `model` at `t` (Unix seconds) in a history that
/// ends at `end`: `0.95 + 0.02 * wave`, and for `model-000` minus up to 0.15
/// over the last 6 hours (about 0.8 at the end, below the 0.9 alert line).
pub fn backfilled_accuracy(model: usize, t: i64, end: i64) -> f64 {
    let degraded = if model == 0 { 0.15 * drop_progress(t, end) } else { 0.0 };
    0.95 + 0.02 * wave(model, t) - degraded
}

/// `model_drift_score` (label `feature="amount"`): `0.05 + 0.03 * wave`, and
/// for `model-000` plus up to 0.3 over the last 6 hours.
pub fn backfilled_drift(model: usize, t: i64, end: i64) -> f64 {
    let drifted = if model == 0 { 0.3 * drop_progress(t, end) } else { 0.0 };
    0.05 + 0.03 * wave(model, t) + drifted
}

/// `model_infer_request_success_total` at `t` in a history that starts at
/// `start`: `2 + model % 5` requests per second since `start`.
pub fn backfilled_successes(model: usize, t: i64, start: i64) -> u64 {
    (2 + model as u64 % 5) * (t - start).max(0) as u64
}

/// `model_infer_request_failure_total`: one failure every 10 minutes.
pub fn backfilled_failures(t: i64, start: i64) -> u64 {
    (t - start).max(0) as u64 / 600
}

/// The OpenMetrics text for `backfill` over `[start, end]`: families
/// contiguous, each series in time order, timestamps in seconds, `# EOF`.
pub fn openmetrics(backfill: &Backfill, start: i64, end: i64) -> String {
    let step = i64::from(backfill.step_s);
    let times = || (start..=end).step_by(step as usize);
    let labels: Vec<String> = (0..backfill.models)
        .map(|i| format!("model=\"{}\",version=\"{}\"", backfilled_model(i), backfilled_version(i)))
        .collect();
    let points = backfill.models * ((end - start) / step + 1) as usize;
    // 13 series per model and point, about 90 bytes a line.
    let mut out = String::with_capacity(points * 13 * 90);

    out.push_str("# HELP model_accuracy Offline-evaluated accuracy of the deployed version.\n");
    out.push_str("# TYPE model_accuracy gauge\n");
    for (i, labels) in labels.iter().enumerate() {
        for t in times() {
            let _ = writeln!(out, "model_accuracy{{{labels}}} {} {t}", backfilled_accuracy(i, t, end));
        }
    }
    out.push_str("# TYPE model_drift_score gauge\n");
    for (i, labels) in labels.iter().enumerate() {
        for t in times() {
            let _ =
                writeln!(out, "model_drift_score{{{labels},feature=\"amount\"}} {} {t}", backfilled_drift(i, t, end));
        }
    }
    // OpenMetrics names a counter family without `_total`.
    out.push_str("# TYPE model_infer_request_success counter\n");
    for (i, labels) in labels.iter().enumerate() {
        for t in times() {
            let _ = writeln!(
                out,
                "model_infer_request_success_total{{{labels}}} {} {t}",
                backfilled_successes(i, t, start)
            );
        }
    }
    out.push_str("# TYPE model_infer_request_failure counter\n");
    for labels in &labels {
        for t in times() {
            let _ =
                writeln!(out, "model_infer_request_failure_total{{{labels}}} {} {t}", backfilled_failures(t, start));
        }
    }
    out.push_str("# TYPE model_infer_request_duration histogram\n");
    for (i, labels) in labels.iter().enumerate() {
        for t in times() {
            let count = backfilled_successes(i, t, start);
            for (le, share) in LATENCY_BUCKETS {
                let in_bucket = (count as f64 * share).floor();
                let _ = writeln!(out, "model_infer_request_duration_bucket{{{labels},le=\"{le}\"}} {in_bucket} {t}");
            }
            let _ = writeln!(out, "model_infer_request_duration_bucket{{{labels},le=\"+Inf\"}} {count} {t}");
            let _ = writeln!(out, "model_infer_request_duration_sum{{{labels}}} {} {t}", count as f64 * MEAN_LATENCY_S);
            let _ = writeln!(out, "model_infer_request_duration_count{{{labels}}} {count} {t}");
        }
    }
    out.push_str("# EOF\n");
    out
}

/// Writes the history for `backfill` into `data` (a Prometheus data
/// directory) as TSDB blocks and returns the timestamp of the last sample.
/// Panics with promtool's output if it fails.
pub(super) fn create_blocks(dir: &Path, data: &Path, backfill: &Backfill) -> Timestamp {
    assert!(backfill.models >= 1 && backfill.hours >= 1 && backfill.step_s >= 1, "empty backfill: {backfill:?}");
    let step = i64::from(backfill.step_s);
    let end = (Timestamp::now().as_second() - END_BEFORE_NOW_S).div_euclid(step) * step;
    let start = end - i64::from(backfill.hours) * 3600 + step;

    let started = Instant::now();
    let file = dir.join("backfill.om");
    let text = openmetrics(backfill, start, end);
    fs::write(&file, &text).unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
    let generated = started.elapsed();
    drop(text);

    write_blocks(&file, data);
    eprintln!(
        "backfill: {} models x {} h at {} s: generated in {generated:.1?}, blocks written after {:.1?}",
        backfill.models,
        backfill.hours,
        backfill.step_s,
        started.elapsed()
    );
    Timestamp::from_second(end).expect("backfill end is a valid timestamp")
}

/// Turns the OpenMetrics file `file` into TSDB blocks in `data` and removes it. Panics with
/// promtool's output if it fails.
fn write_blocks(file: &Path, data: &Path) {
    // 24 h blocks: promtool re-reads the whole input once per block, and
    // the default 2 h blocks make it several times slower.
    let output = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=24h"])
        .arg(file)
        .arg(data)
        .output()
        .unwrap_or_else(|e| panic!("run promtool (from the Debian package prometheus; run `scripts/test`): {e}"));
    assert!(
        output.status.success(),
        "promtool tsdb create-blocks-from openmetrics {} failed ({}):\n{}{}",
        file.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let _ = fs::remove_file(file);
}

/// Writes the series `recorded(end)` returns (OpenMetrics text without `# EOF`) into `data`
/// as TSDB blocks, `end` on the minute about 5 minutes before now, and returns `end`.
pub(super) fn create_recorded_blocks(dir: &Path, data: &Path, recorded: fn(i64) -> String) -> Timestamp {
    let end = (Timestamp::now().as_second() - END_BEFORE_NOW_S).div_euclid(60) * 60;
    let file = dir.join("recorded.om");
    let text = recorded(end) + "# EOF\n";
    fs::write(&file, text).unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
    write_blocks(&file, data);
    Timestamp::from_second(end).expect("the recorded end is a valid timestamp")
}

impl Stack {
    /// The timestamp of the last backfilled sample (a multiple of `step_s`,
    /// about 5 minutes before the stack started); `None` without a backfill.
    pub fn backfill_end(&self) -> Option<Timestamp> {
        self.backfill_end
    }

    /// Runs an instant query at `time` and returns `data.result`.
    pub async fn prom_instant_at(&self, promql: &str, time: Timestamp) -> serde_json::Value {
        let time = time.as_second().to_string();
        self.prom_api("query", &[("query", promql), ("time", &time)]).await
    }

    /// Runs a range query over `[start, end]` every `step_s` seconds and
    /// returns `data.result` (a matrix).
    pub async fn prom_range(&self, promql: &str, start: Timestamp, end: Timestamp, step_s: u32) -> serde_json::Value {
        let (start, end) = (start.as_second().to_string(), end.as_second().to_string());
        let step = step_s.to_string();
        self.prom_api("query_range", &[("query", promql), ("start", &start), ("end", &end), ("step", &step)]).await
    }

    pub(super) async fn prom_api(&self, endpoint: &str, params: &[(&str, &str)]) -> serde_json::Value {
        let url = format!("{}/api/v1/{endpoint}", self.prometheus_url);
        let response =
            self.client.get(&url).query(params).send().await.unwrap_or_else(|e| panic!("GET {url} {params:?}: {e}"));
        let status = response.status();
        let body: serde_json::Value =
            response.json().await.unwrap_or_else(|e| panic!("GET {url} {params:?}: bad JSON: {e}"));
        assert!(status.is_success() && body["status"] == "success", "GET {url} {params:?} answered {status}: {body}");
        body["data"]["result"].clone()
    }
}
