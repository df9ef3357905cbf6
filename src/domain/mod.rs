//! The leaf of the crate: what modeldeck talks about (models, alerts, silences, versions,
//! runs, actions, journal entries) as plain data, and the events and effects that carry it.
//! Nothing here does I/O, and nothing here imports another module of the crate: every other
//! layer builds on these types. Strings are kept exactly as the outside sent them; the views
//! make them inert.

mod action;
mod alert;
mod compare;
pub mod cron;
mod detail;
pub mod duration;
mod endpoint;
mod event;
mod fleet;
mod journal;
mod labels;
mod pipeline;
pub mod ports;
mod range;
mod redact;
pub mod sanitize;
pub mod schedule;
mod scrape;
pub mod sent;
pub mod significance;
mod silence;
mod silence_write;
mod source;
pub mod team;
mod version;

pub use action::*;
pub use alert::*;
pub use compare::*;
pub use detail::*;
pub use endpoint::{Auth, Endpoint, Secret};
pub use event::{Effect, Event, SourceUpdate};
pub use fleet::*;
pub use journal::*;
pub use labels::{Labels, Names};
pub use pipeline::*;
pub use range::TimeRange;
pub use redact::Redactor;
pub use scrape::*;
pub use silence::*;
pub use silence_write::{ActionError, Written};
pub use source::*;
pub use version::*;
