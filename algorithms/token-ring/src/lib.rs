//! # Token Ring mutual exclusion
//!
//! Le Lann's token ring (1977) as taught in Tanenbaum & van Steen, *Distributed Systems* (3rd ed.,
//! §6.3.3), with the ring's two classic repairs: skipping a dead successor and regenerating a
//! lost token.
//!
//! Nodes form a logical ring by id (0 → 1 → … → N-1 → 0). One token circulates; its holder may
//! enter. A node that receives the token and wants to enter keeps it until it leaves, then passes
//! it to its successor; a node that does not want it passes it on after a short token-holding
//! time (`idle_pass_delay`, 1 ms by default, which also bounds idle circulation).
//!
//! - **Dead successors.** The receiver of the token acknowledges it with ACK. A sender that gets
//!   no ACK within `ack_timeout` sends the token to the next node after the silent one, and so on.
//! - **Lost token.** Every node expects to see the token within `loss_timeout · (1 + id)` (the
//!   lowest live id times out first, like the ring's active monitor in IEEE 802.5). It then
//!   *claims* the next generation: a CLAIM goes round the ring (each hop acknowledged, dead nodes
//!   skipped like the token's), and only when it comes back to its sender is the token
//!   regenerated with that generation (the claim-token process of IEEE 802.5). A node that holds
//!   the token, or has passed it on and awaits its ACK, stops a claim: the token is not lost. So
//!   does a node that knows that generation already, or has a claim of its own that ranks higher
//!   (the lower id wins between claims of one generation); a node with a lower-ranked claim drops
//!   its own and passes the other on. Links are FIFO, so a token on its way over a link is
//!   delivered before any claim that follows it: a claim that came back met no token. Every token
//!   carries (generation, hop); a node accepts only a token newer than any it has accepted or
//!   passed on, so a late copy of an old token (a network duplicate, a token from before the
//!   regeneration) is discarded.
//!
//!   Regenerating at the timeout alone, as this crate first did, is not enough: a node restarted
//!   after a crash starts its loss timer afresh, and can time out a millisecond after a lower id,
//!   both minting the same generation (`check token-ring` found it at seed 4864; the run is in
//!   `scenarios/regressions/token-ring-two-regenerations.toml`).
//!
//! **Guarantees.** Mutual exclusion while there is one token, and at most one token after a
//! regeneration; no starvation (the token visits everyone in turn). The repairs assume failure
//! detection is accurate and links FIFO: a successor that is only slow (ACK later than
//! `ack_timeout`), or a token that is only late (longer than the loss timeout), yields two
//! tokens. That is the algorithm's classical assumption, and `slow` faults make it visible; it is
//! not hidden here.
//!
//! **Messages per entry: 1 to ∞ token passes, each with its ACK.** Counting convention: every
//! TOKEN and ACK on the wire counts, idle circulation included, so an entry costs
//! 2 · (hops the token made since the previous entry). The formula scenario is light load with
//! requesters taking turns in ring order and no think time: the requester is always the next
//! node, so each entry costs exactly 2 messages (one hop and its ACK), and the first costs 0
//! (node 0 starts with the token). A run of K entries ends at the K-th exit, whose pass to the
//! next node is sent (and counted) but whose ACK arrives after the run: 2K - 1 messages in all.
//! An idle rotation costs 2N.
//!
//! **Variants.** `bug-no-generation-check`: a teaching mutant that accepts every token it is
//! given, so a duplicated or stale token becomes a second live token.

use std::time::Duration;

use harness::{Algorithm, ClientOp, Context, Family, Message, Node, NodeId, Observation, Settings, SpecError};

/// The token's identity: regenerations bump the generation, every pass bumps the hop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Stamp {
    pub generation: u64,
    pub hop: u64,
}

/// A claim to regenerate a lost token: generation `generation`, by node `origin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Claim {
    pub generation: u64,
    pub origin: NodeId,
}

impl Claim {
    /// Claims of a higher generation rank higher; of one generation, the lower id's.
    fn rank(&self) -> (u64, std::cmp::Reverse<NodeId>) {
        (self.generation, std::cmp::Reverse(self.origin))
    }
}

/// Messages of the token ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum RingMsg {
    Token(Stamp),
    Ack(Stamp),
    Claim(Claim),
    ClaimAck(Claim),
}

