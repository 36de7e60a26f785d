//! # Maekawa's quorum-based mutual exclusion
//!
//! Maekawa, "A √N Algorithm for Mutual Exclusion in Decentralized Systems", ACM TOCS 3(2), 1985,
//! with the deadlock-avoiding INQUIRE / FAILED / YIELD messages of the same paper (as presented
//! in Singhal & Shivaratri, *Advanced Concepts in Operating Systems*, §6.9).
//!
//! Every node has a voting set (its *quorum*, see [`quorum`]); any two quorums intersect. A node
//! that wants the critical section sends a timestamped REQUEST to its quorum and enters when every
//! member has LOCKED for it (voted). A member votes for one request at a time and queues the others
//! by (timestamp, id); on RELEASE it votes for the head of its queue. To avoid deadlock among
//! requests that each hold part of their votes, a member that receives a request with priority
//! over the one it locked for sends INQUIRE to the holder of its vote (and FAILED to requests with
//! less priority). A requester that knows it cannot enter yet (it got a FAILED, or it yielded a
//! vote that has not come back) answers INQUIRE with YIELD, returning the vote; otherwise it keeps the inquiry until a FAILED arrives or it
//! enters. A node is a member of its own quorum; its vote for itself travels no network.
//!
//! **Guarantees.** Mutual exclusion (two requesters would need the vote of the node their quorums
//! share); with INQUIRE/FAILED/YIELD, freedom from deadlock and starvation (requests are served in
//! (timestamp, id) order at each member). No fault tolerance.
//!
//! **Messages per entry.** With quorum size K (self included) the paper's counts are, under light
//! load, **3(K-1)**: REQUEST, LOCKED and RELEASE with each other member; under contention up to
//! **5(K-1)**, adding INQUIRE and FAILED/YIELD (and a second LOCKED after a yield). Maekawa's
//! "3√N / 5√N" assumes his optimal K ≈ √N; the grid quorums used here, which exist for every N,
//! have K(i) = |row(i)| + |column(i)| - 1 ≈ 2√N - 1:
//!
//! | N | 4 | 9 | 16 | 25 | 5 | 10 |
//! |---|---|---|---|---|---|---|
//! | K of node 0 | 3 | 5 | 7 | 9 | 4 | 6 |
//! | light-load messages by node 0 | 6 | 12 | 18 | 24 | 9 | 15 |
//!
//! For non-square N, K differs between nodes: [`messages_light`] gives each node's count.
//!
//! **Variants.** `bug-no-inquire`: plain Maekawa without INQUIRE/FAILED/YIELD, which can deadlock
//! when requests each hold part of their votes; the every-request-granted checker catches it.

pub mod quorum;

use std::collections::{BTreeSet, VecDeque};

use harness::{Algorithm, ClientOp, Context, Family, Message, Node, NodeId, Observation, Settings, SpecError};

pub use quorum::quorum;

/// Messages of Maekawa's algorithm. Each names the request it concerns by its timestamp (the
/// requester is the sender or receiver), so stale ones are recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum MaekawaMsg {
    Request { ts: u64 },
    Locked { ts: u64 },
    Release { ts: u64 },
    Inquire { ts: u64 },
    Failed { ts: u64 },
    Yield { ts: u64 },
}

impl Message for MaekawaMsg {
    fn kind(&self) -> &'static str {
        match self {
            MaekawaMsg::Request { .. } => "request",
            MaekawaMsg::Locked { .. } => "locked",
            MaekawaMsg::Release { .. } => "release",
            MaekawaMsg::Inquire { .. } => "inquire",
            MaekawaMsg::Failed { .. } => "failed",
            MaekawaMsg::Yield { .. } => "yield",
        }
    }
}

/// Run configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MaekawaConfig {
    /// Teaching mutant: no INQUIRE / FAILED / YIELD (deadlock-prone).
    pub without_inquire: bool,
}

/// A request, ordered by priority: smaller (timestamp, id) first.
type Req = (u64, NodeId);

