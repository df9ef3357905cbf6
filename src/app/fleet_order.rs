//! The fleet's calm order: a row moves when its rank class changes, never when its values
//! jitter inside one, so rows stay put under the operator's cursor and are not redrawn.
//!
//! - Discrete keys (health, alerts, name, version): rows are ordered by class; inside a class
//!   the previous order is kept, and models not listed last time merge in by name.
//! - Metric columns: each row is sorted by an anchor, the metric's value when the row last
//!   moved. The anchor follows the metric only once the metric is more than [`MARGIN`] away
//!   (relative to the anchor, or to the column's spread for values near zero). The order is
//!   always exactly sorted by anchors, and every anchor is within the margin of the current
//!   value, so the sort stays true to that margin while jitter below it moves nothing.
//!
//! An explicit sort command re-sorts from scratch: every anchor takes the current value and
//! the previous order is forgotten.

use std::cmp::Ordering;

use super::fleet::ModelRow;
use crate::domain::{ColumnId, Severity, Status};
use crate::input::command::SortKey;

/// How far a metric must move before its row may pass a neighbour under a column sort: a
/// fraction of the row's anchor (or of the column's spread, whichever is larger).
pub const MARGIN: f64 = 0.01;

/// Where a row stood in the last arrangement, and the value a column sort placed it by.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Placement {
    /// Position in the last displayed order; `None` for a row not shown then.
    pub rank: Option<usize>,
    /// The sort column's value when the row last moved (column sorts only).
    pub anchor: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrangement {
    /// The operator asked for a sort: every row goes where its current values put it.
    Resort,
    /// New data or a new filter: keep the last order wherever the classes allow.
    Keep,
}

/// Orders `visible` (indices into `rows`) and records each row's new placement.
pub fn order(rows: &mut [ModelRow], visible: &mut [usize], sort: SortKey, descending: bool, how: Arrangement) {
    if how == Arrangement::Resort {
        for row in rows.iter_mut() {
            row.placement.rank = None;
        }
    }
    if let Some(id) = metric(sort) {
        follow_metric(rows, id, how);
    }
    {
        let rows = &*rows;
        visible.sort_by(|a, b| {
            let (a, b) = (&rows[*a], &rows[*b]);
            let class = class_order(a, b, sort);
            let class = if descending { class.reverse() } else { class };
            class.then_with(|| by_rank(a.placement.rank, b.placement.rank)).then_with(|| a.name.cmp(&b.name))
        });
        merge_newcomers(rows, visible, sort);
    }
    for row in rows.iter_mut() {
        row.placement.rank = None;
    }
    for (position, i) in visible.iter().enumerate() {
        rows[*i].placement.rank = Some(position);
    }
}

/// The numeric column a sort key orders by, if any.
fn metric(sort: SortKey) -> Option<ColumnId> {
    match sort {
        SortKey::Column(ColumnId::Version) => None,
        SortKey::Column(id) => Some(id),
        _ => None,
    }
}

/// Moves each row's anchor to the current value when the value left the margin (or always,
/// on a re-sort).
fn follow_metric(rows: &mut [ModelRow], id: ColumnId, how: Arrangement) {
    let (low, high) = rows
        .iter()
        .filter_map(|r| r.number(id))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let spread = if high >= low { high - low } else { 0.0 };
    for row in rows.iter_mut() {
        let value = row.number(id);
        let within = match (row.placement.anchor, value) {
            (Some(anchor), Some(v)) => (v - anchor).abs() <= MARGIN * anchor.abs().max(spread),
            _ => false,
        };
        if how == Arrangement::Resort || !within {
            row.placement.anchor = value;
        }
    }
}