impl Message for RingMsg {
    fn kind(&self) -> &'static str {
        match self {
            RingMsg::Token(_) => "token",
            RingMsg::Ack(_) => "ack",
            RingMsg::Claim(_) => "claim",
            RingMsg::ClaimAck(_) => "claim_ack",
        }
    }
}

/// Timers of a ring node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RingTimer {
    /// Pass the idle token on.
    PassOn,
    /// The successor did not acknowledge the token.
    Ack,
    /// The token has not come by for too long.
    Loss,
    /// The successor did not acknowledge a claim.
    ClaimAck,
}

/// Run configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RingConfig {
    pub idle_pass_delay: Duration,
    pub ack_timeout: Duration,
    pub loss_timeout: Duration,
    /// Teaching mutant: accept any token, whatever its stamp.
    pub skip_generation_check: bool,
}

impl Default for RingConfig {
    fn default() -> Self {
        RingConfig {
            idle_pass_delay: Duration::from_millis(1),
            ack_timeout: Duration::from_millis(20),
            loss_timeout: Duration::from_millis(500),
            skip_generation_check: false,
        }
    }
}

/// Survives a crash: that the node has run before (so a restarted node 0 does not mint a second
/// first token) and the highest generation it has seen (so a restarted node never regenerates a
/// generation it already knew, whose stamp the others would take for a stale copy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HasStarted {
    pub newest_generation: u64,
}

/// One process of the token ring.
#[derive(Debug)]
pub struct TokenRing {
    id: NodeId,
    nodes: usize,
    config: RingConfig,
    /// The token, while we hold it.
    token: Option<Stamp>,
    /// The newest stamp we accepted or passed on.
    newest: Stamp,
    /// The token we passed and the node that has not acknowledged it yet.
    unacknowledged: Option<(NodeId, Stamp)>,
    /// Our own claim, while it goes round.
    claim: Option<Claim>,
    /// A claim we passed on and the node that has not acknowledged it yet.
    claim_unacknowledged: Option<(NodeId, Claim)>,
    requesting: bool,
    inside: bool,
    first_start: bool,
}

impl TokenRing {
    fn after(&self, node: NodeId) -> NodeId {
        NodeId(((node.index() + 1) % self.nodes) as u32)
    }

    fn loss_timeout(&self) -> Duration {
        self.config.loss_timeout * (1 + self.id.0)
    }

    /// We hold the token: enter if we want to, else pass it on shortly.
    fn use_token(&mut self, cx: &mut Context<Self>) {
        if self.requesting {
            self.requesting = false;
            self.inside = true;
            cx.observe(Observation::Entered);
        } else {
            cx.set_timer(RingTimer::PassOn, self.config.idle_pass_delay);
        }
    }

    /// Sends the token we hold to our successor.
    fn pass_on(&mut self, cx: &mut Context<Self>) {
        let Some(held) = self.token.take() else {
            return;
        };
        let stamp = Stamp { generation: held.generation, hop: held.hop + 1 };
        self.newest = self.newest.max(stamp);
        let successor = self.after(self.id);
        self.send_token(cx, successor, stamp);
    }

    fn send_token(&mut self, cx: &mut Context<Self>, to: NodeId, stamp: Stamp) {
        if to == self.id {
            // Everyone else is silent: keep the token and try again later.
            self.token = Some(stamp);
            cx.set_timer(RingTimer::PassOn, self.config.ack_timeout);
            return;
        }
        cx.send(to, RingMsg::Token(stamp));
        self.unacknowledged = Some((to, stamp));
        cx.set_timer(RingTimer::Ack, self.config.ack_timeout);
    }

    fn accepts(&self, stamp: Stamp) -> bool {
        self.config.skip_generation_check || stamp > self.newest
    }

    /// Sends `claim` to `to` (ourselves: everyone else is silent, so it has come round).
    fn send_claim(&mut self, cx: &mut Context<Self>, to: NodeId, claim: Claim) {
        if to == self.id {
            return self.on_claim(cx, self.id, claim);
        }
        cx.send(to, RingMsg::Claim(claim));
        self.claim_unacknowledged = Some((to, claim));
        cx.set_timer(RingTimer::ClaimAck, self.config.ack_timeout);
    }

