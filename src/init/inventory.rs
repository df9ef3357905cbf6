//! What a Prometheus holds, by name: every metric name, and for the names a preset reads,
//! the label names on their series. Detection works on this alone, so it is tested against
//! recorded lists as well as a live Prometheus.

use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    names: BTreeSet<String>,
    /// Label names per metric, where they were asked for.
    labels: BTreeMap<String, BTreeSet<String>>,
}

impl Inventory {
    pub fn new(names: impl IntoIterator<Item = String>) -> Inventory {
        Inventory { names: names.into_iter().collect(), labels: BTreeMap::new() }
    }

    pub fn set_labels(&mut self, metric: &str, labels: impl IntoIterator<Item = String>) {
        self.labels.insert(metric.to_string(), labels.into_iter().collect());
    }

    pub fn has(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The label names of `metric`'s series, when they were read.
    pub fn labels(&self, metric: &str) -> Option<&BTreeSet<String>> {
        self.labels.get(metric)
    }

    /// The first of `candidates` that `metric`'s series carry; when its labels were not read,
    /// the first candidate (the exporter's documented label).
    pub fn pick_label(&self, metric: &str, candidates: &[&str]) -> Option<String> {
        match self.labels(metric) {
            None => candidates.first().map(|c| c.to_string()),
            Some(labels) => candidates.iter().find(|c| labels.contains(**c)).map(|c| c.to_string()),
        }
    }

    /// A recorded inventory: one metric per line, its name and then the label names its
    /// series carry, separated by spaces; `#` starts a comment.
    pub fn parse_recorded(text: &str) -> Result<Inventory, String> {
        let mut inventory = Inventory::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            let mut words = line.split_whitespace();
            let Some(name) = words.next() else { continue };
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
                return Err(format!("line {}: `{name}` is not a metric name", n + 1));
            }
            inventory.names.insert(name.to_string());
            inventory.set_labels(name, words.map(str::to_string));
        }
        Ok(inventory)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_lines_and_label_picks() {
        let text = "# a comment\nvllm:request_success_total model_name engine finished_reason\n\nup job # scraped\n";
        let inv = Inventory::parse_recorded(text).unwrap();
        assert_eq!(inv.names().collect::<Vec<_>>(), ["up", "vllm:request_success_total"]);
        let pick = |m, c: &[&str]| inv.pick_label(m, c);
        assert_eq!(pick("vllm:request_success_total", &["model", "model_name"]).as_deref(), Some("model_name"));
        assert_eq!(pick("up", &["model"]), None, "read, and not there");
        assert_eq!(pick("unread", &["model", "model_name"]).as_deref(), Some("model"));
        assert!(Inventory::parse_recorded("bad{name} x").is_err());
    }
}
