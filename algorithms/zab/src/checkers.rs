//! Zab's own properties (Junqueira, Reed & Serafini, DSN 2011, §III), checked from the nodes'
//! `zab.proposed` and `zab.delivered` observations (packed zxids).
//!
//! - [`PrimaryOrder`]: a node delivers a leader's broadcasts in the order the leader proposed
//!   them, so within one incarnation its deliveries of an epoch are that epoch's counters
//!   1, 2, 3, ... with no gap, and epochs never go back.
//! - [`PrimaryIntegrity`]: before a leader broadcasts anything in its epoch, it has delivered
//!   every transaction of an earlier epoch that any node ever delivers.

use std::collections::{BTreeMap, BTreeSet};

use harness::checkers::Checker;
use harness::{EventKind, History, NodeId, Observation, Time};

use crate::history::Zxid;
use crate::{DELIVERED, PROPOSED};

fn note(kind: &EventKind, label: &str) -> Option<Zxid> {
    match kind {
        EventKind::Observed(Observation::Note { label: l, value }) if *l == label => Some(Zxid::unpacked(*value)),
        _ => None,
    }
}

/// Deliveries follow each primary's proposal order.
pub struct PrimaryOrder {
    pub nodes: usize,
}

impl Checker for PrimaryOrder {
    fn name(&self) -> &'static str {
        "primary-order"
    }

    fn check(&self, history: &History) -> Vec<String> {
        let mut last: Vec<Option<Zxid>> = vec![None; self.nodes];
        let mut violations = Vec::new();
        for event in &history.events {
            let Some(slot) = last.get_mut(event.node.index()) else { continue };
            if event.kind == EventKind::Restarted {
                *slot = None; // a restarted node delivers its history again from the start
                continue;
            }
            let Some(zxid) = note(&event.kind, DELIVERED) else { continue };
            let in_order = match *slot {
                None => zxid.counter == 1,
                Some(previous) => previous.followed_by(zxid),
            };
            if !in_order {
                let after = slot.map_or("nothing".to_string(), |z| z.to_string());
                violations.push(format!(
                    "at {} {} delivered {zxid} after {after}: not the next of its primary's broadcasts",
                    event.time, event.node
                ));
            }
            *slot = Some(zxid);
        }
        violations
    }
}

/// A new primary delivers what earlier epochs delivered before it broadcasts.
pub struct PrimaryIntegrity {
    pub nodes: usize,
}

impl Checker for PrimaryIntegrity {
    fn name(&self) -> &'static str {
        "primary-integrity"
    }

    fn check(&self, history: &History) -> Vec<String> {
        // Every zxid any node delivers, with the first node and time it was seen delivered.
        let mut delivered_anywhere: BTreeMap<Zxid, (NodeId, Time)> = BTreeMap::new();
        for event in &history.events {
            if let Some(zxid) = note(&event.kind, DELIVERED) {
                delivered_anywhere.entry(zxid).or_insert((event.node, event.time));
            }
        }
        let mut delivered_here: Vec<BTreeSet<Zxid>> = vec![BTreeSet::new(); self.nodes];
        let mut checked_epochs: BTreeSet<u64> = BTreeSet::new();
        let mut violations = Vec::new();
        for event in &history.events {
            let Some(mine) = delivered_here.get_mut(event.node.index()) else { continue };
            if event.kind == EventKind::Restarted {
                mine.clear();
                continue;
            }
            if let Some(zxid) = note(&event.kind, DELIVERED) {
                mine.insert(zxid);
                continue;
            }
            let Some(proposed) = note(&event.kind, PROPOSED) else { continue };
            if !checked_epochs.insert(proposed.epoch) {
                continue; // only the first broadcast of each epoch
            }
            let missing = delivered_anywhere
                .range(..Zxid { epoch: proposed.epoch, counter: 0 })
                .find(|(zxid, _)| !mine.contains(zxid));
            if let Some((zxid, (node, time))) = missing {
                violations.push(format!(
                    "at {} {} broadcast {proposed}, the first of its epoch, without having delivered {zxid} of an \
                     earlier epoch ({node} delivered it at {time})",
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

    fn delivered(epoch: u64, counter: u64) -> EventKind {
        EventKind::Observed(Observation::Note { label: DELIVERED, value: Zxid { epoch, counter }.packed() })
    }

    fn proposed(epoch: u64, counter: u64) -> EventKind {
        EventKind::Observed(Observation::Note { label: PROPOSED, value: Zxid { epoch, counter }.packed() })
    }

    #[test]
    fn a_gap_or_a_reversal_in_an_epoch_is_caught() {
        let gap = History::from_millis([(1, 0, delivered(1, 1)), (2, 0, delivered(1, 3))]);
        assert_eq!(
            PrimaryOrder { nodes: 1 }.check(&gap),
            vec!["at 2.000ms n0 delivered <1,3> after <1,1>: not the next of its primary's broadcasts"]
        );
        let reversed = History::from_millis([(1, 0, delivered(2, 1)), (2, 0, delivered(1, 2))]);
        assert_eq!(PrimaryOrder { nodes: 1 }.check(&reversed).len(), 1);
    }

    #[test]
    fn in_order_deliveries_and_a_restart_pass() {
        let good = History::from_millis([
            (1, 0, delivered(1, 1)),
            (2, 0, delivered(1, 2)),
            (3, 0, delivered(2, 1)),
            (4, 0, EventKind::Restarted),
            (5, 0, delivered(1, 1)),
        ]);
        assert!(PrimaryOrder { nodes: 1 }.check(&good).is_empty());
    }

    #[test]
    fn a_primary_broadcasting_before_delivering_an_earlier_commit_is_caught() {
        let bad = History::from_millis([
            (1, 0, delivered(1, 1)),
            (2, 0, delivered(1, 2)),
            (3, 1, delivered(1, 1)),
            (4, 1, proposed(2, 1)),
        ]);
        assert_eq!(
            PrimaryIntegrity { nodes: 2 }.check(&bad),
            vec![
                "at 4.000ms n1 broadcast <2,1>, the first of its epoch, without having delivered <1,2> of an earlier \
                 epoch (n0 delivered it at 2.000ms)"
            ]
        );
    }

    #[test]
    fn a_primary_that_delivered_everything_first_passes() {
        let good = History::from_millis([
            (1, 0, delivered(1, 1)),
            (3, 1, delivered(1, 1)),
            (4, 1, proposed(2, 1)),
            (5, 1, proposed(2, 2)),
            (6, 0, delivered(2, 1)),
        ]);
        assert!(PrimaryIntegrity { nodes: 2 }.check(&good).is_empty());
    }
}
