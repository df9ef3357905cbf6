//! The model detail: one panel per concern (quality, drift, data quality, serving, GPU),
//! each a single range query for the model that returns one line per series, over a time
//! range the operator zooms and pans.

pub mod fetch;
pub mod panels;
pub mod range;

pub use panels::{PanelId, PanelSpec, meta, panels};
pub use range::TimeRange;

use crate::domain::Thresholds;

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
}

#[derive(Clone)]
pub struct LiveDetail {
    pub client: reqwest::Client,
    pub endpoint: crate::config::Endpoint,
    pub discovery: crate::config::Discovery,
    pub detail: crate::config::detail::DetailConfig,
}

/// Where the model screen's panels come from.
#[derive(Clone)]
pub enum DetailLoader {
    Live(Box<LiveDetail>),
    Demo(crate::demo::DemoFleet),
}

impl DetailLoader {
    pub async fn load(&self, model: &str, bounds: (f64, f64, f64)) -> Result<DetailSnapshot, String> {
        match self {
            DetailLoader::Live(live) => {
                let panels = panels(model, &live.discovery, &live.detail);
                fetch::load(&live.client, &live.endpoint, model, &panels, bounds).await
            }
            DetailLoader::Demo(fleet) => Ok(fleet.detail(model, bounds)),
        }
    }
}
