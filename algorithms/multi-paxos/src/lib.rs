//! # Multi-Paxos
//!
//! Lamport, "Paxos Made Simple" (2001) §3, with the engineering of "Paxos Made Live" (Chandra,
//! Griesemer & Redstone, 2007) and van Renesse & Altinbuken, "Paxos Made Moderately Complex"
//! (2015): a distinguished leader runs phase 1 once for every open slot, then only phase 2 per
//! command. The acceptor, its stable storage, ballots and the learner are Basic Paxos's
//! ([`paxos`]).
//!
//! - **Leader election by ballots.** A node that hears from no leader for a randomized timeout
//!   (150–300 ms) picks a ballot above every round it has seen and sends Prepare for every slot from
//!   its first unknown one. A majority of promises makes it leader; it heartbeats every 50 ms. A
//!   leader that meets a higher ballot (a refusal, a Prepare) steps down.
//! - **Recovery.** From the promises the new leader re-proposes, in its own ballot, the
//!   highest-numbered accepted value of every open slot, and fills holes below the highest such
//!   slot with no-ops; new commands take the slots after it.
//! - **Steady state.** Accept to every other node, Accepted back; a majority chooses the value.
//! - **Commit notifications are piggybacked**, not sent: every Accept and heartbeat carries the
//!   leader's gap-free learned prefix. A follower learns a slot in that prefix from its own
//!   accepted value when it accepted it in the leader's ballot (that ballot proposed one value per
//!   slot, and the leader only learns its own ballot's values); otherwise it asks the leader
//!   (CatchUp), as does a node that restarted or was cut off.
//! - **Clients** are answered by the leader once the command is applied; others redirect with a
//!   leader hint. Retries carry the same (client, sequence number); the shared store applies
//!   each command once.
//!
//! **Guarantees:** at most one value chosen per slot (Paxos safety, checked from the acceptors'
//! `Accepted` observations), State Machine Safety and linearizable client histories; progress
//! needs a majority that can talk and a leader that stays long enough (timing).
//!
//! **Messages per command: 2(N-1)** in steady state (Accept and Accepted with each of the N-1
//! others, Lamport 2001 §3: "phase 2 only"), with no separate commit messages since commits
//! ride on the next Accept or heartbeat. Electing a leader costs 2(N-1) (Prepare, Promise) plus
//! 2(N-1) per slot it recovers; heartbeats (N-1 per 50 ms) are failure detection and counted
//! apart.
//!
//! **Variants.** `flexible` is Flexible Paxos (Howard, Malkhi & Spiegelman, "Flexible Paxos:
//! Quorum intersection revisited", 2016): phase 1 needs only intersect every phase-2 quorum, not
//! every phase-1 quorum, so a leader chooses with `Q2` acceptances (`--param q2=K`, default
//! ⌊N/2⌋) and elections take `Q1 = N - Q2 + 1` promises (`--param q1` may be larger; `Q1 + Q2 ≤ N`
//! is refused). Steady state sends the same 2(N-1) messages but waits only for the `Q2 - 1`
//! fastest followers (on a WAN, the nearest); the price is at leader change, which needs `Q1` live
//! nodes, so it tolerates `N - max(Q1, Q2)` crashes (campaigns draw no more). The teaching mutants
//! are `bug-skip-recovery` and `bug-flexible-disjoint` (`Q1 = N - Q2`: a new leader's promises can
//! miss a chosen value; state machine safety and one value per slot, counted at `Q2`, catch it).
//!
//! **Built on Basic Paxos.** This crate depends on the `paxos` crate for what the two share
//! unchanged: [`paxos::Ballot`], the acceptor's stable storage [`paxos::Disk`], [`paxos::Value`]
//! and the [`paxos::learner::Learner`] that applies chosen slots in order. An algorithm may build
//! on another this way; only the leader, its phase 1 over all open slots and the heartbeats are
//! Multi-Paxos's own.

pub mod config;
pub mod messages;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use harness::kv::Command;
use harness::{
    Algorithm, ClientOp, ClientReply, Context, Family, Node, NodeId, Observation, ReplyOutcome, RunSpec, Settings,
    SpecError, Time,
};
use paxos::learner::Learner;
use paxos::{Ballot, Disk, Value};

use config::{MultiPaxosConfig, Mutant};
use messages::MultiPaxosMsg;

