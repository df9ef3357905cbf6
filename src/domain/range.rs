//! The detail's time range: a window from 5 minutes to 7 days, live or panned into the past.

use std::time::Duration;

/// Zoom levels, in seconds.
pub const WINDOWS: [u64; 9] = [300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 3 * 86_400, 7 * 86_400];
/// Points per series per query: far under Prometheus's 11,000 and more than a wide terminal
/// can draw in braille (2 dots per cell).
pub const POINTS: u64 = 400;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// Index into `WINDOWS`.
    pub zoom: usize,
    /// `None` is live (ends now); `Some(t)` ends at unix second `t`.
    pub end: Option<i64>,
}

impl Default for TimeRange {
    fn default() -> Self {
        TimeRange { zoom: 2, end: None }
    }
}

impl TimeRange {
    /// A range that shows `start` near its left edge (opening a model from an alert).
    pub fn anchored(start: i64, now: i64) -> TimeRange {
        let since = (now - start).max(0) as u64;
        // The smallest window that holds the alert's start with a quarter of context before it.
        let zoom = WINDOWS.iter().position(|w| *w >= since + since / 4 + 60).unwrap_or(WINDOWS.len() - 1);
        let end = start + (WINDOWS[zoom] * 3 / 4) as i64;
        TimeRange { zoom, end: (end < now).then_some(end) }
    }

    pub fn window(&self) -> Duration {
        Duration::from_secs(WINDOWS[self.zoom])
    }

    pub fn is_live(&self) -> bool {
        self.end.is_none()
    }

    pub fn zoom_in(&mut self) {
        self.zoom = self.zoom.saturating_sub(1);
    }

    pub fn zoom_out(&mut self) {
        self.zoom = (self.zoom + 1).min(WINDOWS.len() - 1);
    }

    /// Moves by half a window; panning forward past now returns to live.
    pub fn pan(&mut self, forward: bool, now: i64) {
        let half = (WINDOWS[self.zoom] / 2) as i64;
        let end = self.end.unwrap_or(now);
        let next = if forward { end + half } else { end - half };
        self.end = (next < now).then_some(next);
    }

    pub fn live(&mut self) {
        self.end = None;
    }

    /// (start, end, step) in unix seconds for `now`.
    pub fn bounds(&self, now: i64) -> (f64, f64, f64) {
        let end = self.end.unwrap_or(now) as f64;
        let window = WINDOWS[self.zoom] as f64;
        let step = (window / POINTS as f64).max(1.0).ceil();
        (end - window, end, step)
    }

    pub fn label(&self) -> String {
        let w = super::duration::format(self.window());
        if self.is_live() { format!("last {w} · live") } else { format!("{w} window · paused") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_is_clamped_and_steps_stay_under_the_point_limit() {
        let mut r = TimeRange::default();
        for _ in 0..20 {
            r.zoom_out();
        }
        assert_eq!(r.window(), Duration::from_secs(7 * 86_400));
        let (start, end, step) = r.bounds(1_000_000);
        assert!((end - start) / step <= 11_000.0);
        for _ in 0..20 {
            r.zoom_in();
        }
        assert_eq!(r.window(), Duration::from_secs(300));
        assert_eq!(r.bounds(1_000_000).2, 1.0);
    }

    #[test]
    fn panning_and_back_to_live() {
        let mut r = TimeRange::default();
        r.pan(false, 10_000);
        assert_eq!(r.end, Some(10_000 - 1800));
        r.pan(true, 10_000);
        assert!(r.is_live(), "panning past now is live again");
        r.pan(false, 10_000);
        r.live();
        assert!(r.is_live());
    }

    #[test]
    fn anchored_at_an_alert_start() {
        let now = 100_000;
        let r = TimeRange::anchored(now - 600, now);
        let (start, end, _) = r.bounds(now);
        assert!(start <= (now - 600) as f64 && end >= (now - 600) as f64);
    }
}
