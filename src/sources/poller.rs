//! The loop every source shares: poll, send, sleep (longer after failures), and poll early
//! when the operator asks for a refresh.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::{Notify, mpsc};

use super::Source;
use crate::domain::{Event, SourceUpdate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub every: Duration,
    pub timeout: Duration,
    /// Backoff never waits longer than this.
    pub max_backoff: Duration,
}

impl Schedule {
    pub fn new(every: Duration, timeout: Duration) -> Schedule {
        Schedule { every, timeout, max_backoff: (every * 12).clamp(Duration::from_secs(30), Duration::from_secs(120)) }
    }

    /// The wait before the next poll after `failures` consecutive failures: the interval,
    /// doubled per failure, capped.
    pub fn delay(&self, failures: u32) -> Duration {
        if failures == 0 {
            return self.every;
        }
        let factor = 2u32.saturating_pow(failures.min(16));
        self.every.saturating_mul(factor).min(self.max_backoff).max(self.every)
    }

    /// The most one whole poll may take: only a poll that would never end meets it.
    pub fn poll_limit(&self) -> Duration {
        self.timeout.saturating_mul(POLL_TIMEOUTS)
    }
}

/// How many request timeouts one poll may take in all. The client already cuts every
/// request off at the timeout, but a poll can make requests in a row (Alertmanager's
/// alerts, then its silences; the peers of a cluster in turn): bounded by one timeout, a
/// poll whose every request answered in time still failed as "timed out".
pub const POLL_TIMEOUTS: u32 = 4;

/// One poll, bounded by [`Schedule::poll_limit`].
pub async fn timed<T>(schedule: Schedule, poll: impl Future<Output = Result<T, String>>) -> Result<T, String> {
    let limit = schedule.poll_limit();
    match tokio::time::timeout(limit, poll).await {
        Ok(result) => result,
        Err(_) => Err(format!("timed out after {}", crate::domain::duration::format(limit))),
    }
}

/// Counts consecutive failures, logs the changes, and says how long to wait next.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    schedule: Schedule,
    failures: u32,
}

impl Backoff {
    pub fn new(schedule: Schedule) -> Backoff {
        Backoff { schedule, failures: 0 }
    }

    /// Records a poll's outcome for `what` (a source or a model) and returns the wait.
    pub fn after<T>(&mut self, what: &str, outcome: &Result<T, String>) -> Duration {
        let previous = self.failures;
        self.failures = if outcome.is_ok() { 0 } else { self.failures.saturating_add(1) };
        let next_in = self.schedule.delay(self.failures);
        match outcome {
            Err(error) => tracing::warn!(what, %error, retry_in = ?next_in, "poll failed"),
            Ok(_) if previous > 0 => tracing::info!(what, after = previous, "recovered"),
            Ok(_) => {}
        }
        next_in
    }
}

/// Sleeps `next_in`, or less when the operator asks for a refresh.
pub async fn wait(next_in: Duration, refresh: &Notify) {
    tokio::select! {
        _ = tokio::time::sleep(next_in) => {}
        _ = refresh.notified() => {}
    }
}

/// Runs until the receiver is gone or the task is aborted.
pub async fn run<S: Source>(
    mut source: S,
    schedule: Schedule,
    generation: u64,
    tx: mpsc::UnboundedSender<Event>,
    refresh: Arc<Notify>,
) {
    let mut backoff = Backoff::new(schedule);
    loop {
        let outcome = timed(schedule, source.fetch()).await;
        let next_in = backoff.after(source.id().label(), &outcome);
        let update = SourceUpdate { generation, source: source.id(), at: Timestamp::now(), outcome, next_in };
        if tx.send(Event::Source(update)).is_err() {
            return;
        }
        wait(next_in, &refresh).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let s = Schedule::new(Duration::from_secs(5), Duration::from_secs(4));
        assert_eq!(s.delay(0), Duration::from_secs(5));
        assert_eq!(s.delay(1), Duration::from_secs(10));
        assert_eq!(s.delay(2), Duration::from_secs(20));
        assert_eq!(s.delay(3), Duration::from_secs(40));
        assert_eq!(s.delay(4), Duration::from_secs(60));
        assert_eq!(s.delay(40), Duration::from_secs(60));
        let fast = Schedule::new(Duration::from_millis(500), Duration::from_secs(1));
        assert_eq!(fast.max_backoff, Duration::from_secs(30));
        assert_eq!(fast.delay(u32::MAX), Duration::from_secs(30));
    }

    #[tokio::test]
    async fn a_poll_of_requests_each_in_time_is_not_cut_off() {
        let schedule = Schedule::new(Duration::from_millis(200), Duration::from_millis(40));
        let two_in_a_row = async {
            tokio::time::sleep(Duration::from_millis(30)).await;
            tokio::time::sleep(Duration::from_millis(30)).await;
            Ok::<_, String>(())
        };
        assert_eq!(timed(schedule, two_in_a_row).await, Ok(()));
        let never = std::future::pending::<Result<(), String>>();
        assert_eq!(timed(schedule, never).await, Err("timed out after 160ms".to_string()));
    }
}
