//! The demo fleet's CPU and memory: `churn-predictor` runs at its CPU limit and is
//! throttled, `price-forecast` grows in memory towards its limit, `credit-risk` has no
//! limits (its cells read in cores and bytes).

use super::{DemoFleet, MODELS};
use crate::domain::{CellValue, ColumnId, Line};

const GI: f64 = 1024.0 * 1024.0 * 1024.0;
const THROTTLED: usize = 1;
const GROWING: usize = 6;
/// CPU cores in use, CPU limit, memory GiB in use, memory limit GiB; per model.
const FIGURES: [(f64, Option<f64>, f64, Option<f64>); MODELS.len()] = [
    (2.1, Some(4.0), 3.1, Some(8.0)),
    (1.92, Some(2.0), 1.1, Some(2.0)),
    (5.5, Some(8.0), 9.5, Some(16.0)),
    (0.6, None, 0.7, None),
    (2.4, Some(4.0), 5.2, Some(8.0)),
    (0.3, Some(1.0), 0.6, Some(1.0)),
    (0.8, Some(2.0), 1.2, Some(4.0)),
    (3.1, Some(8.0), 6.0, Some(12.0)),
];

impl DemoFleet {
    /// Model `i`'s value in a resource column at `t` seconds into the demo.
    pub(super) fn resource(&self, id: ColumnId, i: usize, t: f64) -> Option<f64> {
        let (cpu, cpu_limit, memory, memory_limit) = FIGURES[i];
        let phase = (t / 7.0 + i as f64).sin();
        match id {
            ColumnId::Cpu if i == THROTTLED => Some(cpu + 0.05 * phase.abs()),
            ColumnId::Cpu => Some(cpu * (1.0 + 0.08 * phase)),
            // From 1.2 GiB towards 3.9 GiB of its 4 GiB over ten minutes.
            ColumnId::Memory if i == GROWING => Some((memory + 2.7 * (t / 600.0).clamp(0.0, 1.0)) * GI),
            ColumnId::Memory => Some(memory * (1.0 + 0.01 * phase) * GI),
            ColumnId::Throttled if cpu_limit.is_some() => {
                Some(if i == THROTTLED { 0.42 + 0.05 * phase } else { 0.01 + 0.01 * phase.abs() })
            }
            ColumnId::CpuLimit => cpu_limit,
            ColumnId::MemoryLimit => memory_limit.map(|l| l * GI),
            _ => None,
        }
    }

    pub(super) fn resource_cell(&self, id: ColumnId, i: usize, t: f64) -> Option<CellValue> {
        self.resource(id, i, t).map(CellValue::Number)
    }

    /// The resources panel's lines, named as the Prometheus panel names them.
    pub(super) fn resource_lines(&self, i: usize, times: &[f64], origin: f64) -> Vec<Line> {
        let line = |name: &str, id: ColumnId| Line {
            name: name.into(),
            points: times.iter().filter_map(|t| self.resource(id, i, t - origin).map(|v| (*t, v))).collect(),
        };
        [
            line("cpu", ColumnId::Cpu),
            line("cpu_limit", ColumnId::CpuLimit),
            line("memory", ColumnId::Memory),
            line("memory_limit", ColumnId::MemoryLimit),
            line("throttled", ColumnId::Throttled),
        ]
        .into_iter()
        .filter(|l| !l.points.is_empty())
        .collect()
    }
}
