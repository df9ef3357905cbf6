//! The fleet table's state: one row per model, rebuilt when data arrives and re-ordered
//! when the sort or filter changes, never while drawing.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};

use super::fleet_order::{self, Arrangement, Placement};
use crate::config::ColumnSpec;
use crate::domain::{Alert, CellValue, ColumnId, ColumnResult, Severity, Status};
use crate::input::command::SortKey;

#[derive(Debug, Clone, PartialEq)]
pub struct ModelRow {
    pub name: String,
    pub cells: HashMap<ColumnId, CellValue>,
    /// Firing alerts (active or unprocessed) that name this model.
    pub firing: usize,
    /// The most urgent severity among firing alerts.
    pub worst_alert: Option<Severity>,
    /// Worst cell status across coloured columns.
    pub status: Status,
    /// Where the last arrangement put the row: what keeps the order calm.
    pub placement: Placement,
}

impl ModelRow {
    pub fn critical(&self) -> bool {
        self.worst_alert == Some(Severity::Critical)
    }

    /// The model's health: the one verdict behind the row's mark (`!`, `•`), the health
    /// sort and `status --json`. Critical with a critical alert or a cell past its critical
    /// threshold; warn with any other firing alert or a cell past its warning threshold.
    pub fn health(&self) -> Status {
        if self.critical() || self.status == Status::Critical {
            Status::Critical
        } else if self.firing > 0 || self.status == Status::Warn {
            Status::Warn
        } else {
            Status::Ok
        }
    }

    pub fn number(&self, id: ColumnId) -> Option<f64> {
        match self.cells.get(&id) {
            Some(CellValue::Number(v)) => Some(*v),
            _ => None,
        }
    }

