//! # Ricart-Agrawala mutual exclusion
//!
//! Ricart and Agrawala, "An Optimal Algorithm for Mutual Exclusion in Computer Networks",
//! CACM 24(1), 1981.
//!
//! A node that wants the critical section stamps a REQUEST with its Lamport clock and sends it to
//! every other node. A node receiving a REQUEST replies at once unless it is inside, or it is
//! requesting itself with an earlier (timestamp, id); then it defers the REPLY until it leaves.
//! A node enters when it holds a REPLY from every other node, and on leaving sends the deferred
//! replies. There is no RELEASE message: the deferred REPLY is the release.
//!
//! **Guarantees.** Mutual exclusion (two requesters cannot each hold the other's reply, since one
//! of them has the earlier stamp and defers); freedom from deadlock and starvation; entries in
//! increasing (timestamp, id) order. It needs reliable links but not FIFO links. It has no
//! fault tolerance: a crashed node never replies and blocks every later request.
//!
//! **Messages per entry: exactly 2(N-1)** (N-1 REQUESTs and N-1 REPLYs), whatever the load:
//! the paper's §3 count, which it proves optimal for this class of algorithm. Counting
//! convention: every REQUEST and REPLY on the wire, nothing else exists; N = 1 costs 0.
//!
//! **Variants.** `bug-reply-while-inside`: a teaching mutant that answers requests even while
//! inside the critical section, so a second node can enter; the mutual-exclusion checker
//! catches it under contention.

use harness::{Algorithm, ClientOp, Context, Family, Message, Node, NodeId, Observation, RunSpec, Settings, SpecError};

/// Messages of Ricart-Agrawala.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum RaMsg {
    /// "May I enter?", stamped with the sender's Lamport clock at the time of the request.
    Request { timestamp: u64 },
    /// "You may, as far as I am concerned."
    Reply,
}

impl Message for RaMsg {
    fn kind(&self) -> &'static str {
        match self {
            RaMsg::Request { .. } => "request",
            RaMsg::Reply => "reply",
        }
    }
}

/// Run configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RaConfig {
    /// Teaching mutant: reply to requests even while inside.
    pub reply_while_inside: bool,
}

/// One Ricart-Agrawala process.
#[derive(Debug)]
pub struct RicartAgrawala {
    id: NodeId,
    config: RaConfig,
    /// Lamport clock.
    clock: u64,
    /// The stamp of our outstanding request, while requesting or inside.
    request_stamp: Option<u64>,
    inside: bool,
    replies_missing: usize,
    /// Peers whose requests we deferred, to answer when we leave.
    deferred: Vec<NodeId>,
}

impl RicartAgrawala {
    /// Whether our request goes before `(timestamp, from)`.
    fn has_priority_over(&self, timestamp: u64, from: NodeId) -> bool {
        self.request_stamp.is_some_and(|mine| (mine, self.id) < (timestamp, from))
    }

    fn enter(&mut self, cx: &mut Context<Self>) {
        self.inside = true;
        cx.observe(Observation::Entered);
    }
}

impl Node for RicartAgrawala {
    type Msg = RaMsg;
    type Timer = ();
    type Stable = ();
    type Config = RaConfig;

    fn new(id: NodeId, _nodes: usize, config: &RaConfig, _stable: Option<()>) -> Self {
        RicartAgrawala {
            id,
            config: config.clone(),
            clock: 0,
            request_stamp: None,
            inside: false,
            replies_missing: 0,
            deferred: Vec::new(),
        }
    }

    fn on_start(&mut self, _cx: &mut Context<Self>) {}

    fn on_message(&mut self, cx: &mut Context<Self>, from: NodeId, msg: RaMsg) {
        match msg {
            RaMsg::Request { timestamp } => {
                self.clock = self.clock.max(timestamp) + 1;
                let busy = self.inside && !self.config.reply_while_inside;
                let waiting_first = !self.inside && self.has_priority_over(timestamp, from);
                if busy || waiting_first {
                    self.deferred.push(from);
                } else {
                    cx.send(from, RaMsg::Reply);
                }
            }
            RaMsg::Reply => {
                if self.request_stamp.is_some() && !self.inside && self.replies_missing > 0 {
                    self.replies_missing -= 1;
                    if self.replies_missing == 0 {
                        self.enter(cx);
                    }
                }
            }
        }
    }

