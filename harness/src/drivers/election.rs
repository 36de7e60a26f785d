//! The election-family driver: one op is one election that ends in agreement.
//!
//! The first election starts at the initiator the workload names (or by the nodes' own failure
//! detection). After each agreement the driver waits `pause`, then provokes the next election:
//! it crashes the agreed leader, or, if it crashed one before, restarts it (a recovered node
//! rejoins and, in Bully, bullies its way back). A node the fault plan restarts in the meantime
//! is no longer the driver's to restart; it crashes the agreed leader instead. When the run's
//! fault plan has faults of its own, the driver provokes nothing (unless told to): the elections
//! it counts are the ones the faults cause.

use rand::seq::IndexedRandom;

use crate::election::ElectionTracker;
use crate::{ClientOp, Driver, DriverContext, Event, EventKind, Initiator, NodeId, Workload};

const WAKE_NEXT: u64 = 0;
const WAKE_START: u64 = 1;

/// Drives elections until `target` have ended in agreement.
pub struct ElectionDriver {
    workload: Workload,
    target: Option<u64>,
    tracker: ElectionTracker,
    completed: u64,
    /// The node this driver crashed and has not restarted yet.
    crashed_by_us: Option<NodeId>,
    /// Whether it provokes elections by crashing agreed leaders.
    crash_leaders: bool,
}

impl ElectionDriver {
    /// A driver for `nodes` nodes completing `target` elections; `crash_leaders` says whether it
    /// crashes each agreed leader to provoke the next (without, it counts the elections the fault
    /// plan causes).
    pub fn new(nodes: usize, workload: Workload, target: Option<u64>, crash_leaders: bool) -> Self {
        ElectionDriver {
            workload,
            target,
            tracker: ElectionTracker::new(nodes),
            completed: 0,
            crashed_by_us: None,
            crash_leaders,
        }
    }

    fn live(&self) -> Vec<NodeId> {
        let nodes = self.tracker.views();
        nodes.into_iter().map(|(n, _)| n).collect()
    }
}

impl Driver for ElectionDriver {
    fn start(&mut self, dx: &mut DriverContext) {
        // Wake at once rather than act now: faults planned for time zero (a crashed highest id
        // in a formula run) are applied first, so `lowest` and `highest` mean live nodes.
        if self.workload.initiator != Initiator::Detection {
            dx.wake_after(std::time::Duration::ZERO, WAKE_START);
        }
    }

    fn on_event(&mut self, dx: &mut DriverContext, event: &Event) {
        // The fault plan may restart the node we crashed (or crash it again): it is no longer
        // ours to restart, and restarting a live node would provoke nothing.
        if self.crashed_by_us == Some(event.node) && event.kind == EventKind::Restarted {
            self.crashed_by_us = None;
        }
        if self.tracker.feed(event).is_some() {
            self.completed += 1;
            if !self.finished() && self.crash_leaders {
                dx.wake_after(self.workload.pause, WAKE_NEXT);
            }
        }
    }

    fn on_wake(&mut self, dx: &mut DriverContext, token: u64) {
        if token == WAKE_START {
            let live = self.live();
            let initiators: Vec<NodeId> = match self.workload.initiator {
                Initiator::Detection => Vec::new(),
                Initiator::All => live,
                Initiator::Lowest => live.first().copied().into_iter().collect(),
                Initiator::Highest => live.last().copied().into_iter().collect(),
                Initiator::Random => live.choose(dx.rng()).copied().into_iter().collect(),
                Initiator::Node(id) => vec![NodeId(id)],
            };
            for node in initiators {
                dx.submit(node, ClientOp::StartElection);
            }
            return;
        }
        if self.tracker.agreement().is_none() {
            return;
        }
        match self.crashed_by_us.take() {
            Some(node) => dx.restart(node),
            None => {
                let Some(leader) = self.tracker.agreed() else {
                    return;
                };
                if self.live().len() > 1 {
                    self.crashed_by_us = Some(leader);
                    dx.crash(leader);
                }
            }
        }
    }

    fn finished(&self) -> bool {
        self.target.is_some_and(|t| self.completed >= t)
    }
}
