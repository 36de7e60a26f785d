//! The history of a run: client invocations, observations, crashes and restarts, in time order.
//!
//! Checkers and metrics read only this (and message counts). In the simulator the order is exact;
//! in the threads runtime events from different threads are ordered by their wall-clock stamps.

use serde::Serialize;

use crate::kv::{KvOp, KvResult};
use crate::{ClientOp, NodeId, Observation, Time};

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum EventKind {
    /// The node received a client operation from the driver.
    Invoke(ClientOp),
    /// The node reported an observation.
    Observed(Observation),
    /// The node crashed.
    Crashed,
    /// The node restarted from its stable storage.
    Restarted,
}

/// One event of the history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    pub time: Time,
    pub node: NodeId,
    pub kind: EventKind,
}

/// One client command as the client saw it (replication family).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientOperation {
    pub client: u32,
    pub seq: u64,
    pub op: KvOp,
    /// When the client first sent it.
    pub invoked: Time,
    /// When the answer came and what it was; `None` if none came (the outcome is unknown: it
    /// may or may not have taken effect).
    pub completed: Option<(Time, KvResult)>,
    /// Times it was sent again after a timeout, and times a node redirected it.
    pub retries: u32,
    pub redirects: u32,
}

/// Every event of a run, in order, and the clients' operations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    pub events: Vec<Event>,
    pub clients: Vec<ClientOperation>,
}

/// The most events a history reserves up front (about 900 MB of address space at 56 bytes an
/// event); a longer run grows it as it goes.
pub const MAX_RESERVED_EVENTS: usize = 1 << 24;

impl History {
    /// An empty history with room for `expected` events (at most [`MAX_RESERVED_EVENTS`]).
    pub fn with_expected_events(expected: usize) -> Self {
        History { events: Vec::with_capacity(expected.min(MAX_RESERVED_EVENTS)), clients: Vec::new() }
    }

    /// Appends an event.
    pub fn push(&mut self, time: Time, node: NodeId, kind: EventKind) {
        self.events.push(Event { time, node, kind });
    }

    /// (time, node, term) of each time a node announced itself leader (of a term, epoch or
    /// round), in order.
    pub fn leader_announcements(&self) -> Vec<(Time, NodeId, u64)> {
        self.events
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::Observed(Observation::Leader { leader, term }) if leader == e.node => {
                    Some((e.time, leader, term))
                }
                _ => None,
            })
            .collect()
    }

    /// Builds a history from `(time in ms, node, kind)` triples; for tests of checkers.
    pub fn from_millis(events: impl IntoIterator<Item = (u64, u32, EventKind)>) -> Self {
        History {
            clients: Vec::new(),
            events: events
                .into_iter()
                .map(|(ms, node, kind)| Event { time: Time(ms * 1_000_000), node: NodeId(node), kind })
                .collect(),
        }
    }

    /// The observations, with their time and node.
    pub fn observations(&self) -> impl Iterator<Item = (Time, NodeId, &Observation)> {
        self.events.iter().filter_map(|e| match &e.kind {
            EventKind::Observed(obs) => Some((e.time, e.node, obs)),
            _ => None,
        })
    }

    /// How many times `pred` holds over the observations.
    pub fn count_observed(&self, pred: impl Fn(&Observation) -> bool) -> u64 {
        self.observations().filter(|(_, _, o)| pred(o)).count() as u64
    }
}
