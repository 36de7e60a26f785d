//! A node's stable storage: the acceptor's promises and accepted proposals, the highest round the
//! node has proposed in, and the values it has learned.
//!
//! "Paxos Made Simple" §2.3: an acceptor must remember its highest promise and its accepted
//! proposal even if it fails and restarts, and a proposer must never reuse a proposal number.
//! Every method writes through before it returns, and nodes call them before they answer, so
//! what a node has said is on disk when anyone hears it. Learned values are kept too, so a
//! restarted node rebuilds its state machine without asking anyone.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::{Ballot, Value};

/// One slot as an acceptor sees it.
#[derive(Clone, Debug, Default)]
pub struct SlotState {
    /// The highest ballot promised for this slot alone (Basic Paxos).
    pub promised: Ballot,
    /// The highest-numbered proposal accepted: its ballot and value.
    pub accepted: Option<(Ballot, Value)>,
}

#[derive(Debug, Default)]
struct DiskState {
    /// A promise covering every slot (Multi-Paxos phase 1 over all open slots).
    promised_all: Ballot,
    slots: BTreeMap<u64, SlotState>,
    max_round: u64,
    learned: BTreeMap<u64, Value>,
}

/// The node's disk. Cloning shares it: the runtime hands the same disk to the restarted node.
#[derive(Clone, Debug, Default)]
pub struct Disk(Arc<Mutex<DiskState>>);

/// Why an acceptor refused: it has promised `promised`, which is higher.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused {
    pub promised: Ballot,
}

impl Disk {
    fn with<T>(&self, f: impl FnOnce(&mut DiskState) -> T) -> T {
        f(&mut self.0.lock().expect("disk lock"))
    }

    /// Phase 1b for one slot: promise `ballot` unless a higher one was promised; hand back the
    /// accepted proposal, if any.
    pub fn promise(&self, slot: u64, ballot: Ballot) -> Result<Option<(Ballot, Value)>, Refused> {
        self.with(|d| {
            let floor = d.promised_all;
            let state = d.slots.entry(slot).or_default();
            let promised = state.promised.max(floor);
            if ballot < promised {
                return Err(Refused { promised });
            }
            state.promised = ballot;
            Ok(state.accepted.clone())
        })
    }

    /// Phase 1b for every slot from `from` on: promise `ballot` unless a higher one was promised;
    /// hand back every accepted proposal from `from` on.
    pub fn promise_from(&self, from: u64, ballot: Ballot) -> Result<Vec<(u64, Ballot, Value)>, Refused> {
        self.with(|d| {
            if ballot < d.promised_all {
                return Err(Refused { promised: d.promised_all });
            }
            d.promised_all = ballot;
            Ok(d.slots.range(from..).filter_map(|(slot, s)| s.accepted.clone().map(|(b, v)| (*slot, b, v))).collect())
        })
    }

    /// Phase 2b: accept (`ballot`, `value`) for `slot` unless a higher ballot was promised.
    pub fn accept(&self, slot: u64, ballot: Ballot, value: &Value) -> Result<(), Refused> {
        self.with(|d| {
            let floor = d.promised_all;
            let state = d.slots.entry(slot).or_default();
            let promised = state.promised.max(floor);
            if ballot < promised {
                return Err(Refused { promised });
            }
            state.promised = ballot;
            state.accepted = Some((ballot, value.clone()));
            Ok(())
        })
    }

    /// The proposal accepted for `slot`, if any.
    pub fn accepted(&self, slot: u64) -> Option<(Ballot, Value)> {
        self.with(|d| d.slots.get(&slot).and_then(|s| s.accepted.clone()))
    }

    /// The highest promise covering every slot.
    pub fn promised_all(&self) -> Ballot {
        self.with(|d| d.promised_all)
    }

    /// A fresh round for a new proposal: above `seen` and above every round this node has used,
    /// and on disk before the proposal goes out.
    pub fn next_round(&self, seen: u64) -> u64 {
        self.with(|d| {
            d.max_round = d.max_round.max(seen) + 1;
            d.max_round
        })
    }

    /// Records a learned (chosen) value.
    pub fn learn(&self, slot: u64, value: &Value) {
        self.with(|d| {
            d.learned.entry(slot).or_insert_with(|| value.clone());
        })
    }

    /// Everything learned so far.
    pub fn learned(&self) -> BTreeMap<u64, Value> {
        self.with(|d| d.learned.clone())
    }

    /// Drops the slot state of `slot` (to build broken acceptors in tests).
    #[doc(hidden)]
    pub fn forget_for_test(&self, slot: u64) {
        self.with(|d| {
            d.slots.remove(&slot);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::NodeId;

    fn b(round: u64, node: u32) -> Ballot {
        Ballot::new(round, NodeId(node))
    }

    #[test]
    fn promises_and_accepts_follow_phase_1b_and_2b() {
        let disk = Disk::default();
        assert_eq!(disk.promise(1, b(2, 0)), Ok(None));
        assert_eq!(disk.promise(1, b(1, 1)), Err(Refused { promised: b(2, 0) }));
        assert_eq!(disk.accept(1, b(1, 1), &Value::Noop), Err(Refused { promised: b(2, 0) }));
        assert_eq!(disk.accept(1, b(2, 0), &Value::Noop), Ok(()));
        assert_eq!(disk.promise(1, b(3, 1)), Ok(Some((b(2, 0), Value::Noop))));
        // Another slot is untouched by a per-slot promise.
        assert_eq!(disk.accept(2, b(1, 1), &Value::Noop), Ok(()));
    }

    #[test]
    fn a_promise_over_all_slots_covers_later_ones() {
        let disk = Disk::default();
        disk.accept(4, b(1, 0), &Value::Noop).unwrap();
        assert_eq!(disk.promise_from(3, b(2, 1)), Ok(vec![(4, b(1, 0), Value::Noop)]));
        assert_eq!(disk.accept(9, b(1, 0), &Value::Noop), Err(Refused { promised: b(2, 1) }));
        assert_eq!(disk.promise_from(1, b(1, 2)), Err(Refused { promised: b(2, 1) }));
    }

    #[test]
    fn rounds_never_repeat_and_survive_a_restart() {
        let disk = Disk::default();
        assert_eq!(disk.next_round(0), 1);
        assert_eq!(disk.next_round(5), 6);
        let after_restart = disk.clone();
        assert_eq!(after_restart.next_round(0), 7);
    }
}
