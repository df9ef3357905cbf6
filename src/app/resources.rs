//! CPU and memory cells judged as a share of the model's limit where it has one, and as
//! absolute values against the column's own thresholds where it has none.

use std::collections::HashMap;

use crate::config::ColumnSpec;
use crate::domain::{CellValue, ColumnId, Status};

/// How a number cell reads: the value shown and its status.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// The cell's value, or its share of the limit (1.0 = at the limit).
    pub value: f64,
    pub of_limit: bool,
    pub status: Status,
}

/// The reading of `spec`'s number in `cells`; `specs` are every column fetched (a limit's
/// spec holds the share thresholds).
pub fn reading(spec: &ColumnSpec, cells: &HashMap<ColumnId, CellValue>, specs: &[ColumnSpec]) -> Option<Reading> {
    let Some(CellValue::Number(value)) = cells.get(&spec.id) else { return None };
    let limit = spec.id.limit().and_then(|id| {
        let limit_spec = specs.iter().find(|s| s.id == id)?;
        match cells.get(&id) {
            Some(CellValue::Number(l)) if l.is_finite() && *l > 0.0 => Some((*l, limit_spec)),
            _ => None,
        }
    });
    Some(match limit {
        Some((limit, limit_spec)) => {
            let share = value / limit;
            Reading { value: share, of_limit: true, status: limit_spec.thresholds.classify(share) }
        }
        None => Reading { value: *value, of_limit: false, status: spec.thresholds.classify(*value) },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs() -> Vec<ColumnSpec> {
        crate::config::from_str("[resources]\nsource = \"kubernetes\"\n", None, &|_| None).unwrap().columns
    }

    #[test]
    fn a_limit_turns_the_value_into_a_share_judged_by_the_limit_thresholds() {
        let specs = specs();
        let cpu = specs.iter().find(|s| s.id == ColumnId::Cpu).unwrap();
        let mut cells = HashMap::from([(ColumnId::Cpu, CellValue::Number(1.9))]);
        let absolute = reading(cpu, &cells, &specs).unwrap();
        assert_eq!((absolute.value, absolute.of_limit, absolute.status), (1.9, false, Status::Ok));
        cells.insert(ColumnId::CpuLimit, CellValue::Number(2.0));
        let share = reading(cpu, &cells, &specs).unwrap();
        assert_eq!((share.value, share.of_limit, share.status), (0.95, true, Status::Warn));
        cells.insert(ColumnId::Cpu, CellValue::Number(1.99));
        assert_eq!(reading(cpu, &cells, &specs).unwrap().status, Status::Critical);
        // A zero or NaN limit is no limit.
        cells.insert(ColumnId::CpuLimit, CellValue::Number(0.0));
        assert!(!reading(cpu, &cells, &specs).unwrap().of_limit);
        cells.insert(ColumnId::CpuLimit, CellValue::Number(f64::NAN));
        assert!(!reading(cpu, &cells, &specs).unwrap().of_limit);
    }
}
