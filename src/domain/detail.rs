//! The model screen's data: one line per series of each panel, over a time range.

use super::Thresholds;

/// One line of a chart: its name (a version, a feature, a quantile) and its points.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub name: String,
    /// (unix seconds, value), in time order; non-finite values are dropped.
    pub points: Vec<(f64, f64)>,
}

impl Line {
    pub fn last(&self) -> Option<f64> {
        self.points.last().map(|p| p.1)
    }
}

/// One panel's data.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelData {
    pub id: PanelId,
    pub result: Result<Vec<Line>, String>,
}

/// What one load of the detail produced, for one model and one range.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailSnapshot {
    pub model: String,
    pub start: f64,
    pub end: f64,
    pub step: f64,
    pub panels: Vec<PanelData>,
}

impl DetailSnapshot {
    pub fn panel(&self, id: PanelId) -> Option<&PanelData> {
        self.panels.iter().find(|p| p.id == id)
    }
}

/// Thresholds drawn on a panel, with the unit its numbers are shown in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PanelScale {
    pub thresholds: Thresholds,
    pub unit: Unit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Ratio,
    Seconds,
    Percent,
    Number,
    /// CPU cores.
    Cores,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PanelId {
    Quality,
    Drift,
    DataQuality,
    Serving,
    Gpu,
    Throughput,
    /// CPU and memory per model, from `[resources]`; beside the GPU panel.
    Resources,
}

impl PanelId {
    pub const ALL: [PanelId; 6] =
        [PanelId::Quality, PanelId::Drift, PanelId::DataQuality, PanelId::Serving, PanelId::Throughput, PanelId::Gpu];
    /// What the resources panel charts; its other lines go in its title.
    pub const RESOURCES_PLOTTED: [&str; 2] = ["cpu", "cpu_limit"];
}

/// GPU series other than utilisation are summarised in the panel's title, not plotted.
pub const GPU_PLOTTED: &str = "util";
/// The data-quality panel's input volume (requests/s): in the title, not on the ratio chart.
pub const VOLUME: &str = "input_volume";
/// The drift panel's line for the worst value across features.
pub const OVERALL: &str = "overall";

/// `model_input_null_ratio` → `input_null_ratio`: the common prefix only takes room.
pub fn short(metric: &str) -> &str {
    metric.strip_prefix("model_").unwrap_or(metric)
}