/// Multi-Paxos's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MultiPaxosTimer {
    /// No leader heard from: run phase 1.
    Election,
    /// Leader: heartbeat, and send unanswered Accepts again.
    Heartbeat,
}

#[derive(Debug)]
enum Role {
    Follower,
    /// Running phase 1 from slot `from`: who promised, and the highest accepted value per slot.
    Candidate {
        from: u64,
        promised: BTreeSet<NodeId>,
        found: BTreeMap<u64, (Ballot, Value)>,
    },
    Leader,
}

/// A slot the leader has proposed and not yet seen chosen.
#[derive(Debug)]
struct Proposal {
    value: Value,
    accepted: BTreeSet<NodeId>,
    sent: Time,
}

/// One Multi-Paxos node: acceptor and learner always, proposer when leader.
#[derive(Debug)]
pub struct MultiPaxos {
    id: NodeId,
    nodes: usize,
    config: MultiPaxosConfig,
    disk: Disk,
    learner: Learner,
    role: Role,
    /// Our ballot as candidate or leader.
    ballot: Ballot,
    /// The leader we follow and its ballot.
    leader: Option<(NodeId, Ballot)>,
    seen_round: u64,
    // Leader only.
    next_slot: u64,
    proposals: BTreeMap<u64, Proposal>,
    /// Each client's command in flight here: (seq, slot), so a retry waits for it.
    in_flight: HashMap<u32, (u64, u64)>,
    /// When we last asked for a catch-up, to ask at most once per heartbeat period.
    asked: Option<Time>,
}

impl MultiPaxos {
    fn reset_election_timer(&self, cx: &mut Context<Self>) {
        let (low, high) = self.config.election_timeout;
        cx.set_timer_between(MultiPaxosTimer::Election, low, high);
    }

    fn note_leader(&mut self, cx: &mut Context<Self>, leader: NodeId, ballot: Ballot) {
        if self.leader != Some((leader, ballot)) {
            self.leader = Some((leader, ballot));
            cx.observe(Observation::Leader { leader, term: ballot.as_u64() });
        }
    }

    /// Back to follower: forget leadership and the clients waiting on it (they retry elsewhere).
    fn step_down(&mut self, cx: &mut Context<Self>) {
        if matches!(self.role, Role::Follower) {
            return;
        }
        if matches!(self.role, Role::Leader) {
            cx.cancel_timer(MultiPaxosTimer::Heartbeat);
            self.leader = None;
        }
        self.role = Role::Follower;
        self.proposals.clear();
        self.in_flight.clear();
        self.learner.drop_waiting();
        self.reset_election_timer(cx);
    }

    /// Phase 1a for every slot from our first unknown one, in a fresh ballot.
    fn start_election(&mut self, cx: &mut Context<Self>) {
        self.step_down(cx);
        self.ballot = Ballot::new(self.disk.next_round(self.seen_round), self.id);
        self.reset_election_timer(cx);
        let from = self.learner.first_unknown();
        match self.disk.promise_from(from, self.ballot) {
            Ok(accepted) => {
                self.role = Role::Candidate { from, promised: BTreeSet::new(), found: BTreeMap::new() };
                cx.broadcast(MultiPaxosMsg::Prepare { ballot: self.ballot, from });
                self.on_promise(cx, self.id, self.ballot, accepted);
            }
            Err(refused) => self.seen_round = self.seen_round.max(refused.promised.round),
        }
    }

    fn on_promise(
        &mut self,
        cx: &mut Context<Self>,
        from: NodeId,
        ballot: Ballot,
        accepted: Vec<(u64, Ballot, Value)>,
    ) {
        if ballot != self.ballot {
            return;
        }
        let majority = self.config.quorums.phase1;
        let Role::Candidate { promised, found, .. } = &mut self.role else { return };
        promised.insert(from);
        for (slot, b, value) in accepted {
            if found.get(&slot).is_none_or(|(highest, _)| b > *highest) {
                found.insert(slot, (b, value));
            }
        }
        if promised.len() >= majority {
            self.become_leader(cx);
        }
    }

