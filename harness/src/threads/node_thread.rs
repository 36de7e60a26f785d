//! The loop of one node thread.
//!
//! Messages arrive stamped with their delivery time. One that is already due goes straight to the
//! node (no extra hop at zero latency); early ones wait in a small heap merged with the timer heap,
//! and the thread sleeps in `recv_deadline` until the earlier of the two.
//!
//! Whatever is already queued when the thread wakes is handled before anything goes out: the
//! sends and client answers of that burst leave together, so a busy node wakes its peers and the
//! coordinator once per burst rather than once per input.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::time::Instant;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError};

use crate::{
    ClientOp, Context, Event, EventKind, LiveMonitor, MessageCounts, Node, NodeId, NodeRng, Time, TimerCommand,
    Transmission, Transmitter,
};

use super::links::{LinkView, SharedLinks};

/// What reaches a node thread's inbox.
pub(crate) enum Envelope<M> {
    Message {
        from: NodeId,
        at: Instant,
        msg: M,
    },
    /// What the driver submitted to this node in one burst, in order.
    Clients(Vec<ClientOp>),
    Crash,
    Restart,
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

/// A node thread's counters, merged when the run ends.
#[derive(Default)]
pub(crate) struct NodeTotals {
    pub sent: MessageCounts,
    pub sends_over_time: crate::metrics::SendTimeline,
    pub dropped: u64,
    pub duplicated: u64,
    pub delivered: u64,
}

/// A message that arrived before it is due.
struct Early<M> {
    at: Instant,
    seq: u64,
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
    node: Option<N>,
    cx: Context<N>,
    transmitter: Transmitter,
    links: LinkView<'a>,
    timers: BinaryHeap<Reverse<(Instant, u64, N::Timer)>>,
    armed: BTreeMap<N::Timer, u64>,
    next_generation: u64,
    early: BinaryHeap<Early<N::Msg>>,
    next_seq: u64,
    totals: NodeTotals,
}

impl<'a, N: Node> NodeThread<'a, N> {
    pub(crate) fn new(wiring: Wiring<'a, N>, rng: NodeRng, transmitter: Transmitter) -> Self {
        let node = Some(N::new(wiring.id, wiring.nodes, wiring.config, None));
        let cx = Context::new(wiring.id, wiring.nodes, rng);
        let links = LinkView::new(wiring.links);
        NodeThread {
            wiring,
            node,
            cx,
            transmitter,
            links,
            timers: BinaryHeap::new(),
            armed: BTreeMap::new(),
            next_generation: 0,
            early: BinaryHeap::new(),
            next_seq: 0,
            totals: NodeTotals::default(),
        }
    }

    fn time(&self, at: Instant) -> Time {
        Time(at.saturating_duration_since(self.wiring.start).as_nanos() as u64)
    }

    /// Runs until told to stop (or every sender is gone).
    pub(crate) fn run(mut self) -> NodeTotals {
        self.step(Instant::now(), |node, cx| node.on_start(cx));
        'run: loop {
            if self.wiring.stopping.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
            self.run_due();
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
        self.totals.sent = self.cx.sent().clone();
        self.totals
    }

