//! Champion against challenger: two versions of one model that both serve traffic, read
//! over the same window, side by side, with the difference and whether it is real.

use std::time::Duration;

use super::Direction;
use super::significance::{ProportionTest, two_proportion};

/// One version's figures over the window, as Prometheus answered them (finite or absent).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WindowFigures {
    pub version: String,
    /// The accuracy gauge, averaged over the window.
    pub accuracy_gauge: Option<f64>,
    /// Correct and all predictions in the window (counter increases).
    pub correct: Option<f64>,
    pub predictions: Option<f64>,
    /// Seconds, from the request-duration histogram's buckets.
    pub latency_p95: Option<f64>,
    /// Seconds, from its sum and count: servers such as MLServer keep no buckets.
    pub latency_mean: Option<f64>,
    /// Successful requests per second.
    pub throughput: Option<f64>,
    /// Failed over all requests.
    pub error_rate: Option<f64>,
}

impl WindowFigures {
    /// The counts when they can carry an accuracy: some predictions, no more right than made.
    pub fn counts(&self) -> Option<(f64, f64)> {
        let (correct, total) = (self.correct?, self.predictions?);
        (total > 0.0 && (0.0..=total).contains(&correct)).then_some((correct, total))
    }

    /// Correct over all predictions where the counts are there, else the gauge.
    pub fn accuracy(&self) -> Option<f64> {
        self.counts().map(|(c, n)| c / n).or(self.accuracy_gauge)
    }

    /// Recent requests or predictions in the window.
    pub fn serves_traffic(&self) -> bool {
        self.throughput.is_some_and(|t| t > 0.0) || self.predictions.is_some_and(|n| n > 0.0)
    }

    fn traffic(&self) -> f64 {
        self.throughput.or(self.predictions).unwrap_or(0.0)
    }
}

/// Every version's figures of one model over one window: one query per metric.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WindowComparison {
    pub model: String,
    pub window: Duration,
    pub versions: Vec<WindowFigures>,
    /// Queries that failed while others answered.
    pub warnings: Vec<String>,
}

impl WindowComparison {
    pub fn figures(&self, version: &str) -> Option<&WindowFigures> {
        self.versions.iter().find(|f| f.version == version)
    }
}

/// The champion: the live version, else (no registry to say) the one carrying the most
/// traffic. The challenger: `chosen` where it is another version, else the newest other
/// version that serves traffic (`listed` is newest first; versions only Prometheus knows
/// come after, by name).
pub fn pick_pair(
    listed: &[&str],
    live: Option<&str>,
    window: Option<&WindowComparison>,
    chosen: Option<&str>,
) -> (Option<String>, Option<String>) {
    let figures = window.map_or(&[][..], |w| &w.versions);
    let champion = live.map(str::to_string).or_else(|| {
        figures
            .iter()
            .filter(|f| f.serves_traffic())
            .max_by(|a, b| a.traffic().total_cmp(&b.traffic()).then_with(|| b.version.cmp(&a.version)))
            .map(|f| f.version.clone())
    });
    let other = |v: &str| Some(v) != champion.as_deref();
    if let Some(chosen) = chosen.filter(|v| other(v)) {
        return (champion, Some(chosen.to_string()));
    }
    let mut unlisted: Vec<&str> = figures.iter().map(|f| f.version.as_str()).filter(|v| !listed.contains(v)).collect();
    unlisted.sort();
    let serving = |v: &str| figures.iter().any(|f| f.version == v && f.serves_traffic());
    let challenger = listed.iter().chain(&unlisted).find(|v| other(v) && serving(v)).map(|v| v.to_string());
    (champion, challenger)
}

/// The four figures compared, in the order shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareMetric {
    Accuracy,
    LatencyP95,
    LatencyMean,
    ErrorRate,
    Throughput,
}

impl CompareMetric {
    pub const ALL: [CompareMetric; 5] = [
        CompareMetric::Accuracy,
        CompareMetric::LatencyP95,
        CompareMetric::LatencyMean,
        CompareMetric::ErrorRate,
        CompareMetric::Throughput,
    ];

    pub fn label(self) -> &'static str {
        match self {
            CompareMetric::Accuracy => "accuracy",
            CompareMetric::LatencyP95 => "p95 latency",
            CompareMetric::LatencyMean => "mean latency",
            CompareMetric::ErrorRate => "error rate",
            CompareMetric::Throughput => "throughput",
        }
    }

    pub fn direction(self) -> Direction {
        match self {
            CompareMetric::Accuracy => Direction::HigherIsBetter,
            CompareMetric::LatencyP95 | CompareMetric::LatencyMean | CompareMetric::ErrorRate => {
                Direction::LowerIsBetter
            }
            CompareMetric::Throughput => Direction::None,
        }
    }

    pub fn value(self, f: &WindowFigures) -> Option<f64> {
        match self {
            CompareMetric::Accuracy => f.accuracy(),
            CompareMetric::LatencyP95 => f.latency_p95,
            CompareMetric::LatencyMean => f.latency_mean,
            CompareMetric::ErrorRate => f.error_rate,
            CompareMetric::Throughput => f.throughput,
        }
    }
}

/// Which side a difference favours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Champion,
    Challenger,
    /// Equal, or a figure with no better direction.
    Neither,
}

