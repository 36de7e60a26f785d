//! The loop of one node thread.
//!
//! Messages arrive stamped with their delivery time. One that is already due goes straight to the
//! node (no extra hop at zero latency); early ones wait in a small heap merged with the timer heap,
//! and the thread sleeps in `recv_deadline` until the earlier of the two.
//!
//! Whatever is already queued when the thread wakes (up to a burst) is one step: each input is
//! handed to the node's [`NodeHost`] in turn, the step is closed ([`crate::Node::on_step_end`]),
//! and only then do the sends and client answers of the step leave, together, so a busy node
//! wakes its peers and the coordinator once per step rather than once per input.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError};

use crate::host::{route, NodeHost, Tally};
use crate::trace::{DropReason, TraceEvent, TraceLine, Tracer};
use crate::{
    ClientOp, Event, EventKind, LiveMonitor, MessageCounts, Node, NodeId, NodeRng, Time, Transmission, Transmitter,
};

use super::links::{LinkView, SharedLinks};

/// What reaches a node thread's inbox.
pub(crate) enum Envelope<M> {
    Message {
        id: u64,
        from: NodeId,
        at: Instant,
        msg: M,
    },
    /// What the driver submitted to this node in one burst, in order.
    Clients(Vec<ClientOp>),
    Crash,
    Restart,
    /// The node's clock runs this many parts per million fast from now on.
    Drift(i64),
    Stop,
}

/// What a node thread tells the coordinator.
pub(crate) enum Report {
    Event(Event),
    /// The node answered clients (everything it answered in one burst, in order).
    Replies {
        node: NodeId,
        replies: Vec<crate::ClientReply>,
    },
    /// The node's thread panicked.
    Panicked {
        node: NodeId,
        message: String,
    },
}

/// At most this many queued inputs are handled before the thread sends what they produced.
const BURST: usize = 128;

/// What a node thread hands back when it stops.
#[derive(Default)]
pub(crate) struct NodeTotals {
    pub sent: MessageCounts,
    pub tally: Tally,
    pub trace: Option<Vec<TraceLine>>,
}

/// A message that arrived before it is due.
struct Early<M> {
    at: Instant,
    seq: u64,
    id: u64,
    from: NodeId,
    msg: M,
}

impl<M> PartialEq for Early<M> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl<M> Eq for Early<M> {}
impl<M> PartialOrd for Early<M> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<M> Ord for Early<M> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// The fixed surroundings of a node thread.
pub(crate) struct Wiring<'a, N: Node> {
    pub id: NodeId,
    pub nodes: usize,
    pub config: &'a N::Config,
    pub start: Instant,
    pub inbox: Receiver<Envelope<N::Msg>>,
    pub peers: Vec<Sender<Envelope<N::Msg>>>,
    pub reports: Sender<Report>,
    pub links: &'a SharedLinks,
    pub monitor: Option<&'a dyn LiveMonitor>,
    /// Messages every node thread has sent, for the storm limit (added once per flush).
    pub messages_sent: &'a std::sync::atomic::AtomicU64,
    /// Set when the run is over: the thread leaves whatever is still queued.
    pub stopping: &'a std::sync::atomic::AtomicBool,
}

pub(crate) struct NodeThread<'a, N: Node> {
    wiring: Wiring<'a, N>,
    host: NodeHost<N>,
    transmitter: Transmitter,
    links: LinkView<'a>,
    timers: BinaryHeap<Reverse<(Instant, u64, N::Timer)>>,
    early: BinaryHeap<Early<N::Msg>>,
    next_seq: u64,
    /// This thread's sends so far; a message's id is the sender's id and this count.
    next_message: u64,
    tally: Tally,
    trace: Tracer,
}

impl<'a, N: Node> NodeThread<'a, N> {
    pub(crate) fn new(wiring: Wiring<'a, N>, rng: NodeRng, transmitter: Transmitter, trace: bool) -> Self {
        let host = NodeHost::new(wiring.id, wiring.nodes, wiring.config, rng);
        let links = LinkView::new(wiring.links);
        NodeThread {
            wiring,
            host,
            transmitter,
            links,
            timers: BinaryHeap::new(),
            early: BinaryHeap::new(),
            next_seq: 0,
            next_message: 0,
            tally: Tally::default(),
            trace: Tracer::new(trace),
        }
    }

