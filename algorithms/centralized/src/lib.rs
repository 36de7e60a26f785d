//! # Centralized mutual exclusion
//!
//! The coordinator algorithm as taught in Tanenbaum & van Steen, *Distributed Systems*
//! (3rd ed., §6.3.2) and Coulouris et al., *Distributed Systems* (5th ed., §15.2, "the central
//! server algorithm").
//!
//! Node 0 is the coordinator. A node that wants the critical section sends REQUEST to it; the
//! coordinator answers GRANT if the section is free and otherwise queues the request (FIFO).
//! On leaving, the holder sends RELEASE; the coordinator then grants the head of its queue.
//!
//! **Guarantees.** Mutual exclusion (the coordinator grants one holder at a time), no starvation
//! and first-come-first-served order *at the coordinator*. The coordinator is a single point of
//! failure: its crash stops everyone, and this implementation does not elect a new one.
//!
//! **Messages per entry: 3** (REQUEST, GRANT, RELEASE), the figure Tanenbaum & van Steen give.
//! Counting convention: the coordinator is also a client. Its own requests are decided locally
//! and cost **0** messages, so a run where every node requests measures
//! `3 · (entries by nodes 1..N-1) / entries`, e.g. 3(N-1)/N under round-robin light load.
//! See [`expected_messages`].
//!
//! **Variants.** `bug-no-queue`: a teaching mutant whose coordinator grants every request at
//! once instead of queueing it; the mutual-exclusion checker catches it under contention.

use std::collections::VecDeque;

use harness::{Algorithm, ClientOp, Context, Family, Message, Node, NodeId, Observation, Settings, SpecError};

/// The coordinator's id.
pub const COORDINATOR: NodeId = NodeId(0);

/// Messages of the centralized algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum CentralMsg {
    Request,
    Grant,
    Release,
}

impl Message for CentralMsg {
    fn kind(&self) -> &'static str {
        match self {
            CentralMsg::Request => "request",
            CentralMsg::Grant => "grant",
            CentralMsg::Release => "release",
        }
    }
}

/// Run configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CentralConfig {
    /// Teaching mutant: the coordinator grants without queueing.
    pub grant_without_queue: bool,
}

/// The coordinator's bookkeeping (only node 0 has one).
#[derive(Debug, Default)]
struct Coordinator {
    holder: Option<NodeId>,
    queue: VecDeque<NodeId>,
}

/// One process of the centralized algorithm.
#[derive(Debug)]
pub struct Centralized {
    id: NodeId,
    config: CentralConfig,
    coordinator: Option<Coordinator>,
    waiting: bool,
    inside: bool,
}

impl Centralized {
    /// Coordinator: `who` asks for the section. Returns whether it was granted now.
    fn coordinator_request(&mut self, cx: &mut Context<Self>, who: NodeId) {
        let grant_now = {
            let state = self.coordinator.as_mut().expect("only the coordinator queues");
            if state.holder.is_none() || self.config.grant_without_queue {
                state.holder = Some(who);
                true
            } else {
                state.queue.push_back(who);
                false
            }
        };
        if grant_now {
            self.grant(cx, who);
        }
    }

    /// Coordinator: the holder left; grant the next in line.
    fn coordinator_release(&mut self, cx: &mut Context<Self>) {
        let next = {
            let state = self.coordinator.as_mut().expect("only the coordinator queues");
            state.holder = state.queue.pop_front();
            state.holder
        };
        if let Some(next) = next {
            self.grant(cx, next);
        }
    }

    fn grant(&mut self, cx: &mut Context<Self>, to: NodeId) {
        if to == self.id {
            self.enter(cx);
        } else {
            cx.send(to, CentralMsg::Grant);
        }
    }

    fn enter(&mut self, cx: &mut Context<Self>) {
        if self.waiting {
            self.waiting = false;
            self.inside = true;
            cx.observe(Observation::Entered);
        }
    }
}

impl Node for Centralized {
    type Msg = CentralMsg;
    type Timer = ();
    type Stable = ();
    type Config = CentralConfig;

