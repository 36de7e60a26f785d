//! The calling thread's part of a threaded run: it runs the driver, strikes the fault plan at its
//! wall-clock times (and the triggered faults when it hears of their event), and hands each node
//! what the driver submitted to it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::trace::Tracer;
use crate::{
    ClientOp, Driver, DriverCommand, DriverContext, Event, EventKind, FaultAction, FaultPlan, FaultSchedule,
    FaultStrike, History, LeaderView, NodeId, NodeRng, Time,
};

use super::links::SharedLinks;
use super::node_thread::{Envelope, Report};

/// At most this many queued reports are taken before the driver's commands go out.
const REPORT_BURST: usize = 256;

/// What the coordinator heard while it waited.
pub(super) enum Heard {
    /// Reports (or nothing, when a wake-up or a fault step fell due).
    Reports,
    /// A node thread panicked.
    Panicked(NodeId, String),
    /// Every node thread is gone.
    Disconnected,
}

pub(super) struct Coordinator<'a, M> {
    start: Instant,
    inboxes: &'a [Sender<Envelope<M>>],
    links: &'a SharedLinks,
    pub driver: Box<dyn Driver>,
    dx: DriverContext,
    /// Driver wake-ups: (due, sequence, token).
    wakes: BinaryHeap<Reverse<(Instant, u64, u64)>>,
    wake_seq: u64,
    schedule: FaultSchedule,
    /// Plan steps by due time; a triggered fault's end step joins when it strikes.
    steps: BinaryHeap<Reverse<(Instant, usize)>>,
    leaders: LeaderView,
    pub strikes: Vec<FaultStrike>,
    pub history: History,
    /// The coordinator's own trace lines: the faults.
    pub tracer: Tracer,
    /// Submissions wait here (one list per node) until the commands are applied, so a node gets
    /// everything submitted to it meanwhile in one envelope.
    waiting: Vec<Vec<ClientOp>>,
}

