//! The fleet table's state: one row per model, rebuilt when data arrives and re-ordered
//! when the sort or filter changes, never while drawing.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use crate::command::SortKey;
use crate::config::ColumnSpec;
use crate::domain::{Alert, CellValue, ColumnId, ColumnResult, Severity, Status};

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
}

impl ModelRow {
    pub fn critical(&self) -> bool {
        self.worst_alert == Some(Severity::Critical)
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
    /// Every model, by name.
    rows: Vec<ModelRow>,
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
        self.rows.iter().find(|r| r.name == name)
    }

    /// Replaces the metric cells from a Prometheus refresh. A failed column keeps no stale
    /// values: its cells show as missing and the reason goes to `column_errors`.
    pub fn ingest(&mut self, columns: &[(ColumnId, ColumnResult)], specs: &[ColumnSpec]) {
        let mut by_model: BTreeMap<String, HashMap<ColumnId, CellValue>> = BTreeMap::new();
        self.column_errors.clear();
        for (id, result) in columns {
            match result {
                Ok(values) => {
                    for (model, value) in values {
                        by_model.entry(model.clone()).or_default().insert(*id, value.clone());
                    }
                }
                Err(reason) => {
                    self.column_errors.insert(*id, reason.clone());
                }
            }
        }
        // Rows for models that vanished from every query disappear; a column outage alone
        // keeps the rows (with missing cells) so the table does not flicker empty.
        let keep_old = !self.column_errors.is_empty();
        let mut old: HashMap<String, ModelRow> = self.rows.drain(..).map(|r| (r.name.clone(), r)).collect();
        for (name, cells) in by_model {
            old.remove(&name);
            self.rows.push(ModelRow { status: worst_status(&cells, specs), name, cells, firing: 0, worst_alert: None });
        }
        if keep_old {
            for (_, mut row) in old {
                row.cells.retain(|id, _| !self.column_errors.contains_key(id));
                self.rows.push(row);
            }
        }
    }

    /// Counts firing alerts per model.
    pub fn attach_alerts(&mut self, alerts: &[Alert]) {
        for row in &mut self.rows {
            row.firing = 0;
            row.worst_alert = None;
        }
        let index: HashMap<String, usize> = self.rows.iter().enumerate().map(|(i, r)| (r.name.clone(), i)).collect();
        for alert in alerts.iter().filter(|a| a.state.is_firing()) {
            let Some(row) = alert.model.as_ref().and_then(|m| index.get(m)).map(|i| &mut self.rows[*i]) else {
                continue;
            };
            row.firing += 1;
            row.worst_alert = Some(row.worst_alert.map_or(alert.severity, |w| w.min(alert.severity)));
        }
    }

    /// Recomputes `visible` from the filter and the sort.
    pub fn arrange(&mut self, filter: &Filter, sort: SortKey, descending: bool) {
        let rows = &self.rows;
        let mut visible: Vec<usize> = (0..rows.len()).filter(|i| filter.matches(&rows[*i])).collect();
        visible.sort_by(|a, b| {
            let (a, b) = (&rows[*a], &rows[*b]);
            let primary = compare(a, b, sort);
            let primary = if descending { primary.reverse() } else { primary };
            primary.then_with(|| a.name.cmp(&b.name))
        });
        self.visible = visible;
    }
}

fn worst_status(cells: &HashMap<ColumnId, CellValue>, specs: &[ColumnSpec]) -> Status {
    specs
        .iter()
        .filter_map(|spec| match cells.get(&spec.id) {
            Some(CellValue::Number(v)) if spec.id != ColumnId::Trend => Some(spec.thresholds.classify(*v)),
            _ => None,
        })
        .filter(|s| matches!(s, Status::Warn | Status::Critical))
        .max()
        .unwrap_or(Status::Ok)
}

/// Natural order per key, before the `descending` flip: the most urgent first for health
/// and alerts, alphabetical for names, ascending numbers for columns (missing last).
fn compare(a: &ModelRow, b: &ModelRow, key: SortKey) -> Ordering {
    match key {
        SortKey::Health => urgency(b).cmp(&urgency(a)),
        SortKey::Name => a.name.cmp(&b.name),
        SortKey::Alerts => b.firing.cmp(&a.firing),
        SortKey::Column(ColumnId::Version) => a.text(ColumnId::Version).cmp(&b.text(ColumnId::Version)),
        SortKey::Column(id) => match (a.number(id), b.number(id)) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
    }
}

fn urgency(row: &ModelRow) -> (u8, u8, usize) {
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
    (alert, cells, row.firing)
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
