//! modeldeck: a terminal console for ML models in production.
//!
//! Module map (data flows top to bottom):
//! - `domain`: the leaf; plain data, events and effects, and `domain::ports`, the traits the
//!   core needs from outside systems.
//! - `config`, `cli`, `theme`, `input`: what the operator asked for.
//! - `backends`: one folder per outside system, each implementing its ports; `demo`
//!   implements the same ports over a simulation.
//! - `sources`: tokio tasks that poll through the backends and send [`domain::Event`]s;
//!   `sources::poller` holds the shared interval/timeout/backoff loop.
//! - `app`: the state and its pure `update(event) -> effects`; only the runtime mutates it.
//! - `actions`: changes to outside systems (silences, rollbacks, retraining) through the
//!   ports, each journaled.
//! - `ui`: views that draw from `&App` and never mutate it.
//! - `runtime`: the main loop, the backends a run uses (`runtime::backends`), the one
//!   effect executor (`runtime::executor`), the terminal and the log file; `headless`: `modeldeck status`.

pub mod actions;
pub mod app;
pub mod backends;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod headless;
pub mod input;
pub mod journal;
pub mod runtime;
pub mod sources;
pub mod theme;
pub mod ui;
