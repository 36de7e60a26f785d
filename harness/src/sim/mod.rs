//! The deterministic discrete-event simulator.
//!
//! Virtual time, one event queue ordered by (time, sequence number), one seeded ChaCha RNG for the
//! network, one per node and one for the driver, all derived from the run seed. Nodes run one
//! event at a time in queue order, so the same seed gives the same history, byte for byte.

mod queue;

pub use queue::EventQueue;

use std::collections::BTreeMap;
use std::mem;

use crate::context::seeded_rng;
use crate::metrics::SendTimeline;
use crate::{
    ClientOp, Context, Driver, DriverCommand, DriverContext, EventKind, Fault, FaultAction, FaultSchedule, FaultStrike,
    History, LeaderView, LinkState, MessageCounts, Node, NodeId, RunOutcome, RunSetup, StopReason, Time, TimerCommand,
    Transmission, Transmitter,
};

/// RNG streams: nodes use `1 + id`; these sit above any node id.
const NETWORK_STREAM: u64 = u64::MAX;
const DRIVER_STREAM: u64 = u64::MAX - 1;

/// At most this many events per run: a livelock that does not advance time ends here.
pub const MAX_EVENTS: u64 = 500_000_000;

enum SimEvent<N: Node> {
    Deliver {
        from: NodeId,
        to: NodeId,
        incarnation: u32,
        msg: N::Msg,
    },
    Timer {
        node: NodeId,
        timer: N::Timer,
        generation: u64,
    },
    Client {
        node: NodeId,
        op: ClientOp,
    },
    Wake {
        token: u64,
    },
    /// Step `step` of the fault schedule.
    Fault {
        step: usize,
    },
    /// A crash or restart the driver asked for.
    Crash {
        node: NodeId,
    },
    Restart {
        node: NodeId,
    },
}

/// Buffers a step filled are kept for the next step, unless one burst made them large: a node
/// that once broadcast to 10,000 peers must not hold that much for the rest of the run.
fn reuse<T>(buffer: Vec<T>) -> Vec<T> {
    const KEEP: usize = 64;
    if buffer.capacity() > KEEP {
        Vec::new()
    } else {
        buffer
    }
}

/// One node's place in the simulation; it outlives the node's crashes.
struct Slot<N: Node> {
    /// `None` while crashed.
    node: Option<N>,
    cx: Context<N>,
    /// Bumped at every crash and restart: messages addressed to an earlier incarnation are lost.
    incarnation: u32,
    /// Pending timers and the generation that may fire them (a map: some algorithms keep a
    /// timer per message in flight, thousands in a storm).
    timers: BTreeMap<N::Timer, u64>,
}

/// A simulation of one algorithm on one network.
pub struct Simulation<N: Node> {
    config: N::Config,
    slots: Vec<Slot<N>>,
    queue: EventQueue<SimEvent<N>>,
    transmitter: Transmitter,
    links: LinkState,
    schedule: FaultSchedule,
    leaders: LeaderView,
    strikes: Vec<FaultStrike>,
    sends_over_time: SendTimeline,
    driver: Box<dyn Driver>,
    dx: DriverContext,
    history: History,
    now: Time,
    next_generation: u64,
    dropped: u64,
    duplicated: u64,
    delivered: u64,
    time_limit: Time,
    max_events: u64,
}

impl<N: Node> Simulation<N> {
    /// Builds the cluster; nothing runs until [`Simulation::run`].
    pub fn new(setup: RunSetup<N>) -> Self {
        let RunSetup { config, nodes, seed, network, faults, driver, time_limit, monitor: _, max_events } = setup;
        let may_slow = faults.faults.iter().any(|f| matches!(f.fault, Fault::Slow { .. } | Fault::Lossy(_)));
        debug_assert!(faults.validate(nodes).is_ok(), "the plan is validated before the run");
        let slots = NodeId::all(nodes)
            .map(|id| Slot {
                node: Some(N::new(id, nodes, &config, None)),
                cx: Context::new(id, nodes, seeded_rng(seed, 1 + id.0 as u64)),
                incarnation: 0,
                timers: BTreeMap::new(),
            })
            .collect();
        let mut queue = EventQueue::default();
        let schedule = FaultSchedule::new(&faults, nodes);
        for (step, planned) in schedule.steps().iter().enumerate() {
            queue.push(Time::ZERO + planned.at, SimEvent::Fault { step });
        }
        Simulation {
            config,
            slots,
            queue,
            transmitter: Transmitter::new(network, seeded_rng(seed, NETWORK_STREAM), may_slow),
            links: LinkState::default(),
            schedule,
            leaders: LeaderView::new(nodes),
            strikes: Vec::new(),
            sends_over_time: SendTimeline::default(),
            driver,
            dx: DriverContext::new(seeded_rng(seed, DRIVER_STREAM)),
            history: History::default(),
            now: Time::ZERO,
            next_generation: 0,
            dropped: 0,
            duplicated: 0,
            delivered: 0,
            time_limit: Time::ZERO + time_limit,
            max_events: max_events.unwrap_or(MAX_EVENTS),
        }
    }

