//! # The Bully election algorithm
//!
//! Garcia-Molina, "Elections in a Distributed Computing System", IEEE Trans. Computers C-31(1),
//! 1982, in the form taught by Coulouris et al., *Distributed Systems* (5th ed., §15.3.2).
//!
//! A node that suspects the coordinator (heartbeats stopped) or is told to start an election
//! sends ELECTION to every node with a higher id. A higher node answers OK (`answer`) and starts
//! its own election. A node that gets no answer within `answer_timeout` is the highest alive: it
//! becomes coordinator and sends COORDINATOR to every lower node. A node that got an answer waits
//! `coordinator_timeout` for the COORDINATOR and starts again if none comes (the would-be
//! coordinator died mid-election). A node that hears a lower node claim leadership (by COORDINATOR
//! or heartbeat) bullies it: it starts an election, which it wins. A restarted node starts one.
//!
//! Failure detection: the coordinator sends HEARTBEAT to all every 50 ms; a node that hears none
//! for 150–300 ms (randomised) starts an election. Heartbeats are reported apart, as detection
//! traffic (`heartbeat` kind). A heartbeat from a higher node also repairs a lost COORDINATOR.
//!
//! **Guarantees.** With reliable failure detection (a silent node is dead): agreement on one
//! coordinator, which is the highest live id, and termination. Termination bound (stated for the
//! checker): from a trigger to agreement within [`termination_bound`] on a network losing at most
//! 10% of messages: twice the detection timeout, then a retry round (answer and coordinator
//! timeouts) for each of the N ids an election may climb through, and never under 2 s.
//!
//! **Messages per election** (counting convention: every ELECTION sent counts, including those
//! to the dead coordinator; COORDINATOR goes to every lower id; heartbeats are not counted here).
//! With ids 0..N-1, the highest (N-1) crashed, and initiator r, every live node from r up to N-2
//! joins in: node i sends N-1-i ELECTIONs, node j answers the j-r ELECTIONs from the joiners
//! below it, and N-2 announces itself to the N-2 nodes below:
//!
//! ```text
//! ELECTION  = (N-1-r)(N-r)/2      ANSWER = (N-2-r)(N-1-r)/2      COORDINATOR = N-2
//! ```
//!
//! Best case r = N-2: N-1 messages. Worst case r = 0: (N-1)² + N-2. Example: N = 8, r = 4:
//! 6 + 3 + 6 = 15, and node 6 wins. See [`messages`].
//!
//! **Variants.** `bug-lower-id-wins`: a teaching mutant that crowns the *lowest* id that answers
//! nothing (it never sends ELECTION to higher ids); the validity checker catches it.

use std::time::Duration;

use harness::election::Detection;
use harness::{Algorithm, ClientOp, Context, Family, Message, Node, NodeId, Observation, Settings, SpecError};

/// From a trigger to agreement, on a network losing at most 10% of messages: max(2 s, twice the
/// detection timeout + N rounds of the answer and coordinator timeouts).
pub fn termination_bound(config: &BullyConfig, nodes: usize) -> Duration {
    let detection = config.detection.leader_timeout.1 * 2;
    let rounds = (config.answer_timeout + config.coordinator_timeout).saturating_mul(nodes as u32);
    Duration::from_secs(2).max(detection + rounds)
}

/// Messages of the Bully algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum BullyMsg {
    Election,
    Answer,
    Coordinator { epoch: u64 },
    Heartbeat { epoch: u64 },
}

impl Message for BullyMsg {
    fn kind(&self) -> &'static str {
        match self {
            BullyMsg::Election => "election",
            BullyMsg::Answer => "answer",
            BullyMsg::Coordinator { .. } => "coordinator",
            BullyMsg::Heartbeat { .. } => "heartbeat",
        }
    }
}

/// Timers of a Bully node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BullyTimer {
    /// No higher node answered our ELECTION.
    Answer,
    /// A higher node answered but no COORDINATOR came.
    Coordinator,
    /// Our coordinator has been silent too long.
    LeaderSilent,
    /// Time for the coordinator's next heartbeat.
    Heartbeat,
}