/// One process of Maekawa's algorithm: a requester and a voter.
#[derive(Debug)]
pub struct Maekawa {
    id: NodeId,
    config: MaekawaConfig,
    quorum: Vec<NodeId>,
    clock: u64,
    // ---- voter ----
    /// The request our vote is locked for.
    locked_for: Option<Req>,
    queue: BTreeSet<Req>,
    /// Whether we sent INQUIRE for the current lock.
    inquired: bool,
    // ---- requester ----
    request: Option<u64>,
    votes: BTreeSet<NodeId>,
    failed_by: BTreeSet<NodeId>,
    /// Members that asked for their vote back while we could still hope to enter.
    inquiries: BTreeSet<NodeId>,
    inside: bool,
    /// Messages to ourselves, handled without the network.
    local: VecDeque<MaekawaMsg>,
}

impl Maekawa {
    fn post(&mut self, cx: &mut Context<Self>, to: NodeId, msg: MaekawaMsg) {
        if to == self.id {
            self.local.push_back(msg);
        } else {
            cx.send(to, msg);
        }
    }

    /// Handles our messages to ourselves until none are left.
    fn settle(&mut self, cx: &mut Context<Self>) {
        while let Some(msg) = self.local.pop_front() {
            self.handle(cx, self.id, msg);
        }
    }

    fn lock(&mut self, cx: &mut Context<Self>, req: Req) {
        self.locked_for = Some(req);
        self.inquired = false;
        self.post(cx, req.1, MaekawaMsg::Locked { ts: req.0 });
    }

    fn vote_next(&mut self, cx: &mut Context<Self>) {
        self.locked_for = None;
        self.inquired = false;
        if let Some(head) = self.queue.pop_first() {
            self.lock(cx, head);
        }
    }

    /// Returns `member`'s vote. Until it votes for us again we cannot enter, so it counts as a
    /// FAILED: Maekawa's rule yields to an INQUIRE when a FAILED arrived *or* a YIELD was sent
    /// and no new LOCKED has come since.
    fn yield_vote(&mut self, cx: &mut Context<Self>, member: NodeId, ts: u64) {
        self.votes.remove(&member);
        self.failed_by.insert(member);
        self.post(cx, member, MaekawaMsg::Yield { ts });
    }

    fn handle(&mut self, cx: &mut Context<Self>, from: NodeId, msg: MaekawaMsg) {
        let mine = |ts: u64| self.request == Some(ts);
        match msg {
            // ---- voter ----
            MaekawaMsg::Request { ts } => {
                self.clock = self.clock.max(ts) + 1;
                let req = (ts, from);
                let Some(current) = self.locked_for else {
                    return self.lock(cx, req);
                };
                let displaced_head = self.queue.first().copied();
                self.queue.insert(req);
                if self.config.without_inquire {
                    return;
                }
                if req < current && self.queue.first() == Some(&req) {
                    if let Some(head) = displaced_head {
                        self.post(cx, head.1, MaekawaMsg::Failed { ts: head.0 });
                    }
                    if !self.inquired {
                        self.inquired = true;
                        self.post(cx, current.1, MaekawaMsg::Inquire { ts: current.0 });
                    }
                } else {
                    self.post(cx, from, MaekawaMsg::Failed { ts });
                }
            }
            MaekawaMsg::Release { ts } => {
                if self.locked_for == Some((ts, from)) {
                    self.vote_next(cx);
                } else {
                    self.queue.remove(&(ts, from));
                }
            }
            MaekawaMsg::Yield { ts } if self.locked_for == Some((ts, from)) => {
                self.queue.insert((ts, from));
                self.vote_next(cx);
            }
            // ---- requester ----
            MaekawaMsg::Locked { ts } if mine(ts) && !self.inside => {
                self.votes.insert(from);
                self.failed_by.remove(&from);
                if self.votes.len() == self.quorum.len() {
                    self.inside = true;
                    self.inquiries.clear();
                    cx.observe(Observation::Entered);
                }
            }
            MaekawaMsg::Failed { ts } if mine(ts) && !self.inside => {
                self.failed_by.insert(from);
                for member in std::mem::take(&mut self.inquiries) {
                    self.yield_vote(cx, member, ts);
                }
            }
            MaekawaMsg::Inquire { ts } if mine(ts) && !self.inside && self.votes.contains(&from) => {
                if self.failed_by.is_empty() {
                    self.inquiries.insert(from);
                } else {
                    self.yield_vote(cx, from, ts);
                }
            }
            _ => {}
        }
    }
}

