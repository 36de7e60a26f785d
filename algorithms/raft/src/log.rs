//! The replicated log (1-indexed), its chain digests, and its durable copy.
//!
//! Every entry carries a *chain* digest of the whole log up to and including it, so two logs
//! with equal chains at an index have equal prefixes (what the Log Matching checker compares).
//! The durable copy is written through on every append and truncation, before the node answers
//! anyone (Raft §5 / Figure 2: "updated on stable storage before responding to RPCs"); a restart
//! reads it back.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use harness::kv::Command;

/// What an entry carries.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Payload {
    /// The no-op a new leader appends at the start of its term (§8).
    Noop,
    Command(Command),
}

/// One log entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Entry {
    pub term: u64,
    pub payload: Payload,
}

/// The log's durable copy: appends and truncations are durable when they return.
#[derive(Clone, Debug, Default)]
pub struct DurableLog(Arc<Mutex<Vec<Entry>>>);

impl DurableLog {
    fn with<T>(&self, f: impl FnOnce(&mut Vec<Entry>) -> T) -> T {
        f(&mut self.0.lock().expect("durable log lock"))
    }
}

fn chain(previous: u64, entry: &Entry) -> u64 {
    let mut hasher = DefaultHasher::new();
    previous.hash(&mut hasher);
    entry.hash(&mut hasher);
    hasher.finish()
}

/// The in-memory log, mirrored into its durable copy.
#[derive(Debug)]
pub struct Log {
    entries: Vec<Entry>,
    /// The chain digest per index, kept while `digests` is on.
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
        let entries = durable.with(|d| d.clone());
        let mut chains = Vec::new();
        if digests {
            chains.reserve(entries.len());
            let mut previous = 0;
            for entry in &entries {
                previous = chain(previous, entry);
                chains.push(previous);
            }
        }
        Log { entries, chains, digests, durable }
    }

    /// The durable copy, for stable storage.
    pub fn durable(&self) -> DurableLog {
        self.durable.clone()
    }

    pub fn last_index(&self) -> u64 {
        self.entries.len() as u64
    }

    pub fn last_term(&self) -> u64 {
        self.entries.last().map_or(0, |e| e.term)
    }

    /// The term at `index`; 0 at index 0; `None` past the end.
    pub fn term_at(&self, index: u64) -> Option<u64> {
        if index == 0 {
            Some(0)
        } else {
            self.entries.get(index as usize - 1).map(|e| e.term)
        }
    }

    /// The entry at `index` (1-based).
    pub fn entry(&self, index: u64) -> &Entry {
        &self.entries[index as usize - 1]
    }

    /// The chain digest at `index` (1-based). Panics on a log without digests.
    pub fn chain_at(&self, index: u64) -> u64 {
        assert!(self.digests, "chain digests are off for this log");
        self.chains[index as usize - 1]
    }

    /// Appends one entry durably; returns its index.
    pub fn append(&mut self, entry: Entry) -> u64 {
        if self.digests {
            let previous = self.chains.last().copied().unwrap_or(0);
            self.chains.push(chain(previous, &entry));
        }
        self.durable.with(|d| d.push(entry.clone()));
        self.entries.push(entry);
        self.last_index()
    }

    /// Removes every entry after `index`, durably.
    pub fn truncate_after(&mut self, index: u64) {
        self.entries.truncate(index as usize);
        self.chains.truncate(index as usize);
        self.durable.with(|d| d.truncate(index as usize));
    }

    /// Up to `max` entries from `from` on.
    pub fn entries_from(&self, from: u64, max: usize) -> Vec<Entry> {
        let start = (from.max(1) - 1) as usize;
        self.entries.iter().skip(start).take(max).cloned().collect()
    }

    /// The first index holding an entry of `term` (for the conflict-term backup).
    pub fn first_index_of(&self, term: u64) -> Option<u64> {
        self.entries.iter().position(|e| e.term == term).map(|i| i as u64 + 1)
    }

    /// The last index holding an entry of `term`.
    pub fn last_index_of(&self, term: u64) -> Option<u64> {
        self.entries.iter().rposition(|e| e.term == term).map(|i| i as u64 + 1)
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
}