    /// Handles one input; `false` when told to stop.
    fn handle(&mut self, envelope: Envelope<N::Msg>) -> bool {
        match envelope {
            Envelope::Message { from, at, msg } => {
                if self.node.is_none() {
                    self.totals.dropped += 1;
                    return true;
                }
                let now = Instant::now();
                if at <= now && self.early.is_empty() {
                    self.deliver(now, from, msg);
                } else {
                    // Arrival order breaks ties: the channel is FIFO and stamps are monotone
                    // per link, so a link stays FIFO.
                    let seq = self.next_seq;
                    self.next_seq += 1;
                    self.early.push(Early { at, seq, from, msg });
                }
            }
            Envelope::Clients(ops) => {
                if self.node.is_some() {
                    let now = Instant::now();
                    // Replication commands are recorded by the coordinator as it sends them.
                    for op in ops.iter().filter(|op| !matches!(op, ClientOp::Submit(_))) {
                        self.report(now, EventKind::Invoke(op.clone()));
                    }
                    self.step(now, |node, cx| node.on_clients(cx, ops));
                }
            }
            Envelope::Crash => {
                // What the node sent before it crashed is on its way.
                self.flush();
                self.crash();
            }
            Envelope::Restart => self.restart(),
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
                    if self.armed.get(&timer) == Some(&generation) {
                        self.armed.remove(&timer);
                        self.step(now, |node, cx| node.on_timer(cx, timer));
                    }
                }
                (None, Some(_)) => self.deliver_early(now),
                (None, None) => return,
            }
        }
    }

    fn deliver_early(&mut self, now: Instant) {
        let early = self.early.pop().expect("peeked");
        self.deliver(now, early.from, early.msg);
    }

    fn deliver(&mut self, now: Instant, from: NodeId, msg: N::Msg) {
        self.totals.delivered += 1;
        self.step(now, |node, cx| node.on_message(cx, from, msg));
    }

    fn report(&self, now: Instant, kind: EventKind) {
        let event = Event { time: self.time(now), node: self.wiring.id, kind };
        // The coordinator may have stopped listening during shutdown; nothing to do then.
        let _ = self.wiring.reports.send(Report::Event(event));
    }

    fn step(&mut self, now: Instant, f: impl FnOnce(&mut N, &mut Context<N>)) {
        let time = self.time(now);
        let Some(node) = self.node.as_mut() else {
            return;
        };
        self.cx.set_now(time);
        f(node, &mut self.cx);
        self.apply_local_effects(now, time);
    }

    /// Observations first, so the live monitor sees an exit before the messages that let another
    /// node in (those leave at the next [`flush`](Self::flush)); then timers.
    fn apply_local_effects(&mut self, now: Instant, time: Time) {
        if !self.cx.observations.is_empty() {
            for observation in std::mem::take(&mut self.cx.observations) {
                if let Some(monitor) = self.wiring.monitor {
                    monitor.observe(time, self.wiring.id, &observation);
                }
                self.report(now, EventKind::Observed(observation));
            }
        }
        for command in self.cx.timers.drain(..) {
            match command {
                TimerCommand::Set(timer, after) => {
                    let generation = self.next_generation;
                    self.next_generation += 1;
                    self.armed.insert(timer, generation);
                    self.timers.push(Reverse((now + after, generation, timer)));
                }
                TimerCommand::Cancel(timer) => {
                    self.armed.remove(&timer);
                }
            }
        }
    }

    /// Sends the client answers and the messages of the steps since the last flush: the answers in
    /// one report, the messages straight into the receivers' inboxes.
    fn flush(&mut self) {
        if !self.cx.replies.is_empty() {
            let replies = std::mem::take(&mut self.cx.replies);
            let _ = self.wiring.reports.send(Report::Replies { node: self.wiring.id, replies });
        }
        if self.cx.sends.is_empty() {
            return;
        }
        let time = self.time(Instant::now());
        let mut sends = std::mem::take(&mut self.cx.sends);
        self.totals.sends_over_time.add(time, sends.len() as u64);
        self.wiring.messages_sent.fetch_add(sends.len() as u64, std::sync::atomic::Ordering::Relaxed);
        let from = self.wiring.id;
        for (to, msg) in sends.drain(..) {
            let Some(inbox) = self.wiring.peers.get(to.index()) else {
                self.totals.dropped += 1;
                continue;
            };
            let links = self.links.current();
            match self.transmitter.transmit(from, to, time, links) {
                Transmission::Dropped => self.totals.dropped += 1,
                Transmission::Deliver { at, duplicate } => {
                    let start = self.wiring.start;
                    if let Some(again) = duplicate {
                        self.totals.duplicated += 1;
                        let copy = Envelope::Message { from, at: start + again.since_start(), msg: msg.clone() };
                        let _ = inbox.send(copy);
                    }
                    // A receiver that is gone has stopped; the run is ending.
                    let _ = inbox.send(Envelope::Message { from, at: start + at.since_start(), msg });
                }
            }
        }
        self.cx.sends = sends;
    }

    fn crash(&mut self) {
        if self.node.take().is_some() {
            self.timers.clear();
            self.armed.clear();
            self.totals.dropped += self.early.len() as u64;
            self.early.clear();
            self.cx.discard_effects();
            if let Some(monitor) = self.wiring.monitor {
                monitor.crashed(self.wiring.id);
            }
            self.report(Instant::now(), EventKind::Crashed);
        }
    }

    fn restart(&mut self) {
        if self.node.is_none() {
            let w = &self.wiring;
            self.node = Some(N::new(w.id, w.nodes, w.config, self.cx.stable()));
            let now = Instant::now();
            self.report(now, EventKind::Restarted);
            self.step(now, |node, cx| node.on_start(cx));
        }
    }
}
