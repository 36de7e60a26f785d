//! The replicated log (1-indexed), its chain digests, its snapshot, and its durable copy.
//!
//! Every entry carries a *chain* digest of the whole log up to and including it, so two logs
//! with equal chains at an index have equal prefixes (what the Log Matching checker compares).
//! The durable copy is written through on every append and truncation, before the node answers
//! anyone (Raft §5 / Figure 2: "updated on stable storage before responding to RPCs"); a restart
//! reads it back.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use harness::kv::{Command, KvStore};

use crate::membership::Configuration;

/// What an entry carries.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Payload {
    /// The no-op a new leader appends at the start of its term (§8).
    Noop,
    /// Shared, not copied: the log, its durable copy and every AppendEntries that carries the
    /// entry hold the one command (an entry is 24 bytes, so the log grows and is sent cheaply).
    Command(Arc<Command>),
    /// A configuration (membership change, dissertation §4.1): in force at every server from
    /// the moment it is appended there.
    Config(Arc<Configuration>),
}

/// One log entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Entry {
    pub term: u64,
    pub payload: Payload,
}

/// A snapshot of the state machine after applying every entry up to `last_index` (§7): the
/// store, and the last entry's term and chain digest, which the log goes on from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub last_index: u64,
    pub last_term: u64,
    pub chain: u64,
    pub store: KvStore,
    /// The configuration in force at `last_index`, with the index of its entry.
    pub config: (u64, Configuration),
}

/// What stable storage holds of the log: the latest snapshot and the entries after it.
#[derive(Debug, Default)]
struct DurableState {
    snapshot: Option<Snapshot>,
    entries: Vec<Entry>,
}

/// The log's durable copy: appends, truncations and snapshots are durable when they return.
#[derive(Clone, Debug, Default)]
pub struct DurableLog(Arc<Mutex<DurableState>>);

impl DurableLog {
    fn with<T>(&self, f: impl FnOnce(&mut DurableState) -> T) -> T {
        f(&mut self.0.lock().expect("durable log lock"))
    }
}

fn chain(previous: u64, entry: &Entry) -> u64 {
    let mut hasher = DefaultHasher::new();
    previous.hash(&mut hasher);
    entry.hash(&mut hasher);
    hasher.finish()
}

/// The in-memory log, mirrored into its durable copy. Entries up to `base_index` are compacted
/// into a snapshot (§7); the log holds the ones after it.
#[derive(Debug)]
pub struct Log {
    base_index: u64,
    base_term: u64,
    base_chain: u64,
    /// The entries from `base_index + 1`.
    entries: Vec<Entry>,
    /// The chain digest per entry, kept while `digests` is on.
    chains: Vec<u64>,
    digests: bool,
    durable: DurableLog,
}

impl Log {
    /// The log in `durable` (empty for a new node), keeping chain digests.
    pub fn open(durable: DurableLog) -> Self {
        Self::open_with(durable, true)
    }

    /// The log in `durable`; with `digests` off it keeps no chain digests (they feed the log
    /// observations; a throughput benchmark that observes nothing does not pay for hashing every
    /// entry) and `chain_at` is unavailable.
    pub fn open_with(durable: DurableLog, digests: bool) -> Self {
        let (entries, base) =
            durable.with(|d| (d.entries.clone(), d.snapshot.as_ref().map(|s| (s.last_index, s.last_term, s.chain))));
        let (base_index, base_term, base_chain) = base.unwrap_or((0, 0, 0));
        let mut log = Log { base_index, base_term, base_chain, entries, chains: Vec::new(), digests, durable };
        log.rebuild_chains();
        log
    }

    fn rebuild_chains(&mut self) {
        self.chains.clear();
        if self.digests {
            self.chains.reserve(self.entries.len());
            let mut previous = self.base_chain;
            for entry in &self.entries {
                previous = chain(previous, entry);
                self.chains.push(previous);
            }
        }
    }

    /// The durable copy, for stable storage.
    pub fn durable(&self) -> DurableLog {
        self.durable.clone()
    }

    /// The latest snapshot, if the log was ever compacted.
    pub fn snapshot(&self) -> Option<Snapshot> {
        self.durable.with(|d| d.snapshot.clone())
    }

