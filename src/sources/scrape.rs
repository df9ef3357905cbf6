//! Live figures straight from a model's serving endpoint (`[[model]]` in the config): its
//! `/metrics` page, parsed with [`super::exposition`], and its Open Inference Protocol
//! readiness. Independent of Prometheus, so the model screen keeps moving while
//! Prometheus is down.
//!
//! One task per configured model ([`run`]) polls at the refresh interval, backs off like
//! [`super::poller`] after failures and sends [`Event::LiveScrape`]. It keeps the previous
//! figures itself: rates and mean latency are deltas between two scrapes.

use std::sync::Arc;

use jiff::Timestamp;
use reqwest::Client;
use tokio::sync::{Notify, mpsc};

use super::poller::{self, Backoff, Schedule};
use crate::backends::http;
use crate::backends::serving::exposition::{self, Exposition};
use crate::config::{ModelServing, ServingKind};
use crate::domain::Endpoint;
use crate::domain::Event;
use crate::domain::{GpuFigures, LiveFigures};

/// DCGM's "not available" sentinels are around 9.22e18; nothing real gets near.
pub const SENTINEL: f64 = 9.0e18;

const MIB: f64 = 1024.0 * 1024.0;

/// The metric names one kind of server uses.
struct Names {
    success: &'static str,
    failure: Option<&'static str>,
    latency_sum: &'static str,
    /// `None`: the latency sum is divided by the success counter (Triton).
    latency_count: Option<&'static str>,
    /// Multiplies the latency sum into seconds.
    latency_scale: f64,
}

fn names(kind: ServingKind) -> Names {
    match kind {
        ServingKind::Mlserver | ServingKind::Generic => Names {
            success: "model_infer_request_success_total",
            failure: Some("model_infer_request_failure_total"),
            latency_sum: "model_infer_request_duration_sum",
            latency_count: Some("model_infer_request_duration_count"),
            latency_scale: 1.0,
        },
        ServingKind::Triton => Names {
            success: "nv_inference_request_success",
            failure: Some("nv_inference_request_failure"),
            latency_sum: "nv_inference_request_duration_us",
            latency_count: None,
            latency_scale: 1e-6,
        },
        ServingKind::Vllm => Names {
            success: "vllm:request_success_total",
            failure: None,
            latency_sum: "vllm:e2e_request_latency_seconds_sum",
            latency_count: Some("vllm:e2e_request_latency_seconds_count"),
            latency_scale: 1.0,
        },
    }
}

/// The figures of `model` (on the kind's default model label) in one scrape.
pub fn figures(
    kind: ServingKind,
    model: &str,
    exposition: &Exposition,
    previous: Option<&LiveFigures>,
    at: Timestamp,
) -> LiveFigures {
    figures_by_label(kind, kind.default_model_label(), model, exposition, previous, at)
}

/// As [`figures`], with the model named by `label`. A `generic` server uses the first
/// metric set (MLServer, Triton, vLLM) that has a series for the model.
pub fn figures_by_label(
    kind: ServingKind,
    label: &str,
    model: &str,
    exposition: &Exposition,
    previous: Option<&LiveFigures>,
    at: Timestamp,
) -> LiveFigures {
    let total = |name: &str| total(exposition, name, label, model);
    let names = match kind {
        ServingKind::Generic => [ServingKind::Mlserver, ServingKind::Triton, ServingKind::Vllm]
            .into_iter()
            .map(names)
            .find(|n| total(n.success).is_some())
            .unwrap_or_else(|| names(ServingKind::Generic)),
        kind => names(kind),
    };
    let requests_total = total(names.success);
    let failures_total = names.failure.and_then(total);
    let latency_sum_s = total(names.latency_sum).map(|s| s * names.latency_scale);
    let latency_count = names.latency_count.map_or(requests_total, total);

    let seconds = previous.map(|p| (at.as_millisecond() - p.at.as_millisecond()) as f64 / 1000.0);
    // A series the previous scrape lacked has been created since: it started at zero.
    let before = |f: fn(&LiveFigures) -> Option<f64>| previous.map(|p| f(p).unwrap_or(0.0));
    let rate = |now: Option<f64>, then: Option<f64>| match (now, then, seconds) {
        (Some(now), Some(then), Some(dt)) if dt > 0.0 && now >= then => Some((now - then) / dt),
        _ => None,
    };
    let requests_per_s = rate(requests_total, before(|p| p.requests_total));
    let errors_per_s = rate(failures_total, before(|p| p.failures_total));
    let mean_latency_s = match (latency_sum_s, latency_count, previous) {
        (Some(sum), Some(count), None) if count > 0.0 => Some(sum / count),
        (Some(sum), Some(count), Some(_)) => {
            let (then_sum, then_count) = (before(|p| p.latency_sum_s), before(|p| p.latency_count));
            match (then_sum, then_count) {
                (Some(ts), Some(tc)) if sum >= ts && count > tc => Some((sum - ts) / (count - tc)),
                _ => None,
            }
        }
        _ => None,
    };
    LiveFigures {
        at,
        requests_total,
        failures_total,
        requests_per_s,
        errors_per_s,
        mean_latency_s,
        ready: None,
        gpu: gpu(exposition),
        latency_sum_s,
        latency_count,
    }
}

