//! One folder per outside system: its client, the parser of its answers, and what they
//! share. Backends know the domain and the config, nothing else of the crate; each
//! implements its port of `domain::ports`, through which sources poll and actions write.
//! `registry` composes MLflow, serving, command hooks and Prometheus into one environment's
//! registry.

pub mod alertmanager;
pub mod answer;
pub mod budget;
pub mod call;
pub mod hook;
pub mod http;
pub mod kubeflow;
pub mod mlflow;
pub mod pipelines;
pub mod prometheus;
pub mod registry;
pub mod serving;
pub mod streamed;
#[cfg(test)]
pub(crate) mod test_server;