    fn become_leader(&mut self, cx: &mut Context<Self>) {
        let Role::Candidate { from, found, .. } = std::mem::replace(&mut self.role, Role::Leader) else { return };
        cx.cancel_timer(MultiPaxosTimer::Election);
        self.note_leader(cx, self.id, self.ballot);
        let commit = self.learner.applied_through();
        cx.broadcast(MultiPaxosMsg::Heartbeat { ballot: self.ballot, commit });
        cx.set_timer(MultiPaxosTimer::Heartbeat, self.config.heartbeat);
        // Recovery: every open slot up to the highest accepted one gets its highest accepted
        // value again, in our ballot; holes get no-ops.
        let last = found.keys().next_back().copied().unwrap_or(from - 1).max(from - 1);
        self.next_slot = last + 1;
        let skip_recovery = self.config.mutant == Some(Mutant::SkipRecovery);
        let mut found = found;
        for slot in from..=last {
            let value = match found.remove(&slot) {
                Some((_, value)) if !skip_recovery => value,
                _ => Value::Noop,
            };
            if let Value::Command(c) = &value {
                self.in_flight.insert(c.client, (c.seq, slot));
            }
            self.propose(cx, slot, value);
        }
    }

    /// Phase 2a for `slot`: accept locally, then ask everyone else.
    fn propose(&mut self, cx: &mut Context<Self>, slot: u64, value: Value) {
        if let Err(refused) = self.disk.accept(slot, self.ballot, &value) {
            self.seen_round = self.seen_round.max(refused.promised.round);
            return self.step_down(cx);
        }
        cx.observe(Observation::Accepted { slot, ballot: self.ballot.as_u64(), value: value.digest() });
        let commit = self.learner.applied_through();
        cx.broadcast(MultiPaxosMsg::Accept { ballot: self.ballot, slot, value: value.clone(), commit });
        self.proposals.insert(slot, Proposal { value, accepted: BTreeSet::new(), sent: cx.now() });
        self.on_accepted(cx, self.id, self.ballot, slot);
    }

    fn on_accepted(&mut self, cx: &mut Context<Self>, from: NodeId, ballot: Ballot, slot: u64) {
        if !matches!(self.role, Role::Leader) || ballot != self.ballot {
            return;
        }
        let majority = self.config.quorums.phase2;
        let Some(proposal) = self.proposals.get_mut(&slot) else { return };
        proposal.accepted.insert(from);
        if proposal.accepted.len() < majority {
            return;
        }
        let proposal = self.proposals.remove(&slot).expect("proposal");
        if let Value::Command(c) = &proposal.value {
            if self.in_flight.get(&c.client).is_some_and(|(_, s)| *s == slot) {
                self.in_flight.remove(&c.client);
            }
        }
        self.learner.learn(cx, &self.disk, slot, proposal.value);
    }

    /// Someone leads in `ballot`: follow it (stepping down if we were candidate or leader).
    fn follow(&mut self, cx: &mut Context<Self>, leader: NodeId, ballot: Ballot) {
        self.seen_round = self.seen_round.max(ballot.round);
        if !matches!(self.role, Role::Follower) && ballot > self.ballot {
            self.step_down(cx);
        }
        if matches!(self.role, Role::Follower) {
            self.note_leader(cx, leader, ballot);
            self.reset_election_timer(cx);
        }
    }

    /// Learns the leader's committed prefix from our own values accepted in its ballot; asks
    /// the leader for the rest.
    fn learn_committed(&mut self, cx: &mut Context<Self>, leader: NodeId, ballot: Ballot, commit: u64) {
        while self.learner.first_unknown() <= commit {
            let slot = self.learner.first_unknown();
            match self.disk.accepted(slot) {
                Some((b, value)) if b == ballot => self.learner.learn(cx, &self.disk, slot, value),
                _ => {
                    let now = cx.now();
                    if self.asked.is_none_or(|t| now.saturating_since(t) >= self.config.heartbeat) {
                        self.asked = Some(now);
                        cx.send(leader, MultiPaxosMsg::CatchUp { from: slot });
                    }
                    return;
                }
            }
        }
    }

    fn on_prepare(&mut self, cx: &mut Context<Self>, from: NodeId, ballot: Ballot, first: u64) {
        self.seen_round = self.seen_round.max(ballot.round);
        match self.disk.promise_from(first, ballot) {
            Ok(accepted) => {
                if ballot > self.ballot {
                    self.step_down(cx);
                }
                // Give the candidate its chance before running our own election.
                self.reset_election_timer(cx);
                cx.send(from, MultiPaxosMsg::Promise { ballot, accepted });
            }
            Err(refused) => cx.send(from, MultiPaxosMsg::Reject { ballot, promised: refused.promised }),
        }
    }

