//! # Suzuki-Kasami broadcast token algorithm
//!
//! Suzuki and Kasami, "A Distributed Mutual Exclusion Algorithm", ACM TOCS 3(4), 1985.
//!
//! One token exists; holding it is the right to enter. A node that wants to enter without the
//! token increments its own request number `RN[i]` and broadcasts REQUEST(i, RN[i]). Every node
//! records the highest request number it has seen from each node. The token carries `LN[j]`, the
//! number of node j's last served request, and a FIFO queue of nodes waiting for it. On leaving,
//! the holder sets `LN[i] = RN[i]`, appends every node j with `RN[j] = LN[j] + 1` not yet queued,
//! and passes the token to the head of the queue (or keeps it if nobody waits). A node holding the
//! idle token that hears of an outstanding request sends it the token at once. Node 0 starts with
//! the token.
//!
//! **Guarantees.** Mutual exclusion (one token), no starvation (the token's queue is FIFO and
//! every outstanding request is appended at the next release). Outdated REQUESTs are recognised
//! by their numbers. No fault tolerance: a crash of the holder loses the token.
//!
//! **Messages per entry: N, or 0** (the paper's §3): N-1 REQUESTs plus one TOKEN, and nothing
//! when the requester already holds the idle token. Under light load with requesters taking turns
//! round-robin, every entry costs N except the very first (node 0 starts with the token): N(K-1)
//! for K entries. Under heavy load a REQUEST may reach the holder too late for the token to be
//! sent on its behalf, but it is still N per entry; requests are never re-sent.

use std::collections::{BTreeMap, VecDeque};

use harness::{Algorithm, ClientOp, Context, Family, Message, Node, NodeId, Observation, SpecError};

/// The token: last served request number per node, and the nodes waiting for it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Token {
    pub last_served: Vec<u64>,
    pub queue: VecDeque<NodeId>,
}

/// Messages of Suzuki-Kasami.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum SkMsg {
    /// Node asks for the token for its `number`-th request.
    Request {
        number: u64,
    },
    Token(Token),
}

impl Message for SkMsg {
    fn kind(&self) -> &'static str {
        match self {
            SkMsg::Request { .. } => "request",
            SkMsg::Token(_) => "token",
        }
    }
}

/// The node that starts with the token.
pub const FIRST_HOLDER: NodeId = NodeId(0);

/// One process of Suzuki-Kasami.
#[derive(Debug)]
pub struct SuzukiKasami {
    id: NodeId,
    /// Highest request number heard from each node (RN), kept for the nodes heard from only:
    /// RN is N numbers at each of N nodes, 80 GB at N = 100,000 as a dense array, while a run
    /// hears from few of them.
    requests: BTreeMap<usize, u64>,
    token: Option<Token>,
    requesting: bool,
    inside: bool,
}

impl SuzukiKasami {
    /// RN[j]: 0 for a node never heard from.
    fn rn(&self, j: usize) -> u64 {
        self.requests.get(&j).copied().unwrap_or(0)
    }

    fn enter(&mut self, cx: &mut Context<Self>) {
        self.requesting = false;
        self.inside = true;
        cx.observe(Observation::Entered);
    }

    /// Whether node `j` has a request the token has not served.
    fn outstanding(&self, token: &Token, j: usize) -> bool {
        self.rn(j) == token.last_served[j] + 1
    }
}

impl Node for SuzukiKasami {
    type Msg = SkMsg;
    type Timer = ();
    type Stable = ();
    type Config = ();

    fn new(id: NodeId, nodes: usize, _config: &(), _stable: Option<()>) -> Self {
        let token = (id == FIRST_HOLDER).then(|| Token { last_served: vec![0; nodes], queue: VecDeque::new() });
        SuzukiKasami { id, requests: BTreeMap::new(), token, requesting: false, inside: false }
    }

    fn on_start(&mut self, _cx: &mut Context<Self>) {}

    fn on_message(&mut self, cx: &mut Context<Self>, from: NodeId, msg: SkMsg) {
        match msg {
            SkMsg::Request { number } => {
                let j = from.index();
                let rn = self.requests.entry(j).or_insert(0);
                *rn = (*rn).max(number);
                let idle_holder = !self.inside && !self.requesting;
                let hand_over = idle_holder && self.token.as_ref().is_some_and(|t| self.outstanding(t, j));
                if hand_over {
                    let token = self.token.take().expect("checked");
                    cx.send(from, SkMsg::Token(token));
                }
            }
            SkMsg::Token(token) => {
                self.token = Some(token);
                if self.requesting {
                    self.enter(cx);
                }
            }
        }
    }

