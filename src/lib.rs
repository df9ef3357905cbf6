//! modeldeck: a terminal console for ML models in production.
//!
//! Module map, from the leaf up (each layer uses only those above it in this list; a test,
//! `tests/architecture.rs`, keeps it so):
//! - `domain`: what modeldeck talks about, as plain data, the events and effects that carry
//!   it, and `domain::ports`, the traits the core needs from outside systems; imports
//!   nothing else of the crate.
//! - `config`, `theme`, `input`: what the operator asked for: settings, colours, the one
//!   command vocabulary and its key bindings per mode.
//! - `journal`: the hash-chained record of every note and action.
//! - `backends`: one folder per outside system (Prometheus, Alertmanager, model servers,
//!   MLflow, pipelines), each a client and the parser of its answers, implementing its
//!   ports.
//! - `sources`: tokio tasks that poll through the backends and send events.
//! - `actions`: changes to outside systems (silences, rollbacks, retraining) through the
//!   ports, each run once and journaled.
//! - `app`: the state and its pure `update(event) -> effects`; only the runtime mutates it.
//! - `ui`: views that draw from `&App` and never mutate it.
//! - `demo`: a simulated fleet behind the same ports as the real systems.
//! - `runtime`, `cli`, `headless`: the edges: the main loop, the one effect executor, the
//!   backends a run uses (`runtime::backends`), the terminal, the log file, the command
//!   line and `modeldeck status`.
//! - `init`: `modeldeck init`, at the same edge: reads which metrics a Prometheus holds and
//!   writes a config that fits them.
//! - `shell_help`: `modeldeck completions` and `modeldeck man`, generated from the
//!   command-line definition.
//! - `command`: the console's actions from a shell (`modeldeck ack|unack|rollback|retrain`),
//!   through the app's forms and the same action runner.

pub mod actions;
pub mod app;
pub mod backends;
pub mod cli;
pub mod command;
pub mod config;
pub mod demo;
pub mod domain;
pub mod headless;
pub mod init;
pub mod input;
pub mod journal;
pub mod runtime;
pub mod shell_help;
pub mod sources;
pub mod theme;
pub mod ui;