impl Node for Maekawa {
    type Msg = MaekawaMsg;
    type Timer = ();
    type Stable = ();
    type Config = MaekawaConfig;

    fn new(id: NodeId, nodes: usize, config: &MaekawaConfig, _stable: Option<()>) -> Self {
        Maekawa {
            id,
            config: config.clone(),
            quorum: quorum(id, nodes),
            clock: 0,
            locked_for: None,
            queue: BTreeSet::new(),
            inquired: false,
            request: None,
            votes: BTreeSet::new(),
            failed_by: BTreeSet::new(),
            inquiries: BTreeSet::new(),
            inside: false,
            local: VecDeque::new(),
        }
    }

    fn on_start(&mut self, _cx: &mut Context<Self>) {}

    fn on_message(&mut self, cx: &mut Context<Self>, from: NodeId, msg: MaekawaMsg) {
        self.handle(cx, from, msg);
        self.settle(cx);
    }

    fn on_timer(&mut self, _cx: &mut Context<Self>, _timer: ()) {}

    fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp) {
        match op {
            ClientOp::Acquire if self.request.is_none() => {
                self.clock += 1;
                let ts = self.clock;
                self.request = Some(ts);
                self.votes.clear();
                self.failed_by.clear();
                self.inquiries.clear();
                cx.observe(Observation::Requested { timestamp: Some(ts) });
                for member in self.quorum.clone() {
                    self.post(cx, member, MaekawaMsg::Request { ts });
                }
            }
            ClientOp::Release if self.inside => {
                let ts = self.request.take().expect("inside implies a request");
                self.inside = false;
                self.votes.clear();
                cx.observe(Observation::Exited);
                for member in self.quorum.clone() {
                    self.post(cx, member, MaekawaMsg::Release { ts });
                }
            }
            _ => {}
        }
        self.settle(cx);
    }
}

impl Algorithm for Maekawa {
    const NAME: &'static str = "maekawa";
    const FAMILY: Family = Family::Mutex;
    const SUMMARY: &'static str =
        "votes from a grid quorum (~2√N), INQUIRE/FAILED/YIELD against deadlock; 3(K-1) per entry";
    const VARIANTS: &'static [(&'static str, &'static str)] =
        &[("bug-no-inquire", "teaching mutant: plain voting without INQUIRE/FAILED/YIELD (can deadlock)")];

    fn formula() -> Option<harness::formula::Formula> {
        Some(harness::formula::Formula {
            text: "3(K-1) per entry, K = grid quorum size (~2√N-1)",
            source: "Maekawa 1985 (3√N with optimal quorums)",
            scenario: |nodes| harness::formula::light_mutex(nodes, 2 * nodes as u64),
            expected: |nodes, history| harness::formula::entries(history).map(|n| messages_light(n, nodes)).sum(),
        })
    }

    fn configure(settings: &mut Settings) -> Result<MaekawaConfig, SpecError> {
        let variant = settings.variant::<Self>()?;
        Ok(MaekawaConfig { without_inquire: variant == Some("bug-no-inquire") })
    }
}

