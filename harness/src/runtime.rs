//! What both runtimes take in and hand back.

use std::sync::Arc;
use std::time::Duration;

use crate::metrics::SendTimeline;
use crate::trace::Trace;
use crate::{Driver, FaultPlan, FaultStrike, History, LiveMonitor, MessageCounts, NetworkConfig, Node, Time};

/// Everything a runtime needs to run one algorithm.
pub struct RunSetup<N: Node> {
    pub config: N::Config,
    /// The nodes of the initial configuration, `0..nodes`: each is built with
    /// `Node::new(id, nodes, ..)`.
    pub nodes: usize,
    /// Nodes started outside the configuration after them, `nodes..nodes + spare` (built with
    /// the same `nodes`; an algorithm that changes membership adds them later).
    pub spare: usize,
    pub seed: u64,
    pub network: NetworkConfig,
    pub faults: FaultPlan,
    pub driver: Box<dyn Driver>,
    /// The run stops at this time whatever happens.
    pub time_limit: Duration,
    /// Invariants checked live, as observations happen.
    pub monitor: Option<Arc<dyn LiveMonitor>>,
    /// A message storm is a finding, not a hang: the simulator stops after this many events,
    /// the threads runtime after this many messages sent. `None`: the runtime's default
    /// ([`crate::sim::MAX_EVENTS`], [`crate::threads::MAX_MESSAGES`]).
    pub max_events: Option<u64>,
    /// Record the run's event trace ([`crate::trace`]) into [`RunOutcome::trace`].
    pub trace: bool,
}

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The driver's work is done.
    Finished,
    /// The time limit was reached first.
    TimeLimit,
    /// Simulator only: nothing was left to happen (no message in flight, no timer pending), yet
    /// the driver's work was not done: the system is stuck.
    Quiescent,
    /// The event budget ran out (simulator events, or messages sent in the threads runtime): a
    /// storm, or a livelock that does not advance time.
    EventLimit,
    /// Simulator only: more events were pending at once than it holds in memory
    /// ([`crate::sim::MAX_PENDING`]): the run is cut short, which says nothing against the
    /// algorithm (Bully started by the lowest id has about N² messages in flight).
    Backlog,
}

/// What a runtime hands back: the history and the network's counters.
#[derive(Debug)]
pub struct RunOutcome {
    pub history: History,
    /// Sends by kind, counted at [`crate::Context::send`].
    pub sent: MessageCounts,
    pub dropped: u64,
    pub duplicated: u64,
    /// Messages handed to a live node (including duplicates).
    pub delivered: u64,
    /// When the run stopped.
    pub elapsed: Time,
    pub stop: StopReason,
    /// Violations the live monitor saw.
    pub live_violations: Vec<String>,
    /// What each step of the fault plan did, in the order they struck.
    pub strikes: Vec<FaultStrike>,
    /// Sends over time.
    pub sends_over_time: SendTimeline,
    /// The event trace, if the setup asked for it.
    pub trace: Option<Trace>,
}
