//! At most one value chosen per slot, with fast ballots in the count: a value is chosen in a
//! slot when a fast quorum accepted it in one fast ballot, or a classic quorum in one classic
//! ballot. (The harness's one-value-per-slot checker counts classic ballots only, where one
//! ballot carries one value; in a fast ballot acceptors may vote different values.)

use std::collections::{BTreeMap, BTreeSet};

use harness::checkers::Checker;
use harness::{History, NodeId, Observation, Time};
use paxos::Ballot;

use crate::quorums::{is_fast, Quorums};

pub struct OneValuePerSlotFast {
    pub quorums: Quorums,
}

impl Checker for OneValuePerSlotFast {
    fn name(&self) -> &'static str {
        "one-value-per-slot"
    }

    fn check(&self, history: &History) -> Vec<String> {
        let mut acceptors: BTreeMap<(u64, u64, u64), BTreeSet<NodeId>> = BTreeMap::new();
        let mut chosen: BTreeMap<u64, (u64, u64, Time)> = BTreeMap::new();
        let mut violations = Vec::new();
        for (time, node, observation) in history.observations() {
            let Observation::Accepted { slot, ballot, value } = *observation else { continue };
            let round = ballot >> 16;
            let needed = if is_fast(Ballot { round, node: 0 }) { self.quorums.fast } else { self.quorums.classic };
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
    use harness::EventKind;

    fn accepted(slot: u64, round: u64, value: u64) -> EventKind {
        EventKind::Observed(Observation::Accepted { slot, ballot: Ballot::new(round, NodeId(0)).as_u64(), value })
    }

    fn checker() -> OneValuePerSlotFast {
        OneValuePerSlotFast { quorums: Quorums::of(5) }
    }

    #[test]
    fn two_values_chosen_in_one_slot_are_caught() {
        // Fast ballot (round 2): four votes for 0xa choose it; then a classic ballot chooses 0xb.
        let mut events: Vec<(u64, u32, EventKind)> = (0..4).map(|n| (1, n, accepted(7, 2, 0xa))).collect();
        events.extend((0..3).map(|n| (2, n, accepted(7, 3, 0xb))));
        let bad = History::from_millis(events);
        assert_eq!(
            checker().check(&bad),
            vec![format!(
                "slot 7 chose 0xb in ballot {} at 2.000ms, after choosing 0xa in ballot {} at 1.000ms",
                Ballot::new(3, NodeId(0)).as_u64(),
                Ballot::new(2, NodeId(0)).as_u64()
            )]
        );
    }

    #[test]
    fn a_fast_collision_then_recovery_of_a_value_never_chosen_passes() {
        // Three votes for 0xa and two for 0xb in the fast ballot: with a fast quorum of four,
        // neither is chosen, so recovery may choose 0xb.
        let mut events: Vec<(u64, u32, EventKind)> = (0..3).map(|n| (1, n, accepted(7, 2, 0xa))).collect();
        events.extend((3..5).map(|n| (1, n, accepted(7, 2, 0xb))));
        events.extend((2..5).map(|n| (2, n, accepted(7, 3, 0xb))));
        assert!(checker().check(&History::from_millis(events)).is_empty());
    }
}
