//! The commit rule (Raft §5.4.2, Figure 8): "Raft never commits log entries from previous terms
//! by counting replicas. Only log entries from the leader's current term are committed by
//! counting replicas"; earlier entries commit with them, indirectly. So whenever a leader moves
//! its commit index, the entry it moves to is of the leader's own term.
//!
//! Breaking the rule loses committed entries only in a narrow interleaving (the paper's Figure
//! 8: the entry is overwritten by a leader whose log ends in a newer term); this checker catches
//! the break itself, every time it happens, so a campaign need not find that interleaving.

use harness::History;

use harness::checkers::log_replay::{Change, LogReplay};
use harness::checkers::Checker;

/// A leader's commit index only ever lands on an entry of its own term.
pub struct LeaderCommitsOwnTerm {
    pub nodes: usize,
}

impl Checker for LeaderCommitsOwnTerm {
    fn name(&self) -> &'static str {
        "leader-commits-own-term"
    }

    fn check(&self, history: &History) -> Vec<String> {
        let mut replay = LogReplay::new(self.nodes);
        let mut violations = Vec::new();
        for event in &history.events {
            let Change::Committed { from, to } = replay.apply(event) else { continue };
            let log = &replay.logs[event.node.index()];
            let (Some(term), Some((entry_term, _))) = (log.leading, log.at(to)) else { continue };
            if to > from && entry_term != term {
                violations.push(format!(
                    "at {} {}, leader of term {term}, committed index {to}, an entry of term {entry_term}, by \
                     counting replicas",
                    event.time, event.node
                ));
            }
        }
        violations
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::{EventKind, NodeId, Observation};

    fn appended(index: u64, term: u64) -> EventKind {
        EventKind::Observed(Observation::Appended { index, term, chain: index * 100 + term })
    }

    fn leader(leader: u32, term: u64) -> EventKind {
        EventKind::Observed(Observation::Leader { leader: NodeId(leader), term })
    }

    fn committed(index: u64) -> EventKind {
        EventKind::Observed(Observation::Committed { index })
    }

    #[test]
    fn a_leader_committing_an_earlier_term_entry_is_caught() {
        let bad = History::from_millis([(1, 0, appended(1, 2)), (2, 0, leader(0, 4)), (3, 0, committed(1))]);
        assert_eq!(
            LeaderCommitsOwnTerm { nodes: 2 }.check(&bad),
            vec!["at 3.000ms n0, leader of term 4, committed index 1, an entry of term 2, by counting replicas"]
        );
    }

    #[test]
    fn committing_through_an_own_term_entry_and_followers_committing_old_entries_pass() {
        let good = History::from_millis([
            (1, 0, appended(1, 2)),
            (2, 0, leader(0, 4)),
            (3, 0, appended(2, 4)),
            (4, 0, committed(2)),
            // A follower learns the commit index from the leader: any term is fine.
            (1, 1, appended(1, 2)),
            (5, 1, leader(0, 4)),
            (6, 1, committed(1)),
            // A deposed leader follows someone else, then commits what it is told.
            (7, 0, leader(1, 5)),
            (8, 0, committed(2)),
        ]);
        assert!(LeaderCommitsOwnTerm { nodes: 2 }.check(&good).is_empty());
    }
}
