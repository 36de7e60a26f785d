//! Leader Completeness (Raft §5.4, Figure 3; TLA+ `LeaderCompleteness`): if an entry is
//! committed in term T, it is in the log of every leader of a term after T. Checked when a node
//! announces itself leader of term t: its log must hold the highest entry committed in a term
//! before t (and with it, by the chain digest, every earlier one).
//!
//! The term an entry is committed in is the newest term the committing node has seen a leader
//! of (a follower learns the commit index from that leader). A leader of an *older* term can
//! still be elected after a commit (a stale candidate in a minority that a delayed vote
//! completes); it owes nothing to commits of later terms.

use std::collections::BTreeMap;

use harness::History;

use harness::checkers::log_replay::{Change, LogReplay};
use harness::checkers::Checker;

/// A new leader holds every committed entry.
pub struct LeaderCompleteness {
    pub nodes: usize,
}

impl Checker for LeaderCompleteness {
    fn name(&self) -> &'static str {
        "leader-completeness"
    }

    fn check(&self, history: &History) -> Vec<String> {
        let mut replay = LogReplay::new(self.nodes);
        // Per commit term, the highest index committed in it and its chain.
        let mut highest: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
        let mut violations = Vec::new();
        for event in &history.events {
            match replay.apply(event) {
                Change::Committed { to, .. } => {
                    let log = &replay.logs[event.node.index()];
                    if let Some((_, chain)) = log.at(to) {
                        let slot = highest.entry(log.known_term).or_insert((to, chain));
                        if to > slot.0 {
                            *slot = (to, chain);
                        }
                    }
                }
                Change::BecameLeader { term } => {
                    let owed = highest.range(..term).map(|(_, entry)| *entry).max_by_key(|(index, _)| *index);
                    if let Some((index, chain)) = owed {
                        let log = &replay.logs[event.node.index()];
                        // Inside an installed snapshot, the entry is part of a committed prefix.
                        if !log.compacted(index) && log.at(index).map(|(_, c)| c) != Some(chain) {
                            violations.push(format!(
                                "at {} {} became leader of term {term} without committed entry {index}",
                                event.time, event.node
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        violations
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::{EventKind, NodeId, Observation};

    fn appended(index: u64, term: u64, chain: u64) -> EventKind {
        EventKind::Observed(Observation::Appended { index, term, chain })
    }

    #[test]
    fn a_leader_missing_a_committed_entry_is_caught() {
        let h = History::from_millis([
            (1, 0, appended(1, 1, 7)),
            (1, 1, appended(1, 1, 7)),
            (2, 0, EventKind::Observed(Observation::Committed { index: 1 })),
            (5, 2, EventKind::Observed(Observation::Leader { leader: NodeId(2), term: 2 })),
        ]);
        let violations = LeaderCompleteness { nodes: 3 }.check(&h);
        assert_eq!(violations, vec!["at 5.000ms n2 became leader of term 2 without committed entry 1"]);
        let fine = History::from_millis([
            (1, 0, appended(1, 1, 7)),
            (1, 1, appended(1, 1, 7)),
            (2, 0, EventKind::Observed(Observation::Committed { index: 1 })),
            (5, 1, EventKind::Observed(Observation::Leader { leader: NodeId(1), term: 2 })),
        ]);
        assert!(LeaderCompleteness { nodes: 3 }.check(&fine).is_empty());
    }

    #[test]
    fn a_leader_of_an_older_term_elected_late_owes_nothing_to_newer_commits() {
        let leader = |leader: u32, term: u64| EventKind::Observed(Observation::Leader { leader: NodeId(leader), term });
        let h = History::from_millis([
            (1, 0, leader(0, 8)),
            (1, 1, leader(0, 8)),
            (2, 0, appended(1, 8, 7)),
            (2, 1, appended(1, 8, 7)),
            (3, 0, EventKind::Observed(Observation::Committed { index: 1 })),
            // n2, cut off, finishes an election for term 7 that started long ago.
            (5, 2, leader(2, 7)),
        ]);
        assert!(LeaderCompleteness { nodes: 3 }.check(&h).is_empty());
        // The same leader, of term 9, is a violation.
        let mut late = h.clone();
        late.events.last_mut().unwrap().kind = leader(2, 9);
        assert_eq!(LeaderCompleteness { nodes: 3 }.check(&late).len(), 1);
    }
}
