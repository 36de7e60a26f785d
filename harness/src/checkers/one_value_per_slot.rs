//! Paxos safety (Lamport, "Paxos Made Simple" §2.1; TLA+ `Consistency` in `Paxos.tla`): at most
//! one value is chosen per log slot. A value is *chosen* for a slot when a majority of acceptors
//! (Flexible Paxos: a phase-2 quorum) have accepted it under one proposal number; the checker replays every acceptor's `Accepted`
//! observations, notes each value the moment a majority holds it, and reports a slot that
//! gets a second, different value. It also reports a proposal number carrying two values for one
//! slot, which the protocol rules out (one proposer per number, one value per proposal).

use std::collections::{BTreeMap, BTreeSet};

use crate::{History, NodeId, Observation, Time};

use super::Checker;

/// At most one value is chosen per slot.
pub struct OneValuePerSlot {
    pub nodes: usize,
    /// How many acceptors choose a value: a majority, or Flexible Paxos's phase-2 quorum.
    pub chosen_by: usize,
}

impl OneValuePerSlot {
    /// A value is chosen by a majority of `nodes`.
    pub fn majority(nodes: usize) -> Self {
        OneValuePerSlot { nodes, chosen_by: nodes / 2 + 1 }
    }
}

/// What the acceptors have accepted for one (slot, ballot).
struct Proposal {
    value: u64,
    acceptors: BTreeSet<NodeId>,
}

impl Checker for OneValuePerSlot {
    fn name(&self) -> &'static str {
        "one-value-per-slot"
    }

    fn check(&self, history: &History) -> Vec<String> {
        let majority = self.chosen_by;
        let mut proposals: BTreeMap<(u64, u64), Proposal> = BTreeMap::new();
        let mut chosen: BTreeMap<u64, (u64, u64, Time)> = BTreeMap::new();
        let mut violations = Vec::new();
        for (time, node, observation) in history.observations() {
            let Observation::Accepted { slot, ballot, value } = *observation else { continue };
            let proposal =
                proposals.entry((slot, ballot)).or_insert_with(|| Proposal { value, acceptors: BTreeSet::new() });
            if proposal.value != value {
                violations.push(format!(
                    "at {time} {node} accepted value {value:#x} in slot {slot}, ballot {ballot}, which already \
                     carries {:#x}",
                    proposal.value
                ));
                continue;
            }
            proposal.acceptors.insert(node);
            if proposal.acceptors.len() != majority {
                continue;
            }
            match chosen.get(&slot) {
                Some(&(first, first_ballot, first_time)) if first != value => violations.push(format!(
                    "slot {slot} chose {value:#x} in ballot {ballot} at {time}, after choosing {first:#x} in ballot \
                     {first_ballot} at {first_time}"
                )),
                Some(_) => {}
                None => {
                    chosen.insert(slot, (value, ballot, time));
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

    fn accepted(slot: u64, ballot: u64, value: u64) -> EventKind {
        EventKind::Observed(Observation::Accepted { slot, ballot, value })
    }

    #[test]
    fn a_later_ballot_may_choose_the_same_value_again() {
        let h = History::from_millis([
            (1, 0, accepted(1, 10, 7)),
            (2, 1, accepted(1, 10, 7)), // chosen: 7
            (3, 2, accepted(1, 21, 7)),
            (4, 1, accepted(1, 21, 7)), // chosen again, same value
            (5, 2, accepted(2, 21, 9)), // one acceptor only: not chosen
        ]);
        assert!(OneValuePerSlot::majority(3).check(&h).is_empty());
    }

    #[test]
    fn two_different_values_chosen_in_one_slot_fail() {
        let h = History::from_millis([
            (1, 0, accepted(1, 10, 7)),
            (2, 1, accepted(1, 10, 7)),
            (3, 2, accepted(1, 21, 8)),
            (4, 1, accepted(1, 21, 8)),
        ]);
        let violations = OneValuePerSlot::majority(3).check(&h);
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert!(violations[0].starts_with("slot 1 chose 0x8 in ballot 21"), "{violations:?}");
    }

    #[test]
    fn two_values_in_one_ballot_fail() {
        let h = History::from_millis([(1, 0, accepted(3, 10, 7)), (2, 1, accepted(3, 10, 8))]);
        assert_eq!(OneValuePerSlot::majority(3).check(&h).len(), 1);
    }
}
