//! Paxos safety (Lamport, "Paxos Made Simple" §2.1; TLA+ `Consistency` in `Paxos.tla`): at most
//! one value is chosen per log slot. A value is *chosen* for a slot when a majority of acceptors
//! (Flexible Paxos: a phase-2 quorum) have accepted it under one proposal number; the checker replays every acceptor's `Accepted`
//! observations, notes each value the moment a majority holds it, and reports a slot that
//! gets a second, different value. It also reports a proposal number carrying two values for one
//! slot, which the protocol rules out (one proposer per number, one value per proposal), except
//! in Fast Paxos's fast ballots, where acceptors vote clients' values directly and a value is
//! chosen by a fast quorum ([`FastBallots`]).

use std::collections::{BTreeMap, BTreeSet};

use crate::{History, NodeId, Observation, Time};

use super::Checker;

/// At most one value is chosen per slot.
pub struct OneValuePerSlot {
    pub nodes: usize,
    /// How many acceptors choose a value: a majority, or Flexible Paxos's phase-2 quorum.
    pub chosen_by: usize,
    /// Fast Paxos: which ballots are fast, and the fast quorum that chooses in them. In a fast
    /// ballot acceptors may vote different values for one slot (that is a collision, not a
    /// fault), and a value is chosen when a fast quorum voted it.
    pub fast: Option<FastBallots>,
}

/// Fast ballots (Lamport, "Fast Paxos", 2006) as a checker sees them.
#[derive(Clone, Copy, Debug)]
pub struct FastBallots {
    pub is_fast: fn(ballot: u64) -> bool,
    pub quorum: usize,
}

impl OneValuePerSlot {
    /// A value is chosen by a majority of `nodes`.
    pub fn majority(nodes: usize) -> Self {
        OneValuePerSlot { nodes, chosen_by: nodes / 2 + 1, fast: None }
    }
}

impl Checker for OneValuePerSlot {
    fn name(&self) -> &'static str {
        "one-value-per-slot"
    }

    fn check(&self, history: &History) -> Vec<String> {
        // Per (slot, ballot): the first value (classic ballots carry one) and, per value, who
        // accepted it.
        let mut first_value: BTreeMap<(u64, u64), u64> = BTreeMap::new();
        let mut acceptors: BTreeMap<(u64, u64, u64), BTreeSet<NodeId>> = BTreeMap::new();
        let mut chosen: BTreeMap<u64, (u64, u64, Time)> = BTreeMap::new();
        let mut violations = Vec::new();
        for (time, node, observation) in history.observations() {
            let Observation::Accepted { slot, ballot, value } = *observation else { continue };
            let fast = self.fast.filter(|f| (f.is_fast)(ballot));
            let first = *first_value.entry((slot, ballot)).or_insert(value);
            if fast.is_none() && first != value {
                violations.push(format!(
                    "at {time} {node} accepted value {value:#x} in slot {slot}, ballot {ballot}, which already \
                     carries {first:#x}"
                ));
                continue;
            }
            let needed = fast.map_or(self.chosen_by, |f| f.quorum);
            let voters = acceptors.entry((slot, ballot, value)).or_default();
            voters.insert(node);
            if voters.len() != needed {
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

    fn even_is_fast(ballot: u64) -> bool {
        ballot.is_multiple_of(2)
    }

    /// Fast ballots (even here): five acceptors, fast quorum four. Three votes for 7 and two for
    /// 8 in fast ballot 10 choose nothing, so classic ballot 11 may choose 8; four votes for 7
    /// would have chosen it, and 8 chosen after that is two values in the slot.
    #[test]
    fn fast_ballots_count_at_the_fast_quorum_and_may_carry_several_values() {
        let fast = Some(FastBallots { is_fast: even_is_fast, quorum: 4 });
        let checker = OneValuePerSlot { nodes: 5, chosen_by: 3, fast };
        let mut events: Vec<(u64, u32, EventKind)> = (0..3).map(|n| (1, n, accepted(1, 10, 7))).collect();
        events.extend((3..5).map(|n| (1, n, accepted(1, 10, 8))));
        events.extend((2..5).map(|n| (2, n, accepted(1, 11, 8))));
        assert!(checker.check(&History::from_millis(events.clone())).is_empty());
        events[3] = (1, 3, accepted(1, 10, 7));
        let violations = checker.check(&History::from_millis(events));
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert!(violations[0].starts_with("slot 1 chose 0x8 in ballot 11"), "{violations:?}");
    }

    #[test]
    fn two_values_in_one_ballot_fail() {
        let h = History::from_millis([(1, 0, accepted(3, 10, 7)), (2, 1, accepted(3, 10, 8))]);
        assert_eq!(OneValuePerSlot::majority(3).check(&h).len(), 1);
    }
}