    /// The last index the snapshot covers (0 without one).
    pub fn base_index(&self) -> u64 {
        self.base_index
    }

    pub fn last_index(&self) -> u64 {
        self.base_index + self.entries.len() as u64
    }

    pub fn last_term(&self) -> u64 {
        self.entries.last().map_or(self.base_term, |e| e.term)
    }

    /// The term at `index`; 0 at index 0; `None` past the end or inside the snapshot (before its
    /// last entry).
    pub fn term_at(&self, index: u64) -> Option<u64> {
        match index.checked_sub(self.base_index) {
            Some(0) => Some(self.base_term),
            Some(offset) => self.entries.get(offset as usize - 1).map(|e| e.term),
            None => None,
        }
    }

    /// The entry at `index` (after the snapshot).
    pub fn entry(&self, index: u64) -> &Entry {
        &self.entries[(index - self.base_index) as usize - 1]
    }

    /// The chain digest at `index` (from the snapshot's last entry on). Panics on a log without
    /// digests.
    pub fn chain_at(&self, index: u64) -> u64 {
        assert!(self.digests, "chain digests are off for this log");
        if index == self.base_index {
            return self.base_chain;
        }
        self.chains[(index - self.base_index) as usize - 1]
    }

    /// The chain digest at `index` if digests are kept, else 0.
    pub fn chain_or_zero(&self, index: u64) -> u64 {
        if self.digests {
            self.chain_at(index)
        } else {
            0
        }
    }

    /// Appends one entry durably; returns its index.
    pub fn append(&mut self, entry: Entry) -> u64 {
        if self.digests {
            let previous = self.chains.last().copied().unwrap_or(self.base_chain);
            self.chains.push(chain(previous, &entry));
        }
        self.durable.with(|d| d.entries.push(entry.clone()));
        self.entries.push(entry);
        self.last_index()
    }

    /// Removes every entry after `index` (not below the snapshot), durably.
    pub fn truncate_after(&mut self, index: u64) {
        let keep = index.saturating_sub(self.base_index) as usize;
        self.entries.truncate(keep);
        self.chains.truncate(keep);
        self.durable.with(|d| d.entries.truncate(keep));
    }

    /// The configuration entries after the snapshot, by index.
    pub fn configurations(&self) -> Vec<(u64, Configuration)> {
        let base = self.base_index;
        let entries = self.entries.iter().enumerate();
        entries
            .filter_map(|(i, e)| match &e.payload {
                Payload::Config(c) => Some((base + i as u64 + 1, Configuration::clone(c))),
                _ => None,
            })
            .collect()
    }

    /// Up to `max` entries from `from` on (`from` after the snapshot).
    pub fn entries_from(&self, from: u64, max: usize) -> Vec<Entry> {
        let start = from.saturating_sub(self.base_index + 1) as usize;
        self.entries.iter().skip(start).take(max).cloned().collect()
    }

    /// The first index holding an entry of `term` (for the conflict-term backup).
    pub fn first_index_of(&self, term: u64) -> Option<u64> {
        self.entries.iter().position(|e| e.term == term).map(|i| self.base_index + i as u64 + 1)
    }

    /// The last index holding an entry of `term`.
    pub fn last_index_of(&self, term: u64) -> Option<u64> {
        self.entries.iter().rposition(|e| e.term == term).map(|i| self.base_index + i as u64 + 1)
    }

    /// Compacts the entries up to `snapshot.last_index` (which the log holds, with that term)
    /// into `snapshot`, keeping the entries after it; durably.
    pub fn compact(&mut self, snapshot: Snapshot) {
        debug_assert_eq!(self.term_at(snapshot.last_index), Some(snapshot.last_term));
        let drop = (snapshot.last_index - self.base_index) as usize;
        self.entries.drain(..drop);
        if self.digests {
            self.chains.drain(..drop);
        }
        self.set_base(&snapshot);
        self.durable.with(|d| {
            d.entries.drain(..drop);
            d.snapshot = Some(snapshot);
        });
    }

    /// Installs a leader's snapshot (§7): if the log holds the snapshot's last entry, the
    /// entries after it stay (`true`); otherwise the whole log goes (`false`). Durably.
    pub fn install(&mut self, snapshot: Snapshot) -> bool {
        if snapshot.last_index > self.base_index && self.term_at(snapshot.last_index) == Some(snapshot.last_term) {
            self.compact(snapshot);
            return true;
        }
        self.install_replacing(snapshot);
        false
    }