    /// Runs until the driver is finished, the time limit, or nothing is left to happen.
    pub fn run(mut self) -> RunOutcome {
        for index in 0..self.slots.len() {
            self.step(index, |node, cx| node.on_start(cx));
        }
        self.dx.set_now(self.now);
        self.driver.start(&mut self.dx);
        self.apply_driver_commands();

        let mut events = 0u64;
        let stop = loop {
            if self.driver.finished() {
                break StopReason::Finished;
            }
            let Some((time, event)) = self.queue.pop() else {
                break StopReason::Quiescent;
            };
            if time > self.time_limit {
                self.now = self.time_limit;
                break StopReason::TimeLimit;
            }
            events += 1;
            if events > self.max_events {
                break StopReason::EventLimit;
            }
            self.now = time;
            self.dispatch(event);
        };

        let mut sent = MessageCounts::default();
        for slot in &self.slots {
            sent.merge(slot.cx.sent());
        }
        self.history.clients = self.driver.client_history();
        RunOutcome {
            history: self.history,
            sent,
            dropped: self.dropped,
            duplicated: self.duplicated,
            delivered: self.delivered,
            elapsed: self.now,
            stop,
            live_violations: Vec::new(),
            strikes: self.strikes,
            sends_over_time: self.sends_over_time,
        }
    }

    fn dispatch(&mut self, event: SimEvent<N>) {
        match event {
            SimEvent::Deliver { from, to, incarnation, msg } => {
                let slot = &self.slots[to.index()];
                if slot.node.is_none() || slot.incarnation != incarnation {
                    self.dropped += 1;
                    return;
                }
                self.delivered += 1;
                self.step(to.index(), |node, cx| node.on_message(cx, from, msg));
            }
            SimEvent::Timer { node, timer, generation } => {
                let timers = &mut self.slots[node.index()].timers;
                if timers.get(&timer) == Some(&generation) {
                    timers.remove(&timer);
                    self.step(node.index(), |n, cx| n.on_timer(cx, timer));
                }
            }
            SimEvent::Client { node, op } => {
                if self.slots[node.index()].node.is_some() {
                    self.record(node, EventKind::Invoke(op.clone()));
                    self.step(node.index(), |n, cx| n.on_client(cx, op));
                }
            }
            SimEvent::Wake { token } => {
                self.dx.set_now(self.now);
                self.driver.on_wake(&mut self.dx, token);
                self.apply_driver_commands();
            }
            SimEvent::Fault { step } => {
                let struck = self.schedule.strike(step, &self.leaders, self.now);
                self.strike(vec![struck]);
            }
            SimEvent::Crash { node } => self.apply_action(FaultAction::Crash(node)),
            SimEvent::Restart { node } => self.apply_action(FaultAction::Restart(node)),
        }
    }

    /// Runs one step of a live node and carries out its effects.
    #[inline]
    fn step(&mut self, index: usize, f: impl FnOnce(&mut N, &mut Context<N>)) {
        let slot = &mut self.slots[index];
        let Some(node) = slot.node.as_mut() else {
            return;
        };
        slot.cx.set_now(self.now);
        f(node, &mut slot.cx);
        self.apply_effects(index);
    }

