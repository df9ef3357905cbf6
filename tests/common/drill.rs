//! What the fault drills share: a config for one environment, a source's failure as the
//! operator reads it, and waits on a source's health. Test files that use it also declare
//! `mod live;`.
#![allow(dead_code)]

use std::time::Duration;

use modeldeck::app::App;
use modeldeck::config::{self, Config};
use modeldeck::domain::{ColumnId, Health, SourceId};

use crate::live::Live;

/// Polls every 500 ms, each request cut off after `timeout` ("1s").
pub fn config(prometheus: &str, alertmanager: &str, timeout: &str) -> Config {
    let text = format!(
        r#"
refresh = "500ms"
timeout = "{timeout}"
[[environment]]
name = "drill"
prometheus = {{ url = "{prometheus}" }}
alertmanagers = ["{alertmanager}"]
"#
    );
    config::from_str(&text, None, &|_| None).unwrap()
}

/// The error the header shows for `source`, while it fails.
pub fn error(app: &App, source: SourceId) -> Option<String> {
    match app.health.get(&source) {
        Some(Health::Failing { error, .. }) => Some(error.clone()),
        _ => None,
    }
}

pub fn is_ok(app: &App, source: SourceId) -> bool {
    app.health.get(&source).is_some_and(Health::is_ok)
}

pub fn accuracy(app: &App, model: &str) -> Option<f64> {
    app.fleet.find(model).and_then(|r| r.number(ColumnId::Accuracy))
}

/// Waits until `source` fails with an error that `expected` accepts, and returns it.
pub async fn until_failing(
    live: &mut Live,
    source: SourceId,
    timeout: Duration,
    expected: impl Fn(&str) -> bool,
) -> String {
    let what = format!("{} to fail with the expected error", source.label());
    live.until(&what, timeout, |app| error(app, source).is_some_and(|e| expected(&e))).await;
    error(&live.app, source).unwrap()
}

/// Waits until `source` answers again.
pub async fn until_ok(live: &mut Live, source: SourceId, timeout: Duration) {
    let what = format!("{} to recover", source.label());
    live.until(&what, timeout, |app| is_ok(app, source)).await;
}

/// The peak resident memory of this process so far, in KiB (`VmHWM`).
pub fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}
