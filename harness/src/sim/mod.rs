//! The deterministic discrete-event simulator.
//!
//! Virtual time, one event queue ordered by (time, sequence number), one seeded ChaCha RNG for the
//! network, one per node and one for the driver, all derived from the run seed. Nodes run one
//! event at a time in queue order, so the same seed gives the same history (and trace), byte for
//! byte. Each node lives in a [`crate::host::NodeHost`], as in the threads runtime.

mod queue;

pub use queue::EventQueue;

use std::collections::VecDeque;
use std::mem;

use crate::context::seeded_rng;
use crate::host::{route, NodeHost, Tally};
use crate::service::ServiceTime;
use crate::trace::{Trace, Tracer};
use crate::{
    ClientOp, Driver, DriverCommand, DriverContext, EventKind, Fault, FaultAction, FaultSchedule, FaultStrike, History,
    LeaderView, LinkState, MessageCounts, Node, NodeId, RunOutcome, RunSetup, StopReason, Time, Transmission,
    Transmitter,
};

/// RNG streams: nodes use `1 + id`; these sit above any node id.
const NETWORK_STREAM: u64 = u64::MAX;
const DRIVER_STREAM: u64 = u64::MAX - 1;

/// At most this many events per run: a livelock that does not advance time ends here.
pub const MAX_EVENTS: u64 = 500_000_000;

/// At most this many events pending at once (about 5 GB of queue for small messages, enough for
/// bully's 2N² storm at N = 10,000, 5·10⁷ messages in flight at its peak): a run that
/// would hold more ends, unfinished, with [`StopReason::Backlog`] rather than exhaust memory.
pub const MAX_PENDING: usize = 64_000_000;

