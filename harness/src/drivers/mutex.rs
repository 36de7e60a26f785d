//! The mutex-family driver: nodes acquire, hold for a while, release, think, and again.

use std::time::Duration;

use rand::Rng;

use crate::{ClientOp, Driver, DriverContext, Event, EventKind, MutexLoad, NodeId, Observation, Workload};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for its turn (light load) or its think time to pass.
    Idle,
    /// Acquire submitted, not yet entered.
    Waiting,
    /// Inside, holding.
    Inside,
    /// Release submitted, not yet exited.
    Leaving,
    /// Crashed.
    Down,
}

const WAKE_THINK: u64 = 0;
const WAKE_HOLD: u64 = 1;

fn token(node: NodeId, what: u64) -> u64 {
    (node.0 as u64) << 1 | what
}

/// Drives critical-section entries until `target` are done (or forever without a target).
///
/// Under [`MutexLoad::Heavy`] every node loops think / acquire / hold / release, so requests
/// contend. Under [`MutexLoad::Light`] one request is in the system at a time and requesters
/// take turns round-robin, which is the load textbook message counts assume.
pub struct MutexDriver {
    workload: Workload,
    target: Option<u64>,
    phases: Vec<Phase>,
    issued: u64,
    completed: u64,
    /// Light load: the next node to request.
    turn: usize,
}

impl MutexDriver {
    /// A driver for `nodes` nodes completing `target` entries.
    pub fn new(nodes: usize, workload: Workload, target: Option<u64>) -> Self {
        MutexDriver { workload, target, phases: vec![Phase::Idle; nodes], issued: 0, completed: 0, turn: 0 }
    }

    fn budget_left(&self) -> bool {
        self.target.is_none_or(|t| self.issued < t)
    }

    fn think(&self, dx: &mut DriverContext) -> Duration {
        let max = self.workload.think.as_nanos() as u64;
        Duration::from_nanos(if max == 0 { 0 } else { dx.rng().random_range(0..=max) })
    }

    /// Schedules the next request: every idle node (heavy) or the next live node in turn (light).
    fn schedule_next(&mut self, dx: &mut DriverContext, node: NodeId) {
        match self.workload.load {
            MutexLoad::Heavy => {
                if self.budget_left() {
                    let delay = self.think(dx);
                    dx.wake_after(delay, token(node, WAKE_THINK));
                }
            }
            MutexLoad::Light => {
                let in_flight =
                    self.phases.iter().any(|p| matches!(p, Phase::Waiting | Phase::Inside | Phase::Leaving));
                if in_flight || !self.budget_left() {
                    return;
                }
                let n = self.phases.len();
                if let Some(next) = (0..n).map(|k| (self.turn + k) % n).find(|i| self.phases[*i] == Phase::Idle) {
                    self.turn = (next + 1) % n;
                    let delay = self.think(dx);
                    dx.wake_after(delay, token(NodeId(next as u32), WAKE_THINK));
                }
            }
        }
    }
}

impl Driver for MutexDriver {
    fn start(&mut self, dx: &mut DriverContext) {
        match self.workload.load {
            MutexLoad::Heavy => {
                for node in NodeId::all(self.phases.len()) {
                    self.schedule_next(dx, node);
                }
            }
            MutexLoad::Light => self.schedule_next(dx, NodeId(0)),
        }
    }

    fn expected_events(&self) -> usize {
        // Each entry records four events (the acquire, Entered, the release, Exited) and
        // usually an algorithm's own observations besides, such as `Requested`.
        self.target.map_or(0, |t| usize::try_from(t.saturating_mul(6)).unwrap_or(usize::MAX))
    }

    fn on_event(&mut self, dx: &mut DriverContext, event: &Event) {
        let node = event.node;
        let phase = self.phases[node.index()];
        match &event.kind {
            EventKind::Observed(Observation::Entered) if phase == Phase::Waiting => {
                self.phases[node.index()] = Phase::Inside;
                dx.wake_after(self.workload.hold, token(node, WAKE_HOLD));
            }
            EventKind::Observed(Observation::Exited) if phase == Phase::Leaving => {
                self.phases[node.index()] = Phase::Idle;
                self.completed += 1;
                self.schedule_next(dx, node);
            }
            EventKind::Crashed => {
                if matches!(phase, Phase::Waiting | Phase::Inside) {
                    // The entry was lost with the node: offer it again elsewhere.
                    self.issued -= 1;
                } else if phase == Phase::Leaving {
                    self.completed += 1;
                }
                self.phases[node.index()] = Phase::Down;
                if self.workload.load == MutexLoad::Light {
                    self.schedule_next(dx, node);
                }
            }
            EventKind::Restarted if phase == Phase::Down => {
                self.phases[node.index()] = Phase::Idle;
                self.schedule_next(dx, node);
            }
            _ => {}
        }
    }

    fn on_wake(&mut self, dx: &mut DriverContext, token: u64) {
        let node = NodeId((token >> 1) as u32);
        let phase = self.phases[node.index()];
        match token & 1 {
            WAKE_THINK if phase == Phase::Idle && self.budget_left() => {
                self.issued += 1;
                self.phases[node.index()] = Phase::Waiting;
                dx.submit(node, ClientOp::Acquire);
            }
            WAKE_HOLD if phase == Phase::Inside => {
                self.phases[node.index()] = Phase::Leaving;
                dx.submit(node, ClientOp::Release);
            }
            _ => {}
        }
    }

    fn finished(&self) -> bool {
        self.target.is_some_and(|t| self.completed >= t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{context::seeded_rng, DriverCommand, Time};

    fn observed(node: u32, obs: Observation) -> Event {
        Event { time: Time::ZERO, node: NodeId(node), kind: EventKind::Observed(obs) }
    }

    #[test]
    fn light_load_keeps_one_request_in_flight_round_robin() {
        let workload = Workload { load: MutexLoad::Light, think: Duration::ZERO, ..Workload::default() };
        let mut driver = MutexDriver::new(3, workload, Some(4));
        let mut dx = DriverContext::new(seeded_rng(1, 0));
        driver.start(&mut dx);
        let mut order = Vec::new();
        for _ in 0..4 {
            let wakes = dx.take_commands();
            assert_eq!(wakes.len(), 1, "exactly one requester at a time");
            let DriverCommand::Wake { token, .. } = wakes[0] else { panic!("expected a wake") };
            driver.on_wake(&mut dx, token);
            let DriverCommand::Submit { node, op: ClientOp::Acquire } = dx.take_commands()[0].clone() else {
                panic!("expected an acquire")
            };
            order.push(node.0);
            driver.on_event(&mut dx, &observed(node.0, Observation::Entered));
            let DriverCommand::Wake { token, .. } = dx.take_commands()[0] else { panic!("expected hold wake") };
            driver.on_wake(&mut dx, token);
            assert_eq!(dx.take_commands(), vec![DriverCommand::Submit { node, op: ClientOp::Release }]);
            driver.on_event(&mut dx, &observed(node.0, Observation::Exited));
        }
        assert_eq!(order, [0, 1, 2, 0]);
        assert!(driver.finished());
        assert!(dx.take_commands().is_empty(), "no request beyond the target");
    }
}