/// Shown rows first, in their previous order.
fn by_rank(a: Option<usize>, b: Option<usize>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Inside each run of one class the sort left the kept rows (in their previous order) and
/// then the newcomers (by name): a newcomer goes before the first kept row named after it,
/// so it lands where a name order would put it and no kept row moves relative to another.
fn merge_newcomers(rows: &[ModelRow], visible: &mut [usize], sort: SortKey) {
    let mut start = 0;
    while start < visible.len() {
        let first = &rows[visible[start]];
        let end = start
            + visible[start..].iter().take_while(|i| class_order(first, &rows[**i], sort) == Ordering::Equal).count();
        let run = &mut visible[start..end];
        let kept = run.iter().take_while(|i| rows[**i].placement.rank.is_some()).count();
        if kept > 0 && kept < run.len() {
            let (old, new) = run.split_at(kept);
            let mut merged = Vec::with_capacity(run.len());
            let (mut o, mut n) = (0, 0);
            while o < old.len() && n < new.len() {
                if rows[new[n]].name < rows[old[o]].name {
                    merged.push(new[n]);
                    n += 1;
                } else {
                    merged.push(old[o]);
                    o += 1;
                }
            }
            merged.extend_from_slice(&old[o..]);
            merged.extend_from_slice(&new[n..]);
            run.copy_from_slice(&merged);
        }
        start = end;
    }
}

/// Natural order of rank classes per key, before the `descending` flip: the most urgent
/// first for health and alerts, alphabetical for names, ascending anchors for metric
/// columns (missing last).
pub fn class_order(a: &ModelRow, b: &ModelRow, key: SortKey) -> Ordering {
    match key {
        SortKey::Health => urgency(b).cmp(&urgency(a)),
        SortKey::Name => a.name.cmp(&b.name),
        SortKey::Alerts => b.firing.cmp(&a.firing),
        SortKey::Column(ColumnId::Version) => a.text(ColumnId::Version).cmp(&b.text(ColumnId::Version)),
        SortKey::Column(_) => match (a.placement.anchor, b.placement.anchor) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
    }
}

/// The health class: health first, then within it alerts before cells, then the number of
/// firing alerts. Every part is discrete, so metric jitter inside a threshold band leaves
/// it unchanged.
fn urgency(row: &ModelRow) -> (u8, u8, u8, usize) {
    let health = match row.health() {
        Status::Critical => 2,
        Status::Warn => 1,
        _ => 0,
    };
    let alert = match row.worst_alert {
        Some(Severity::Critical) => 3,
        Some(Severity::Warning) => 2,
        Some(_) => 1,
        None => 0,
    };
    let cells = match row.status {
        Status::Critical => 2,
        Status::Warn => 1,
        _ => 0,
    };
    (health, alert, cells, row.firing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fleet::{Filter, Fleet};
    use crate::domain::CellValue;

    fn fleet(values: &[(&str, f64)]) -> Fleet {
        let specs = crate::config::from_str("", None, &|_| None).unwrap().columns;
        let rows = values.iter().map(|(m, v)| (m.to_string(), CellValue::Number(*v))).collect();
        let mut fleet = Fleet::default();
        fleet.ingest(&[(ColumnId::ErrorRate, Ok(rows))], &specs);
        fleet
    }

    fn names(fleet: &Fleet) -> Vec<&str> {
        fleet.visible_rows().map(|r| r.name.as_str()).collect()
    }

    fn refresh(fleet: &mut Fleet, values: &[(&str, f64)], descending: bool) {
        let specs = crate::config::from_str("", None, &|_| None).unwrap().columns;
        let rows = values.iter().map(|(m, v)| (m.to_string(), CellValue::Number(*v))).collect();
        fleet.ingest(&[(ColumnId::ErrorRate, Ok(rows))], &specs);
        fleet.arrange(&Filter::default(), SortKey::Column(ColumnId::ErrorRate), descending, Arrangement::Keep);
    }

    #[test]
    fn values_near_zero_use_the_spread_as_their_margin() {
        let key = SortKey::Column(ColumnId::ErrorRate);
        let mut fleet = fleet(&[("a", 0.0), ("b", 0.0002), ("c", 0.05)]);
        fleet.arrange(&Filter::default(), key, false, Arrangement::Resort);
        assert_eq!(names(&fleet), ["a", "b", "c"]);
        // a goes from 0 to 0.0003: far more than 1 % of itself, far less than 1 % of the
        // spread (0.05); it stays.
        refresh(&mut fleet, &[("a", 0.0003), ("b", 0.0002), ("c", 0.05)], false);
        assert_eq!(names(&fleet), ["a", "b", "c"]);
        // Past the margin it moves at once.
        refresh(&mut fleet, &[("a", 0.002), ("b", 0.0002), ("c", 0.05)], false);
        assert_eq!(names(&fleet), ["b", "a", "c"]);
    }

    #[test]
    fn descending_flips_the_anchors_and_keeps_the_calm() {
        let key = SortKey::Column(ColumnId::ErrorRate);
        let mut fleet = fleet(&[("a", 1.0), ("b", 1.001), ("c", 2.0)]);
        fleet.arrange(&Filter::default(), key, true, Arrangement::Resort);
        assert_eq!(names(&fleet), ["c", "b", "a"]);
        refresh(&mut fleet, &[("a", 1.005), ("b", 1.0), ("c", 2.0)], true);
        assert_eq!(names(&fleet), ["c", "b", "a"], "within the margin nothing moves");
        fleet.arrange(&Filter::default(), key, true, Arrangement::Resort);
        assert_eq!(names(&fleet), ["c", "a", "b"], "a re-sort follows the values");
    }
}