    /// A claim reached us (or came back to us).
    fn on_claim(&mut self, cx: &mut Context<Self>, from: NodeId, claim: Claim) {
        if from != self.id {
            cx.send(from, RingMsg::ClaimAck(claim));
        }
        if claim.generation <= self.newest.generation {
            return; // stale: that generation exists already (or a duplicate of a finished claim)
        }
        if claim.origin == self.id {
            if self.claim == Some(claim) {
                // Round the ring without meeting the token: it is lost. Regenerate.
                self.claim = None;
                let stamp = Stamp { generation: claim.generation, hop: 0 };
                self.newest = stamp;
                cx.persist(HasStarted { newest_generation: stamp.generation });
                self.token = Some(stamp);
                cx.observe(Observation::Note { label: "token_regenerated", value: stamp.generation });
                self.use_token(cx);
            }
            return;
        }
        if self.token.is_some() || self.unacknowledged.is_some() {
            return; // the token is here, or on its way from here: not lost
        }
        if self.claim.is_some_and(|mine| mine.rank() > claim.rank()) {
            return; // ours ranks higher
        }
        // Theirs goes on; ours (if any) gives way. Someone is regenerating: wait before claiming.
        self.claim = None;
        cx.set_timer(RingTimer::Loss, self.loss_timeout());
        let successor = self.after(self.id);
        self.send_claim(cx, successor, claim);
    }
}

impl Node for TokenRing {
    type Msg = RingMsg;
    type Timer = RingTimer;
    type Stable = HasStarted;
    type Config = RingConfig;

    fn new(id: NodeId, nodes: usize, config: &RingConfig, stable: Option<HasStarted>) -> Self {
        TokenRing {
            id,
            nodes,
            config: config.clone(),
            token: None,
            newest: Stamp { generation: stable.map_or(0, |s| s.newest_generation), hop: 0 },
            unacknowledged: None,
            claim: None,
            claim_unacknowledged: None,
            requesting: false,
            inside: false,
            first_start: stable.is_none(),
        }
    }

    fn on_start(&mut self, cx: &mut Context<Self>) {
        cx.persist(HasStarted { newest_generation: self.newest.generation });
        if self.id == NodeId(0) && self.first_start {
            self.token = Some(self.newest);
            self.use_token(cx);
        }
        cx.set_timer(RingTimer::Loss, self.loss_timeout());
    }

    fn on_message(&mut self, cx: &mut Context<Self>, from: NodeId, msg: RingMsg) {
        match msg {
            RingMsg::Token(stamp) => {
                cx.send(from, RingMsg::Ack(stamp));
                // Even a stale copy shows the ring is busy: put off regenerating, so the lowest
                // live id, whose loss timeout is the shortest, stays the one to regenerate.
                cx.set_timer(RingTimer::Loss, self.loss_timeout());
                if !self.accepts(stamp) {
                    return;
                }
                if stamp.generation > self.newest.generation {
                    cx.persist(HasStarted { newest_generation: stamp.generation });
                }
                self.newest = self.newest.max(stamp);
                self.token = Some(stamp);
                self.claim = None; // the token is not lost after all
                cx.set_timer(RingTimer::Loss, self.loss_timeout());
                self.use_token(cx);
            }
            RingMsg::Ack(stamp) => {
                if self.unacknowledged == Some((from, stamp)) {
                    self.unacknowledged = None;
                    cx.cancel_timer(RingTimer::Ack);
                }
            }
            RingMsg::Claim(claim) => self.on_claim(cx, from, claim),
            RingMsg::ClaimAck(claim) => {
                if self.claim_unacknowledged == Some((from, claim)) {
                    self.claim_unacknowledged = None;
                    cx.cancel_timer(RingTimer::ClaimAck);
                }
            }
        }
    }

    fn on_timer(&mut self, cx: &mut Context<Self>, timer: RingTimer) {
        match timer {
            RingTimer::PassOn if !self.inside && !self.requesting => self.pass_on(cx),
            RingTimer::PassOn => {}
            RingTimer::Ack => {
                // The successor is silent: presume it dead and skip it.
                if let Some((silent, stamp)) = self.unacknowledged.take() {
                    let next = self.after(silent);
                    self.send_token(cx, next, stamp);
                }
            }
            RingTimer::Loss => {
                if self.token.is_none() && self.unacknowledged.is_none() {
                    // Claim the next generation (again, if an earlier claim was lost on the way).
                    let claim = Claim { generation: self.newest.generation + 1, origin: self.id };
                    self.claim = Some(claim);
                    let successor = self.after(self.id);
                    self.send_claim(cx, successor, claim);
                }
                cx.set_timer(RingTimer::Loss, self.loss_timeout());
            }
            RingTimer::ClaimAck => {
                // The successor is silent: skip it, as the token would.
                if let Some((silent, claim)) = self.claim_unacknowledged.take() {
                    let next = self.after(silent);
                    self.send_claim(cx, next, claim);
                }
            }
        }
    }

    fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp) {
        match op {
            ClientOp::Acquire if !self.requesting && !self.inside => {
                cx.observe(Observation::Requested { timestamp: None });
                self.requesting = true;
                if self.token.is_some() {
                    cx.cancel_timer(RingTimer::PassOn);
                    self.use_token(cx);
                }
            }
            ClientOp::Release if self.inside => {
                self.inside = false;
                cx.observe(Observation::Exited);
                cx.set_timer(RingTimer::Loss, self.loss_timeout());
                self.pass_on(cx);
            }
            _ => {}
        }
    }
}

impl Algorithm for TokenRing {
    const NAME: &'static str = "token-ring";
    const FAMILY: Family = Family::Mutex;
    const SUMMARY: &'static str = "a token circulates on a ring; skips dead successors, regenerates a lost token";
    const VARIANTS: &'static [(&'static str, &'static str)] =
        &[("bug-no-generation-check", "teaching mutant: accepts stale and duplicated tokens")];

    /// Turns in ring order with no think time: one hop and its ACK per entry; node 0's first
    /// entry is free and the last pass's ACK lands after the run.
    fn formula() -> Option<harness::formula::Formula> {
        Some(harness::formula::Formula {
            text: "2 per entry in ring order (token + ack); 2N per idle rotation",
            source: "Le Lann 1977; Tanenbaum & van Steen, §6.3.3",
            scenario: |nodes| harness::formula::light_mutex(nodes, 20),
            expected: |nodes, history| {
                let entries = harness::formula::entries(history).count() as u64;
                if nodes < 2 {
                    0
                } else {
                    2 * entries - 1
                }
            },
        })
    }

    /// Crashes (a dead successor is skipped, a lost token regenerated). Not slowness: a successor
    /// slower than the ACK timeout is presumed dead, which can make a second token. Duplicated
    /// messages, yes: a stale copy of the token is recognised by its stamp.
    const TOLERATES: &'static [harness::FaultClass] = &[harness::FaultClass::Crash, harness::FaultClass::Duplication];

