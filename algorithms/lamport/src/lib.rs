//! # Lamport's mutual exclusion
//!
//! Lamport, "Time, Clocks, and the Ordering of Events in a Distributed System", CACM 21(7), 1978,
//! the mutual-exclusion example of its second half.
//!
//! Every node keeps a request queue ordered by (timestamp, id). To request, a node stamps a
//! REQUEST with its Lamport clock, puts it in its own queue and sends it to every other node. A
//! receiver queues it and answers with a timestamped REPLY. A node enters when (1) its own request
//! heads its queue and (2) it has received a message stamped later than its request from every
//! other node. On leaving it removes its request and sends RELEASE to all, who remove it too.
//!
//! **Guarantees.** Mutual exclusion and entry in (timestamp, id) order, *provided links are FIFO*:
//! condition (2) only proves no earlier request is on its way if that request could not be
//! overtaken by the later-stamped message from the same node. With `--reorder` the proof's
//! premise is gone, and the checker can catch two nodes inside at once; see the crate tests for a
//! seed that shows it. No fault tolerance: a crashed node blocks everyone.
//!
//! **Messages per entry: exactly 3(N-1)**: N-1 REQUESTs, N-1 REPLYs, N-1 RELEASEs, at any
//! load (the count given with the algorithm in Raynal, *Algorithms for Mutual Exclusion*, 1986,
//! and in every textbook since). No reply is elided (the paper's optional optimisation of
//! skipping a REPLY when a later message was already sent is not applied), so the count is exact.

use std::collections::BTreeSet;

use harness::{Algorithm, ClientOp, Context, Family, Message, Node, NodeId, Observation, RunSpec, SpecError};

/// Messages of Lamport's algorithm; every one carries the sender's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum LamportMsg {
    Request { timestamp: u64 },
    Reply { timestamp: u64 },
    Release { timestamp: u64 },
}

impl LamportMsg {
    fn timestamp(&self) -> u64 {
        match *self {
            LamportMsg::Request { timestamp } | LamportMsg::Reply { timestamp } | LamportMsg::Release { timestamp } => {
                timestamp
            }
        }
    }
}

impl Message for LamportMsg {
    fn kind(&self) -> &'static str {
        match self {
            LamportMsg::Request { .. } => "request",
            LamportMsg::Reply { .. } => "reply",
            LamportMsg::Release { .. } => "release",
        }
    }
}

/// One process of Lamport's algorithm.
#[derive(Debug)]
pub struct Lamport {
    id: NodeId,
    clock: u64,
    /// Every request this node knows of, ordered by (timestamp, id).
    queue: BTreeSet<(u64, NodeId)>,
    /// The latest timestamp received from each node.
    latest_from: Vec<u64>,
    /// Our outstanding request's stamp, while requesting or inside.
    request_stamp: Option<u64>,
    inside: bool,
}

impl Lamport {
    fn tick_on_receive(&mut self, timestamp: u64) {
        self.clock = self.clock.max(timestamp) + 1;
    }

    /// Enters if our request heads the queue and every other node has sent something later.
    fn try_enter(&mut self, cx: &mut Context<Self>) {
        let Some(mine) = self.request_stamp else {
            return;
        };
        if self.inside || self.queue.first() != Some(&(mine, self.id)) {
            return;
        }
        let heard_later_from_all =
            self.latest_from.iter().enumerate().all(|(node, latest)| node == self.id.index() || *latest > mine);
        if heard_later_from_all {
            self.inside = true;
            cx.observe(Observation::Entered);
        }
    }
}

impl Node for Lamport {
    type Msg = LamportMsg;
    type Timer = ();
    type Stable = ();
    type Config = ();

    fn new(id: NodeId, nodes: usize, _config: &(), _stable: Option<()>) -> Self {
        Lamport {
            id,
            clock: 0,
            queue: BTreeSet::new(),
            latest_from: vec![0; nodes],
            request_stamp: None,
            inside: false,
        }
    }

    fn on_start(&mut self, _cx: &mut Context<Self>) {}

