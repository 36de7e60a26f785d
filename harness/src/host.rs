//! Hosting one node, the same way in both runtimes.
//!
//! A [`NodeHost`] owns a node's place in a run: the node while it is up, its [`Context`] (RNG and
//! stable storage, which outlive crashes), its incarnation, and which timers are pending. It hands
//! the node its inputs, one at a time, and closes each step with [`Node::on_step_end`]; it crashes
//! the node and restarts it from stable storage; and it records the trace of all of this. The
//! simulator and the threads runtime differ only in *when* they call it (virtual time and one
//! event queue, or wall-clock time and one thread per node) and in how effects travel.
//!
//! **One step.** A runtime hands over every input due at the same instant (the simulator: every
//! event of one virtual instant; the threads runtime: everything queued when the thread wakes, up
//! to a burst), each through its own callback, then calls [`NodeHost::end_step`] once. A node that
//! accumulates work (Raft appending commands) flushes it there, so the same inputs give the same
//! messages in both runtimes.

use std::collections::BTreeMap;
use std::mem;

use crate::clock::LocalClock;
use crate::metrics::SendTimeline;
use crate::trace::{payload, DropReason, TraceEvent, Tracer};
use crate::{
    ClientOp, ClientReply, Context, LinkState, Message, MessageCounts, Node, NodeId, NodeRng, Observation, Time,
    TimerCommand, Transmission, Transmitter,
};

/// A timer the runtime must fire at `at`, unless the node sets or cancels it again first (then
/// [`NodeHost::fire`] refuses the stale `generation`).
pub(crate) struct TimerDue<T> {
    pub timer: T,
    pub at: Time,
    pub generation: u64,
}

/// What one vantage point of the network counted (the whole simulated network, or one node
/// thread's sends and deliveries); merged when the run ends.
#[derive(Default)]
pub(crate) struct Tally {
    pub dropped: u64,
    pub duplicated: u64,
    /// Messages handed to a live node (duplicates included).
    pub delivered: u64,
    pub sends_over_time: SendTimeline,
}

impl Tally {
    pub fn merge(&mut self, other: &Tally) {
        self.dropped += other.dropped;
        self.duplicated += other.duplicated;
        self.delivered += other.delivered;
        self.sends_over_time.merge(&other.sends_over_time);
    }
}

/// Buffers a step filled are kept for the next step, unless one burst made them large: a node
/// that once broadcast to 10,000 peers must not hold that much for the rest of the run.
pub(crate) fn reuse<T>(buffer: Vec<T>) -> Vec<T> {
    const KEEP: usize = 64;
    if buffer.capacity() > KEEP {
        Vec::new()
    } else {
        buffer
    }
}

/// Sends one message through the network: its fate is decided, counted and traced the same way
/// in both runtimes. `id` is the runtime's name for it (unique in the run); the caller queues the
/// deliveries the answer names.
#[allow(clippy::too_many_arguments)]
#[inline]
pub(crate) fn route<M: Message>(
    transmitter: &mut Transmitter,
    links: &LinkState,
    nodes: usize,
    tally: &mut Tally,
    trace: &mut Tracer,
    now: Time,
    id: u64,
    from: NodeId,
    to: NodeId,
    msg: &M,
) -> Transmission {
    trace.record(now, Some(from), || TraceEvent::Send {
        id,
        from: from.0,
        to: to.0,
        kind: msg.kind().to_string(),
        msg: payload(msg),
    });
    let fate = if to.index() < nodes {
        transmitter.transmit(from, to, now, links, || crate::counts::wire_size(msg))
    } else {
        Transmission::Dropped(DropReason::NoSuchNode)
    };
    match fate {
        Transmission::Dropped(why) => {
            tally.dropped += 1;
            trace.record(now, Some(from), || TraceEvent::Drop { id, from: from.0, to: to.0, why });
        }
        Transmission::Deliver { duplicate: Some(_), .. } => {
            tally.duplicated += 1;
            trace.record(now, Some(from), || TraceEvent::Duplicate { id, from: from.0, to: to.0 });
        }
        Transmission::Deliver { duplicate: None, .. } => {}
    }
    fate
}