/// Challenger − champion, and which side that favours; `None` when either is missing.
pub fn difference(
    metric: CompareMetric,
    champion: &WindowFigures,
    challenger: &WindowFigures,
) -> Option<(f64, Better)> {
    let (a, b) = (metric.value(champion)?, metric.value(challenger)?);
    let delta = b - a;
    let better = match metric.direction() {
        _ if delta == 0.0 || !delta.is_finite() => Better::Neither,
        Direction::HigherIsBetter if delta > 0.0 => Better::Challenger,
        Direction::LowerIsBetter if delta < 0.0 => Better::Challenger,
        Direction::HigherIsBetter | Direction::LowerIsBetter => Better::Champion,
        Direction::None => Better::Neither,
    };
    Some((delta, better))
}

/// What can be said of the accuracy difference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Significance {
    /// Both versions have prediction counts: the two-proportion test, with n per side.
    Tested { test: ProportionTest, champion_n: f64, challenger_n: f64 },
    /// Only the accuracy gauge: a difference, and no test.
    NoCounts,
    /// No accuracy for one side or both.
    NoAccuracy,
}

pub fn significance(champion: &WindowFigures, challenger: &WindowFigures) -> Significance {
    if let (Some((ca, na)), Some((cb, nb))) = (champion.counts(), challenger.counts())
        && let Some(test) = two_proportion(ca, na, cb, nb)
    {
        return Significance::Tested { test, champion_n: na, challenger_n: nb };
    }
    if champion.accuracy().is_some() && challenger.accuracy().is_some() {
        Significance::NoCounts
    } else {
        Significance::NoAccuracy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(version: &str, throughput: f64, correct: Option<f64>, total: Option<f64>) -> WindowFigures {
        WindowFigures {
            version: version.into(),
            throughput: Some(throughput),
            correct,
            predictions: total,
            ..Default::default()
        }
    }

    fn window(versions: Vec<WindowFigures>) -> WindowComparison {
        WindowComparison { model: "m".into(), window: Duration::from_secs(3600), versions, warnings: Vec::new() }
    }

    #[test]
    fn the_champion_is_live_and_the_challenger_the_newest_other_that_serves() {
        let w =
            window(vec![figures("4", 0.0, None, None), figures("3", 5.0, None, None), figures("2", 40.0, None, None)]);
        let listed = ["4", "3", "2", "1"];
        assert_eq!(pick_pair(&listed, Some("2"), Some(&w), None), (Some("2".into()), Some("3".into())));
        assert_eq!(pick_pair(&listed, Some("2"), Some(&w), Some("1")), (Some("2".into()), Some("1".into())));
        assert_eq!(pick_pair(&listed, Some("2"), Some(&w), Some("2")), (Some("2".into()), Some("3".into())));
        // No live version: the busiest is the champion.
        assert_eq!(pick_pair(&listed, None, Some(&w), None), (Some("2".into()), Some("3".into())));
        assert_eq!(pick_pair(&listed, Some("3"), None, None), (Some("3".into()), None));
        // A version only Prometheus knows still counts.
        let w = window(vec![figures("canary", 1.0, None, None)]);
        assert_eq!(pick_pair(&listed, Some("2"), Some(&w), None), (Some("2".into()), Some("canary".into())));
    }

    #[test]
    fn differences_follow_each_metric_direction() {
        let a = WindowFigures {
            accuracy_gauge: Some(0.90),
            latency_p95: Some(0.2),
            error_rate: Some(0.01),
            throughput: Some(10.0),
            ..Default::default()
        };
        let b = WindowFigures {
            accuracy_gauge: Some(0.92),
            latency_p95: Some(0.3),
            error_rate: Some(0.005),
            throughput: Some(4.0),
            ..Default::default()
        };
        let (d, better) = difference(CompareMetric::Accuracy, &a, &b).unwrap();
        assert!((d - 0.02).abs() < 1e-12 && better == Better::Challenger);
        assert_eq!(difference(CompareMetric::LatencyP95, &a, &b).unwrap().1, Better::Champion);
        assert_eq!(difference(CompareMetric::ErrorRate, &a, &b).unwrap().1, Better::Challenger);
        assert_eq!(difference(CompareMetric::Throughput, &a, &b).unwrap().1, Better::Neither);
        assert_eq!(difference(CompareMetric::Accuracy, &a, &a).unwrap().1, Better::Neither);
        assert_eq!(difference(CompareMetric::Accuracy, &a, &WindowFigures::default()), None);
        assert_eq!(significance(&a, &b), Significance::NoCounts);
        assert_eq!(significance(&a, &WindowFigures::default()), Significance::NoAccuracy);
    }

    #[test]
    fn counts_make_the_accuracy_and_the_test() {
        let a = figures("1", 1.0, Some(520.0), Some(1000.0));
        let b = figures("2", 1.0, Some(480.0), Some(1000.0));
        assert_eq!(a.accuracy(), Some(0.52));
        let Significance::Tested { test, champion_n, challenger_n } = significance(&a, &b) else { panic!() };
        assert!((test.p_value - 0.0736).abs() < 1e-3 && champion_n == 1000.0 && challenger_n == 1000.0);
        // Broken counts fall back to the gauge and never panic.
        let broken = WindowFigures { correct: Some(f64::NAN), predictions: Some(f64::INFINITY), ..Default::default() };
        assert_eq!(broken.counts(), None);
        assert_eq!(broken.accuracy(), None);
        let over = WindowFigures { correct: Some(11.0), predictions: Some(10.0), accuracy_gauge: Some(0.5), ..a };
        assert_eq!(over.accuracy(), Some(0.5));
        assert_eq!(significance(&over, &b), Significance::NoCounts);
    }
}
