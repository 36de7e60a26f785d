//! Live monitors: invariants checked at the moment an observation is made.
//!
//! The threads runtime has no single order of events, so properties about "at the same time"
//! are checked where they happen: the node thread reports each observation to the monitor before
//! it sends the messages of the same step.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::{NodeId, Observation, Time};

/// An invariant checked as observations happen, from any thread.
pub trait LiveMonitor: Send + Sync {
    /// A node made an observation.
    fn observe(&self, time: Time, node: NodeId, observation: &Observation);
    /// A node crashed.
    fn crashed(&self, node: NodeId);
    /// The violations seen so far.
    fn violations(&self) -> Vec<String>;
}

const FREE: u64 = u64::MAX;

/// Mutual exclusion, checked at the moment of entry: an atomic slot holds the node inside.
pub struct MutexOccupancy {
    occupant: AtomicU64,
    violations: Mutex<Vec<String>>,
}

impl Default for MutexOccupancy {
    fn default() -> Self {
        MutexOccupancy { occupant: AtomicU64::new(FREE), violations: Mutex::new(Vec::new()) }
    }
}

impl LiveMonitor for MutexOccupancy {
    fn observe(&self, time: Time, node: NodeId, observation: &Observation) {
        let me = node.0 as u64;
        match observation {
            Observation::Entered => {
                if let Err(other) = self.occupant.compare_exchange(FREE, me, Ordering::AcqRel, Ordering::Acquire) {
                    if other != me {
                        self.violations.lock().expect("monitor lock").push(format!(
                            "mutual-exclusion: at {time} {node} entered while {} was inside",
                            NodeId(other as u32)
                        ));
                    }
                }
            }
            Observation::Exited => {
                let _ = self.occupant.compare_exchange(me, FREE, Ordering::AcqRel, Ordering::Acquire);
            }
            _ => {}
        }
    }

    fn crashed(&self, node: NodeId) {
        let _ = self.occupant.compare_exchange(node.0 as u64, FREE, Ordering::AcqRel, Ordering::Acquire);
    }

    fn violations(&self) -> Vec<String> {
        self.violations.lock().expect("monitor lock").clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catches_a_second_entry_at_the_moment_it_happens() {
        let monitor = MutexOccupancy::default();
        monitor.observe(Time(1), NodeId(0), &Observation::Entered);
        monitor.observe(Time(2), NodeId(1), &Observation::Entered);
        assert_eq!(monitor.violations().len(), 1);
        assert!(monitor.violations()[0].contains("n1 entered while n0 was inside"));
    }

    #[test]
    fn accepts_handover_and_crash_inside() {
        let monitor = MutexOccupancy::default();
        monitor.observe(Time(1), NodeId(0), &Observation::Entered);
        monitor.observe(Time(2), NodeId(0), &Observation::Exited);
        monitor.observe(Time(3), NodeId(1), &Observation::Entered);
        monitor.crashed(NodeId(1));
        monitor.observe(Time(4), NodeId(2), &Observation::Entered);
        assert!(monitor.violations().is_empty());
    }
}