    pub(crate) fn id(&self) -> NodeId {
        self.wiring.id
    }

    fn time(&self, at: Instant) -> Time {
        Time(at.saturating_duration_since(self.wiring.start).as_nanos() as u64)
    }

    /// Runs until told to stop (or every sender is gone).
    pub(crate) fn run(mut self) -> NodeTotals {
        let now = Instant::now();
        self.host.start(self.time(now));
        self.apply_local_effects(now);
        'run: loop {
            if self.wiring.stopping.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
            self.run_due();
            self.end_step();
            self.flush();
            let deadline = match (self.timers.peek(), self.early.peek()) {
                (Some(Reverse((t, _, _))), Some(m)) => Some((*t).min(m.at)),
                (Some(Reverse((t, _, _))), None) => Some(*t),
                (None, Some(m)) => Some(m.at),
                (None, None) => None,
            };
            let received = match deadline {
                Some(deadline) => match self.wiring.inbox.recv_deadline(deadline) {
                    Ok(envelope) => envelope,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => break,
                },
                None => match self.wiring.inbox.recv() {
                    Ok(envelope) => envelope,
                    Err(_) => break,
                },
            };
            let mut envelope = received;
            for handled in 1.. {
                if !self.handle(envelope) {
                    break 'run;
                }
                if handled == BURST {
                    break;
                }
                envelope = match self.wiring.inbox.try_recv() {
                    Ok(envelope) => envelope,
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => break 'run,
                };
            }
        }
        // Sends already counted go out (into inboxes nobody reads any more), so the trace and the
        // counts agree.
        self.flush();
        NodeTotals { sent: self.host.sent().clone(), tally: self.tally, trace: self.trace.finish() }
    }

    /// Handles one input; `false` when told to stop.
    fn handle(&mut self, envelope: Envelope<N::Msg>) -> bool {
        match envelope {
            Envelope::Message { id, from, at, msg } => {
                let now = Instant::now();
                if !self.host.is_up() || (at <= now && self.early.is_empty()) {
                    self.deliver(now, id, from, msg);
                } else {
                    // Arrival order breaks ties: the channel is FIFO and stamps are monotone
                    // per link, so a link stays FIFO.
                    let seq = self.next_seq;
                    self.next_seq += 1;
                    self.early.push(Early { at, seq, id, from, msg });
                }
            }
            Envelope::Clients(ops) => {
                let now = Instant::now();
                let time = self.time(now);
                for op in ops {
                    if !self.host.is_up() {
                        break;
                    }
                    // Replication commands are recorded by the coordinator as it sends them.
                    if !matches!(op, ClientOp::Submit(_)) {
                        self.report(now, EventKind::Invoke(op.clone()));
                    }
                    if self.host.client(time, op, &mut self.trace) {
                        self.apply_local_effects(now);
                    }
                }
            }
            Envelope::Crash => {
                // What the node sent before it crashed is on its way.
                self.end_step();
                self.flush();
                self.crash();
            }
            Envelope::Restart => self.restart(),
            Envelope::Drift(drift_ppm) => {
                let now = self.time(Instant::now());
                self.host.set_clock_drift(now, drift_ppm);
            }
            Envelope::Stop => return false,
        }
        true
    }

    /// Fires every timer and delivers every early message that is due, earliest first.
    fn run_due(&mut self) {
        loop {
            let now = Instant::now();
            let timer_at = self.timers.peek().map(|Reverse((t, _, _))| *t).filter(|t| *t <= now);
            let message_at = self.early.peek().map(|m| m.at).filter(|t| *t <= now);
            match (timer_at, message_at) {
                (Some(t), Some(m)) if m <= t => self.deliver_early(now),
                (Some(_), _) => {
                    let Reverse((_, generation, timer)) = self.timers.pop().expect("peeked");
                    if self.host.fire(self.time(now), timer, generation, &mut self.trace) {
                        self.apply_local_effects(now);
                    }
                }
                (None, Some(_)) => self.deliver_early(now),
                (None, None) => return,
            }
        }
    }

    fn deliver_early(&mut self, now: Instant) {
        let early = self.early.pop().expect("peeked");
        self.deliver(now, early.id, early.from, early.msg);
    }

    fn deliver(&mut self, now: Instant, id: u64, from: NodeId, msg: N::Msg) {
        let time = self.time(now);
        if self.host.deliver(time, id, from, None, msg, &mut self.tally, &mut self.trace) {
            self.apply_local_effects(now);
        }
    }

    /// Closes the step: everything queued when the thread woke has been handed over.
    fn end_step(&mut self) {
        if self.host.in_step() {
            let now = Instant::now();
            self.host.end_step(self.time(now));
            self.apply_local_effects(now);
        }
    }

    fn report(&self, now: Instant, kind: EventKind) {
        let event = Event { time: self.time(now), node: self.wiring.id, kind };
        // The coordinator may have stopped listening during shutdown; nothing to do then.
        let _ = self.wiring.reports.send(Report::Event(event));
    }

    /// Observations first, so the live monitor sees an exit before the messages that let another
    /// node in (those leave at the next [`flush`](Self::flush)); then timers.
    fn apply_local_effects(&mut self, now: Instant) {
        let time = self.time(now);
        if self.host.has_observations() {
            for observation in self.host.take_observations(time, &mut self.trace) {
                if let Some(monitor) = self.wiring.monitor {
                    monitor.observe(time, self.wiring.id, &observation);
                }
                self.report(now, EventKind::Observed(observation));
            }
        }
        let (start, timers) = (self.wiring.start, &mut self.timers);
        self.host.schedule_timers(time, &mut self.trace, |due| {
            timers.push(Reverse((start + due.at.since_start(), due.generation, due.timer)));
        });
    }

    /// Sends the client answers and the messages of the steps since the last flush: the answers in
    /// one report, the messages straight into the receivers' inboxes.
    fn flush(&mut self) {
        let time = self.time(Instant::now());
        if self.host.has_replies() {
            let replies = self.host.take_replies(time, &mut self.trace);
            let _ = self.wiring.reports.send(Report::Replies { node: self.wiring.id, replies });
        }
        if !self.host.has_sends() {
            return;
        }
        let mut sends = self.host.take_sends();
        self.tally.sends_over_time.add(time, sends.len() as u64);
        self.wiring.messages_sent.fetch_add(sends.len() as u64, std::sync::atomic::Ordering::Relaxed);
        let from = self.wiring.id;
        let start = self.wiring.start;
        for (to, msg) in sends.drain(..) {
            let id = (u64::from(from.0) << 40) | self.next_message;
            self.next_message += 1;
            let links = self.links.current();
            let fate = route(
                &mut self.transmitter,
                links,
                self.wiring.peers.len(),
                &mut self.tally,
                &mut self.trace,
                time,
                id,
                from,
                to,
                &msg,
            );
            if let Transmission::Deliver { at, duplicate } = fate {
                let inbox = &self.wiring.peers[to.index()];
                if let Some(again) = duplicate {
                    let copy = Envelope::Message { id, from, at: start + again.since_start(), msg: msg.clone() };
                    let _ = inbox.send(copy);
                }
                // A receiver that is gone has stopped; the run is ending.
                let _ = inbox.send(Envelope::Message { id, from, at: start + at.since_start(), msg });
            }
        }
        self.host.return_sends(sends);
    }

    fn crash(&mut self) {
        let now = Instant::now();
        let time = self.time(now);
        if self.host.crash(time, &mut self.trace) {
            self.timers.clear();
            let to = self.wiring.id;
            for early in self.early.drain() {
                self.tally.dropped += 1;
                self.trace.record(time, Some(to), || TraceEvent::Drop {
                    id: early.id,
                    from: early.from.0,
                    to: to.0,
                    why: DropReason::Crashed,
                });
            }
            if let Some(monitor) = self.wiring.monitor {
                monitor.crashed(self.wiring.id);
            }
            self.report(now, EventKind::Crashed);
        }
    }

    fn restart(&mut self) {
        let now = Instant::now();
        if self.host.restart(self.time(now), self.wiring.config, &mut self.trace) {
            self.report(now, EventKind::Restarted);
            self.apply_local_effects(now);
        }
    }
}
