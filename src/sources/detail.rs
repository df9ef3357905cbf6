//! The model detail: one panel per concern (quality, drift, data quality, serving, GPU),
//! each a single range query for the model that returns one line per series, over a time
//! range the operator zooms and pans.

pub use crate::backends::prometheus::panels::{PanelSpec, panels};

use crate::domain::DetailSnapshot;

#[derive(Clone)]
pub struct LiveDetail {
    pub client: reqwest::Client,
    pub endpoint: crate::domain::Endpoint,
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
                crate::backends::prometheus::range::load(&live.client, &live.endpoint, model, &panels, bounds).await
            }
            DetailLoader::Demo(fleet) => Ok(fleet.detail(model, bounds)),
        }
    }
}
