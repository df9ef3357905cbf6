//! An alert's labels or annotations, compactly: with 10,000 firing alerts, the bytes per
//! alert are what the console's memory grows with.
//! A `BTreeMap<String, String>` allocates a 544-byte node for even one pair; here the pairs
//! are one sorted allocation, and the names, which repeat across alerts (`alertname`,
//! `severity`, `summary`), are shared. Names and values stay exactly as sent.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::ops::Index;
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// Name/value pairs sorted by name, names unique (the last one sent wins, as in a map).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Labels(Box<[(Arc<str>, String)]>);

impl Labels {
    /// The pairs as given, sorted by name, with `names` sharing the names.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>, names: &mut Names) -> Labels {
        let pairs: Vec<(Arc<str>, String)> = pairs.into_iter().map(|(k, v)| (names.get(k), v)).collect();
        Labels::sorted(pairs)
    }

    fn sorted(mut pairs: Vec<(Arc<str>, String)>) -> Labels {
        // Stable, so of two equal names the one sent last stays last, and is kept.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut unique: Vec<(Arc<str>, String)> = Vec::with_capacity(pairs.len());
        for pair in pairs {
            match unique.last_mut() {
                Some(last) if last.0 == pair.0 => *last = pair,
                _ => unique.push(pair),
            }
        }
        Labels(unique.into_boxed_slice())
    }

    pub fn get(&self, name: &str) -> Option<&String> {
        self.0.binary_search_by(|(k, _)| (**k).cmp(name)).ok().map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name` to `value`, replacing an earlier value.
    pub fn insert(&mut self, name: &str, value: String) {
        let mut pairs = std::mem::take(&mut self.0).into_vec();
        pairs.push((name.into(), value));
        *self = Labels::sorted(pairs);
    }

    /// In name order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &String)> {
        self.0.iter().map(|(k, v)| (&**k, v))
    }

    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> {
        self.0.iter().map(|(k, _)| &**k)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = (&'a str, &'a String);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (Arc<str>, String)>, fn(&'a (Arc<str>, String)) -> Self::Item>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (&**k, v))
    }
}

impl<K: Into<Arc<str>>, V: Into<String>> FromIterator<(K, V)> for Labels {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Labels {
        Labels::sorted(iter.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}

impl From<BTreeMap<String, String>> for Labels {
    fn from(map: BTreeMap<String, String>) -> Labels {
        map.into_iter().collect()
    }
}

impl Index<&str> for Labels {
    type Output = String;

    fn index(&self, name: &str) -> &String {
        self.get(name).unwrap_or_else(|| panic!("no label {name:?}"))
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// A JSON object, as the map was.
impl Serialize for Labels {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// The label and annotation names of one answer, each allocated once. Names are few (a
/// rule's labels), but an answer could send a new one per alert: past [`Names::MAX`] they
/// are no longer shared, so the set stays small.
#[derive(Debug, Default)]
pub struct Names(HashSet<Arc<str>>);

impl Names {
    pub const MAX: usize = 1024;

    pub fn get(&mut self, name: &str) -> Arc<str> {
        if let Some(shared) = self.0.get(name) {
            return shared.clone();
        }
        let name: Arc<str> = name.into();
        if self.0.len() < Names::MAX {
            self.0.insert(name.clone());
        }
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_sorted_with_the_last_of_a_name_kept() {
        let mut names = Names::default();
        let labels = Labels::from_pairs(
            [("severity", "warning".into()), ("model", "a".into()), ("model", "b".into())],
            &mut names,
        );
        assert_eq!(labels.keys().collect::<Vec<_>>(), ["model", "severity"]);
        assert_eq!(labels.get("model").map(String::as_str), Some("b"));
        assert_eq!(labels.get("team"), None);
        assert_eq!(serde_json::to_string(&labels).unwrap(), r#"{"model":"b","severity":"warning"}"#);
    }

    #[test]
    fn names_are_shared_across_alerts() {
        let mut names = Names::default();
        let a = Labels::from_pairs([("alertname", "A".into())], &mut names);
        let b = Labels::from_pairs([("alertname", "B".into())], &mut names);
        assert!(Arc::ptr_eq(&a.0[0].0, &b.0[0].0));
    }

    #[test]
    fn insert_replaces_and_keeps_the_order() {
        let mut labels: Labels = [("b", "1"), ("a", "2")].into_iter().collect();
        labels.insert("b", "3".into());
        labels.insert("c", "4".into());
        assert_eq!(format!("{labels:?}"), r#"{"a": "2", "b": "3", "c": "4"}"#);
        assert_eq!(labels["b"], "3");
    }

    #[test]
    fn names_past_the_cap_are_not_kept() {
        let mut names = Names::default();
        for n in 0..Names::MAX + 10 {
            names.get(&format!("label_{n}"));
        }
        assert_eq!(names.0.len(), Names::MAX);
        assert_eq!(&*names.get("label_5"), "label_5");
        assert_eq!(&*names.get("label_2000"), "label_2000");
    }
}
