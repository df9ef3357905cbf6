//! What the core needs from the systems outside it, as object-safe traits. The live
//! implementations sit with their backends, the demo's in the simulation; the runtime picks
//! one set and the rest of the console only ever sees these traits.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use super::{
    ActionError, Alert, DetailSnapshot, Event, Matcher, RetrainTarget, RollbackPlan, RollbackResult, RunState,
    SilenceRequest, TriggerError, TriggerRequest, Triggered, VersionsSnapshot, Written,
};

/// A boxed future that may borrow its arguments, so that the traits stay object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where an environment's silences are written, and which alerts they would mute.
pub trait Silences: Send + Sync {
    /// Creates a silence, or updates the one `request.id` names; answers the id it got.
    fn create<'a>(&'a self, request: &'a SilenceRequest) -> BoxFuture<'a, Result<Written<String>, ActionError>>;
    fn expire<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Written<()>, ActionError>>;
    /// The alerts, firing, silenced or inhibited, that all of `matchers` select now.
    fn preview<'a>(
        &'a self,
        matchers: &'a [Matcher],
        model_label: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Alert>, ActionError>>;
}

/// Where retraining triggers go and their runs are followed.
pub trait Pipelines: Send + Sync {
    /// Sends the trigger once; never retried, since a second attempt could start a second run.
    fn trigger<'a>(&'a self, request: &'a TriggerRequest) -> BoxFuture<'a, Result<Triggered, TriggerError>>;
    fn poll<'a>(&'a self, target: &'a RetrainTarget, run_id: &'a str) -> BoxFuture<'a, Result<RunState, String>>;
    /// The pipeline's own schedule, its last run and its next, where its API has them; a
    /// next run the API does not keep is computed from its cron, after `now`.
    fn schedule<'a>(
        &'a self,
        target: &'a RetrainTarget,
        now: jiff::Timestamp,
    ) -> BoxFuture<'a, Result<super::schedule::ScheduleRead, String>>;
}

/// Where an environment's model versions are read and its rollbacks go.
pub trait Registry: Send + Sync {
    /// A model's versions, the live one, its governance and how a rollback would be done.
    fn load<'a>(&'a self, model: &'a str) -> BoxFuture<'a, Result<VersionsSnapshot, String>>;
    /// Carries out a confirmed plan and checks that the new state is really there.
    fn rollback<'a>(&'a self, plan: &'a RollbackPlan) -> BoxFuture<'a, RollbackResult>;
}

/// Where the model screen's panels come from.
pub trait Charts: Send + Sync {
    /// The panels of `model` over `(start, end, step)`, in Unix seconds.
    fn load<'a>(&'a self, model: &'a str, bounds: (f64, f64, f64)) -> BoxFuture<'a, Result<DetailSnapshot, String>>;
    /// Every version's figures of `model` over the last `window`: one query per metric,
    /// `by` the version label, never one per version.
    fn compare<'a>(
        &'a self,
        model: &'a str,
        window: std::time::Duration,
    ) -> BoxFuture<'a, Result<super::WindowComparison, String>>;
}

/// Starts the polling tasks of one environment.
pub trait SourceStarter: Send + Sync {
    /// One task per source; each tags its events with `generation` and polls at once when
    /// `refresh` is notified. The caller aborts the tasks to stop them.
    fn start(
        &self,
        environment: usize,
        generation: u64,
        events: &mpsc::UnboundedSender<Event>,
        refresh: &Arc<Notify>,
    ) -> Vec<JoinHandle<()>>;
}