/// One node's place in a run; it outlives the node's crashes.
pub(crate) struct NodeHost<N: Node> {
    id: NodeId,
    nodes: usize,
    /// `None` while crashed.
    node: Option<N>,
    cx: Context<N>,
    /// Bumped at every crash and restart: a message sent to an earlier incarnation is lost.
    incarnation: u32,
    /// Pending timers and the generation that may fire each (a map: some algorithms keep a
    /// timer per message in flight, thousands in a storm).
    armed: BTreeMap<N::Timer, u64>,
    next_generation: u64,
    /// The node's own clock ([`crate::clock`]): what it reads in [`Context::now`] and sets its
    /// timers by. It keeps running through crashes, like a machine's hardware clock.
    clock: LocalClock,
    /// Inputs were handed over since the last end of step.
    in_step: bool,
}

impl<N: Node> NodeHost<N> {
    /// Node `id` of `nodes`, built fresh (not started: see [`NodeHost::start`]).
    pub fn new(id: NodeId, nodes: usize, config: &N::Config, rng: NodeRng) -> Self {
        NodeHost {
            id,
            nodes,
            node: Some(N::new(id, nodes, config, None)),
            cx: Context::new(id, nodes, rng),
            incarnation: 0,
            armed: BTreeMap::new(),
            next_generation: 0,
            clock: LocalClock::default(),
            in_step: false,
        }
    }

    pub fn is_up(&self) -> bool {
        self.node.is_some()
    }

    pub fn incarnation(&self) -> u32 {
        self.incarnation
    }

    /// Whether inputs were handed over since the last [`NodeHost::end_step`].
    pub fn in_step(&self) -> bool {
        self.in_step
    }

    /// The sends counted at [`Context::send`] so far.
    pub fn sent(&self) -> &MessageCounts {
        self.cx.sent()
    }

    /// Hands the node one input, if it is up.
    #[inline]
    fn input(&mut self, now: Time, f: impl FnOnce(&mut N, &mut Context<N>)) -> bool {
        let Some(node) = self.node.as_mut() else {
            return false;
        };
        self.cx.set_now(self.clock.local(now));
        f(node, &mut self.cx);
        self.in_step = true;
        true
    }

    /// Starts the node (at the beginning of the run).
    pub fn start(&mut self, now: Time) {
        self.input(now, |node, cx| node.on_start(cx));
    }

