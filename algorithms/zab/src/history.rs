//! Zab's transaction identifiers and a node's history: the proposals it has accepted, in zxid
//! order, with the chain digests the replication checkers compare.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use harness::kv::Command;
use serde::Serialize;

/// A transaction id: the epoch of the leader that proposed it and its counter in that epoch
/// (from 1). Ordered by epoch, then counter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Zxid {
    pub epoch: u64,
    pub counter: u64,
}

impl Zxid {
    pub const ZERO: Zxid = Zxid { epoch: 0, counter: 0 };

    /// The zxid as one number for observations: epoch in the high 32 bits, counter in the low.
    pub fn packed(self) -> u64 {
        self.epoch << 32 | (self.counter & 0xffff_ffff)
    }

    /// The inverse of [`Zxid::packed`].
    pub fn unpacked(value: u64) -> Zxid {
        Zxid { epoch: value >> 32, counter: value & 0xffff_ffff }
    }

    /// Whether `next` may follow `self` in a history: the next counter of the same epoch, or the
    /// first of a later one.
    pub fn followed_by(self, next: Zxid) -> bool {
        (next.epoch == self.epoch && next.counter == self.counter + 1) || (next.epoch > self.epoch && next.counter == 1)
    }
}

impl std::fmt::Display for Zxid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{},{}>", self.epoch, self.counter)
    }
}

/// One accepted proposal.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Entry {
    pub zxid: Zxid,
    pub command: Command,
}

/// The chain digest after `entry` when the one before it is `previous`.
pub fn chain(previous: u64, entry: &Entry) -> u64 {
    let mut hasher = DefaultHasher::new();
    previous.hash(&mut hasher);
    entry.hash(&mut hasher);
    hasher.finish()
}

/// A history in memory: its entries and the chain digest at each.
#[derive(Debug, Default)]
pub struct History {
    entries: Vec<Entry>,
    chains: Vec<u64>,
}

impl History {
    pub fn from_entries(entries: Vec<Entry>) -> Self {
        let mut history = History::default();
        for entry in entries {
            history.push(entry);
        }
        history
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry at `index` (1-based).
    pub fn at(&self, index: usize) -> Option<&Entry> {
        index.checked_sub(1).and_then(|i| self.entries.get(i))
    }

    pub fn chain_at(&self, index: usize) -> u64 {
        index.checked_sub(1).and_then(|i| self.chains.get(i)).copied().unwrap_or(0)
    }

    pub fn last_zxid(&self) -> Zxid {
        self.entries.last().map_or(Zxid::ZERO, |e| e.zxid)
    }

    /// The 1-based index of `zxid`, if the history holds it (entries are in zxid order).
    pub fn index_of(&self, zxid: Zxid) -> Option<usize> {
        self.entries.binary_search_by(|e| e.zxid.cmp(&zxid)).ok().map(|i| i + 1)
    }

    /// Appends `entry`; returns its index and chain.
    pub fn push(&mut self, entry: Entry) -> (usize, u64) {
        let chain = chain(self.chains.last().copied().unwrap_or(0), &entry);
        self.entries.push(entry);
        self.chains.push(chain);
        (self.entries.len(), chain)
    }

    /// Keeps the first `keep` entries.
    pub fn truncate(&mut self, keep: usize) {
        self.entries.truncate(keep);
        self.chains.truncate(keep);
    }

    /// Per epoch present, the last counter: what a follower tells a new leader so that the
    /// leader can find the longest prefix they share.
    pub fn epoch_ends(&self) -> Vec<(u64, u64)> {
        let mut ends: Vec<(u64, u64)> = Vec::new();
        for entry in &self.entries {
            match ends.last_mut() {
                Some((epoch, last)) if *epoch == entry.zxid.epoch => *last = entry.zxid.counter,
                _ => ends.push((entry.zxid.epoch, entry.zxid.counter)),
            }
        }
        ends
    }

    /// How many leading entries this history shares with a follower's whose epochs end as
    /// `theirs` says. Two histories holding the same zxid agree up to it (one leader per epoch
    /// proposes each counter once, and a follower's entries of an epoch are that epoch's
    /// counters from 1), so the shared prefix ends at the largest zxid both hold.
    pub fn shared_prefix(&self, theirs: &[(u64, u64)]) -> usize {
        let mine = self.epoch_ends();
        theirs
            .iter()
            .filter_map(|&(epoch, their_last)| {
                let (_, my_last) = mine.iter().find(|(e, _)| *e == epoch)?;
                let counter = (*my_last).min(their_last);
                self.index_of(Zxid { epoch, counter })
            })
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::kv::KvOp;

    fn entry(epoch: u64, counter: u64) -> Entry {
        Entry { zxid: Zxid { epoch, counter }, command: Command { client: 0, seq: counter, op: KvOp::Noop } }
    }

    #[test]
    fn zxids_pack_and_follow() {
        let z = Zxid { epoch: 3, counter: 7 };
        assert_eq!(Zxid::unpacked(z.packed()), z);
        assert!(z.followed_by(Zxid { epoch: 3, counter: 8 }));
        assert!(z.followed_by(Zxid { epoch: 4, counter: 1 }));
        assert!(!z.followed_by(Zxid { epoch: 3, counter: 9 }));
        assert!(!z.followed_by(Zxid { epoch: 4, counter: 2 }));
    }

    #[test]
    fn the_shared_prefix_ends_at_the_largest_common_zxid() {
        let leader = History::from_entries(vec![entry(1, 1), entry(1, 2), entry(1, 3), entry(3, 1)]);
        // A follower that saw more of epoch 1 and an epoch 2 the leader never heard of.
        assert_eq!(leader.shared_prefix(&[(1, 5), (2, 2)]), 3, "truncate after <1,3>");
        assert_eq!(leader.shared_prefix(&[(1, 2)]), 2, "a diff from <1,2>");
        assert_eq!(leader.shared_prefix(&[(2, 4)]), 0, "nothing shared: a whole copy");
        assert_eq!(leader.shared_prefix(&[]), 0);
        assert_eq!(leader.epoch_ends(), vec![(1, 3), (3, 1)]);
    }
}