/// Run configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BullyConfig {
    pub answer_timeout: Duration,
    pub coordinator_timeout: Duration,
    pub detection: Detection,
    /// Teaching mutant: never defer to higher ids.
    pub lower_id_wins: bool,
}

impl Default for BullyConfig {
    fn default() -> Self {
        BullyConfig {
            answer_timeout: Duration::from_millis(20),
            coordinator_timeout: Duration::from_millis(60),
            detection: Detection::default(),
            lower_id_wins: false,
        }
    }
}

/// What survives a crash: the highest epoch seen, so coordinators' epochs keep growing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BullyStable {
    pub epoch: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    /// ELECTION sent to higher ids; waiting for an answer.
    Bidding,
    /// A higher node answered; waiting for its COORDINATOR.
    Deferring,
}

/// One Bully process.
#[derive(Debug)]
pub struct Bully {
    id: NodeId,
    nodes: usize,
    config: BullyConfig,
    phase: Phase,
    leader: Option<NodeId>,
    epoch: u64,
    restarted: bool,
}

impl Bully {
    fn higher(&self) -> impl Iterator<Item = NodeId> {
        (self.id.0 + 1..self.nodes as u32).map(NodeId)
    }

    fn start_election(&mut self, cx: &mut Context<Self>) {
        cx.cancel_timer(BullyTimer::Coordinator);
        if self.config.lower_id_wins || self.higher().next().is_none() {
            return self.become_coordinator(cx);
        }
        self.phase = Phase::Bidding;
        for node in self.higher().collect::<Vec<_>>() {
            cx.send(node, BullyMsg::Election);
        }
        cx.set_timer(BullyTimer::Answer, self.config.answer_timeout);
    }

    fn become_coordinator(&mut self, cx: &mut Context<Self>) {
        self.phase = Phase::Idle;
        self.epoch += 1;
        cx.persist(BullyStable { epoch: self.epoch });
        self.follow(cx, self.id);
        for node in (0..self.id.0).map(NodeId) {
            cx.send(node, BullyMsg::Coordinator { epoch: self.epoch });
        }
        cx.cancel_timer(BullyTimer::Answer);
        cx.cancel_timer(BullyTimer::LeaderSilent);
        cx.set_timer(BullyTimer::Heartbeat, self.config.detection.heartbeat);
    }

    /// Accepts `leader` as coordinator.
    fn follow(&mut self, cx: &mut Context<Self>, leader: NodeId) {
        if self.leader != Some(leader) {
            self.leader = Some(leader);
            cx.observe(Observation::Leader { leader, term: self.epoch });
        }
        if leader != self.id {
            self.phase = Phase::Idle;
            cx.cancel_timer(BullyTimer::Answer);
            cx.cancel_timer(BullyTimer::Coordinator);
            cx.cancel_timer(BullyTimer::Heartbeat);
            self.arm_silence_timer(cx);
        }
    }

    fn arm_silence_timer(&mut self, cx: &mut Context<Self>) {
        let (low, high) = self.config.detection.leader_timeout;
        cx.set_timer_between(BullyTimer::LeaderSilent, low, high);
    }

    /// A lower node claims to lead: bully it (unless we are a mutant that lets it).
    fn claimed_by(&mut self, cx: &mut Context<Self>, claimant: NodeId, epoch: u64) {
        self.epoch = self.epoch.max(epoch);
        if claimant < self.id && !self.config.lower_id_wins {
            if self.phase == Phase::Idle {
                self.start_election(cx);
            }
        } else {
            self.follow(cx, claimant);
        }
    }
}

impl Node for Bully {
    type Msg = BullyMsg;
    type Timer = BullyTimer;
    type Stable = BullyStable;
    type Config = BullyConfig;

    fn new(id: NodeId, nodes: usize, config: &BullyConfig, stable: Option<BullyStable>) -> Self {
        Bully {
            id,
            nodes,
            config: config.clone(),
            phase: Phase::Idle,
            leader: None,
            epoch: stable.map_or(0, |s| s.epoch),
            restarted: stable.is_some(),
        }
    }

    fn on_start(&mut self, cx: &mut Context<Self>) {
        cx.persist(BullyStable { epoch: self.epoch });
        if self.restarted {
            // A recovered process starts an election (and, if it is the highest, wins it).
            self.start_election(cx);
        } else {
            self.arm_silence_timer(cx);
        }
    }

