//! State Machine Safety (Raft §5.4.3, Figure 3; TLA+ `StateMachineSafety`): if a node has
//! applied (committed) an entry at an index, no other node ever applies a different entry at that
//! index. Also: a committed entry is never removed from a log.

use std::collections::BTreeMap;

use crate::History;

use super::log_replay::{Change, LogReplay};
use super::Checker;

/// Committed entries agree across nodes and are never truncated.
pub struct StateMachineSafety {
    pub nodes: usize,
}

impl Checker for StateMachineSafety {
    fn name(&self) -> &'static str {
        "state-machine-safety"
    }

    fn check(&self, history: &History) -> Vec<String> {
        let mut replay = LogReplay::new(self.nodes);
        let mut committed: BTreeMap<u64, (u64, crate::NodeId)> = BTreeMap::new();
        let mut violations = Vec::new();
        for event in &history.events {
            match replay.apply(event) {
                Change::Committed { from, to } => {
                    let log = &replay.logs[event.node.index()];
                    for index in from + 1..=to {
                        if log.compacted(index) {
                            continue; // in a snapshot, checked when it was installed
                        }
                        let Some((_, chain)) = log.at(index) else {
                            violations.push(format!(
                                "at {} {} committed index {index} it does not hold",
                                event.time, event.node
                            ));
                            continue;
                        };
                        if let Some(by) = disagreeing(&mut committed, index, chain, event.node) {
                            violations.push(format!(
                                "at {} {} applied a different entry at index {index} than {by} did",
                                event.time, event.node
                            ));
                        }
                    }
                }
                Change::Installed { index, chain, .. } => {
                    // The snapshot's digest covers its whole prefix: one comparison checks it.
                    if let Some(by) = disagreeing(&mut committed, index, chain, event.node) {
                        violations.push(format!(
                            "at {} {} installed a snapshot up to index {index} that differs from what {by} applied",
                            event.time, event.node
                        ));
                    }
                }
                Change::Truncated { after, commit } if after < commit => violations.push(format!(
                    "at {} {} removed entries after {after}, below its commit index {commit}",
                    event.time, event.node
                )),
                _ => {}
            }
        }
        violations
    }
}

/// Records `chain` as what `node` applied at `index`, or, if a node applied something else
/// there first, names that node.
fn disagreeing(
    committed: &mut BTreeMap<u64, (u64, crate::NodeId)>,
    index: u64,
    chain: u64,
    node: crate::NodeId,
) -> Option<crate::NodeId> {
    match committed.get(&index) {
        Some((first, by)) if *first != chain => Some(*by),
        Some(_) => None,
        None => {
            committed.insert(index, (chain, node));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventKind, Observation};

    fn appended(index: u64, chain: u64) -> EventKind {
        EventKind::Observed(Observation::Appended { index, term: 1, chain })
    }
    fn committed(index: u64) -> EventKind {
        EventKind::Observed(Observation::Committed { index })
    }

    #[test]
    fn agreeing_commits_pass() {
        let h = History::from_millis([
            (1, 0, appended(1, 5)),
            (1, 1, appended(1, 5)),
            (2, 0, committed(1)),
            (3, 1, committed(1)),
        ]);
        assert!(StateMachineSafety { nodes: 2 }.check(&h).is_empty());
    }

    #[test]
    fn different_entries_at_one_index_and_truncating_a_commit_fail() {
        let h = History::from_millis([
            (1, 0, appended(1, 5)),
            (1, 1, appended(1, 6)),
            (2, 0, committed(1)),
            (3, 1, committed(1)),
        ]);
        assert_eq!(StateMachineSafety { nodes: 2 }.check(&h).len(), 1);
        let truncate = History::from_millis([
            (1, 0, appended(1, 5)),
            (2, 0, committed(1)),
            (3, 0, EventKind::Observed(Observation::Truncated { after: 0 })),
        ]);
        assert!(StateMachineSafety { nodes: 1 }.check(&truncate)[0].contains("below its commit index"));
    }

    fn installed(index: u64, chain: u64) -> EventKind {
        EventKind::Observed(Observation::SnapshotInstalled { index, term: 1, chain })
    }

    #[test]
    fn a_snapshot_of_what_was_committed_passes_and_commits_after_it_check_on() {
        let h = History::from_millis([
            (1, 0, appended(1, 5)),
            (1, 0, appended(2, 6)),
            (2, 0, committed(2)),
            (3, 1, installed(2, 6)),
            (4, 1, appended(3, 7)),
            (5, 1, committed(3)),
            (6, 1, EventKind::Restarted),
            (7, 1, committed(3)),
        ]);
        assert!(
            StateMachineSafety { nodes: 2 }.check(&h).is_empty(),
            "{:?}",
            StateMachineSafety { nodes: 2 }.check(&h)
        );
    }

    #[test]
    fn a_snapshot_that_differs_from_what_was_applied_fails() {
        let h = History::from_millis([(1, 0, appended(1, 5)), (2, 0, committed(1)), (3, 1, installed(1, 9))]);
        let violations = StateMachineSafety { nodes: 2 }.check(&h);
        assert!(violations[0].contains("installed a snapshot"), "{violations:?}");
    }

    #[test]
    fn installing_an_old_snapshot_over_committed_entries_fails() {
        // The follower has committed 2, then drops its log for a snapshot up to 1.
        let h = History::from_millis([
            (1, 0, appended(1, 5)),
            (1, 0, appended(2, 6)),
            (2, 0, committed(2)),
            (3, 0, EventKind::Observed(Observation::Truncated { after: 1 })),
            (3, 0, installed(1, 5)),
        ]);
        assert!(StateMachineSafety { nodes: 1 }.check(&h)[0].contains("below its commit index"));
    }
}
