//! Workload drivers: the clients of a run.
//!
//! A driver submits client operations to nodes and reacts to what the nodes report. One driver
//! serves a whole run, in both runtimes: the simulator calls it between events, the threads
//! runtime runs it on the coordinating thread. It decides when the run's work is done.

use std::time::Duration;

use rand_chacha::ChaCha8Rng;

use crate::{ClientOp, ClientReply, Event, NodeId, Time};

/// A client of the system under test.
pub trait Driver: Send {
    /// Called once at time zero, after every node has started.
    fn start(&mut self, dx: &mut DriverContext);
    /// Called for every history event (observations, crashes, restarts) as it happens.
    fn on_event(&mut self, dx: &mut DriverContext, event: &Event);
    /// A node answered a client command (replication family).
    fn on_reply(&mut self, dx: &mut DriverContext, node: NodeId, reply: &ClientReply) {
        let _ = (dx, node, reply);
    }

    /// The clients' view of the run, for the linearizability checker: every command issued,
    /// when, and what (if anything) came back.
    fn client_history(&self) -> Vec<crate::ClientOperation> {
        Vec::new()
    }

    /// How many history events the driver expects the run to record, if it can tell (the
    /// runtime reserves the history once instead of regrowing it; the reservation is address
    /// space, touched only as events arrive). A guess: the history grows past it if need be.
    fn expected_events(&self) -> usize {
        0
    }

    /// A wake-up asked for with [`DriverContext::wake_after`] is due.
    fn on_wake(&mut self, dx: &mut DriverContext, token: u64);
    /// Whether the run's work is complete (the run then stops). Its answer may change only
    /// while the driver is being called: runtimes ask after a call, not at every event.
    fn finished(&self) -> bool;
}

/// What a driver asks the runtime to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DriverCommand {
    /// Hand `op` to `node` now. An op for a crashed node is lost.
    Submit { node: NodeId, op: ClientOp },
    /// Hand `op` to `node` after `after` (a client's copy crossing the network). The threads
    /// runtime hands it over at once: its own scheduling already varies the order of arrival.
    SubmitAfter { node: NodeId, op: ClientOp, after: Duration },
    /// Call [`Driver::on_wake`] with `token` after `after`.
    Wake { after: Duration, token: u64 },
    /// Crash `node` now (its stable storage survives), as a fault plan would.
    Crash(NodeId),
    /// Restart `node` now from its stable storage.
    Restart(NodeId),
}

/// The driver's view of the run: the time, a seeded RNG, and a buffer of commands.
pub struct DriverContext {
    now: Time,
    rng: ChaCha8Rng,
    commands: Vec<DriverCommand>,
}

impl DriverContext {
    /// A context drawing randomness from `rng`.
    pub fn new(rng: ChaCha8Rng) -> Self {
        DriverContext { now: Time::ZERO, rng, commands: Vec::new() }
    }

    /// The current run time.
    pub fn now(&self) -> Time {
        self.now
    }

    /// The driver's seeded RNG.
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }

    /// Submits `op` to `node`.
    pub fn submit(&mut self, node: NodeId, op: ClientOp) {
        self.commands.push(DriverCommand::Submit { node, op });
    }

    /// Submits `op` to `node`, arriving after `after`.
    pub fn submit_after(&mut self, node: NodeId, op: ClientOp, after: Duration) {
        self.commands.push(DriverCommand::SubmitAfter { node, op, after });
    }

    /// Asks for [`Driver::on_wake`] with `token` after `after`.
    pub fn wake_after(&mut self, after: Duration, token: u64) {
        self.commands.push(DriverCommand::Wake { after, token });
    }

    /// Crashes `node` now: the harness crashing a leader to make the cluster elect another.
    pub fn crash(&mut self, node: NodeId) {
        self.commands.push(DriverCommand::Crash(node));
    }

    /// Restarts a crashed `node` from its stable storage.
    pub fn restart(&mut self, node: NodeId) {
        self.commands.push(DriverCommand::Restart(node));
    }

    /// Runtime: sets the time before calling the driver.
    pub(crate) fn set_now(&mut self, now: Time) {
        self.now = now;
    }

    /// Runtime: whether the driver issued commands since they were last taken.
    pub(crate) fn has_commands(&self) -> bool {
        !self.commands.is_empty()
    }

    /// Runtime: takes the commands the driver issued.
    pub(crate) fn take_commands(&mut self) -> Vec<DriverCommand> {
        std::mem::take(&mut self.commands)
    }

    /// Runtime: gives back the (drained) buffer [`DriverContext::take_commands`] returned, so the
    /// next commands do not allocate.
    pub(crate) fn return_commands(&mut self, buffer: Vec<DriverCommand>) {
        debug_assert!(buffer.is_empty());
        if self.commands.is_empty() {
            self.commands = crate::host::reuse(buffer);
        }
    }
}
