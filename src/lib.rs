//! modeldeck: a terminal console for ML models in production.
//!
//! Module map (data flows top to bottom):
//! - `config`, `cli`, `theme`, `keymap`: what the operator asked for.
//! - `sources`: tokio tasks that poll Prometheus, Alertmanager or the demo fleet and send
//!   [`event::Event`]s; `sources::poller` holds the shared interval/timeout/backoff loop.
//! - `app`: the state and its pure `update(event) -> effects`; only `main_loop` mutates it.
//! - `actions`, `registry`, `versions`: changes to outside systems (silences, rollbacks,
//!   command hooks) and the model registry and serving clients they go through.
//! - `ui`: views that draw from `&App` and never mutate it.
//! - `terminal`, `logging`, `headless`: the edges (TTY setup, log file, `modeldeck status`).

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