    fn on_timer(&mut self, _cx: &mut Context<Self>, _timer: ()) {}

    fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp) {
        match op {
            ClientOp::Acquire if self.request_stamp.is_none() => {
                self.clock += 1;
                self.request_stamp = Some(self.clock);
                self.replies_missing = cx.nodes() - 1;
                cx.observe(Observation::Requested { timestamp: Some(self.clock) });
                cx.broadcast(RaMsg::Request { timestamp: self.clock });
                if self.replies_missing == 0 {
                    self.enter(cx);
                }
            }
            ClientOp::Release if self.inside => {
                self.inside = false;
                self.request_stamp = None;
                cx.observe(Observation::Exited);
                for peer in self.deferred.drain(..) {
                    cx.send(peer, RaMsg::Reply);
                }
            }
            _ => {}
        }
    }
}

impl Algorithm for RicartAgrawala {
    const NAME: &'static str = "ricart-agrawala";
    const FAMILY: Family = Family::Mutex;
    const SUMMARY: &'static str = "timestamped requests to all, deferred replies; 2(N-1) messages per entry";
    const VARIANTS: &'static [(&'static str, &'static str)] =
        &[("bug-reply-while-inside", "teaching mutant: replies to requests while inside the critical section")];

    /// Entries follow (timestamp, id) order among overlapping requests (paper §2).
    fn extra_checkers(_spec: &RunSpec) -> Vec<Box<dyn harness::checkers::Checker>> {
        vec![Box::new(harness::checkers::TimestampOrder)]
    }

    fn formula() -> Option<harness::formula::Formula> {
        Some(harness::formula::Formula {
            text: "2(N-1) per entry",
            source: "Ricart & Agrawala 1981, §3",
            scenario: |nodes| harness::formula::light_mutex(nodes, 20),
            expected: |nodes, history| messages_per_entry(nodes) * harness::formula::entries(history).count() as u64,
        })
    }

    fn configure(settings: &mut Settings) -> Result<RaConfig, SpecError> {
        let variant = settings.variant::<Self>()?;
        Ok(RaConfig { reply_while_inside: variant == Some("bug-reply-while-inside") })
    }
}

/// The textbook messages per entry for `nodes` nodes: 2(N-1).
pub fn messages_per_entry(nodes: usize) -> u64 {
    2 * (nodes as u64 - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::{seeded_rng, NodeRng};

    fn node(id: u32, nodes: usize) -> (RicartAgrawala, Context<RicartAgrawala>) {
        let rng: NodeRng = seeded_rng(0, id as u64);
        (RicartAgrawala::new(NodeId(id), nodes, &RaConfig::default(), None), Context::new(NodeId(id), nodes, rng))
    }

    // Paper §2: a request is answered at once by a node that neither holds nor wants the section.
    #[test]
    fn idle_node_replies_at_once() {
        let (mut n, mut cx) = node(1, 3);
        n.on_message(&mut cx, NodeId(0), RaMsg::Request { timestamp: 4 });
        assert_eq!(n.clock, 5, "clock moves past the request's stamp");
        assert!(n.deferred.is_empty());
    }

    // Paper §2: of two concurrent requests, the one with the smaller (timestamp, id) goes first.
    #[test]
    fn earlier_request_defers_a_later_one_and_ties_break_by_id() {
        let (mut n, mut cx) = node(1, 3);
        n.on_client(&mut cx, ClientOp::Acquire); // stamp 1
        n.on_message(&mut cx, NodeId(2), RaMsg::Request { timestamp: 1 }); // (1, n2) after (1, n1)
        n.on_message(&mut cx, NodeId(0), RaMsg::Request { timestamp: 1 }); // (1, n0) before (1, n1)
        assert_eq!(n.deferred, vec![NodeId(2)]);
    }

    #[test]
    fn enters_after_all_replies_and_answers_deferred_on_exit() {
        let (mut n, mut cx) = node(0, 3);
        n.on_client(&mut cx, ClientOp::Acquire);
        n.on_message(&mut cx, NodeId(1), RaMsg::Request { timestamp: 5 });
        n.on_message(&mut cx, NodeId(1), RaMsg::Reply);
        assert!(!n.inside);
        n.on_message(&mut cx, NodeId(2), RaMsg::Reply);
        assert!(n.inside);
        n.on_client(&mut cx, ClientOp::Release);
        assert!(!n.inside && n.deferred.is_empty());
    }
}