    pub fn text(&self, id: ColumnId) -> Option<&str> {
        match self.cells.get(&id) {
            Some(CellValue::Text(t)) => Some(t),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fleet {
    /// Every model, in no particular order.
    rows: Vec<ModelRow>,
    /// Each row's position in `rows`, by name.
    index: HashMap<String, usize>,
    /// Indices into `rows` that pass the filter, in display order.
    pub visible: Vec<usize>,
    /// Columns whose last query failed, with the reason.
    pub column_errors: BTreeMap<ColumnId, String>,
}

impl Fleet {
    pub fn row(&self, visible_index: usize) -> Option<&ModelRow> {
        self.visible.get(visible_index).and_then(|i| self.rows.get(*i))
    }

    pub fn visible_rows(&self) -> impl Iterator<Item = &ModelRow> {
        self.visible.iter().filter_map(|i| self.rows.get(*i))
    }

    pub fn total(&self) -> usize {
        self.rows.len()
    }

    pub fn find(&self, name: &str) -> Option<&ModelRow> {
        self.index.get(name).and_then(|i| self.rows.get(*i))
    }

    /// Replaces the metric cells from a Prometheus refresh. A failed column keeps no stale
    /// values: its cells show as missing and the reason goes to `column_errors`.
    ///
    /// Rows are updated in place: rebuilding them (a map per model, every name and
    /// sparkline copied, the old rows dropped) cost 75 ms per refresh at 10,000 models, all
    /// of it on the UI loop.
    pub fn ingest(&mut self, columns: &[(ColumnId, ColumnResult)], specs: &[ColumnSpec]) {
        self.column_errors.clear();
        // Per row, one bit per column that named the model in this refresh.
        let mut named: Vec<u16> = vec![0; self.rows.len()];
        for (id, result) in columns {
            let values = match result {
                Ok(values) => values,
                Err(reason) => {
                    self.column_errors.insert(*id, reason.clone());
                    continue;
                }
            };
            for (model, value) in values {
                let at = match self.index.get(model.as_str()) {
                    Some(at) => *at,
                    None => {
                        self.index.insert(model.clone(), self.rows.len());
                        self.rows.push(ModelRow {
                            name: model.clone(),
                            cells: HashMap::new(),
                            firing: 0,
                            worst_alert: None,
                            status: Status::Ok,
                            placement: Placement::default(),
                        });
                        named.push(0);
                        self.rows.len() - 1
                    }
                };
                named[at] |= bit(*id);
                set_cell(&mut self.rows[at].cells, *id, value);
            }
        }
        // Rows for models that vanished from every query disappear; a column outage alone
        // keeps the rows (with missing cells) so the table does not flicker empty.
        let keep_old = !self.column_errors.is_empty();
        let errors = &self.column_errors;
        let before = self.rows.len();
        let mut named = named.into_iter();
        self.rows.retain_mut(|row| match named.next().unwrap_or(0) {
            0 if keep_old => {
                row.cells.retain(|id, _| !errors.contains_key(id));
                true
            }
            0 => false,
            columns => {
                row.cells.retain(|id, _| columns & bit(*id) != 0);
                row.firing = 0;
                row.worst_alert = None;
                row.status = worst_status(&row.cells, specs);
                true
            }
        });
        if self.rows.len() != before {
            self.index = self.rows.iter().enumerate().map(|(i, r)| (r.name.clone(), i)).collect();
        }
    }

    /// Counts firing alerts per model.
    pub fn attach_alerts<A: Borrow<Alert>>(&mut self, alerts: &[A]) {
        for row in &mut self.rows {
            row.firing = 0;
            row.worst_alert = None;
        }
        for alert in alerts.iter().map(A::borrow).filter(|a| a.state.is_firing()) {
            let Some(row) = alert.model.as_ref().and_then(|m| self.index.get(m)).map(|i| &mut self.rows[*i]) else {
                continue;
            };
            row.firing += 1;
            row.worst_alert = Some(row.worst_alert.map_or(alert.severity, |w| w.min(alert.severity)));
        }
    }

    /// Recomputes `visible` from the filter and the sort; `how` says whether the last order
    /// counts (see `fleet_order`).
    pub fn arrange(&mut self, filter: &Filter, sort: SortKey, descending: bool, how: Arrangement) {
        let rows = &self.rows;
        // Without a filter every row shows: no name is lower-cased.
        let all = filter.is_empty();
        let mut visible: Vec<usize> = (0..rows.len()).filter(|i| all || filter.matches(&rows[*i])).collect();
        fleet_order::order(&mut self.rows, &mut visible, sort, descending, how);
        self.visible = visible;
    }
}

fn bit(id: ColumnId) -> u16 {
    1 << id as u16
}

/// Overwrites a cell, reusing the old sparkline's or text's allocation.
fn set_cell(cells: &mut HashMap<ColumnId, CellValue>, id: ColumnId, value: &CellValue) {
    match (cells.get_mut(&id), value) {
        (Some(CellValue::Series(old)), CellValue::Series(new)) => old.clone_from(new),
        (Some(CellValue::Text(old)), CellValue::Text(new)) => old.clone_from(new),
        (Some(old), _) => *old = value.clone(),
        (None, _) => {
            cells.insert(id, value.clone());
        }
    }
}

fn worst_status(cells: &HashMap<ColumnId, CellValue>, specs: &[ColumnSpec]) -> Status {
    specs
        .iter()
        .filter(|spec| spec.id != ColumnId::Trend && spec.id.is_shown())
        .filter_map(|spec| super::resources::reading(spec, cells, specs).map(|r| r.status))
        .filter(|s| matches!(s, Status::Warn | Status::Critical))
        .max()
        .unwrap_or(Status::Ok)
}

/// A parsed `/` filter: plain words match the model name (case-insensitive substring);
/// `key=value` matches a label column (`version=3`), `alerts>0`-style is not supported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    words: Vec<String>,
    labels: Vec<(String, String)>,
}

impl Filter {
    pub fn parse(text: &str) -> Filter {
        let mut filter = Filter::default();
        for term in text.split_whitespace() {
            match term.split_once('=') {
                Some((k, v)) if !k.is_empty() => filter.labels.push((k.to_ascii_lowercase(), v.to_ascii_lowercase())),
                _ => filter.words.push(term.to_ascii_lowercase()),
            }
        }
        filter
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.labels.is_empty()
    }

    pub fn matches(&self, row: &ModelRow) -> bool {
        let name = row.name.to_ascii_lowercase();
        self.words.iter().all(|w| name.contains(w.as_str()))
            && self.labels.iter().all(|(k, v)| match k.as_str() {
                "model" | "name" => name.contains(v.as_str()),
                "severity" => row.worst_alert.is_some_and(|s| s.label() == v),
                key => ColumnId::from_key(key).is_some_and(|id| match row.cells.get(&id) {
                    Some(CellValue::Text(t)) => t.to_ascii_lowercase().split(',').any(|p| p.trim() == v),
                    Some(CellValue::Number(n)) => format!("{n}") == *v,
                    _ => false,
                }),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs() -> Vec<ColumnSpec> {
        crate::config::from_str("", None, &|_| None).unwrap().columns
    }

    fn column(id: ColumnId, values: &[(&str, f64)]) -> (ColumnId, ColumnResult) {
        (id, Ok(values.iter().map(|(m, v)| (m.to_string(), CellValue::Number(*v))).collect()))
    }

    fn trend(values: &[(&str, &[f64])]) -> (ColumnId, ColumnResult) {
        (ColumnId::Trend, Ok(values.iter().map(|(m, v)| (m.to_string(), CellValue::Series(v.to_vec()))).collect()))
    }

    fn names(fleet: &Fleet) -> Vec<&str> {
        let mut names: Vec<&str> = fleet.rows.iter().map(|r| r.name.as_str()).collect();
        names.sort();
        names
    }

    #[test]
    fn a_refresh_updates_rows_in_place_and_drops_cells_no_query_returned() {
        let specs = specs();
        let mut fleet = Fleet::default();
        fleet.ingest(
            &[
                column(ColumnId::Accuracy, &[("a", 0.95), ("b", 0.85)]),
                column(ColumnId::Gpu, &[("a", 50.0), ("b", 60.0)]),
                trend(&[("a", &[0.9, 0.95])]),
            ],
            &specs,
        );
        assert_eq!(fleet.find("b").unwrap().status, Status::Critical);
        fleet.ingest(
            &[
                column(ColumnId::Accuracy, &[("a", 0.96), ("b", 0.95)]),
                column(ColumnId::Gpu, &[("a", 55.0)]),
                trend(&[("a", &[0.95, 0.96])]),
            ],
            &specs,
        );
        let a = fleet.find("a").unwrap();
        assert_eq!(a.number(ColumnId::Accuracy), Some(0.96));
        assert_eq!(a.cells.get(&ColumnId::Trend), Some(&CellValue::Series(vec![0.95, 0.96])));
        let b = fleet.find("b").unwrap();
        assert_eq!(b.number(ColumnId::Gpu), None, "no stale GPU value once the query stops naming b");
        assert_eq!(b.status, Status::Ok, "the status follows the new values");
    }

    #[test]
    fn vanished_models_go_and_new_ones_come_with_the_index_kept_right() {
        let specs = specs();
        let mut fleet = Fleet::default();
        fleet.ingest(&[column(ColumnId::Accuracy, &[("a", 0.95), ("b", 0.95), ("c", 0.95)])], &specs);
        fleet.ingest(&[column(ColumnId::Accuracy, &[("c", 0.94), ("d", 0.93)])], &specs);
        assert_eq!(names(&fleet), ["c", "d"]);
        assert!(fleet.find("a").is_none());
        assert_eq!(fleet.find("c").unwrap().number(ColumnId::Accuracy), Some(0.94));
        assert_eq!(fleet.find("d").unwrap().number(ColumnId::Accuracy), Some(0.93));
        fleet.arrange(&Filter::default(), SortKey::Name, false, Arrangement::Resort);
        assert_eq!(fleet.visible_rows().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["c", "d"]);
    }

    #[test]
    fn a_column_outage_keeps_rows_but_not_the_failed_column() {
        let specs = specs();
        let mut fleet = Fleet::default();
        fleet.ingest(
            &[
                column(ColumnId::Accuracy, &[("a", 0.95), ("b", 0.95)]),
                column(ColumnId::Drift, &[("a", 0.1), ("b", 0.2)]),
            ],
            &specs,
        );
        fleet.ingest(
            &[column(ColumnId::Accuracy, &[("a", 0.9)]), (ColumnId::Drift, Err("drift: timeout".into()))],
            &specs,
        );
        assert_eq!(names(&fleet), ["a", "b"]);
        assert_eq!(fleet.find("a").unwrap().number(ColumnId::Drift), None);
        assert_eq!(fleet.find("b").unwrap().number(ColumnId::Drift), None);
        assert!(fleet.column_errors.contains_key(&ColumnId::Drift));
        // Recovered: b is gone for good once no query names it.
        fleet.ingest(&[column(ColumnId::Accuracy, &[("a", 0.9)]), column(ColumnId::Drift, &[("a", 0.1)])], &specs);
        assert_eq!(names(&fleet), ["a"]);
        assert!(fleet.column_errors.is_empty());
    }

    #[test]
    fn alerts_attach_through_the_index() {
        let specs = specs();
        let mut fleet = Fleet::default();
        fleet.ingest(&[column(ColumnId::Accuracy, &[("a", 0.95), ("b", 0.95)])], &specs);
        let body = |model: &str| {
            format!(
                r#"[{{"labels": {{"alertname": "ModelAccuracyLow", "model": "{model}", "severity": "critical"}},
                    "annotations": {{}}, "startsAt": "2026-11-25T12:00:00Z", "endsAt": "2026-11-25T13:00:00Z",
                    "fingerprint": "f", "receivers": [], "status": {{"state": "active", "silencedBy": [],
                    "inhibitedBy": [], "mutedBy": []}}, "updatedAt": "2026-11-25T12:00:00Z"}}]"#
            )
        };
        let parse = |model: &str| {
            crate::backends::alertmanager::parse::parse_alerts(200, body(model).as_bytes(), "model").unwrap()
        };
        let alert = parse("b");
        fleet.attach_alerts(&alert);
        assert_eq!(fleet.find("b").unwrap().firing, 1);
        assert!(fleet.find("b").unwrap().critical());
        fleet.attach_alerts(&parse("gone"));
        assert_eq!(fleet.find("b").unwrap().firing, 0);
    }
}
