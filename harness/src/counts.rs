//! Message counts by kind, kept per node and merged when a run ends.

use std::collections::BTreeMap;

/// Sends counted by message kind.
///
/// Kinds are `&'static str`s returned by [`crate::Message::kind`]; an algorithm has a handful of
/// them, so a short vector searched by pointer first beats a map on the hot path.
#[derive(Clone, Debug, Default)]
pub struct MessageCounts {
    by_kind: Vec<(&'static str, u64)>,
}

impl MessageCounts {
    /// Counts one message of `kind`.
    #[inline]
    pub fn add(&mut self, kind: &'static str) {
        self.add_n(kind, 1);
    }

    /// Counts `n` messages of `kind`.
    #[inline]
    pub fn add_n(&mut self, kind: &'static str, n: u64) {
        for (k, count) in &mut self.by_kind {
            if std::ptr::eq(*k, kind) || *k == kind {
                *count += n;
                return;
            }
        }
        self.by_kind.push((kind, n));
    }

    /// Adds every count of `other` into `self`.
    pub fn merge(&mut self, other: &MessageCounts) {
        for (kind, n) in &other.by_kind {
            self.add_n(kind, *n);
        }
    }

    /// The total over all kinds.
    pub fn total(&self) -> u64 {
        self.by_kind.iter().map(|(_, n)| n).sum()
    }

    /// The count of one kind (0 if never sent).
    pub fn get(&self, kind: &str) -> u64 {
        self.by_kind.iter().find(|(k, _)| *k == kind).map_or(0, |(_, n)| *n)
    }

    /// The counts as a sorted map, for records and reports.
    pub fn to_map(&self) -> BTreeMap<String, u64> {
        self.by_kind.iter().map(|(k, n)| (k.to_string(), *n)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_kind_and_merges() {
        let mut a = MessageCounts::default();
        a.add("request");
        a.add("reply");
        a.add("request");
        let mut b = MessageCounts::default();
        b.add_n("reply", 3);
        a.merge(&b);
        assert_eq!(a.get("request"), 2);
        assert_eq!(a.get("reply"), 4);
        assert_eq!(a.get("release"), 0);
        assert_eq!(a.total(), 6);
        let map = a.to_map();
        assert_eq!(map.keys().collect::<Vec<_>>(), ["reply", "request"]);
    }
}