/// Light-load messages for one entry by `id`: 3(K-1), K its quorum size.
pub fn messages_light(id: NodeId, nodes: usize) -> u64 {
    3 * (quorum(id, nodes).len() as u64 - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: u32, nodes: usize) -> (Maekawa, Context<Maekawa>) {
        (Maekawa::new(NodeId(id), nodes, &MaekawaConfig::default(), None), Context::for_test(NodeId(id), nodes))
    }

    #[test]
    fn a_request_goes_to_the_quorum_and_the_own_vote_is_local() {
        let (mut n, mut cx) = node(0, 4);
        n.on_client(&mut cx, ClientOp::Acquire);
        let sends = cx.take_effects().sends;
        assert_eq!(sends, vec![(NodeId(1), MaekawaMsg::Request { ts: 1 }), (NodeId(2), MaekawaMsg::Request { ts: 1 })]);
        assert_eq!(n.votes, BTreeSet::from([NodeId(0)]), "voted for itself without a message");
    }

    // A higher-priority request makes the voter INQUIRE the holder of its vote; a lower one gets FAILED.
    #[test]
    fn voter_inquires_for_priority_and_fails_the_rest() {
        let (mut v, mut cx) = node(1, 4);
        v.on_message(&mut cx, NodeId(3), MaekawaMsg::Request { ts: 5 });
        v.on_message(&mut cx, NodeId(0), MaekawaMsg::Request { ts: 2 });
        v.on_message(&mut cx, NodeId(2), MaekawaMsg::Request { ts: 9 });
        let sends = cx.take_effects().sends;
        assert_eq!(
            sends,
            vec![
                (NodeId(3), MaekawaMsg::Locked { ts: 5 }),
                (NodeId(3), MaekawaMsg::Inquire { ts: 5 }),
                (NodeId(2), MaekawaMsg::Failed { ts: 9 }),
            ]
        );
        v.on_message(&mut cx, NodeId(3), MaekawaMsg::Yield { ts: 5 });
        assert_eq!(cx.take_effects().sends, vec![(NodeId(0), MaekawaMsg::Locked { ts: 2 })]);
    }

    #[test]
    fn requester_yields_on_inquire_only_after_a_failure() {
        let (mut n, mut cx) = node(0, 4);
        n.on_client(&mut cx, ClientOp::Acquire);
        n.on_message(&mut cx, NodeId(1), MaekawaMsg::Locked { ts: 1 });
        n.on_message(&mut cx, NodeId(1), MaekawaMsg::Inquire { ts: 1 });
        cx.take_effects();
        assert!(n.inquiries.contains(&NodeId(1)), "kept while hope remains");
        n.on_message(&mut cx, NodeId(2), MaekawaMsg::Failed { ts: 1 });
        assert_eq!(cx.take_effects().sends, vec![(NodeId(1), MaekawaMsg::Yield { ts: 1 })]);
        assert!(!n.votes.contains(&NodeId(1)));
    }

    // Found by `workbench check maekawa` (seed 4, a slow node): n1 yielded to n0, then n4's
    // LOCKED cleared its only FAILED, so n4's INQUIRE was kept instead of answered, while n0 had
    // locked for n3, who waited for n4: a cycle. A yielded vote that has not come back counts as
    // a FAILED (Maekawa 1985).
    #[test]
    fn a_requester_that_yielded_answers_later_inquiries_with_yield() {
        let (mut n, mut cx) = node(0, 4);
        n.on_client(&mut cx, ClientOp::Acquire);
        n.on_message(&mut cx, NodeId(1), MaekawaMsg::Locked { ts: 1 });
        n.on_message(&mut cx, NodeId(2), MaekawaMsg::Failed { ts: 1 });
        n.on_message(&mut cx, NodeId(1), MaekawaMsg::Inquire { ts: 1 });
        assert_eq!(cx.take_effects().sends.last(), Some(&(NodeId(1), MaekawaMsg::Yield { ts: 1 })));
        // n2 now votes for us, clearing its FAILED; n1 still holds our yielded vote elsewhere.
        n.on_message(&mut cx, NodeId(2), MaekawaMsg::Locked { ts: 1 });
        n.on_message(&mut cx, NodeId(2), MaekawaMsg::Inquire { ts: 1 });
        assert_eq!(cx.take_effects().sends, vec![(NodeId(2), MaekawaMsg::Yield { ts: 1 })]);
    }
}