    /// Replaces the whole log by `snapshot`, whatever it held (the `bug-install-old-snapshot`
    /// mutant). Durably.
    pub fn install_replacing(&mut self, snapshot: Snapshot) {
        self.entries.clear();
        self.set_base(&snapshot);
        self.rebuild_chains();
        self.durable.with(|d| {
            d.entries.clear();
            d.snapshot = Some(snapshot);
        });
    }

    fn set_base(&mut self, snapshot: &Snapshot) {
        self.base_index = snapshot.last_index;
        self.base_term = snapshot.last_term;
        self.base_chain = snapshot.chain;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noop(term: u64) -> Entry {
        Entry { term, payload: Payload::Noop }
    }

    #[test]
    fn appends_and_truncations_survive_a_reopen_with_the_same_chains() {
        let durable = DurableLog::default();
        let mut log = Log::open(durable.clone());
        for term in [1, 1, 2, 3] {
            log.append(noop(term));
        }
        log.truncate_after(3);
        let reopened = Log::open(durable);
        assert_eq!(reopened.last_index(), 3);
        assert_eq!(reopened.last_term(), 2);
        assert_eq!(reopened.chain_at(3), log.chain_at(3));
        assert_eq!(reopened.first_index_of(1), Some(1));
        assert_eq!(reopened.last_index_of(1), Some(2));
    }

    #[test]
    fn chains_differ_when_a_prefix_differs() {
        let mut a = Log::open(DurableLog::default());
        let mut b = Log::open(DurableLog::default());
        a.append(noop(1));
        b.append(noop(2));
        a.append(noop(3));
        b.append(noop(3));
        assert_ne!(a.chain_at(2), b.chain_at(2), "same last entry, different prefix");
    }

    fn snapshot_of(log: &Log, index: u64) -> Snapshot {
        Snapshot {
            last_index: index,
            last_term: log.term_at(index).unwrap(),
            chain: log.chain_at(index),
            store: KvStore::default(),
            config: (0, Configuration::initial(3)),
        }
    }

    #[test]
    fn a_compacted_log_keeps_its_indexes_chains_and_suffix_across_a_reopen() {
        let durable = DurableLog::default();
        let mut log = Log::open(durable.clone());
        for term in [1, 1, 2, 2, 3] {
            log.append(noop(term));
        }
        let chain_4 = log.chain_at(4);
        log.compact(snapshot_of(&log, 3));
        assert_eq!((log.base_index(), log.last_index(), log.last_term()), (3, 5, 3));
        assert_eq!(log.term_at(2), None, "inside the snapshot");
        assert_eq!(log.term_at(3), Some(2));
        assert_eq!(log.chain_at(4), chain_4);
        assert_eq!(log.entries_from(4, 10).len(), 2);
        assert_eq!(log.first_index_of(3), Some(5));
        let reopened = Log::open(durable);
        assert_eq!((reopened.base_index(), reopened.last_index()), (3, 5));
        assert_eq!(reopened.chain_at(5), log.chain_at(5));
        assert_eq!(reopened.snapshot().map(|s| s.last_index), Some(3));
    }

    #[test]
    fn installing_a_snapshot_keeps_a_matching_suffix_and_drops_a_conflicting_log() {
        let mut leader = Log::open(DurableLog::default());
        for term in [1, 1, 2] {
            leader.append(noop(term));
        }
        let mut follower = Log::open(DurableLog::default());
        for term in [1, 1, 2, 2] {
            follower.append(noop(term));
        }
        assert!(follower.install(snapshot_of(&leader, 3)), "holds entry 3 of term 2: keeps entry 4");
        assert_eq!(follower.last_index(), 4);
        let mut stale = Log::open(DurableLog::default());
        stale.append(noop(1));
        stale.append(noop(1));
        stale.append(noop(1));
        assert!(!stale.install(snapshot_of(&leader, 3)), "entry 3 of another term: the log goes");
        assert_eq!((stale.last_index(), stale.last_term(), stale.chain_at(3)), (3, 2, leader.chain_at(3)));
    }
}
