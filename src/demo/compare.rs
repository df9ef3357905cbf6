//! The demo's champion-and-challenger figures: every model's live version serves its
//! traffic, and `recsys-ranker` runs a canary of the next version on a tenth of it, with
//! labelled predictions on both, so the comparison and its significance test show.

use std::time::Duration;

use jiff::Timestamp;

use super::{DemoFleet, MODELS};
use crate::domain::{WindowComparison, WindowFigures};

/// The model with a canary, and the canary's version.
pub const CANARY: (&str, &str) = ("recsys-ranker", "23");
/// Share of the canary model's traffic the canary serves.
const CANARY_SHARE: f64 = 0.1;
/// Share of predictions whose label comes back (delayed feedback) and is counted.
const LABELLED: f64 = 0.02;

impl DemoFleet {
    pub fn comparison(&self, model: &str, window: Duration) -> WindowComparison {
        let mut out = WindowComparison { model: model.into(), window, ..Default::default() };
        let Some(i) = MODELS.iter().position(|m| m.name == model) else { return out };
        let m = &MODELS[i];
        let t = self.seconds_in(Timestamp::now());
        let live = self.live_version(i);
        let accuracy = self.accuracy(i, t);
        let figures = |version: &str, share: f64, accuracy: f64, latency: f64| {
            let rps = m.rps * share;
            let predictions = (rps * window.as_secs_f64() * LABELLED).round();
            WindowFigures {
                version: version.into(),
                accuracy_gauge: Some(accuracy),
                correct: Some((predictions * accuracy).round()),
                predictions: Some(predictions),
                latency_p95: Some(latency),
                latency_mean: Some(latency * 0.55),
                throughput: Some(rps),
                error_rate: Some(0.001),
            }
        };
        if model != CANARY.0 {
            out.versions.push(figures(&live, 1.0, accuracy, m.latency));
            return out;
        }
        // Whichever of the two is live takes the bulk; the canary is the better model.
        let canary_live = live == CANARY.1;
        let other = if canary_live { m.version } else { CANARY.1 };
        let (canary, shipped) = (accuracy + 0.006, accuracy);
        let (live_accuracy, other_accuracy) = if canary_live { (canary, shipped) } else { (shipped, canary) };
        out.versions.push(figures(&live, 1.0 - CANARY_SHARE, live_accuracy, m.latency));
        out.versions.push(figures(other, CANARY_SHARE, other_accuracy, m.latency * 1.08));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Significance, pick_pair, significance};

    #[test]
    fn the_canary_model_compares_two_versions_with_counts() {
        let fleet = DemoFleet::new(Timestamp::now());
        let window = fleet.comparison(CANARY.0, Duration::from_secs(3600));
        let listed = ["23", "22", "21"];
        let (champion, challenger) = pick_pair(&listed, Some("22"), Some(&window), None);
        assert_eq!((champion.as_deref(), challenger.as_deref()), (Some("22"), Some("23")));
        let (a, b) = (window.figures("22").unwrap(), window.figures("23").unwrap());
        assert!(b.accuracy().unwrap() > a.accuracy().unwrap());
        assert!(matches!(significance(a, b), Significance::Tested { .. }));
        assert_eq!(fleet.comparison("fraud-detector", Duration::from_secs(3600)).versions.len(), 1);
        assert!(fleet.comparison("nope", Duration::from_secs(60)).versions.is_empty());
    }
}