    fn on_message(&mut self, cx: &mut Context<Self>, from: NodeId, msg: BullyMsg) {
        match msg {
            BullyMsg::Election => {
                if from < self.id {
                    cx.send(from, BullyMsg::Answer);
                    if self.leader == Some(self.id) && self.phase == Phase::Idle {
                        // Already coordinator: tell the asker, rather than win again and announce
                        // it to every lower node once per ELECTION (N² COORDINATORs when all
                        // the others bid at once).
                        cx.send(from, BullyMsg::Coordinator { epoch: self.epoch });
                    } else if self.phase == Phase::Idle {
                        self.start_election(cx);
                    }
                }
            }
            BullyMsg::Answer => {
                if self.phase == Phase::Bidding {
                    self.phase = Phase::Deferring;
                    cx.cancel_timer(BullyTimer::Answer);
                    cx.set_timer(BullyTimer::Coordinator, self.config.coordinator_timeout);
                }
            }
            BullyMsg::Coordinator { epoch } => self.claimed_by(cx, from, epoch),
            BullyMsg::Heartbeat { epoch } => {
                if self.leader == Some(from) {
                    self.arm_silence_timer(cx);
                } else {
                    self.claimed_by(cx, from, epoch);
                }
            }
        }
    }

    fn on_timer(&mut self, cx: &mut Context<Self>, timer: BullyTimer) {
        match timer {
            BullyTimer::Answer if self.phase == Phase::Bidding => self.become_coordinator(cx),
            BullyTimer::Coordinator if self.phase == Phase::Deferring => self.start_election(cx),
            BullyTimer::LeaderSilent if self.leader != Some(self.id) => {
                if self.phase == Phase::Idle {
                    self.start_election(cx);
                }
                self.arm_silence_timer(cx);
            }
            BullyTimer::Heartbeat if self.leader == Some(self.id) => {
                cx.broadcast(BullyMsg::Heartbeat { epoch: self.epoch });
                cx.set_timer(BullyTimer::Heartbeat, self.config.detection.heartbeat);
            }
            _ => {}
        }
    }

    fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp) {
        if op == ClientOp::StartElection && self.phase == Phase::Idle {
            self.start_election(cx);
        }
    }
}

impl Algorithm for Bully {
    const NAME: &'static str = "bully";
    const FAMILY: Family = Family::Election;
    const SUMMARY: &'static str = "the highest live id bullies its way to coordinator; O(N²) messages worst case";
    const VARIANTS: &'static [(&'static str, &'static str)] =
        &[("bug-lower-id-wins", "teaching mutant: never defers to higher ids, so a lower id can win")];
    const DETECTION_KINDS: &'static [&'static str] = &["heartbeat"];

    /// Crash-stop with restarts, the model these algorithms are written for (no partitions).
    const TOLERATES: &'static [harness::FaultClass] = &[harness::FaultClass::Crash, harness::FaultClass::Timing];

    fn termination_bound(config: &BullyConfig, nodes: usize) -> Option<Duration> {
        Some(termination_bound(config, nodes))
    }

    /// The worst case: the highest id crashed, the lowest initiates.
    fn formula() -> Option<harness::formula::Formula> {
        Some(harness::formula::Formula {
            text: "(N-1-r)(N-r)/2 + (N-2-r)(N-1-r)/2 + N-2; r = 0: (N-1)² + N-2",
            source: "Garcia-Molina 1982; Coulouris et al. §15.3.2",
            scenario: |nodes| harness::formula::one_election(nodes, 0, true),
            expected: |nodes, _| {
                let (election, answer, coordinator) = messages(nodes as u64, 0);
                election + answer + coordinator
            },
        })
    }

    /// Heartbeats and the leader timeout from the run's shared detection range; an ELECTION
    /// waits `answer` = max(20 ms, 10 round trips) for an ANSWER, then three times that for the
    /// COORDINATOR that should follow.
    fn configure(settings: &mut Settings) -> Result<BullyConfig, SpecError> {
        let variant = settings.variant::<Self>()?;
        let timing = settings.timing;
        let answer = settings.params.duration("answer_timeout", harness::election::ack_timeout(&timing))?;
        let coordinator = settings.params.duration("coordinator_timeout", answer * 3)?;
        Ok(BullyConfig {
            answer_timeout: answer,
            coordinator_timeout: coordinator,
            detection: Detection::of(settings.detect()?),
            lower_id_wins: variant == Some("bug-lower-id-wins"),
        })
    }
}