    /// Observations first (an exit is on record before the messages that let another node in),
    /// then timers, then sends.
    fn apply_effects(&mut self, index: usize) {
        let id = NodeId(index as u32);
        let slot = &mut self.slots[index];
        if !slot.cx.observations.is_empty() {
            let observations = mem::take(&mut slot.cx.observations);
            for observation in observations {
                self.record(id, EventKind::Observed(observation));
            }
        }
        let slot = &mut self.slots[index];
        if !slot.cx.replies.is_empty() {
            let replies = mem::take(&mut slot.cx.replies);
            self.dx.set_now(self.now);
            for reply in &replies {
                self.driver.on_reply(&mut self.dx, id, reply);
            }
            self.apply_driver_commands();
        }
        let slot = &mut self.slots[index];
        if !slot.cx.timers.is_empty() {
            let mut commands = mem::take(&mut slot.cx.timers);
            for command in commands.drain(..) {
                match command {
                    TimerCommand::Set(timer, after) => {
                        let generation = self.next_generation;
                        self.next_generation += 1;
                        slot.timers.insert(timer, generation);
                        self.queue.push(self.now + after, SimEvent::Timer { node: id, timer, generation });
                    }
                    TimerCommand::Cancel(timer) => {
                        slot.timers.remove(&timer);
                    }
                }
            }
            slot.cx.timers = reuse(commands);
        }
        let slot = &mut self.slots[index];
        if !slot.cx.sends.is_empty() {
            let mut sends = mem::take(&mut slot.cx.sends);
            self.sends_over_time.add(self.now, sends.len() as u64);
            for (to, msg) in sends.drain(..) {
                self.transmit(id, to, msg);
            }
            self.slots[index].cx.sends = reuse(sends);
        }
    }

    #[inline]
    fn transmit(&mut self, from: NodeId, to: NodeId, msg: N::Msg) {
        let Some(slot) = self.slots.get(to.index()) else {
            self.dropped += 1;
            return;
        };
        let incarnation = slot.incarnation;
        match self.transmitter.transmit(from, to, self.now, &self.links) {
            Transmission::Dropped => self.dropped += 1,
            Transmission::Deliver { at, duplicate } => {
                if let Some(again) = duplicate {
                    self.duplicated += 1;
                    self.queue.push(again, SimEvent::Deliver { from, to, incarnation, msg: msg.clone() });
                }
                self.queue.push(at, SimEvent::Deliver { from, to, incarnation, msg });
            }
        }
    }

    /// Appends to the history, lets the driver react, and strikes the faults the event
    /// triggers (within the step that emitted it).
    fn record(&mut self, node: NodeId, kind: EventKind) {
        self.history.push(self.now, node, kind);
        let event = self.history.events.last().expect("just pushed");
        self.leaders.observe(event);
        self.dx.set_now(self.now);
        self.driver.on_event(&mut self.dx, event);
        let struck = if self.schedule.has_armed() {
            let steps = self.schedule.steps().len();
            let event = event.clone();
            let struck = self.schedule.on_event(&event, &self.leaders, self.now);
            for step in steps..self.schedule.steps().len() {
                let at = Time::ZERO + self.schedule.steps()[step].at;
                self.queue.push(at, SimEvent::Fault { step });
            }
            struck
        } else {
            Vec::new()
        };
        self.apply_driver_commands();
        self.strike(struck);
    }

    fn strike(&mut self, struck: Vec<(Vec<FaultAction>, FaultStrike)>) {
        for (actions, strike) in struck {
            self.strikes.push(strike);
            for action in actions {
                self.apply_action(action);
            }
        }
    }

    fn apply_driver_commands(&mut self) {
        for command in self.dx.take_commands() {
            match command {
                DriverCommand::Submit { node, op } => self.queue.push(self.now, SimEvent::Client { node, op }),
                DriverCommand::Wake { after, token } => self.queue.push(self.now + after, SimEvent::Wake { token }),
                DriverCommand::Crash(node) => self.queue.push(self.now, SimEvent::Crash { node }),
                DriverCommand::Restart(node) => self.queue.push(self.now, SimEvent::Restart { node }),
            }
        }
    }

    fn apply_action(&mut self, action: FaultAction) {
        match action {
            FaultAction::Crash(id) => {
                let slot = &mut self.slots[id.index()];
                if slot.node.take().is_some() {
                    slot.incarnation += 1;
                    slot.timers.clear();
                    slot.cx.discard_effects();
                    self.record(id, EventKind::Crashed);
                }
            }
            FaultAction::Restart(id) => {
                let nodes = self.slots.len();
                let slot = &mut self.slots[id.index()];
                if slot.node.is_none() {
                    slot.incarnation += 1;
                    slot.node = Some(N::new(id, nodes, &self.config, slot.cx.stable()));
                    self.record(id, EventKind::Restarted);
                    self.step(id.index(), |node, cx| node.on_start(cx));
                }
            }
            link_action => self.links.apply(&link_action),
        }
    }
}