    fn new(id: NodeId, _nodes: usize, config: &CentralConfig, _stable: Option<()>) -> Self {
        Centralized {
            id,
            config: config.clone(),
            coordinator: (id == COORDINATOR).then(Coordinator::default),
            waiting: false,
            inside: false,
        }
    }

    fn on_start(&mut self, _cx: &mut Context<Self>) {}

    fn on_message(&mut self, cx: &mut Context<Self>, from: NodeId, msg: CentralMsg) {
        match msg {
            CentralMsg::Request if self.coordinator.is_some() => self.coordinator_request(cx, from),
            CentralMsg::Release if self.coordinator.is_some() => self.coordinator_release(cx),
            CentralMsg::Grant => self.enter(cx),
            _ => {}
        }
    }

    fn on_timer(&mut self, _cx: &mut Context<Self>, _timer: ()) {}

    fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp) {
        match op {
            ClientOp::Acquire if !self.waiting && !self.inside => {
                self.waiting = true;
                cx.observe(Observation::Requested { timestamp: None });
                if self.coordinator.is_some() {
                    self.coordinator_request(cx, self.id);
                } else {
                    cx.send(COORDINATOR, CentralMsg::Request);
                }
            }
            ClientOp::Release if self.inside => {
                self.inside = false;
                cx.observe(Observation::Exited);
                if self.coordinator.is_some() {
                    self.coordinator_release(cx);
                } else {
                    cx.send(COORDINATOR, CentralMsg::Release);
                }
            }
            _ => {}
        }
    }
}

impl Algorithm for Centralized {
    const NAME: &'static str = "centralized";
    const FAMILY: Family = Family::Mutex;
    const SUMMARY: &'static str = "a coordinator (node 0) queues requests; 3 messages per entry, 0 for its own";
    const VARIANTS: &'static [(&'static str, &'static str)] =
        &[("bug-no-queue", "teaching mutant: the coordinator grants every request at once")];

    fn formula() -> Option<harness::formula::Formula> {
        Some(harness::formula::Formula {
            text: "3 per entry (0 for the coordinator's own)",
            source: "Tanenbaum & van Steen, §6.3.2",
            scenario: |nodes| harness::formula::light_mutex(nodes, 20),
            expected: |_, history| {
                expected_messages(harness::formula::entries(history).filter(|n| *n != COORDINATOR).count() as u64)
            },
        })
    }

    fn configure(settings: &mut Settings) -> Result<CentralConfig, SpecError> {
        let variant = settings.variant::<Self>()?;
        Ok(CentralConfig { grant_without_queue: variant == Some("bug-no-queue") })
    }
}

/// Messages for a run with `entries_by_others` entries by nodes other than the coordinator
/// (the coordinator's own entries cost nothing): 3 each.
pub fn expected_messages(entries_by_others: u64) -> u64 {
    3 * entries_by_others
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::seeded_rng;

    fn node(id: u32) -> (Centralized, Context<Centralized>) {
        (
            Centralized::new(NodeId(id), 3, &CentralConfig::default(), None),
            Context::new(NodeId(id), 3, seeded_rng(0, 0)),
        )
    }

    #[test]
    fn coordinator_queues_while_held_and_grants_in_fifo_order() {
        let (mut c, mut cx) = node(0);
        c.on_message(&mut cx, NodeId(1), CentralMsg::Request);
        c.on_message(&mut cx, NodeId(2), CentralMsg::Request);
        c.on_client(&mut cx, ClientOp::Acquire);
        let state = c.coordinator.as_ref().unwrap();
        assert_eq!(state.holder, Some(NodeId(1)));
        assert_eq!(state.queue, [NodeId(2), NodeId(0)]);
        c.on_message(&mut cx, NodeId(1), CentralMsg::Release);
        c.on_message(&mut cx, NodeId(2), CentralMsg::Release);
        assert!(c.inside, "the coordinator's own queued request is granted locally");
    }

    #[test]
    fn a_stray_grant_does_not_let_an_idle_node_in() {
        let (mut n, mut cx) = node(1);
        n.on_message(&mut cx, COORDINATOR, CentralMsg::Grant);
        assert!(!n.inside);
    }
}