    fn on_accept(
        &mut self,
        cx: &mut Context<Self>,
        from: NodeId,
        ballot: Ballot,
        slot: u64,
        value: Value,
        commit: u64,
    ) {
        match self.disk.accept(slot, ballot, &value) {
            Ok(()) => {
                cx.observe(Observation::Accepted { slot, ballot: ballot.as_u64(), value: value.digest() });
                self.follow(cx, from, ballot);
                cx.send(from, MultiPaxosMsg::Accepted { ballot, slot });
                self.learn_committed(cx, from, ballot, commit);
            }
            Err(refused) => cx.send(from, MultiPaxosMsg::Reject { ballot, promised: refused.promised }),
        }
    }

    fn on_heartbeat(&mut self, cx: &mut Context<Self>, from: NodeId, ballot: Ballot, commit: u64) {
        let promised = self.disk.promised_all();
        if ballot < promised {
            return cx.send(from, MultiPaxosMsg::Reject { ballot, promised });
        }
        self.follow(cx, from, ballot);
        self.learn_committed(cx, from, ballot, commit);
    }

    fn on_reject(&mut self, cx: &mut Context<Self>, ballot: Ballot, promised: Ballot) {
        self.seen_round = self.seen_round.max(promised.round);
        if ballot == self.ballot && promised > self.ballot {
            self.step_down(cx);
        }
    }

    fn on_heartbeat_timer(&mut self, cx: &mut Context<Self>) {
        if !matches!(self.role, Role::Leader) {
            return;
        }
        let commit = self.learner.applied_through();
        cx.broadcast(MultiPaxosMsg::Heartbeat { ballot: self.ballot, commit });
        // Accepts (or their answers) lost: send them again to whoever has not answered.
        let now = cx.now();
        for (slot, proposal) in self.proposals.iter_mut() {
            if now.saturating_since(proposal.sent) < self.config.heartbeat {
                continue;
            }
            proposal.sent = now;
            for peer in (0..self.nodes as u32).map(NodeId).filter(|p| *p != self.id && !proposal.accepted.contains(p)) {
                let msg =
                    MultiPaxosMsg::Accept { ballot: self.ballot, slot: *slot, value: proposal.value.clone(), commit };
                cx.send(peer, msg);
            }
        }
        cx.set_timer(MultiPaxosTimer::Heartbeat, self.config.heartbeat);
    }

    fn on_submit(&mut self, cx: &mut Context<Self>, command: Command) {
        let (client, seq) = (command.client, command.seq);
        if !matches!(self.role, Role::Leader) {
            // The hint with the ballot it leads: a client follows it only if that is newer than
            // what it knows.
            let (hint, term) = self.leader.map_or((None, 0), |(leader, ballot)| (Some(leader), ballot.as_u64()));
            return cx.reply(ClientReply { client, seq, outcome: ReplyOutcome::NotLeader { hint, term } });
        }
        if let Some(result) = self.learner.applied_result(client, seq) {
            return cx.reply(ClientReply { client, seq, outcome: ReplyOutcome::Ok(result.clone()) });
        }
        self.learner.await_reply(client, seq);
        if self.in_flight.get(&client).is_some_and(|(s, _)| *s == seq) {
            return; // a retry of a command already proposed: its answer comes when it is chosen
        }
        let slot = self.next_slot;
        self.next_slot += 1;
        self.in_flight.insert(client, (seq, slot));
        self.propose(cx, slot, Value::Command(command));
    }
}

impl Node for MultiPaxos {
    type Msg = MultiPaxosMsg;
    type Timer = MultiPaxosTimer;
    type Stable = Disk;
    type Config = MultiPaxosConfig;

    fn new(id: NodeId, nodes: usize, config: &MultiPaxosConfig, stable: Option<Disk>) -> Self {
        MultiPaxos {
            id,
            nodes,
            config: config.clone(),
            disk: stable.unwrap_or_default(),
            learner: Learner::default(),
            role: Role::Follower,
            ballot: Ballot::ZERO,
            leader: None,
            seen_round: 0,
            next_slot: 1,
            proposals: BTreeMap::new(),
            in_flight: HashMap::new(),
            asked: None,
        }
    }

