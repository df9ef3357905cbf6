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
    /// A range that starts a quarter window before `start`, so the alert's start sits in the
    /// window's first half at any age (opening a model from an alert). The window is the
    /// smallest that also reaches now; a young alert's window ends in the future and fills
    /// as time passes, an alert older than the largest window shows its beginning.
    pub fn anchored(start: i64, now: i64) -> TimeRange {
        let since = (now - start).max(0) as u64;
        let zoom = WINDOWS.iter().position(|w| since <= w * 3 / 4).unwrap_or(WINDOWS.len() - 1);
        let end = start + (WINDOWS[zoom] * 3 / 4) as i64;
        TimeRange { zoom, end: Some(end) }
    }

    /// Live, or ending after `now`: new data still falls into it, so it keeps reloading.
    pub fn is_open(&self, now: i64) -> bool {
        self.end.is_none_or(|end| end > now)
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

    /// `last 1h · live`; a fixed window names its start and end (UTC), and says whether it
    /// is still filling (`anchored`, its end after `now`) or `paused`.
    pub fn label(&self, now: i64) -> String {
        let w = super::duration::format(self.window());
        let Some(end) = self.end else { return format!("last {w} · live") };
        let window = WINDOWS[self.zoom];
        let pattern = match window {
            w if w < 3600 => "%H:%M:%S",
            w if w < 86_400 => "%H:%M",
            _ => "%m-%d %H:%M",
        };
        let at = |t: i64| {
            jiff::Timestamp::from_second(t)
                .map(|ts| ts.to_zoned(jiff::tz::TimeZone::UTC).strftime(pattern).to_string())
                .unwrap_or_else(|_| "?".into())
        };
        let state = if end > now { "anchored" } else { "paused" };
        format!("{w} window {}–{} UTC · {state}", at(end - window as i64), at(end))
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
    fn anchored_at_an_alert_start_at_any_age() {
        let now = 1_000_000_000;
        for age in [0, 1, 37, 150, 600, 1200, 2700, 3000, 3 * 3600, 86_400, 5 * 86_400, 30 * 86_400] {
            let alert = now - age;
            let r = TimeRange::anchored(alert, now);
            let (start, end, _) = r.bounds(now);
            let window = end - start;
            assert!(start <= alert as f64, "age {age}: the window starts after the alert");
            assert!((alert as f64) <= start + window / 2.0, "age {age}: the start is not in the first half");
            assert!(age > 7 * 86_400 * 3 / 4 || end >= now as f64, "age {age}: the window stops short of now");
        }
        // A 37-second-old alert: a 5-minute window from 75 s before it, still filling.
        let r = TimeRange::anchored(now - 37, now);
        assert_eq!((r.window(), r.end), (Duration::from_secs(300), Some(now - 37 + 225)));
        assert!(r.is_open(now) && !r.is_live());
    }

    #[test]
    fn a_fixed_window_names_its_start_and_end() {
        // 2026-11-25 12:00:00 UTC
        let now = 1_795_608_000;
        assert_eq!(TimeRange::default().label(now), "last 1h · live");
        let paused = TimeRange { zoom: 3, end: Some(now - 3600) };
        assert_eq!(paused.label(now), "3h window 08:00–11:00 UTC · paused");
        let filling = TimeRange { zoom: 0, end: Some(now + 195) };
        assert_eq!(filling.label(now), "5m window 11:58:15–12:03:15 UTC · anchored");
        let days = TimeRange { zoom: 7, end: Some(now) };
        assert_eq!(days.label(now + 60), "3d window 11-22 12:00–11-25 12:00 UTC · paused");
    }
}