/// The sum of every sample called `name` whose `label` is `model`; `None` when none is.
fn total(exposition: &Exposition, name: &str, label: &str, model: &str) -> Option<f64> {
    exposition
        .samples()
        .filter(|s| s.name == name && s.label(label) == Some(model) && s.value.is_finite())
        .map(|s| s.value)
        .reduce(|a, b| a + b)
}

/// The values of every sample called `name`, sentinels and junk left out.
fn gauges(exposition: &Exposition, name: &str) -> Vec<f64> {
    exposition
        .samples()
        .filter(|s| s.name == name && s.value.is_finite() && (0.0..SENTINEL).contains(&s.value))
        .map(|s| s.value)
        .collect()
}

fn sum(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum())
}

/// GPU figures from DCGM exporter names, else from Triton's; `None` without utilisation.
pub fn gpu(exposition: &Exposition) -> Option<GpuFigures> {
    // Rounded to 0.01 %: a ratio times 100 is not always the integer DCGM reports
    // (0.55 * 100 is 55.00000000000001).
    let mean = |values: &[f64]| sum(values).map(|s| (s / values.len() as f64 * 100.0).round() / 100.0);
    let dcgm = gauges(exposition, "DCGM_FI_DEV_GPU_UTIL");
    if let Some(utilisation_pct) = mean(&dcgm) {
        let used = sum(&gauges(exposition, "DCGM_FI_DEV_FB_USED"));
        let free = sum(&gauges(exposition, "DCGM_FI_DEV_FB_FREE"));
        let reserved = sum(&gauges(exposition, "DCGM_FI_DEV_FB_RESERVED")).unwrap_or(0.0);
        let total = used.zip(free).map(|(u, f)| u + f + reserved);
        return Some(GpuFigures { utilisation_pct, memory_used_mib: used, memory_total_mib: total });
    }
    let triton: Vec<f64> = gauges(exposition, "nv_gpu_utilization").iter().map(|r| r * 100.0).collect();
    Some(GpuFigures {
        utilisation_pct: mean(&triton)?,
        memory_used_mib: sum(&gauges(exposition, "nv_gpu_memory_used_bytes")).map(|b| b / MIB),
        memory_total_mib: sum(&gauges(exposition, "nv_gpu_memory_total_bytes")).map(|b| b / MIB),
    })
}

/// Scrapes one model's endpoint and remembers the last figures for the next deltas.
pub struct ScrapeSource {
    client: Client,
    serving: ModelServing,
    /// The metrics URL split for [`http::get`]: everything up to the last path segment...
    metrics_base: Endpoint,
    /// ...the last segment, and the query.
    metrics_path: String,
    metrics_query: Vec<(String, String)>,
    previous: Option<LiveFigures>,
}

impl ScrapeSource {
    pub fn new(client: Client, serving: ModelServing) -> ScrapeSource {
        let mut base = serving.metrics.clone();
        let metrics_query = base.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        base.url.set_query(None);
        base.url.set_fragment(None);
        let full = base.url.path().to_string();
        let (parent, last) = full.rsplit_once('/').unwrap_or(("", full.as_str()));
        let metrics_path = last.to_string();
        base.url.set_path(if parent.is_empty() { "/" } else { parent });
        ScrapeSource { client, serving, metrics_base: base, metrics_path, metrics_query, previous: None }
    }

