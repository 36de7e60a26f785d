//! Rebuilds each node's log over time from its `Appended` / `Truncated` / `Committed`
//! observations, for the log invariants of the replication family.

use crate::{Event, EventKind, NodeId, Observation};

/// One node's log as its observations describe it: (term, chain) per index after `base`; and
/// what the node has said of leaders.
#[derive(Clone, Debug, Default)]
pub struct ReplayedLog {
    /// The last index of the snapshot the node installed (0: none); its entries before it are
    /// unknown here (the snapshot's chain digest stands for them).
    pub base: u64,
    /// (term, chain) at `base`.
    pub base_entry: (u64, u64),
    /// (term, chain) per index from `base + 1`.
    pub entries: Vec<(u64, u64)>,
    pub commit: u64,
    /// The newest term the node has named a leader of.
    pub known_term: u64,
    /// The term the node leads, from its announcement until it names another leader, crashes or
    /// restarts.
    pub leading: Option<u64>,
}

impl ReplayedLog {
    /// The (term, chain) at `index` (1-based), if present and not compacted into a snapshot.
    pub fn at(&self, index: u64) -> Option<(u64, u64)> {
        if self.base > 0 && index == self.base {
            return Some(self.base_entry);
        }
        index.checked_sub(self.base + 1).and_then(|i| self.entries.get(i as usize)).copied()
    }

    /// Whether `index` lies inside the installed snapshot (before its last entry): held, as part
    /// of a committed prefix whose digest was checked when it was installed.
    pub fn compacted(&self, index: u64) -> bool {
        index < self.base
    }
}

/// What one event changed.
pub enum Change {
    /// An entry was written at `index`.
    Appended {
        index: u64,
        term: u64,
        chain: u64,
    },
    /// Entries after `after` were removed; `commit` was the node's commit index.
    Truncated {
        after: u64,
        commit: u64,
    },
    /// The commit index moved from `from` to `to`.
    Committed {
        from: u64,
        to: u64,
    },
    /// The node announced itself leader of `term`.
    BecameLeader {
        term: u64,
    },
    /// The node installed a snapshot up to `index`; `commit` was its commit index before.
    Installed {
        index: u64,
        term: u64,
        chain: u64,
        commit: u64,
    },
    Other,
}

/// Every node's replayed log.
#[derive(Clone, Debug)]
pub struct LogReplay {
    pub logs: Vec<ReplayedLog>,
}

impl LogReplay {
    pub fn new(nodes: usize) -> Self {
        LogReplay { logs: vec![ReplayedLog::default(); nodes] }
    }

    /// Applies one event to the node's log and says what changed.
    pub fn apply(&mut self, event: &Event) -> Change {
        let node: NodeId = event.node;
        let Some(log) = self.logs.get_mut(node.index()) else { return Change::Other };
        match &event.kind {
            EventKind::Observed(Observation::Appended { index, term, chain }) => {
                let i = index.saturating_sub(log.base + 1) as usize;
                log.entries.truncate(i);
                log.entries.push((*term, *chain));
                Change::Appended { index: *index, term: *term, chain: *chain }
            }
            EventKind::Observed(Observation::Truncated { after }) => {
                log.entries.truncate(after.saturating_sub(log.base) as usize);
                Change::Truncated { after: *after, commit: log.commit }
            }
            EventKind::Observed(Observation::SnapshotInstalled { index, term, chain }) => {
                let kept: Vec<(u64, u64)> = if log.at(*index) == Some((*term, *chain)) {
                    let from = index.saturating_sub(log.base) as usize;
                    log.entries.get(from..).map(<[_]>::to_vec).unwrap_or_default()
                } else {
                    Vec::new()
                };
                log.base = *index;
                log.base_entry = (*term, *chain);
                log.entries = kept;
                let commit = log.commit;
                log.commit = log.commit.max(*index);
                Change::Installed { index: *index, term: *term, chain: *chain, commit }
            }
            EventKind::Observed(Observation::Committed { index }) => {
                let from = log.commit;
                log.commit = log.commit.max(*index);
                Change::Committed { from, to: log.commit }
            }
            EventKind::Observed(Observation::Leader { leader, term }) => {
                log.known_term = log.known_term.max(*term);
                if *leader == node {
                    log.leading = Some(*term);
                    Change::BecameLeader { term: *term }
                } else {
                    log.leading = None;
                    Change::Other
                }
            }
            EventKind::Crashed => {
                log.leading = None;
                Change::Other
            }
            // Volatile state is rebuilt after a restart: the commit index starts again from 0.
            EventKind::Restarted => {
                log.commit = 0;
                log.leading = None;
                Change::Other
            }
            _ => Change::Other,
        }
    }
}
