//! Message counts and bytes by kind, kept per node and merged when a run ends.

use std::collections::BTreeMap;

/// The size of `msg` on the wire: its length in postcard, a compact binary serde format
/// (varint integers, length-prefixed sequences, no field names), measured without writing the
/// bytes anywhere.
#[inline]
pub fn wire_size<M: serde::Serialize>(msg: &M) -> u64 {
    postcard::serialize_with_flavor(msg, postcard::ser_flavors::Size::default()).map_or(0, |n| n as u64)
}

/// Sends counted by message kind, with their bytes.
///
/// Kinds are `&'static str`s returned by [`crate::Message::kind`]; an algorithm has a handful of
/// them, so a short vector searched by pointer first beats a map on the hot path.
#[derive(Clone, Debug, Default)]
pub struct MessageCounts {
    /// (kind, messages, bytes)
    by_kind: Vec<(&'static str, u64, u64)>,
}

impl MessageCounts {
    /// Counts one message of `kind`, `bytes` long on the wire.
    #[inline]
    pub fn add(&mut self, kind: &'static str, bytes: u64) {
        self.add_n(kind, 1, bytes);
    }

    /// Counts `n` messages of `kind`, `bytes` long in all.
    #[inline]
    pub fn add_n(&mut self, kind: &'static str, n: u64, bytes: u64) {
        for (k, count, size) in &mut self.by_kind {
            if std::ptr::eq(*k, kind) || *k == kind {
                *count += n;
                *size += bytes;
                return;
            }
        }
        self.by_kind.push((kind, n, bytes));
    }

    /// Adds every count of `other` into `self`.
    pub fn merge(&mut self, other: &MessageCounts) {
        for (kind, n, bytes) in &other.by_kind {
            self.add_n(kind, *n, *bytes);
        }
    }

    /// The messages over all kinds.
    pub fn total(&self) -> u64 {
        self.by_kind.iter().map(|(_, n, _)| n).sum()
    }

    /// The bytes over all kinds.
    pub fn bytes_total(&self) -> u64 {
        self.by_kind.iter().map(|(_, _, b)| b).sum()
    }

    /// The count of one kind (0 if never sent).
    pub fn get(&self, kind: &str) -> u64 {
        self.by_kind.iter().find(|(k, _, _)| *k == kind).map_or(0, |(_, n, _)| *n)
    }

    /// The bytes of one kind (0 if never sent).
    pub fn bytes(&self, kind: &str) -> u64 {
        self.by_kind.iter().find(|(k, _, _)| *k == kind).map_or(0, |(_, _, b)| *b)
    }

    /// The counts as a sorted map, for records and reports.
    pub fn to_map(&self) -> BTreeMap<String, u64> {
        self.by_kind.iter().map(|(k, n, _)| (k.to_string(), *n)).collect()
    }

    /// The bytes as a sorted map.
    pub fn bytes_map(&self) -> BTreeMap<String, u64> {
        self.by_kind.iter().map(|(k, _, b)| (k.to_string(), *b)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_size_grows_with_what_a_message_carries() {
        #[derive(serde::Serialize)]
        enum Msg {
            Empty,
            Numbers(Vec<u64>),
        }
        assert_eq!(wire_size(&Msg::Empty), 1, "one byte for the variant");
        assert_eq!(wire_size(&Msg::Numbers(vec![1, 2, 3])), 1 + 1 + 3, "variant, length, three small varints");
        assert!(wire_size(&Msg::Numbers(vec![u64::MAX; 10])) > 10 * 9);
    }

    #[test]
    fn counts_by_kind_and_merges() {
        let mut a = MessageCounts::default();
        a.add("request", 10);
        a.add("reply", 3);
        a.add("request", 12);
        let mut b = MessageCounts::default();
        b.add_n("reply", 3, 9);
        a.merge(&b);
        assert_eq!(a.get("request"), 2);
        assert_eq!(a.get("reply"), 4);
        assert_eq!(a.get("release"), 0);
        assert_eq!(a.total(), 6);
        assert_eq!((a.bytes("request"), a.bytes("reply"), a.bytes_total()), (22, 12, 34));
        let map = a.to_map();
        assert_eq!(map.keys().collect::<Vec<_>>(), ["reply", "request"]);
    }
}