    pub fn model(&self) -> &str {
        &self.serving.name
    }

    /// One scrape: the metrics page and the readiness check, concurrently.
    pub async fn scrape(&mut self, at: Timestamp) -> Result<LiveFigures, String> {
        let (text, ready) = tokio::join!(self.metrics(), self.ready());
        let text = text.map_err(|e| self.metrics_base.redact(&e));
        let exposition = exposition::parse(&text?);
        let s = &self.serving;
        let mut figures = figures_by_label(s.kind, &s.model_label, &s.name, &exposition, self.previous.as_ref(), at);
        figures.ready = ready;
        self.previous = Some(figures.clone());
        Ok(figures)
    }

    async fn metrics(&self) -> Result<String, String> {
        let query: Vec<(&str, &str)> = self.metrics_query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let answer = http::get(&self.client, &self.metrics_base, &self.metrics_path, &query).await?;
        if !(200..300).contains(&answer.status) {
            return Err(format!("metrics answered HTTP {}", answer.status));
        }
        Ok(String::from_utf8_lossy(&answer.body).into_owned())
    }

    /// `GET {url}/v2/models/{name}[/versions/{version}]/ready`: the status code decides
    /// (MLServer and Triton answer with an empty body). Unreachable counts as not ready.
    async fn ready(&self) -> Option<bool> {
        let url = self.serving.url.as_ref()?;
        let name = segment(&self.serving.name);
        let path = match self.serving.version.as_deref() {
            Some(version) => format!("v2/models/{name}/versions/{}/ready", segment(version)),
            None => format!("v2/models/{name}/ready"),
        };
        match http::get(&self.client, url, &path, &[]).await {
            Ok(answer) => Some((200..300).contains(&answer.status)),
            Err(error) => {
                tracing::debug!(model = %self.serving.name, %error, "readiness check failed");
                Some(false)
            }
        }
    }
}

/// `text` as one URL path segment: unreserved characters kept, the rest percent-encoded
/// (vLLM model names such as `meta-llama/Llama-3.1-8B` contain a slash).
fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Polls one model until the receiver is gone or the task is aborted: every interval,
/// longer after failures (the same backoff as the shared poller), early on a refresh.
pub async fn run(mut source: ScrapeSource, schedule: Schedule, tx: mpsc::UnboundedSender<Event>, refresh: Arc<Notify>) {
    let mut backoff = Backoff::new(schedule);
    loop {
        let result = poller::timed(schedule, source.scrape(Timestamp::now())).await;
        let next_in = backoff.after(source.model(), &result);
        let event = Event::LiveScrape { model: source.model().to_string(), result: result.map(Box::new) };
        if tx.send(event).is_err() {
            return;
        }
        poller::wait(next_in, &refresh).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(segment("iris"), "iris");
        assert_eq!(segment("meta-llama/Llama-3.1-8B"), "meta-llama%2FLlama-3.1-8B");
        assert_eq!(segment("a b?"), "a%20b%3F");
    }

    #[test]
    fn metrics_url_is_split_for_the_shared_client() {
        let serving = |url: &str| ModelServing {
            name: "m".into(),
            kind: ServingKind::Mlserver,
            metrics: Endpoint::plain(url).unwrap(),
            url: None,
            model_label: "model".into(),
            version: None,
        };
        let client = http::client(std::time::Duration::from_secs(1)).unwrap();
        let s = ScrapeSource::new(client.clone(), serving("http://127.0.0.1:8082/metrics"));
        assert_eq!(s.metrics_base.join(&s.metrics_path), "http://127.0.0.1:8082/metrics");
        let s = ScrapeSource::new(client.clone(), serving("http://h:1/a/b/metrics?format=text"));
        assert_eq!(s.metrics_base.join(&s.metrics_path), "http://h:1/a/b/metrics");
        assert_eq!(s.metrics_query, [("format".to_string(), "text".to_string())]);
        let s = ScrapeSource::new(client, serving("http://h:1/"));
        assert_eq!(s.metrics_base.join(&s.metrics_path), "http://h:1/");
    }
}
