//! Leader Completeness (Raft §5.4, Figure 3; TLA+ `LeaderCompleteness`): if an entry is
//! committed, it is in the log of every leader of a later term. Checked when a node announces
//! itself leader: its log must hold the highest entry committed so far (and with it, by the chain
//! digest, every earlier one).

use crate::History;

use super::log_replay::{Change, LogReplay};
use super::Checker;

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
        // The highest committed index and its chain.
        let mut highest: Option<(u64, u64)> = None;
        let mut violations = Vec::new();
        for event in &history.events {
            match replay.apply(event) {
                Change::Committed { to, .. } => {
                    if let Some((_, chain)) = replay.logs[event.node.index()].at(to) {
                        if highest.is_none_or(|(index, _)| to > index) {
                            highest = Some((to, chain));
                        }
                    }
                }
                Change::BecameLeader { term } => {
                    if let Some((index, chain)) = highest {
                        let held = replay.logs[event.node.index()].at(index);
                        if held.map(|(_, c)| c) != Some(chain) {
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
    use crate::{EventKind, NodeId, Observation};

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
}