    fn on_start(&mut self, cx: &mut Context<Self>) {
        cx.persist(self.disk.clone());
        self.learner = Learner::recover(cx, &self.disk);
        self.reset_election_timer(cx);
    }

    fn on_message(&mut self, cx: &mut Context<Self>, from: NodeId, msg: MultiPaxosMsg) {
        match msg {
            MultiPaxosMsg::Prepare { ballot, from: first } => self.on_prepare(cx, from, ballot, first),
            MultiPaxosMsg::Promise { ballot, accepted } => self.on_promise(cx, from, ballot, accepted),
            MultiPaxosMsg::Accept { ballot, slot, value, commit } => {
                self.on_accept(cx, from, ballot, slot, value, commit)
            }
            MultiPaxosMsg::Accepted { ballot, slot } => self.on_accepted(cx, from, ballot, slot),
            MultiPaxosMsg::Reject { ballot, promised } => self.on_reject(cx, ballot, promised),
            MultiPaxosMsg::Heartbeat { ballot, commit } => self.on_heartbeat(cx, from, ballot, commit),
            MultiPaxosMsg::CatchUp { from: first } => {
                let values = self.learner.catch_up_from(first);
                if !values.is_empty() {
                    cx.send(from, MultiPaxosMsg::CatchUpReply { values });
                }
            }
            // A leader learns only what its own ballot chose: its commit notifications vouch
            // for its followers' values in that ballot.
            MultiPaxosMsg::CatchUpReply { values } if !matches!(self.role, Role::Leader) => {
                for (slot, value) in values {
                    self.learner.learn(cx, &self.disk, slot, value);
                }
            }
            MultiPaxosMsg::CatchUpReply { .. } => {}
        }
    }

    fn on_timer(&mut self, cx: &mut Context<Self>, timer: MultiPaxosTimer) {
        match timer {
            MultiPaxosTimer::Election if !matches!(self.role, Role::Leader) => self.start_election(cx),
            MultiPaxosTimer::Election => {}
            MultiPaxosTimer::Heartbeat => self.on_heartbeat_timer(cx),
        }
    }

    fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp) {
        if let ClientOp::Submit(command) = op {
            self.on_submit(cx, std::sync::Arc::unwrap_or_clone(command));
        }
    }
}

impl Algorithm for MultiPaxos {
    const NAME: &'static str = "multi-paxos";
    const FAMILY: Family = Family::Replication;
    const SUMMARY: &'static str = "stable leader, phase 1 once per leadership; 2(N-1) per command";
    const VARIANTS: &'static [(&'static str, &'static str)] = config::VARIANTS;
    const DETECTION_KINDS: &'static [&'static str] = messages::HEARTBEAT_KINDS;
    const TOLERATES: &'static [harness::FaultClass] = harness::FaultClass::ALL;

    fn configure(settings: &mut Settings) -> Result<MultiPaxosConfig, SpecError> {
        MultiPaxosConfig::for_settings::<Self>(settings)
    }

    fn extra_checkers(spec: &RunSpec) -> Vec<Box<dyn harness::checkers::Checker>> {
        let quorums = quorums_of(spec);
        vec![Box::new(harness::checkers::OneValuePerSlot { nodes: spec.nodes, chosen_by: quorums.phase2, fast: None })]
    }

    fn crash_budget(spec: &RunSpec) -> usize {
        quorums_of(spec).tolerated(spec.nodes).min(spec.nodes.saturating_sub(1) / 2)
    }

    /// One client, one command at a time, after the first election: 2(N-1) per command.
    fn formula() -> Option<harness::formula::Formula> {
        Some(harness::formula::Formula {
            text: "2(N-1) per command (Accept + Accepted per follower; commits piggybacked)",
            source: "Lamport, Paxos Made Simple (2001) §3",
            scenario: harness::formula::one_client,
            expected: |nodes, history| {
                let commands = harness::formula::answered(history);
                // Plus the election: N-1 Prepares and N-1 Promises.
                (commands + 1) * 2 * (nodes as u64 - 1)
            },
        })
    }
}

/// The quorums `spec` asks for (a majority if its parameters do not parse: the run refuses them
/// before it starts).
fn quorums_of(spec: &RunSpec) -> config::Quorums {
    let mut params = harness::Params::new(&spec.params);
    config::Quorums::of(spec.nodes, spec.variant.as_deref(), &mut params)
        .unwrap_or_else(|_| config::Quorums::majority(spec.nodes))
}
