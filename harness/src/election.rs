//! Election bookkeeping shared by the election driver, checkers and metrics.
//!
//! An election starts with a *trigger*: the run's start, an explicit `StartElection`, a crash of
//! the agreed leader, a restart, or a node naming a different leader out of the blue. It ends
//! at the first instant every live node's latest `Leader` observation names the same live node:
//! agreement. Crashes of nodes other than the leader do not start one.

use std::collections::BTreeMap;

use crate::{ClientOp, Event, EventKind, NodeId, Observation, Time};

/// One election: when it started, and when and on whom the live nodes agreed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Election {
    pub started: Time,
    /// `None` if the run ended first.
    pub ended: Option<Time>,
    pub leader: Option<NodeId>,
    /// The highest live id when it ended.
    pub highest_live: Option<NodeId>,
}

/// Follows a history event by event and cuts it into elections.
#[derive(Clone, Debug)]
pub struct ElectionTracker {
    alive: Vec<bool>,
    named: Vec<Option<NodeId>>,
    /// Live nodes, and how many live nodes name each leader (only leaders named at all): kept
    /// as events come, so that agreement is known without a pass over every node (a 100,000-node
    /// election names its leader 100,000 times).
    live: usize,
    naming: BTreeMap<NodeId, usize>,
    agreed: Option<NodeId>,
    pending: Option<Time>,
    elections: Vec<Election>,
}

impl ElectionTracker {
    /// A tracker for `nodes` nodes, all alive, with the start-up election pending.
    pub fn new(nodes: usize) -> Self {
        ElectionTracker {
            alive: vec![true; nodes],
            named: vec![None; nodes],
            live: nodes,
            naming: BTreeMap::new(),
            agreed: None,
            pending: Some(Time::ZERO),
            elections: Vec::new(),
        }
    }

    /// Cuts a whole history into elections.
    pub fn over(nodes: usize, events: &[Event]) -> Self {
        let mut tracker = ElectionTracker::new(nodes);
        for event in events {
            tracker.feed(event);
        }
        tracker
    }

    /// Takes one event; returns the election it completed, if any.
    pub fn feed(&mut self, event: &Event) -> Option<&Election> {
        let node = event.node.index();
        if node >= self.alive.len() {
            return None;
        }
        match &event.kind {
            EventKind::Invoke(ClientOp::StartElection) => self.trigger(event.time),
            EventKind::Crashed => {
                self.name(node, None);
                if std::mem::replace(&mut self.alive[node], false) {
                    self.live -= 1;
                }
                if self.agreed == Some(event.node) {
                    self.trigger(event.time);
                }
            }
            EventKind::Restarted => {
                self.name(node, None);
                if !std::mem::replace(&mut self.alive[node], true) {
                    self.live += 1;
                }
                self.trigger(event.time);
            }
            EventKind::Observed(Observation::Leader { leader, .. }) => {
                self.name(node, Some(*leader));
                if self.agreed.is_some_and(|agreed| agreed != *leader) {
                    self.trigger(event.time);
                }
            }
            _ => {}
        }
        let started = self.pending?;
        let leader = self.agreement()?;
        self.pending = None;
        self.agreed = Some(leader);
        self.elections.push(Election {
            started,
            ended: Some(event.time),
            leader: Some(leader),
            highest_live: self.highest_live(),
        });
        self.elections.last()
    }

    fn trigger(&mut self, time: Time) {
        self.pending.get_or_insert(time);
    }

    /// Sets whom `node` names, keeping the counts of live namers (a down node names no one).
    fn name(&mut self, node: usize, leader: Option<NodeId>) {
        if let Some(old) = std::mem::replace(&mut self.named[node], leader) {
            if self.alive[node] {
                let count = self.naming.get_mut(&old).expect("a live namer is counted");
                *count -= 1;
                if *count == 0 {
                    self.naming.remove(&old);
                }
            }
        }
        if let Some(new) = leader {
            if self.alive[node] {
                *self.naming.entry(new).or_insert(0) += 1;
            }
        }
    }

    /// The leader every live node names, if they all name the same live node.
    pub fn agreement(&self) -> Option<NodeId> {
        match self.naming.iter().next() {
            Some((&leader, &count)) if self.naming.len() == 1 && count == self.live && self.live > 0 => {
                self.alive.get(leader.index()).copied().unwrap_or(false).then_some(leader)
            }
            _ => None,
        }
    }

