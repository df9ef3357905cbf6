//! Actions: the console's writes to systems outside it (silences, rollbacks, retraining).
//!
//! Unlike sources, an action changes something for everyone looking at the same backend, so
//! each one runs once, as its own tokio task, when the operator confirms it; the app never
//! waits on it. Its outcome (what was done, through which peer, or why nothing was done)
//! comes back as a result that the app writes to the journal.

pub mod inflight;
pub mod retrain;
pub mod rollback;
#[cfg(test)]
mod rollback_tests;
pub mod run;
mod silence_action;
pub mod started;