enum SimEvent<N: Node> {
    Deliver {
        id: u64,
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
    /// Boxed: client operations are rare beside messages, and the largest event would set the
    /// size every queued event is moved at.
    Client {
        node: NodeId,
        op: Box<ClientOp>,
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
    /// A busy node is free: it takes the inputs that waited (the processing model).
    Free {
        node: NodeId,
    },
}

/// An input for a node: what waits in its inbox while it is busy.
enum Input<N: Node> {
    Message { id: u64, from: NodeId, incarnation: u32, msg: N::Msg },
    Timer { timer: N::Timer, generation: u64 },
    Client(ClientOp),
}

/// The processing model's state ([`crate::service`]): when each node is next free, and what
/// waits for it.
struct Processing<N: Node> {
    cost: ServiceTime,
    /// When each node is done with what it has taken (its sends leave one by one up to here).
    free_at: Vec<Time>,
    inbox: Vec<VecDeque<Input<N>>>,
    /// Whether a [`SimEvent::Free`] is queued for the node.
    wake_queued: Vec<bool>,
}

/// A simulation of one algorithm on one network.
pub struct Simulation<N: Node> {
    config: N::Config,
    hosts: Vec<NodeHost<N>>,
    queue: EventQueue<SimEvent<N>>,
    transmitter: Transmitter,
    links: LinkState,
    schedule: FaultSchedule,
    leaders: LeaderView,
    strikes: Vec<FaultStrike>,
    tally: Tally,
    trace: Tracer,
    driver: Box<dyn Driver>,
    /// The driver was called since [`Driver::finished`] was last asked.
    driver_called: bool,
    dx: DriverContext,
    history: History,
    now: Time,
    next_message: u64,
    /// Nodes that took an input at the current instant and whose step is still open.
    stepping: Vec<usize>,
    time_limit: Time,
    max_events: u64,
    /// The processing model, when the network description has one.
    processing: Option<Processing<N>>,
}

impl<N: Node> Simulation<N> {
    /// Builds the cluster; nothing runs until [`Simulation::run`].
    pub fn new(setup: RunSetup<N>) -> Self {
        let RunSetup { config, nodes, spare, seed, network, faults, driver, time_limit, monitor: _, max_events, trace } =
            setup;
        let (members, nodes) = (nodes, nodes + spare);
        let may_slow = faults.faults.iter().any(|f| matches!(f.fault, Fault::Slow { .. } | Fault::Lossy(_)));
        debug_assert!(faults.validate(nodes).is_ok(), "the plan is validated before the run");
        let hosts = NodeId::all(nodes)
            .map(|id| NodeHost::new(id, members, &config, seeded_rng(seed, 1 + id.0 as u64)))
            .collect();
        let history = History::with_expected_events(driver.expected_events());
        let mut queue = EventQueue::default();
        let schedule = FaultSchedule::new(&faults, nodes);
        for (step, planned) in schedule.steps().iter().enumerate() {
            queue.push(Time::ZERO + planned.at, SimEvent::Fault { step });
        }
        let processing = network.service.map(|cost| Processing {
            cost,
            free_at: vec![Time::ZERO; nodes],
            inbox: (0..nodes).map(|_| VecDeque::new()).collect(),
            wake_queued: vec![false; nodes],
        });
        Simulation {
            processing,
            config,
            hosts,
            queue,
            transmitter: Transmitter::new(network, seeded_rng(seed, NETWORK_STREAM), may_slow),
            links: LinkState::default(),
            schedule,
            leaders: LeaderView::new(nodes),
            strikes: Vec::new(),
            tally: Tally::default(),
            trace: Tracer::new(trace),
            driver,
            driver_called: false,
            dx: DriverContext::new(seeded_rng(seed, DRIVER_STREAM)),
            history,
            now: Time::ZERO,
            next_message: 0,
            stepping: Vec::new(),
            time_limit: Time::ZERO + time_limit,
            max_events: max_events.unwrap_or(MAX_EVENTS),
        }
    }

    /// Runs until the driver is finished, the time limit, or nothing is left to happen.
    ///
    /// Events run in queue order; once every event of an instant has run, the steps of the nodes
    /// that took inputs close ([`Node::on_step_end`]) before time moves on.
    pub fn run(mut self) -> RunOutcome {
        for index in 0..self.hosts.len() {
            self.input(index, |host, now, _, _| {
                host.start(now);
                true
            });
        }
        self.dx.set_now(self.now);
        self.driver.start(&mut self.dx);
        self.driver_called = true;
        self.apply_driver_commands();

        let mut events = 0u64;
        let stop = loop {
            // A driver's answer changes only when it is called: ask only then.
            if mem::take(&mut self.driver_called) && self.driver.finished() {
                break StopReason::Finished;
            }
            if !self.stepping.is_empty() && !self.queue.has_more_at(self.now) {
                self.end_steps();
                continue;
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
            if self.queue.len() > MAX_PENDING {
                break StopReason::Backlog;
            }
        };

        let mut sent = MessageCounts::default();
        for host in &self.hosts {
            sent.merge(host.sent());
        }
        self.history.clients = self.driver.client_history();
        RunOutcome {
            history: self.history,
            sent,
            dropped: self.tally.dropped,
            duplicated: self.tally.duplicated,
            delivered: self.tally.delivered,
            elapsed: self.now,
            stop,
            live_violations: Vec::new(),
            strikes: self.strikes,
            sends_over_time: self.tally.sends_over_time,
            trace: self.trace.finish().map(Trace::from_runtime),
        }
    }

    fn dispatch(&mut self, event: SimEvent<N>) {
        match event {
            // Without the processing model (the common case) an input goes straight to its node.
            SimEvent::Deliver { id, from, to, incarnation, msg } if self.processing.is_none() => self
                .input(to.index(), |host, now, tally, trace| {
                    host.deliver(now, id, from, Some(incarnation), msg, tally, trace)
                }),
            SimEvent::Deliver { id, from, to, incarnation, msg } => {
                self.offer(to.index(), Input::Message { id, from, incarnation, msg });
            }
            SimEvent::Timer { node, timer, generation } => {
                self.offer(node.index(), Input::Timer { timer, generation });
            }
            SimEvent::Client { node, op } => {
                if self.hosts[node.index()].is_up() {
                    self.record(node, EventKind::Invoke((*op).clone()));
                    self.offer(node.index(), Input::Client(*op));
                }
            }
            SimEvent::Free { node } => self.drain(node.index()),
            SimEvent::Wake { token } => {
                self.dx.set_now(self.now);
                self.driver.on_wake(&mut self.dx, token);
                self.driver_called = true;
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

    /// Hands a node an input now, or, under the processing model, queues it while the node is
    /// busy with earlier ones (a node that took an input at this instant takes the rest of the
    /// instant's inputs in the same step).
    #[inline]
    fn offer(&mut self, index: usize, input: Input<N>) {
        if let Some(p) = &mut self.processing {
            if p.free_at[index] > self.now && !self.hosts[index].in_step() {
                p.inbox[index].push_back(input);
                if !p.wake_queued[index] {
                    p.wake_queued[index] = true;
                    self.queue.push(p.free_at[index], SimEvent::Free { node: NodeId(index as u32) });
                }
                return;
            }
        }
        self.take(index, input);
    }

    /// A node that was busy is free: it takes everything that waited, in one step.
    fn drain(&mut self, index: usize) {
        let Some(p) = &mut self.processing else { return };
        p.wake_queued[index] = false;
        if p.free_at[index] > self.now {
            // Restarted since: wait for the new time.
            p.wake_queued[index] = true;
            self.queue.push(p.free_at[index], SimEvent::Free { node: NodeId(index as u32) });
            return;
        }
        let waiting = std::mem::take(&mut p.inbox[index]);
        for input in waiting {
            self.take(index, input);
        }
    }

    /// Hands a node one input (charging what receiving it costs, under the processing model).
    fn take(&mut self, index: usize, input: Input<N>) {
        if let Some(p) = &mut self.processing {
            if self.hosts[index].is_up() {
                let cost = match &input {
                    Input::Message { msg, .. } => p.cost.receiving(|| crate::counts::wire_size(msg)),
                    Input::Client(_) => p.cost.receiving(|| 0),
                    Input::Timer { .. } => std::time::Duration::ZERO,
                };
                p.free_at[index] = p.free_at[index].max(self.now) + cost;
            }
        }
        match input {
            Input::Message { id, from, incarnation, msg } => self.input(index, |host, now, tally, trace| {
                host.deliver(now, id, from, Some(incarnation), msg, tally, trace)
            }),
            Input::Timer { timer, generation } => {
                self.input(index, |host, now, _, trace| host.fire(now, timer, generation, trace))
            }
            Input::Client(op) => self.input(index, |host, now, _, trace| host.client(now, op, trace)),
        }
    }

    /// Hands a node one input through `f` (which says whether the node took it) and carries out
    /// its effects; the node's step stays open until the instant is over.
    #[inline]
    fn input(&mut self, index: usize, f: impl FnOnce(&mut NodeHost<N>, Time, &mut Tally, &mut Tracer) -> bool) {
        let host = &mut self.hosts[index];
        let was_stepping = host.in_step();
        if f(host, self.now, &mut self.tally, &mut self.trace) {
            if !was_stepping {
                self.stepping.push(index);
            }
            self.apply_effects(index);
        }
    }

    /// Closes the steps of the instant, in the order the nodes first took an input.
    fn end_steps(&mut self) {
        let mut stepping = mem::take(&mut self.stepping);
        for &index in &stepping {
            self.hosts[index].end_step(self.now);
            self.apply_effects(index);
        }
        // Keep the buffer, unless a node restarted while the steps closed and stepped anew.
        if self.stepping.is_empty() {
            stepping.clear();
            self.stepping = stepping;
        }
    }

    /// Observations first (an exit is on record before the messages that let another node in),
    /// then client answers, timers and sends.
    fn apply_effects(&mut self, index: usize) {
        let id = NodeId(index as u32);
        let now = self.now;
        if self.hosts[index].has_observations() {
            let mut observations = self.hosts[index].take_observations(now, &mut self.trace);
            for observation in observations.drain(..) {
                self.record(id, EventKind::Observed(observation));
            }
            self.hosts[index].return_observations(observations);
        }
        if self.hosts[index].has_replies() {
            let replies = self.hosts[index].take_replies(now, &mut self.trace);
            self.dx.set_now(now);
            for reply in &replies {
                self.driver.on_reply(&mut self.dx, id, reply);
                self.driver_called = true;
            }
            self.apply_driver_commands();
        }
        if self.hosts[index].has_timers() {
            let queue = &mut self.queue;
            self.hosts[index].schedule_timers(now, &mut self.trace, |due| {
                queue.push(due.at, SimEvent::Timer { node: id, timer: due.timer, generation: due.generation });
            });
        }
        if self.hosts[index].has_sends() {
            let mut sends = self.hosts[index].take_sends();
            self.tally.sends_over_time.add(now, sends.len() as u64);
            for (to, msg) in sends.drain(..) {
                self.transmit(id, to, msg);
            }
            self.hosts[index].return_sends(sends);
        }
    }

    #[inline]
    fn transmit(&mut self, from: NodeId, to: NodeId, msg: N::Msg) {
        let id = self.next_message;
        self.next_message += 1;
        let nodes = self.hosts.len();
        // Under the processing model a node's sends leave one after another as it serializes them.
        let leaves = match &mut self.processing {
            Some(p) => {
                let at = p.free_at[from.index()].max(self.now) + p.cost.sending(|| crate::counts::wire_size(&msg));
                p.free_at[from.index()] = at;
                at
            }
            None => self.now,
        };
        let fate = route(
            &mut self.transmitter,
            &self.links,
            nodes,
            &mut self.tally,
            &mut self.trace,
            leaves,
            id,
            from,
            to,
            &msg,
        );
        if let Transmission::Deliver { at, duplicate } = fate {
            let incarnation = self.hosts[to.index()].incarnation();
            if let Some(again) = duplicate {
                self.queue.push(again, SimEvent::Deliver { id, from, to, incarnation, msg: msg.clone() });
            }
            self.queue.push(at, SimEvent::Deliver { id, from, to, incarnation, msg });
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
        self.driver_called = true;
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
            let schedule = &self.schedule;
            self.trace.record(self.now, None, || schedule.trace_event(&strike));
            self.strikes.push(strike);
            for action in actions {
                self.apply_action(action);
            }
        }
    }

    fn apply_driver_commands(&mut self) {
        if !self.dx.has_commands() {
            return;
        }
        let mut commands = self.dx.take_commands();
        for command in commands.drain(..) {
            match command {
                DriverCommand::Submit { node, op } => {
                    self.queue.push(self.now, SimEvent::Client { node, op: Box::new(op) })
                }
                DriverCommand::SubmitAfter { node, op, after } => {
                    self.queue.push(self.now + after, SimEvent::Client { node, op: Box::new(op) })
                }
                DriverCommand::Wake { after, token } => self.queue.push(self.now + after, SimEvent::Wake { token }),
                DriverCommand::Crash(node) => self.queue.push(self.now, SimEvent::Crash { node }),
                DriverCommand::Restart(node) => self.queue.push(self.now, SimEvent::Restart { node }),
            }
        }
        self.dx.return_commands(commands);
    }

    fn apply_action(&mut self, action: FaultAction) {
        match action {
            FaultAction::Crash(id) => {
                if let Some(p) = &mut self.processing {
                    // A crashed node's work is gone; what waits in its inbox finds it down.
                    p.free_at[id.index()] = self.now;
                }
                if self.hosts[id.index()].crash(self.now, &mut self.trace) {
                    self.record(id, EventKind::Crashed);
                }
            }
            FaultAction::Restart(id) => {
                let index = id.index();
                let was_stepping = self.hosts[index].in_step();
                if self.hosts[index].restart(self.now, &self.config, &mut self.trace) {
                    self.record(id, EventKind::Restarted);
                    if !was_stepping {
                        self.stepping.push(index);
                    }
                    self.apply_effects(index);
                }
            }
            FaultAction::Transfer { from, to } => {
                let op = Box::new(ClientOp::TransferLeadership { to });
                self.queue.push(self.now, SimEvent::Client { node: from, op });
            }
            FaultAction::Membership { leader, change } => {
                let op = Box::new(ClientOp::ChangeMembership(change));
                self.queue.push(self.now, SimEvent::Client { node: leader, op });
            }
            FaultAction::Drift { node, drift_ppm } => self.hosts[node.index()].set_clock_drift(self.now, drift_ppm),
            link_action => self.links.apply(&link_action),
        }
    }
}