    /// Hands the node message `id` from `from`. `addressed_to` is the incarnation the sender saw,
    /// where the runtime knows it: a message for an earlier incarnation is lost with the crash.
    /// `false` when the message was lost (counted and traced).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub fn deliver(
        &mut self,
        now: Time,
        id: u64,
        from: NodeId,
        addressed_to: Option<u32>,
        msg: N::Msg,
        tally: &mut Tally,
        trace: &mut Tracer,
    ) -> bool {
        let to = self.id;
        if self.node.is_none() || addressed_to.is_some_and(|i| i != self.incarnation) {
            tally.dropped += 1;
            trace.record(now, Some(to), || TraceEvent::Drop { id, from: from.0, to: to.0, why: DropReason::Crashed });
            return false;
        }
        tally.delivered += 1;
        trace.record(now, Some(to), || TraceEvent::Deliver { id, from: from.0, to: to.0 });
        self.input(now, |node, cx| node.on_message(cx, from, msg))
    }

    /// Fires `timer` if `generation` is still the one pending; `false` if it was replaced,
    /// cancelled or lost in a crash.
    #[inline]
    pub fn fire(&mut self, now: Time, timer: N::Timer, generation: u64, trace: &mut Tracer) -> bool {
        if self.armed.get(&timer) != Some(&generation) {
            return false;
        }
        self.armed.remove(&timer);
        trace.record(now, Some(self.id), || TraceEvent::TimerFire { timer: format!("{timer:?}") });
        self.input(now, |node, cx| node.on_timer(cx, timer))
    }

    /// Hands the node a client operation; `false` if it is down (the operation is lost).
    pub fn client(&mut self, now: Time, op: ClientOp, trace: &mut Tracer) -> bool {
        if self.node.is_none() {
            return false;
        }
        trace.record(now, Some(self.id), || TraceEvent::Invoke { op: payload(&op) });
        self.input(now, |node, cx| node.on_client(cx, op))
    }

    /// Closes the step: the node's [`Node::on_step_end`], if it took inputs since the last one.
    pub fn end_step(&mut self, now: Time) {
        if mem::take(&mut self.in_step) {
            if let Some(node) = self.node.as_mut() {
                self.cx.set_now(self.clock.local(now));
                node.on_step_end(&mut self.cx);
            }
        }
    }

    /// From real time `now` on, the node's clock runs `drift_ppm` parts per million fast
    /// (negative: slow; 0: true again). Timers already set keep their real deadline.
    pub fn set_clock_drift(&mut self, now: Time, drift_ppm: i64) {
        self.clock.set_drift(now, drift_ppm);
    }

    /// Crashes the node: its volatile state, pending timers and unsent effects are gone; its
    /// stable storage stays. `false` if it was already down.
    pub fn crash(&mut self, now: Time, trace: &mut Tracer) -> bool {
        if self.node.take().is_none() {
            return false;
        }
        self.incarnation += 1;
        self.armed.clear();
        self.cx.discard_effects();
        self.in_step = false;
        trace.record(now, Some(self.id), || TraceEvent::Crash);
        true
    }

    /// Restarts a crashed node from what it last persisted and starts it. `false` if it was up.
    pub fn restart(&mut self, now: Time, config: &N::Config, trace: &mut Tracer) -> bool {
        if self.node.is_some() {
            return false;
        }
        self.incarnation += 1;
        self.node = Some(N::new(self.id, self.nodes, config, self.cx.stable()));
        trace.record(now, Some(self.id), || TraceEvent::Restart);
        self.start(now);
        true
    }

    // ---- effects: taken by the runtime after each input and at the end of each step ----

    /// The observations since the last call, traced.
    pub fn take_observations(&mut self, now: Time, trace: &mut Tracer) -> Vec<Observation> {
        let observations = mem::take(&mut self.cx.observations);
        for observation in &observations {
            trace.record(now, Some(self.id), || TraceEvent::Observe { observation: payload(observation) });
        }
        observations
    }

    /// Gives back the (drained) buffer [`NodeHost::take_observations`] returned.
    pub fn return_observations(&mut self, buffer: Vec<Observation>) {
        debug_assert!(buffer.is_empty());
        if self.cx.observations.is_empty() {
            self.cx.observations = reuse(buffer);
        }
    }

    pub fn has_observations(&self) -> bool {
        !self.cx.observations.is_empty()
    }

    /// The client answers since the last call, traced.
    pub fn take_replies(&mut self, now: Time, trace: &mut Tracer) -> Vec<ClientReply> {
        let replies = mem::take(&mut self.cx.replies);
        for reply in &replies {
            trace.record(now, Some(self.id), || TraceEvent::Reply { reply: payload(reply) });
        }
        replies
    }

    pub fn has_replies(&self) -> bool {
        !self.cx.replies.is_empty()
    }

    /// Whether the node set or cancelled timers since [`NodeHost::schedule_timers`] last ran.
    #[inline]
    pub fn has_timers(&self) -> bool {
        !self.cx.timers.is_empty()
    }

    /// Carries out the timer requests since the last call: each set timer is handed to
    /// `schedule` to be fired at its time, each cancel forgets the pending one.
    pub fn schedule_timers(&mut self, now: Time, trace: &mut Tracer, mut schedule: impl FnMut(TimerDue<N::Timer>)) {
        if self.cx.timers.is_empty() {
            return;
        }
        let mut commands = mem::take(&mut self.cx.timers);
        for command in commands.drain(..) {
            match command {
                TimerCommand::Set(timer, after) => {
                    let generation = self.next_generation;
                    self.next_generation += 1;
                    self.armed.insert(timer, generation);
                    trace.record(now, Some(self.id), || TraceEvent::TimerSet {
                        timer: format!("{timer:?}"),
                        after: after.as_nanos() as u64,
                    });
                    schedule(TimerDue { timer, at: now + self.clock.real_span(after), generation });
                }
                TimerCommand::Cancel(timer) => {
                    if self.armed.remove(&timer).is_some() {
                        trace.record(now, Some(self.id), || TraceEvent::TimerCancel { timer: format!("{timer:?}") });
                    }
                }
            }
        }
        self.cx.timers = reuse(commands);
    }

    /// The messages sent since the last call; hand the buffer back with [`NodeHost::return_sends`].
    pub fn take_sends(&mut self) -> Vec<(NodeId, N::Msg)> {
        mem::take(&mut self.cx.sends)
    }

    pub fn has_sends(&self) -> bool {
        !self.cx.sends.is_empty()
    }

    /// Gives back the (drained) send buffer for reuse.
    pub fn return_sends(&mut self, buffer: Vec<(NodeId, N::Msg)>) {
        debug_assert!(buffer.is_empty());
        if self.cx.sends.is_empty() {
            self.cx.sends = reuse(buffer);
        }
    }
}