    fn on_message(&mut self, cx: &mut Context<Self>, from: NodeId, msg: LamportMsg) {
        let timestamp = msg.timestamp();
        self.tick_on_receive(timestamp);
        let latest = &mut self.latest_from[from.index()];
        *latest = (*latest).max(timestamp);
        match msg {
            LamportMsg::Request { timestamp } => {
                self.queue.insert((timestamp, from));
                self.clock += 1;
                cx.send(from, LamportMsg::Reply { timestamp: self.clock });
            }
            LamportMsg::Reply { .. } => {}
            LamportMsg::Release { .. } => {
                // A node has at most one request queued: remove whatever it had.
                self.queue.retain(|(_, node)| *node != from);
            }
        }
        self.try_enter(cx);
    }

    fn on_timer(&mut self, _cx: &mut Context<Self>, _timer: ()) {}

    fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp) {
        match op {
            ClientOp::Acquire if self.request_stamp.is_none() => {
                self.clock += 1;
                let stamp = self.clock;
                self.request_stamp = Some(stamp);
                self.queue.insert((stamp, self.id));
                cx.observe(Observation::Requested { timestamp: Some(stamp) });
                cx.broadcast(LamportMsg::Request { timestamp: stamp });
                self.try_enter(cx);
            }
            ClientOp::Release if self.inside => {
                let stamp = self.request_stamp.take().expect("inside implies a request");
                self.inside = false;
                self.queue.remove(&(stamp, self.id));
                self.clock += 1;
                cx.observe(Observation::Exited);
                cx.broadcast(LamportMsg::Release { timestamp: self.clock });
            }
            _ => {}
        }
    }
}

impl Algorithm for Lamport {
    const NAME: &'static str = "lamport";
    const FAMILY: Family = Family::Mutex;
    const SUMMARY: &'static str =
        "replicated request queues ordered by Lamport clocks (needs FIFO links); 3(N-1) per entry";

    /// Entries follow (timestamp, id) order among overlapping requests.
    fn extra_checkers(_spec: &RunSpec) -> Vec<Box<dyn harness::checkers::Checker>> {
        vec![Box::new(harness::checkers::TimestampOrder)]
    }

    fn formula() -> Option<harness::formula::Formula> {
        Some(harness::formula::Formula {
            text: "3(N-1) per entry",
            source: "Lamport 1978; Raynal 1986",
            scenario: |nodes| harness::formula::light_mutex(nodes, 20),
            expected: |nodes, history| messages_per_entry(nodes) * harness::formula::entries(history).count() as u64,
        })
    }

    fn configure(settings: &mut harness::Settings) -> Result<(), SpecError> {
        settings.variant::<Self>()?;
        Ok(())
    }
}

/// The textbook messages per entry for `nodes` nodes: 3(N-1).
pub fn messages_per_entry(nodes: usize) -> u64 {
    3 * (nodes as u64 - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::seeded_rng;

    fn node(id: u32, nodes: usize) -> (Lamport, Context<Lamport>) {
        (Lamport::new(NodeId(id), nodes, &(), None), Context::new(NodeId(id), nodes, seeded_rng(0, 0)))
    }

    // Condition (2): heading the queue is not enough without a later message from everyone.
    #[test]
    fn waits_for_a_later_message_from_every_node() {
        let (mut n, mut cx) = node(0, 3);
        n.on_client(&mut cx, ClientOp::Acquire); // stamp 1
        n.on_message(&mut cx, NodeId(1), LamportMsg::Reply { timestamp: 3 });
        assert!(!n.inside);
        n.on_message(&mut cx, NodeId(2), LamportMsg::Reply { timestamp: 3 });
        assert!(n.inside);
    }

    // Condition (1): an earlier request in the queue keeps us out until its RELEASE.
    #[test]
    fn an_earlier_queued_request_goes_first() {
        let (mut n, mut cx) = node(1, 2);
        n.on_message(&mut cx, NodeId(0), LamportMsg::Request { timestamp: 1 });
        n.on_client(&mut cx, ClientOp::Acquire);
        assert!(!n.inside, "n0's (1, n0) heads the queue");
        n.on_message(&mut cx, NodeId(0), LamportMsg::Release { timestamp: 9 });
        assert!(n.inside);
    }
}