    fn on_timer(&mut self, _cx: &mut Context<Self>, _timer: ()) {}

    fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp) {
        match op {
            ClientOp::Acquire if !self.requesting && !self.inside => {
                self.requesting = true;
                cx.observe(Observation::Requested { timestamp: None });
                if self.token.is_some() {
                    self.enter(cx);
                } else {
                    let me = self.id.index();
                    let number = self.rn(me) + 1;
                    self.requests.insert(me, number);
                    cx.broadcast(SkMsg::Request { number });
                }
            }
            ClientOp::Release if self.inside => {
                self.inside = false;
                cx.observe(Observation::Exited);
                let mut token = self.token.take().expect("inside implies holding the token");
                let me = self.id.index();
                token.last_served[me] = self.rn(me);
                // In id order, as a pass over all N would find them: a node never heard from
                // (RN 0) has nothing outstanding.
                let heard: Vec<usize> = self.requests.keys().copied().collect();
                for j in heard {
                    if j != me && self.outstanding(&token, j) && !token.queue.contains(&NodeId(j as u32)) {
                        token.queue.push_back(NodeId(j as u32));
                    }
                }
                match token.queue.pop_front() {
                    Some(next) => cx.send(next, SkMsg::Token(token)),
                    None => self.token = Some(token),
                }
            }
            _ => {}
        }
    }
}

impl Algorithm for SuzukiKasami {
    const NAME: &'static str = "suzuki-kasami";
    const FAMILY: Family = Family::Mutex;
    const SUMMARY: &'static str = "broadcast requests, one token with a queue; N messages per entry, 0 when holding it";

    /// Turns start at node 0, which holds the token: its first entry is free, every other costs N.
    /// The token carries the last granted request number of every node (an array of N) and a
    /// queue of up to N ids: its size grows linearly with N.
    fn size_law() -> Option<harness::formula::SizeLaw> {
        Some(harness::formula::SizeLaw {
            kind: "token",
            text: "token: N request numbers and a queue of up to N ids",
            source: "Suzuki & Kasami 1985, §3",
            growth: harness::formula::Growth::Linear,
        })
    }

    fn formula() -> Option<harness::formula::Formula> {
        Some(harness::formula::Formula {
            text: "N per entry (0 with the idle token in hand)",
            source: "Suzuki & Kasami 1985, §3",
            scenario: |nodes| harness::formula::light_mutex(nodes, 20),
            expected: |nodes, history| {
                let entries = harness::formula::entries(history).count() as u64;
                if nodes < 2 {
                    0
                } else {
                    nodes as u64 * entries.saturating_sub(1)
                }
            },
        })
    }

    fn configure(settings: &mut harness::Settings) -> Result<(), SpecError> {
        settings.variant::<Self>()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: u32, nodes: usize) -> (SuzukiKasami, Context<SuzukiKasami>) {
        (SuzukiKasami::new(NodeId(id), nodes, &(), None), Context::for_test(NodeId(id), nodes))
    }

    #[test]
    fn the_holder_of_the_idle_token_enters_without_messages() {
        let (mut n, mut cx) = node(0, 4);
        n.on_client(&mut cx, ClientOp::Acquire);
        assert!(n.inside);
    }

    // §3: an outdated REQUEST (already served) does not pull the token away.
    #[test]
    fn an_outdated_request_is_ignored() {
        let (mut n, mut cx) = node(0, 3);
        n.token.as_mut().unwrap().last_served[1] = 2;
        n.on_message(&mut cx, NodeId(1), SkMsg::Request { number: 2 });
        assert!(n.token.is_some(), "request 2 of n1 was already served");
        n.on_message(&mut cx, NodeId(1), SkMsg::Request { number: 3 });
        assert!(n.token.is_none(), "request 3 is outstanding: the idle token goes");
    }

    // §2: on release the holder appends every outstanding request (in id order) and sends the
    // token, carrying the rest of the queue, to the head.
    #[test]
    fn release_queues_outstanding_requests_in_id_order_and_passes_the_token() {
        let (mut n, mut cx) = node(0, 4);
        n.on_client(&mut cx, ClientOp::Acquire);
        n.on_message(&mut cx, NodeId(3), SkMsg::Request { number: 1 });
        n.on_message(&mut cx, NodeId(2), SkMsg::Request { number: 1 });
        cx.take_effects();
        n.on_client(&mut cx, ClientOp::Release);
        let token = Token { last_served: vec![0; 4], queue: VecDeque::from([NodeId(3)]) };
        assert_eq!(cx.take_effects().sends, vec![(NodeId(2), SkMsg::Token(token))]);
        assert!(n.token.is_none());
    }
}
