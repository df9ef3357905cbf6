//! Sources: one tokio task per backend, each polling through [`poller::run`] and sending
//! [`crate::domain::Event::Source`] messages. No source ever touches the app state.

pub mod alertmanager;
pub mod launch;
pub mod poller;
pub mod prometheus;
pub mod registry;
pub mod scrape;

use std::future::Future;

use crate::domain::{SourceData, SourceId};

/// Something the poller can ask for a fresh snapshot.
pub trait Source: Send + 'static {
    fn id(&self) -> SourceId;
    /// One poll. Errors are short, sanitised, secret-free sentences for the header.
    fn fetch(&mut self) -> impl Future<Output = Result<SourceData, String>> + Send;
}