    /// A hop waits max(20 ms, 10 round trips) for its ACK; the lowest id waits max(500 ms,
    /// 100 round trips) without a sighting of the token before it regenerates one (node `i`
    /// waits `i + 1` times that). The algorithm trusts its failure detector, so both are far above
    /// what a live ring takes.
    fn configure(settings: &mut Settings) -> Result<RingConfig, SpecError> {
        let variant = settings.variant::<Self>()?;
        let round_trip = settings.timing.round_trip;
        let defaults = RingConfig::default();
        Ok(RingConfig {
            idle_pass_delay: settings.params.duration("idle_pass_delay", defaults.idle_pass_delay)?,
            ack_timeout: settings.params.duration("ack_timeout", defaults.ack_timeout.max(round_trip * 10))?,
            loss_timeout: settings.params.duration("loss_timeout", defaults.loss_timeout.max(round_trip * 100))?,
            skip_generation_check: variant == Some("bug-no-generation-check"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: u32, nodes: usize) -> (TokenRing, Context<TokenRing>) {
        (TokenRing::new(NodeId(id), nodes, &RingConfig::default(), None), Context::for_test(NodeId(id), nodes))
    }

    fn stamp(generation: u64, hop: u64) -> Stamp {
        Stamp { generation, hop }
    }

    #[test]
    fn acknowledges_and_discards_a_token_older_than_one_seen() {
        let (mut n, mut cx) = node(2, 4);
        n.on_message(&mut cx, NodeId(1), RingMsg::Token(stamp(2, 0)));
        n.on_timer(&mut cx, RingTimer::PassOn);
        cx.take_effects();
        n.on_message(&mut cx, NodeId(1), RingMsg::Token(stamp(1, 7)));
        let effects = cx.take_effects();
        assert_eq!(effects.sends, vec![(NodeId(1), RingMsg::Ack(stamp(1, 7)))], "ack, but no pass on");
        assert!(n.token.is_none());
    }

    #[test]
    fn a_silent_successor_is_skipped() {
        let (mut n, mut cx) = node(1, 4);
        n.on_message(&mut cx, NodeId(0), RingMsg::Token(stamp(0, 1)));
        n.on_timer(&mut cx, RingTimer::PassOn);
        assert_eq!(n.unacknowledged, Some((NodeId(2), stamp(0, 2))));
        cx.take_effects();
        n.on_timer(&mut cx, RingTimer::Ack);
        assert_eq!(cx.take_effects().sends, vec![(NodeId(3), RingMsg::Token(stamp(0, 2)))]);
    }

    #[test]
    fn a_lost_token_is_regenerated_once_a_claim_went_round_the_ring() {
        let (mut n, mut cx) = node(3, 4);
        n.on_message(&mut cx, NodeId(2), RingMsg::Token(stamp(4, 9)));
        n.on_timer(&mut cx, RingTimer::PassOn);
        n.on_message(&mut cx, NodeId(0), RingMsg::Ack(stamp(4, 10)));
        cx.take_effects();
        n.on_timer(&mut cx, RingTimer::Loss);
        let claim = Claim { generation: 5, origin: NodeId(3) };
        let effects = cx.take_effects();
        assert_eq!(effects.sends, vec![(NodeId(0), RingMsg::Claim(claim))], "claim first");
        assert!(effects.observations.is_empty() && n.token.is_none(), "no token yet");
        n.on_message(&mut cx, NodeId(2), RingMsg::Claim(claim));
        let effects = cx.take_effects();
        assert_eq!(effects.observations, vec![Observation::Note { label: "token_regenerated", value: 5 }]);
        assert_eq!(n.token, Some(stamp(5, 0)));
    }

    #[test]
    fn a_claim_stops_where_the_token_is() {
        let (mut n, mut cx) = node(2, 4);
        n.on_message(&mut cx, NodeId(1), RingMsg::Token(stamp(4, 9)));
        cx.take_effects();
        let claim = Claim { generation: 5, origin: NodeId(0) };
        n.on_message(&mut cx, NodeId(1), RingMsg::Claim(claim));
        assert_eq!(cx.take_effects().sends, vec![(NodeId(1), RingMsg::ClaimAck(claim))], "acknowledged, not passed on");
        n.on_timer(&mut cx, RingTimer::PassOn);
        cx.take_effects();
        n.on_message(&mut cx, NodeId(1), RingMsg::Claim(claim));
        assert_eq!(
            cx.take_effects().sends,
            vec![(NodeId(1), RingMsg::ClaimAck(claim))],
            "the token is on its way from here"
        );
    }

    #[test]
    fn of_two_claims_the_lower_id_s_goes_on_and_a_stale_one_stops() {
        let (mut n, mut cx) = node(2, 4);
        n.on_timer(&mut cx, RingTimer::Loss);
        let mine = Claim { generation: 1, origin: NodeId(2) };
        assert_eq!(cx.take_effects().sends, vec![(NodeId(3), RingMsg::Claim(mine))]);
        let lower = Claim { generation: 1, origin: NodeId(1) };
        n.on_message(&mut cx, NodeId(1), RingMsg::Claim(lower));
        let sends = cx.take_effects().sends;
        assert_eq!(sends, vec![(NodeId(1), RingMsg::ClaimAck(lower)), (NodeId(3), RingMsg::Claim(lower))]);
        assert_eq!(n.claim, None, "ours gave way");
        let (mut m, mut cx) = node(0, 4);
        m.on_timer(&mut cx, RingTimer::Loss);
        cx.take_effects();
        m.on_message(&mut cx, NodeId(3), RingMsg::Claim(Claim { generation: 1, origin: NodeId(2) }));
        assert_eq!(cx.take_effects().sends.len(), 1, "ours ranks higher: theirs is only acknowledged");
        m.on_message(&mut cx, NodeId(3), RingMsg::Token(stamp(3, 0)));
        cx.take_effects();
        m.on_message(&mut cx, NodeId(3), RingMsg::Claim(Claim { generation: 2, origin: NodeId(1) }));
        assert_eq!(cx.take_effects().sends.len(), 1, "generation 2 is older than the token seen");
    }

    #[test]
    fn a_restarted_node_zero_does_not_mint_a_second_token() {
        let mut n = TokenRing::new(NodeId(0), 3, &RingConfig::default(), Some(HasStarted { newest_generation: 0 }));
        let mut cx = Context::for_test(NodeId(0), 3);
        n.on_start(&mut cx);
        assert!(n.token.is_none());
    }
}
