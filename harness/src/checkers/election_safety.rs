//! Election Safety (Raft §5.2, Figure 3; TLA+ `ElectionSafety`): at most one leader per term.
//! Every node names the leader it follows; two names for one term are two leaders.

use std::collections::BTreeMap;

use crate::{History, NodeId, Observation};

use super::Checker;

/// At most one leader is named per term (or ballot).
pub struct ElectionSafety;

impl Checker for ElectionSafety {
    fn name(&self) -> &'static str {
        "election-safety"
    }

    fn check(&self, history: &History) -> Vec<String> {
        let mut leaders: BTreeMap<u64, NodeId> = BTreeMap::new();
        let mut violations = Vec::new();
        for (time, node, observation) in history.observations() {
            if let Observation::Leader { leader, term } = observation {
                match leaders.get(term) {
                    Some(first) if first != leader => violations
                        .push(format!("term {term} has two leaders: {first} and {leader} (named by {node} at {time})")),
                    Some(_) => {}
                    None => {
                        leaders.insert(*term, *leader);
                    }
                }
            }
        }
        violations
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventKind;

    fn leader(id: u32, term: u64) -> EventKind {
        EventKind::Observed(Observation::Leader { leader: NodeId(id), term })
    }

    #[test]
    fn one_leader_per_term_passes_and_two_fail() {
        let good = History::from_millis([(1, 0, leader(0, 1)), (2, 1, leader(0, 1)), (3, 1, leader(1, 2))]);
        assert!(ElectionSafety.check(&good).is_empty());
        let bad = History::from_millis([(1, 0, leader(0, 3)), (2, 2, leader(2, 3))]);
        assert_eq!(ElectionSafety.check(&bad), vec!["term 3 has two leaders: n0 and n2 (named by n2 at 2.000ms)"]);
    }
}
