//! The context through which a node acts on the world.

use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{ClientReply, Message, MessageCounts, Node, NodeId, Observation, Time};

/// The RNG a node draws from: seeded from (run seed, node id) by the runtime.
pub type NodeRng = ChaCha8Rng;

/// Builds the RNG of `stream` (a node id, or a reserved stream for the network or driver)
/// from the run seed. Streams of one seed are independent.
pub fn seeded_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// A timer request a node made during one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerCommand<T> {
    /// Fire `timer` after the delay, replacing any pending timer of that name.
    Set(T, Duration),
    /// Forget `timer` if it is pending.
    Cancel(T),
}

/// What a node emitted during one or more steps (see [`Context::take_effects`]).
pub struct Effects<N: Node> {
    pub sends: Vec<(NodeId, N::Msg)>,
    pub timers: Vec<TimerCommand<N::Timer>>,
    pub observations: Vec<Observation>,
    pub replies: Vec<ClientReply>,
}

/// Everything a node may do, collected during one step and carried out by the runtime after it.
///
/// The runtime owns one context per node slot and keeps it across crashes: the node's RNG and its
/// stable storage live here, so neither is lost when the node's volatile state is.
pub struct Context<N: Node> {
    id: NodeId,
    nodes: usize,
    now: Time,
    rng: NodeRng,
    stable: Option<N::Stable>,
    sent: MessageCounts,
    pub(crate) sends: Vec<(NodeId, N::Msg)>,
    pub(crate) timers: Vec<TimerCommand<N::Timer>>,
    pub(crate) observations: Vec<Observation>,
    pub(crate) replies: Vec<ClientReply>,
}

impl<N: Node> Context<N> {
    /// A context for node `id` of `nodes`, drawing randomness from `rng`.
    pub fn new(id: NodeId, nodes: usize, rng: NodeRng) -> Self {
        Context {
            id,
            nodes,
            now: Time::ZERO,
            rng,
            stable: None,
            sent: MessageCounts::default(),
            sends: Vec::new(),
            timers: Vec::new(),
            observations: Vec::new(),
            replies: Vec::new(),
        }
    }

    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The cluster size.
    pub fn nodes(&self) -> usize {
        self.nodes
    }

    /// Every other node's id, in increasing order.
    pub fn peers(&self) -> impl Iterator<Item = NodeId> + 'static {
        let me = self.id;
        NodeId::all(self.nodes).filter(move |p| *p != me)
    }

    /// The current run time (virtual in the simulator).
    pub fn now(&self) -> Time {
        self.now
    }

    /// The node's seeded RNG. Every random choice an algorithm makes must come from here.
    pub fn rng(&mut self) -> &mut NodeRng {
        &mut self.rng
    }

    /// A uniformly random duration in `[low, high]`, from the node's RNG.
    pub fn random_duration(&mut self, low: Duration, high: Duration) -> Duration {
        if high <= low {
            return low;
        }
        let nanos = self.rng.random_range(low.as_nanos() as u64..=high.as_nanos() as u64);
        Duration::from_nanos(nanos)
    }

    /// Sends `msg` to `to`. This is the one place where sends are counted, with their size on
    /// the wire ([`crate::counts::wire_size`]).
    #[inline]
    pub fn send(&mut self, to: NodeId, msg: N::Msg) {
        self.sent.add(msg.kind(), crate::counts::wire_size(&msg));
        self.sends.push((to, msg));
    }

    /// Sends `msg` to every other node (N - 1 messages; its size is measured once).
    pub fn broadcast(&mut self, msg: N::Msg) {
        let (kind, size) = (msg.kind(), crate::counts::wire_size(&msg));
        for peer in self.peers() {
            self.sent.add(kind, size);
            self.sends.push((peer, msg.clone()));
        }
    }

    /// Sets `timer` to fire after `after`, replacing it if it is pending.
    pub fn set_timer(&mut self, timer: N::Timer, after: Duration) {
        self.timers.push(TimerCommand::Set(timer, after));
    }

    /// Sets `timer` to fire after a uniformly random delay in `[low, high]`.
    pub fn set_timer_between(&mut self, timer: N::Timer, low: Duration, high: Duration) {
        let after = self.random_duration(low, high);
        self.set_timer(timer, after);
    }

    /// Cancels `timer` if it is pending.
    pub fn cancel_timer(&mut self, timer: N::Timer) {
        self.timers.push(TimerCommand::Cancel(timer));
    }

    /// Replaces the node's stable storage. It is durable as soon as this returns: a crash after
    /// this step hands `value` to the restarted node.
    pub fn persist(&mut self, value: N::Stable) {
        self.stable = Some(value);
    }

    /// Answers a client's [`crate::ClientOp::Submit`].
    pub fn reply(&mut self, reply: ClientReply) {
        self.replies.push(reply);
    }

    /// Reports what the node means (entered the critical section, became leader, ...).
    pub fn observe(&mut self, observation: Observation) {
        self.observations.push(observation);
    }

    /// Takes what the node emitted since the last call, leaving the buffers empty: for unit tests
    /// that feed one input and assert the step's effects.
    pub fn take_effects(&mut self) -> Effects<N> {
        Effects {
            sends: std::mem::take(&mut self.sends),
            timers: std::mem::take(&mut self.timers),
            observations: std::mem::take(&mut self.observations),
            replies: std::mem::take(&mut self.replies),
        }
    }

    /// A context for unit tests: node `id` of `nodes`, RNG seeded from `id`.
    pub fn for_test(id: NodeId, nodes: usize) -> Self {
        Context::new(id, nodes, seeded_rng(0, 1 + id.0 as u64))
    }

    // ---- runtime side ----

    /// Runtime (and unit tests): sets the time the next step runs at, on the node's clock.
    pub fn set_now(&mut self, now: Time) {
        self.now = now;
    }

    /// Runtime: what the node last persisted.
    pub(crate) fn stable(&self) -> Option<N::Stable> {
        self.stable.clone()
    }

    /// Runtime: the sends counted so far.
    pub(crate) fn sent(&self) -> &MessageCounts {
        &self.sent
    }

    /// Runtime: forgets the effects of a step that will not be carried out (the node crashed).
    pub(crate) fn discard_effects(&mut self) {
        self.sends.clear();
        self.timers.clear();
        self.observations.clear();
        self.replies.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_of_one_seed_differ_and_repeat() {
        let mut a = seeded_rng(7, 1);
        let mut b = seeded_rng(7, 2);
        let mut a2 = seeded_rng(7, 1);
        let xa: u64 = a.random();
        let xb: u64 = b.random();
        let xa2: u64 = a2.random();
        assert_ne!(xa, xb);
        assert_eq!(xa, xa2);
    }
}
