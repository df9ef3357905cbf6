//! What a model's own serving endpoint said in one scrape, independent of Prometheus.

use jiff::Timestamp;

/// One scrape of one model, totals summed over its versions.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveFigures {
    /// When the scrape started.
    pub at: Timestamp,
    /// Successful requests since the server started; `None` when it has no series for the
    /// model (yet: MLServer creates them on the first call).
    pub requests_total: Option<f64>,
    /// Failed requests since the server started (vLLM has no failure counter).
    pub failures_total: Option<f64>,
    /// Successful requests per second since the previous scrape; `None` on the first scrape
    /// and across a counter reset.
    pub requests_per_s: Option<f64>,
    pub errors_per_s: Option<f64>,
    /// Mean request latency since the previous scrape (over the server's lifetime on the
    /// first scrape); `None` without requests in between or across a reset.
    pub mean_latency_s: Option<f64>,
    /// The readiness endpoint's verdict; `None` when no `url` is configured.
    pub ready: Option<bool>,
    pub gpu: Option<GpuFigures>,
    /// The cumulative latency sum (seconds) and count the next scrape takes deltas from.
    pub latency_sum_s: Option<f64>,
    pub latency_count: Option<f64>,
}

/// GPU state in one unit whatever the exporter: DCGM (percent, MiB) and Triton (ratio,
/// bytes) give the same numbers for the same GPU. Several GPUs: mean utilisation, summed
/// memory.
#[derive(Debug, Clone, PartialEq)]
pub struct GpuFigures {
    pub utilisation_pct: f64,
    pub memory_used_mib: Option<f64>,
    pub memory_total_mib: Option<f64>,
}
