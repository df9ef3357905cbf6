//! The demo fleet's model screen: the same six panels, computed from the simulation.

use super::{DEGRADING, DemoFleet, MODELS};
use crate::domain::ports::{BoxFuture, Charts};
use crate::domain::{DetailSnapshot, Line, PanelData, PanelId};

impl Charts for DemoFleet {
    fn load<'a>(&'a self, model: &'a str, bounds: (f64, f64, f64)) -> BoxFuture<'a, Result<DetailSnapshot, String>> {
        Box::pin(std::future::ready(Ok(self.detail(model, bounds))))
    }

    fn compare<'a>(
        &'a self,
        model: &'a str,
        window: std::time::Duration,
    ) -> BoxFuture<'a, Result<crate::domain::WindowComparison, String>> {
        Box::pin(std::future::ready(Ok(self.comparison(model, window))))
    }
}

impl DemoFleet {
    pub fn detail(&self, model: &str, (start, end, step): (f64, f64, f64)) -> DetailSnapshot {
        let Some(i) = MODELS.iter().position(|m| m.name == model) else {
            return DetailSnapshot { model: model.into(), start, end, step, panels: Vec::new() };
        };
        let m = &MODELS[i];
        let origin = self.started.as_millisecond() as f64 / 1000.0;
        let times: Vec<f64> = (0..).map(|k| start + k as f64 * step).take_while(|t| *t <= end).collect();
        let line = |name: &str, f: &dyn Fn(f64) -> f64| Line {
            name: name.to_string(),
            points: times.iter().map(|t| (*t, f(*t - origin))).collect(),
        };
        let phase = |t: f64| (t / 300.0 + i as f64).sin();
        let mut quality = vec![line(m.version, &|t| self.accuracy(i, t))];
        if model == "recsys-ranker" {
            // A canary: the next version serves a slice of traffic, side by side.
            quality.push(line("23", &|t| self.accuracy(i, t) + 0.006));
        }
        let mut drift: Vec<Line> = ["amount", "hour", "merchant"]
            .iter()
            .enumerate()
            .map(|(k, f)| line(f, &|t| self.drift(i, t) * (0.6 + 0.3 * k as f64)))
            .collect();
        drift.push(line(crate::domain::OVERALL, &|t| self.drift(i, t) * 1.2));
        let degrading = i == DEGRADING;
        let nulls = vec![
            line("input_null_ratio", &|t| {
                if degrading && t > 0.0 { 0.004 + 0.03 * (t / 20.0).min(1.0) } else { 0.003 }
            }),
            line("input_out_of_range_ratio", &|t| 0.002 + 0.001 * phase(t).abs()),
            line("input_schema_violation_ratio", &|_| 0.0),
            line(crate::domain::VOLUME, &|t| m.rps * 1.01 * (1.0 + 0.1 * phase(t))),
        ];
        let serving = [("p50", 0.5), ("p95", 1.0), ("p99", 1.7)]
            .iter()
            .map(|(q, f)| line(q, &|t| m.latency * f * (1.0 + 0.15 * phase(t))))
            .collect();
        let error_share = if degrading { 0.02 } else { 0.001 };
        let throughput = vec![
            line("errors", &|t| m.rps * error_share * (1.0 + 0.3 * phase(t))),
            line("ok", &|t| m.rps * (1.0 + 0.1 * phase(t))),
        ];
        let gpu = match m.gpu {
            Some(g) => vec![
                line("fb_free 0", &|t| 81_920.0 - 52_000.0 - 2_000.0 * phase(t)),
                line("fb_used 0", &|t| 52_000.0 + 2_000.0 * phase(t)),
                line("power 0", &|t| 180.0 + 60.0 * phase(t)),
                line("sm_clock 0", &|_| 1410.0),
                line("temp 0", &|t| 64.0 + 4.0 * phase(t)),
                line("util 0", &|t| (g + 6.0 * phase(t)).clamp(0.0, 100.0)),
                line("util 1", &|t| (g - 8.0 + 5.0 * phase(t)).clamp(0.0, 100.0)),
            ],
            None => Vec::new(),
        };
        let panels = vec![
            PanelData { id: PanelId::Quality, result: Ok(quality) },
            PanelData { id: PanelId::Drift, result: Ok(drift) },
            PanelData { id: PanelId::DataQuality, result: Ok(nulls) },
            PanelData { id: PanelId::Serving, result: Ok(serving) },
            PanelData { id: PanelId::Throughput, result: Ok(throughput) },
            PanelData { id: PanelId::Gpu, result: Ok(gpu) },
            PanelData { id: PanelId::Resources, result: Ok(self.resource_lines(i, &times, origin)) },
        ];
        DetailSnapshot { model: model.into(), start, end, step, panels }
    }
}