/// Election messages (ELECTION, ANSWER, COORDINATOR) of one election among ids 0..N-1 with the
/// highest crashed and node `initiator` (< N-1) starting it.
pub fn messages(nodes: u64, initiator: u64) -> (u64, u64, u64) {
    let (n, r) = (nodes, initiator);
    assert!(n >= 2 && r < n - 1, "the initiator must be alive and below the crashed highest id");
    ((n - 1 - r) * (n - r) / 2, (n - 2 - r) * (n - 1 - r) / 2, n - 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: u32, nodes: usize) -> (Bully, Context<Bully>) {
        (Bully::new(NodeId(id), nodes, &BullyConfig::default(), None), Context::for_test(NodeId(id), nodes))
    }

    #[test]
    fn formula_table() {
        assert_eq!(messages(8, 4), (6, 3, 6));
        assert_eq!(messages(8, 6), (1, 0, 6), "best case: N-1 in all");
        assert_eq!(messages(8, 0), (28, 21, 6), "worst case: (N-1)^2 + N-2");
    }

    // Coulouris §15.3.2: ELECTION goes to every higher id, and only to them.
    #[test]
    fn an_election_goes_to_higher_ids() {
        let (mut n, mut cx) = node(2, 5);
        n.on_client(&mut cx, ClientOp::StartElection);
        let sends: Vec<NodeId> = cx.take_effects().sends.into_iter().map(|(to, _)| to).collect();
        assert_eq!(sends, [NodeId(3), NodeId(4)]);
    }

    #[test]
    fn a_lower_elector_is_answered_and_provokes_our_own_election() {
        let (mut n, mut cx) = node(3, 5);
        n.on_message(&mut cx, NodeId(1), BullyMsg::Election);
        let sends = cx.take_effects().sends;
        assert_eq!(sends, vec![(NodeId(1), BullyMsg::Answer), (NodeId(4), BullyMsg::Election)]);
    }

    /// The highest node, once coordinator, tells a late elector alone instead of winning again
    /// and announcing itself to every lower id per ELECTION (N² COORDINATORs when all bid).
    #[test]
    fn a_coordinator_answers_a_late_elector_alone() {
        let (mut n, mut cx) = node(4, 5);
        n.on_message(&mut cx, NodeId(0), BullyMsg::Election);
        assert_eq!(cx.take_effects().sends.len(), 1 + 4, "an answer, then COORDINATOR to the four below");
        n.on_message(&mut cx, NodeId(2), BullyMsg::Election);
        let coordinator = BullyMsg::Coordinator { epoch: 1 };
        assert_eq!(cx.take_effects().sends, vec![(NodeId(2), BullyMsg::Answer), (NodeId(2), coordinator)]);
    }

    #[test]
    fn no_answer_makes_us_coordinator_of_the_lower_ids() {
        let (mut n, mut cx) = node(2, 4);
        n.on_client(&mut cx, ClientOp::StartElection);
        cx.take_effects();
        n.on_timer(&mut cx, BullyTimer::Answer);
        let effects = cx.take_effects();
        let coordinator = BullyMsg::Coordinator { epoch: 1 };
        assert_eq!(effects.sends, vec![(NodeId(0), coordinator), (NodeId(1), coordinator)]);
        assert_eq!(effects.observations, vec![Observation::Leader { leader: NodeId(2), term: 1 }]);
    }

    #[test]
    fn an_answer_without_coordinator_restarts_the_election() {
        let (mut n, mut cx) = node(1, 3);
        n.on_client(&mut cx, ClientOp::StartElection);
        n.on_message(&mut cx, NodeId(2), BullyMsg::Answer);
        cx.take_effects();
        n.on_timer(&mut cx, BullyTimer::Coordinator);
        assert_eq!(cx.take_effects().sends, vec![(NodeId(2), BullyMsg::Election)]);
    }
}
