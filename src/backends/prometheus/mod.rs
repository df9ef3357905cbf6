//! Prometheus's HTTP API: answers parsed as they stream in, PromQL built from raw values,
//! the model screen's range queries, and the metric and label names `modeldeck init` reads.

pub mod charts;
pub mod compare;
pub mod labels;
pub mod panels;
pub mod parse;
pub mod promql;
pub mod range;