impl<'a, M> Coordinator<'a, M> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        start: Instant,
        inboxes: &'a [Sender<Envelope<M>>],
        links: &'a SharedLinks,
        driver: Box<dyn Driver>,
        rng: NodeRng,
        faults: &FaultPlan,
        tracer: Tracer,
    ) -> Self {
        let nodes = inboxes.len();
        let schedule = FaultSchedule::new(faults, nodes);
        let steps = schedule.steps().iter().enumerate().map(|(i, step)| Reverse((start + step.at, i))).collect();
        let history = History::with_expected_events(driver.expected_events());
        Coordinator {
            start,
            inboxes,
            links,
            driver,
            dx: DriverContext::new(rng),
            wakes: BinaryHeap::new(),
            wake_seq: 0,
            schedule,
            steps,
            leaders: LeaderView::new(nodes),
            strikes: Vec::new(),
            history,
            tracer,
            waiting: vec![Vec::new(); nodes],
        }
    }

    pub fn time_of(&self, at: Instant) -> Time {
        Time(at.saturating_duration_since(self.start).as_nanos() as u64)
    }

    /// Starts the driver.
    pub fn start(&mut self) {
        let now = Instant::now();
        self.dx.set_now(self.time_of(now));
        self.driver.start(&mut self.dx);
        self.apply_commands(now);
    }

    /// Strikes the plan steps and runs the driver wake-ups that are due.
    pub fn run_due(&mut self, now: Instant) {
        while self.steps.peek().is_some_and(|Reverse((at, _))| *at <= now) {
            let Reverse((_, step)) = self.steps.pop().expect("peeked");
            let struck = self.schedule.strike(step, &self.leaders, self.time_of(now));
            self.strike(now, vec![struck]);
        }
        while self.wakes.peek().is_some_and(|Reverse((at, _, _))| *at <= now) {
            let Reverse((_, _, token)) = self.wakes.pop().expect("peeked");
            self.dx.set_now(self.time_of(now));
            self.driver.on_wake(&mut self.dx, token);
            self.apply_commands(now);
        }
    }

    /// When something is next due, capped at `cap`.
    pub fn next_due(&self, cap: Instant) -> Instant {
        let mut next = cap;
        if let Some(Reverse((at, _, _))) = self.wakes.peek() {
            next = next.min(*at);
        }
        if let Some(Reverse((at, _))) = self.steps.peek() {
            next = next.min(*at);
        }
        next
    }

    /// Waits for reports until `until`; takes what else is queued (up to a burst) before sending
    /// anything, so the clients' next commands leave as one envelope per node.
    pub fn hear(&mut self, reports: &Receiver<Report>, until: Instant) -> Heard {
        let mut report = match reports.recv_deadline(until) {
            Ok(report) => Some(report),
            Err(RecvTimeoutError::Timeout) => return Heard::Reports,
            Err(RecvTimeoutError::Disconnected) => return Heard::Disconnected,
        };
        let mut taken = 0;
        while let Some(current) = report.take() {
            match current {
                Report::Event(event) => self.on_event(event),
                Report::Replies { node, replies } => {
                    self.dx.set_now(self.time_of(Instant::now()));
                    for reply in &replies {
                        self.driver.on_reply(&mut self.dx, node, reply);
                    }
                }
                Report::Panicked { node, message } => {
                    self.apply_commands(Instant::now());
                    return Heard::Panicked(node, message);
                }
            }
            taken += 1;
            if taken < REPORT_BURST && !self.driver.finished() {
                report = reports.try_recv().ok();
            }
        }
        self.apply_commands(Instant::now());
        Heard::Reports
    }

    /// A node's event: the leader view and the driver learn of it, and the faults it triggers
    /// strike as soon as the coordinator hears of it.
    fn on_event(&mut self, event: Event) {
        self.dx.set_now(event.time);
        self.leaders.observe(&event);
        self.driver.on_event(&mut self.dx, &event);
        if self.schedule.has_armed() {
            let known = self.schedule.steps().len();
            let now = Instant::now();
            let struck = self.schedule.on_event(&event, &self.leaders, self.time_of(now));
            self.strike(now, struck);
            for step in known..self.schedule.steps().len() {
                self.steps.push(Reverse((self.start + self.schedule.steps()[step].at, step)));
            }
        }
        self.history.events.push(event);
    }

    fn strike(&mut self, now: Instant, struck: Vec<(Vec<FaultAction>, FaultStrike)>) {
        let time = self.time_of(now);
        for (actions, strike) in struck {
            let schedule = &self.schedule;
            self.tracer.record(time, None, || schedule.trace_event(&strike));
            self.strikes.push(strike);
            for action in actions {
                self.apply_fault(action);
            }
        }
    }

    /// Crashes and restarts go to the node's inbox (after what the driver submitted to it
    /// before); the rest change the shared links.
    fn apply_fault(&mut self, action: FaultAction) {
        match action {
            FaultAction::Crash(node) => self.send(node, Envelope::Crash),
            FaultAction::Restart(node) => self.send(node, Envelope::Restart),
            FaultAction::Drift { node, drift_ppm } => self.send(node, Envelope::Drift(drift_ppm)),
            FaultAction::Transfer { from, to } => {
                self.waiting[from.index()].push(ClientOp::TransferLeadership { to });
                self.send_waiting(from);
            }
            FaultAction::Membership { leader, change } => {
                self.waiting[leader.index()].push(ClientOp::ChangeMembership(change));
                self.send_waiting(leader);
            }
            link_action => self.links.apply(&link_action),
        }
    }

    /// Sends `envelope` to `node` behind the submissions waiting for it, keeping the driver's order.
    fn send(&mut self, node: NodeId, envelope: Envelope<M>) {
        self.send_waiting(node);
        // A node thread that is gone has stopped; the run is ending.
        let _ = self.inboxes[node.index()].send(envelope);
    }

    fn send_waiting(&mut self, node: NodeId) {
        if !self.waiting[node.index()].is_empty() {
            let ops = std::mem::take(&mut self.waiting[node.index()]);
            let _ = self.inboxes[node.index()].send(Envelope::Clients(ops));
        }
    }

    /// Carries out the driver's commands and sends every node what was submitted to it.
    fn apply_commands(&mut self, now: Instant) {
        for command in self.dx.take_commands() {
            match command {
                DriverCommand::Submit { node, op } | DriverCommand::SubmitAfter { node, op, .. } => {
                    if let ClientOp::Submit(_) = op {
                        // A replication command is invoked when the client sends it; recording it
                        // here spares the node thread a report per command. (Mutex and election
                        // requests are recorded by the node, which knows whether it is up to take
                        // them.)
                        let time = self.time_of(now);
                        self.history.events.push(Event { time, node, kind: EventKind::Invoke(op.clone()) });
                    }
                    self.waiting[node.index()].push(op);
                }
                DriverCommand::Wake { after, token } => {
                    self.wakes.push(Reverse((now + after, self.wake_seq, token)));
                    self.wake_seq += 1;
                }
                DriverCommand::Crash(node) => self.send(node, Envelope::Crash),
                DriverCommand::Restart(node) => self.send(node, Envelope::Restart),
            }
        }
        for node in NodeId::all(self.inboxes.len()) {
            self.send_waiting(node);
        }
    }
}
