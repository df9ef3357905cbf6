//! Model servers themselves: their `/metrics` page (text exposition and OpenMetrics) and
//! the Open Inference Protocol's repository and readiness endpoints.

pub mod exposition;
pub mod oip;
pub mod oip_parse;
