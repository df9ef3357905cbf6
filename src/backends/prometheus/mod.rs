//! Prometheus's HTTP API: answers parsed as they stream in, PromQL built from raw values,
//! and the model screen's range queries.

pub mod charts;
pub mod panels;
pub mod parse;
pub mod promql;
pub mod range;