    /// The highest id still alive.
    pub fn highest_live(&self) -> Option<NodeId> {
        (0..self.alive.len()).rev().find(|n| self.alive[*n]).map(|n| NodeId(n as u32))
    }

    /// The lowest id still alive.
    pub fn lowest_live(&self) -> Option<NodeId> {
        (0..self.alive.len()).find(|n| self.alive[*n]).map(|n| NodeId(n as u32))
    }

    /// Whether `node` is alive.
    pub fn is_alive(&self, node: NodeId) -> bool {
        self.alive.get(node.index()).copied().unwrap_or(false)
    }

    /// The leader agreed on last.
    pub fn agreed(&self) -> Option<NodeId> {
        self.agreed
    }

    /// The completed elections, and the one still open at the end (with `ended: None`).
    pub fn elections(&self) -> Vec<Election> {
        let mut all = self.elections.clone();
        if let Some(started) = self.pending {
            all.push(Election { started, ended: None, leader: None, highest_live: self.highest_live() });
        }
        all
    }

    /// Each live node and the leader it names, for reports of disagreement.
    pub fn views(&self) -> Vec<(NodeId, Option<NodeId>)> {
        (0..self.alive.len()).filter(|n| self.alive[*n]).map(|n| (NodeId(n as u32), self.named[n])).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::History;
    use EventKind::*;

    fn leader(id: u32) -> EventKind {
        Observed(Observation::Leader { leader: NodeId(id), term: 1 })
    }

    #[test]
    fn startup_election_ends_when_all_name_the_same_leader() {
        let history = History::from_millis([(5, 0, leader(2)), (6, 1, leader(2)), (7, 2, leader(2))]);
        let elections = ElectionTracker::over(3, &history.events).elections();
        assert_eq!(elections.len(), 1);
        assert_eq!(elections[0].ended, Some(Time(7_000_000)));
        assert_eq!(elections[0].leader, Some(NodeId(2)));
    }

    #[test]
    fn a_leader_crash_starts_the_next_and_a_follower_crash_does_not() {
        let history = History::from_millis([
            (1, 0, leader(2)),
            (1, 1, leader(2)),
            (1, 2, leader(2)),
            (10, 0, Crashed),
            (20, 2, Crashed),
            (25, 1, leader(1)),
        ]);
        let elections = ElectionTracker::over(3, &history.events).elections();
        assert_eq!(elections.len(), 2);
        assert_eq!(elections[1].started, Time(20_000_000));
        assert_eq!(elections[1].leader, Some(NodeId(1)));
    }

    #[test]
    fn an_open_election_is_reported_without_an_end() {
        let history = History::from_millis([(1, 0, leader(1)), (2, 1, leader(0))]);
        let elections = ElectionTracker::over(2, &history.events).elections();
        assert_eq!(
            elections,
            vec![Election { started: Time::ZERO, ended: None, leader: None, highest_live: Some(NodeId(1)) }]
        );
    }
}

/// Heartbeat failure detection, as both election algorithms use it: the leader sends a heartbeat
/// every `heartbeat`; a node that hears nothing from its leader for a random time in
/// `leader_timeout` presumes it dead and starts an election.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detection {
    pub heartbeat: std::time::Duration,
    pub leader_timeout: (std::time::Duration, std::time::Duration),
}

impl Detection {
    /// Heartbeats three times per minimum timeout; the timeout is the run's shared detection
    /// range ([`crate::Settings::detect`]).
    pub fn of(detect: (std::time::Duration, std::time::Duration)) -> Self {
        Detection { heartbeat: detect.0 / 3, leader_timeout: detect }
    }
}

impl Default for Detection {
    /// Detection on the default network (1 ms links): heartbeats every 50 ms, 150-300 ms.
    fn default() -> Self {
        Detection::of(crate::Timing::of(&crate::NetworkConfig::default(), crate::RuntimeKind::Sim).detect)
    }
}

/// How long a node waits for a peer to acknowledge a message before it takes the peer for dead:
/// max(20 ms, 10 round trips).
pub fn ack_timeout(timing: &crate::Timing) -> std::time::Duration {
    std::time::Duration::from_millis(20).max(timing.round_trip * 10)
}
