//! A list cursor held by identity. Lists re-sort on every refresh (health order), filter and
//! lose items; a cursor that remembered a row number would then point at another model or
//! alert, and the next action would land there. The cursor keeps the selected item's key
//! and finds it again after every change; its position is only a cache for drawing and for
//! finding a neighbour when the item goes away.

/// The selection in one list, by key (model name, alert fingerprint, silence id, version,
/// journal entry hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor<K> {
    key: Option<K>,
    /// Where `key` was at the last resolve.
    index: usize,
    /// The items next to it then: where the cursor goes when the item disappears.
    after: Option<K>,
    before: Option<K>,
    /// Set once the operator can see the cursor (the pane has focus, the screen is open) or
    /// has moved it. Until then it stays on the first row, so a pane shows its most urgent
    /// item when it is first looked at; from then on it holds its item.
    held: bool,
}

impl<K> Default for Cursor<K> {
    fn default() -> Self {
        Cursor { key: None, index: 0, after: None, before: None, held: false }
    }
}

/// What a resolve did to the selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved<K> {
    /// Still on the same item (perhaps at another position), or nothing was selected.
    Kept,
    /// The item is no longer in the list; the cursor is on a neighbour (`None` when the list
    /// is empty).
    Gone { was: K, now: Option<K> },
}

impl<K: Clone + PartialEq> Cursor<K> {
    /// A cursor on `key`, wherever it turns out to be once resolved.
    pub fn on(key: K) -> Cursor<K> {
        Cursor { key: Some(key), held: true, ..Cursor::default() }
    }

    /// A cursor that holds its item from the start (a list that is on screen at once).
    pub fn held() -> Cursor<K> {
        Cursor { held: true, ..Cursor::default() }
    }

    /// From now on the cursor holds its item through re-sorts and refreshes.
    pub fn hold(&mut self) {
        self.held = true;
    }

    pub fn key(&self) -> Option<&K> {
        self.key.as_ref()
    }

    /// The selected item's position at the last resolve (0 in an empty list).
    pub fn index(&self) -> usize {
        self.index
    }

    /// Finds the selected item again after the list changed. `len` and `key_at` describe
    /// the list in display order. An empty list keeps the key (the data may be on its way,
    /// after an environment switch say); a missing item moves the cursor to its old
    /// neighbour, else to the same position.
    pub fn resolve<'a>(&mut self, len: usize, key_at: impl Fn(usize) -> Option<&'a K>) -> Resolved<K>
    where
        K: 'a,
    {
        if len == 0 {
            self.index = 0;
            return Resolved::Kept;
        }
        let find = |k: &K| (0..len).find(|i| key_at(*i) == Some(k));
        if !self.held {
            self.place(0, len, &key_at);
            return Resolved::Kept;
        }
        let Some(key) = self.key.clone() else {
            self.place(self.index.min(len - 1), len, &key_at);
            return Resolved::Kept;
        };
        if let Some(at) = find(&key) {
            self.place(at, len, &key_at);
            return Resolved::Kept;
        }
        let at = [self.after.as_ref(), self.before.as_ref()]
            .into_iter()
            .flatten()
            .find_map(find)
            .unwrap_or(self.index.min(len - 1));
        self.place(at, len, &key_at);
        Resolved::Gone { was: key, now: self.key.clone() }
    }

    /// Moves by `delta` rows (clamped to the list), taking the key found there.
    pub fn step<'a>(&mut self, delta: isize, len: usize, key_at: impl Fn(usize) -> Option<&'a K>)
    where
        K: 'a,
    {
        if len == 0 {
            self.index = 0;
            return;
        }
        let at = (self.index.min(len - 1) as isize).saturating_add(delta).clamp(0, len as isize - 1) as usize;
        self.held = true;
        self.place(at, len, &key_at);
    }

    /// Selects `key` outright (a model opened by name, say); resolved at the next change.
    pub fn select(&mut self, key: K) {
        self.held = true;
        if self.key.as_ref() != Some(&key) {
            self.key = Some(key);
            self.after = None;
            self.before = None;
        }
    }

    fn place<'a>(&mut self, at: usize, len: usize, key_at: &impl Fn(usize) -> Option<&'a K>)
    where
        K: 'a,
    {
        self.index = at;
        self.key = key_at(at).cloned();
        self.after = if at + 1 < len { key_at(at + 1).cloned() } else { None };
        self.before = if at > 0 { key_at(at - 1).cloned() } else { None };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn resolve(cursor: &mut Cursor<String>, items: &[String]) -> Resolved<String> {
        cursor.resolve(items.len(), |i| items.get(i))
    }

    #[test]
    fn an_unseen_cursor_stays_on_top_until_held() {
        let mut cursor = Cursor::default();
        resolve(&mut cursor, &list(&["b", "a"]));
        assert_eq!(resolve(&mut cursor, &list(&["a", "b"])), Resolved::Kept);
        assert_eq!(cursor.key().map(String::as_str), Some("a"));
        cursor.hold();
        resolve(&mut cursor, &list(&["b", "a"]));
        assert_eq!((cursor.key().map(String::as_str), cursor.index()), (Some("a"), 1));
    }

    #[test]
    fn the_cursor_follows_its_item_through_a_re_sort() {
        let mut cursor = Cursor::held();
        let first = list(&["a", "b", "c"]);
        resolve(&mut cursor, &first);
        cursor.step(1, first.len(), |i| first.get(i));
        assert_eq!(cursor.key().map(String::as_str), Some("b"));
        let resorted = list(&["b", "c", "a"]);
        assert_eq!(resolve(&mut cursor, &resorted), Resolved::Kept);
        assert_eq!((cursor.key().map(String::as_str), cursor.index()), (Some("b"), 0));
    }

    #[test]
    fn a_vanished_item_hands_the_cursor_to_its_old_neighbour() {
        let mut cursor = Cursor::on("b".to_string());
        resolve(&mut cursor, &list(&["a", "b", "c"]));
        // c moved to the top meanwhile: the neighbour is found by key, not by position.
        let gone = resolve(&mut cursor, &list(&["c", "a"]));
        assert_eq!(gone, Resolved::Gone { was: "b".into(), now: Some("c".into()) });
        assert_eq!(cursor.index(), 0);
        // The last item gone, with no neighbour left from before: the same position, clamped.
        let mut last = Cursor::on("z".to_string());
        resolve(&mut last, &list(&["x", "z"]));
        assert_eq!(resolve(&mut last, &list(&["q"])), Resolved::Gone { was: "z".into(), now: Some("q".into()) });
    }

    #[test]
    fn an_empty_list_keeps_the_key_for_when_data_returns() {
        let mut cursor = Cursor::on("b".to_string());
        assert_eq!(resolve(&mut cursor, &[]), Resolved::Kept);
        assert_eq!(cursor.key().map(String::as_str), Some("b"));
        assert_eq!(resolve(&mut cursor, &list(&["a", "b"])), Resolved::Kept);
        assert_eq!(cursor.index(), 1);
    }

    #[test]
    fn steps_clamp_to_the_list() {
        let items = list(&["a", "b", "c"]);
        let mut cursor = Cursor::held();
        cursor.step(isize::MAX / 2, items.len(), |i| items.get(i));
        assert_eq!(cursor.key().map(String::as_str), Some("c"));
        cursor.step(-10, items.len(), |i| items.get(i));
        assert_eq!((cursor.key().map(String::as_str), cursor.index()), (Some("a"), 0));
    }
}
