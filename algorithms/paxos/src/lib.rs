//! # Basic Paxos, one instance per log slot
//!
//! Lamport, "Paxos Made Simple" (2001), §2; run once per slot of a replicated log, the
//! "part-time parliament" way (Lamport, "The Part-Time Parliament", 1998), with no leader: every
//! node is a proposer, an acceptor and a learner.
//!
//! - **Phase 1.** A proposer with a client command picks the first slot it does not know the value
//!   of and that no other proposer is working on (it saw another's Prepare or Accept for it within
//!   the attempt timeout), and a fresh ballot (a round above any it has seen or used, tie-broken by
//!   its id; the round is on disk before the ballot goes out). Proposers that hear of each other
//!   thus spread over consecutive slots instead of duelling for one. It sends Prepare; an acceptor promises to refuse
//!   lower ballots for that slot and reports the highest-numbered proposal it has accepted.
//! - **Phase 2.** With promises from a majority, the proposer proposes the value of the highest
//!   accepted proposal among them, or its own command if there is none (P2c: this is what keeps a
//!   chosen value chosen). Acceptors accept unless they have promised a higher ballot.
//! - **Learning.** A majority of Accepted chooses the value; the proposer tells every node
//!   (Chosen). A node asked about a slot it already knows answers with Chosen, which is also how
//!   a node that missed the news catches up. Learners apply slots in order to the shared key-value
//!   store; a proposer whose slot went to another value tries its command in the next slot. A gap
//!   that nobody fills (its proposer crashed) and nobody can tell us about is filled with a no-op
//!   proposed like any value, after the attempt timeout.
//! - **Contention.** A refused proposer retries with a higher ballot after a random back-off that
//!   doubles with each refusal in a row; `no-backoff` retries at once, and dueling proposers can
//!   then pre-empt each other for ever (FLP: safety never depends on timing, progress does).
//! - **Stable storage.** Promises, accepted proposals, the highest round used and the learned
//!   values are written before the node answers ([`disk`]); a restarted node keeps its promises.
//!
//! **Guarantees:** at most one value is chosen per slot (checked from the acceptors' `Accepted`
//! observations by the one-value-per-slot checker), so every learner applies the same command at
//! each slot (State Machine Safety) and the client history is linearizable; progress needs a
//! majority that can talk, and back-off (or luck) to break duels.
//!
//! **Messages per value: 4(N-1) + (N-1) = 5(N-1).** With the proposer co-located with an acceptor
//! (it promises and accepts locally without a message) and no contention: Prepare, Promise,
//! Accept and Accepted to and from each of the N-1 others, 4(N-1) (Lamport 2001 §2.2; the
//! standard count, e.g. Howard's "Distributed consensus revised", 2019, §2.3), plus N-1 Chosen
//! notifications so the other learners learn it (§2.4 lets the proposer inform the learners).
//!
//! **Variants:** `no-backoff`, and the teaching mutant `bug-ignore-accepted`.
//!
//! **Shared with Multi-Paxos.** The `multi-paxos` crate builds on this one: it reuses [`Ballot`],
//! [`Disk`] (the acceptor's stable storage), [`Value`] and the [`learner::Learner`] as they are.
//! A change to them changes both algorithms; their tests run together in the workspace.

pub mod ballot;
pub mod config;
pub mod disk;
pub mod learner;
pub mod messages;
pub mod value;

use std::collections::{BTreeSet, VecDeque};

use harness::kv::Command;
use harness::{
    Algorithm, ClientOp, ClientReply, Context, Family, Node, NodeId, Observation, ReplyOutcome, RunSpec, Settings,
    SpecError,
};

pub use ballot::Ballot;
use config::{Mutant, PaxosConfig};
pub use disk::Disk;
use learner::Learner;
use messages::PaxosMsg;
pub use value::Value;

/// Basic Paxos's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PaxosTimer {
    /// Start the current attempt again (after a back-off or a timeout).
    Retry,
    /// A gap in the learned slots is still there: ask for the missing values.
    CatchUp,
}

#[derive(Debug)]
enum Phase {
    Preparing {
        promised: BTreeSet<NodeId>,
        highest: Option<(Ballot, Value)>,
    },
    Accepting {
        value: Value,
        accepted: BTreeSet<NodeId>,
    },
    /// Refused; waiting out the back-off.
    BackingOff,
}

/// The proposer's current attempt to get `own` chosen (or, without a command, a no-op into a
/// gap).
#[derive(Debug)]
struct Attempt {
    slot: u64,
    ballot: Ballot,
    own: Option<Command>,
    phase: Phase,
}

impl Attempt {
    /// What it proposes when the promises report nothing accepted.
    fn own_value(&self) -> Value {
        self.own.clone().map_or(Value::Noop, Value::Command)
    }

    /// Whether it is (a retry of) client `client`'s command `seq`.
    fn is(&self, client: u32, seq: u64) -> bool {
        self.own.as_ref().is_some_and(|c| c.client == client && c.seq == seq)
    }
}

/// One node: proposer, acceptor and learner.
#[derive(Debug)]
pub struct Paxos {
    id: NodeId,
    nodes: usize,
    config: PaxosConfig,
    disk: Disk,
    learner: Learner,
    /// Client commands waiting for their turn as proposals.
    queue: VecDeque<Command>,
    attempt: Option<Attempt>,
    /// The highest round seen in any message.
    seen_round: u64,
    /// Refusals in a row, for the back-off.
    refusals: u32,
    /// Who last told us of a value beyond a gap: the node to ask for the gap.
    informant: Option<NodeId>,
    catch_up_armed: bool,
    /// The first unknown slot when the catch-up timer was last armed: a gap still there a
    /// timeout later is filled.
    gap_seen: Option<u64>,
    /// Slots another proposer was seen working on, and when: skipped for an attempt timeout.
    busy: std::collections::BTreeMap<u64, harness::Time>,
}

impl Paxos {
    fn majority(&self) -> usize {
        self.nodes / 2 + 1
    }

    /// Proposes the next queued command that is not applied yet.
    fn start_next(&mut self, cx: &mut Context<Self>) {
        if self.attempt.is_some() {
            return;
        }
        while let Some(command) = self.queue.pop_front() {
            if self.learner.applied_result(command.client, command.seq).is_none() {
                return self.begin(cx, command);
            }
        }
    }

    /// The first slot this node does not know the value of and nobody else is working on.
    fn free_slot(&mut self, now: harness::Time) -> u64 {
        let first = self.learner.first_unknown();
        let timeout = self.config.attempt_timeout;
        self.busy.retain(|slot, seen| *slot >= first && now.saturating_since(*seen) < timeout);
        let mut slot = first;
        while self.learner.known(slot).is_some() || self.busy.contains_key(&slot) {
            slot += 1;
        }
        slot
    }

    /// Notes that another proposer works on `slot`.
    fn note_busy(&mut self, cx: &Context<Self>, slot: u64) {
        if slot >= self.learner.first_unknown() && self.learner.known(slot).is_none() {
            self.busy.insert(slot, cx.now());
        }
    }

    /// Phase 1a for `own` in the first free slot.
    fn begin(&mut self, cx: &mut Context<Self>, own: Command) {
        let slot = self.free_slot(cx.now());
        self.begin_at(cx, slot, Some(own));
    }

    /// Phase 1a in `slot`, for `own` (or a no-op).
    fn begin_at(&mut self, cx: &mut Context<Self>, slot: u64, own: Option<Command>) {
        let ballot = Ballot::new(self.disk.next_round(self.seen_round), self.id);
        let phase = Phase::Preparing { promised: BTreeSet::new(), highest: None };
        self.attempt = Some(Attempt { slot, ballot, own, phase });
        cx.set_timer(PaxosTimer::Retry, self.config.attempt_timeout);
        match self.disk.promise(slot, ballot) {
            Ok(accepted) => {
                cx.broadcast(PaxosMsg::Prepare { slot, ballot });
                self.on_promise(cx, self.id, slot, ballot, accepted);
            }
            Err(refused) => self.on_reject(cx, slot, ballot, refused.promised),
        }
    }

    fn is_current(&self, slot: u64, ballot: Ballot) -> bool {
        self.attempt.as_ref().is_some_and(|a| a.slot == slot && a.ballot == ballot)
    }

    fn on_promise(
        &mut self,
        cx: &mut Context<Self>,
        from: NodeId,
        slot: u64,
        ballot: Ballot,
        accepted: Option<(Ballot, Value)>,
    ) {
        if !self.is_current(slot, ballot) {
            return;
        }
        let majority = self.majority();
        let ignore_accepted = self.config.mutant == Some(Mutant::IgnoreAccepted);
        let attempt = self.attempt.as_mut().expect("current attempt");
        let Phase::Preparing { promised, highest } = &mut attempt.phase else { return };
        promised.insert(from);
        if let Some((b, v)) = accepted {
            if highest.as_ref().is_none_or(|(h, _)| b > *h) {
                *highest = Some((b, v));
            }
        }
        if promised.len() < majority {
            return;
        }
        // P2c: the highest accepted value among the promises, or our own if there is none.
        let value = match highest.take() {
            Some((_, v)) if !ignore_accepted => v,
            _ => attempt.own_value(),
        };
        attempt.phase = Phase::Accepting { value: value.clone(), accepted: BTreeSet::new() };
        match self.disk.accept(slot, ballot, &value) {
            Ok(()) => {
                cx.observe(Observation::Accepted { slot, ballot: ballot.as_u64(), value: value.digest() });
                cx.broadcast(PaxosMsg::Accept { slot, ballot, value });
                self.on_accepted(cx, self.id, slot, ballot);
            }
            Err(refused) => self.on_reject(cx, slot, ballot, refused.promised),
        }
    }

    fn on_accepted(&mut self, cx: &mut Context<Self>, from: NodeId, slot: u64, ballot: Ballot) {
        if !self.is_current(slot, ballot) {
            return;
        }
        let majority = self.majority();
        let attempt = self.attempt.as_mut().expect("current attempt");
        let Phase::Accepting { value, accepted } = &mut attempt.phase else { return };
        accepted.insert(from);
        if accepted.len() < majority {
            return;
        }
        let value = value.clone();
        cx.broadcast(PaxosMsg::Chosen { slot, value: value.clone() });
        self.learn(cx, slot, value);
    }

    /// A refusal of the current attempt: back off (or not) and try again with a higher ballot.
    fn on_reject(&mut self, cx: &mut Context<Self>, slot: u64, ballot: Ballot, promised: Ballot) {
        self.seen_round = self.seen_round.max(promised.round);
        if !self.is_current(slot, ballot) {
            return;
        }
        let attempt = self.attempt.as_mut().expect("current attempt");
        if matches!(attempt.phase, Phase::BackingOff) {
            return;
        }
        attempt.phase = Phase::BackingOff;
        match self.config.backoff {
            Some(backoff) => {
                let window = backoff.first.saturating_mul(1 << self.refusals.min(16)).min(backoff.cap);
                self.refusals += 1;
                let delay = cx.random_duration(std::time::Duration::ZERO, window);
                cx.set_timer(PaxosTimer::Retry, delay);
            }
            None => self.retry(cx),
        }
    }

    /// Starts the current attempt again with a fresh ballot, in the same slot while it is open
    /// (a duel is settled there, by back-off; moving away could leave it empty).
    fn retry(&mut self, cx: &mut Context<Self>) {
        let Some(attempt) = self.attempt.take() else { return };
        let open = self.learner.known(attempt.slot).is_none();
        match attempt.own {
            Some(own) if self.learner.applied_result(own.client, own.seq).is_some() => self.start_next(cx),
            Some(own) if open => self.begin_at(cx, attempt.slot, Some(own)),
            Some(own) => self.begin(cx, own),
            None if open => self.begin_at(cx, attempt.slot, None),
            None => self.start_next(cx),
        }
    }

    /// Learns a chosen value; if it settles the current attempt's slot, moves on.
    fn learn(&mut self, cx: &mut Context<Self>, slot: u64, value: Value) {
        self.learner.learn(cx, &self.disk, slot, value);
        if self.learner.has_gap() && !self.catch_up_armed {
            // Values may arrive out of order for a moment; ask only if the gap stays.
            cx.set_timer(PaxosTimer::CatchUp, self.config.attempt_timeout);
            self.catch_up_armed = true;
        }
        let settled = self.attempt.as_ref().is_some_and(|a| self.learner.known(a.slot).is_some());
        if !settled {
            return;
        }
        let attempt = self.attempt.take().expect("settled attempt");
        cx.cancel_timer(PaxosTimer::Retry);
        self.refusals = 0;
        if let Some(own) = attempt.own {
            if !self.learner.known(attempt.slot).is_some_and(|v| v.is(own.client, own.seq)) {
                // Our slot went to another value: try our command in the next free one.
                self.queue.push_front(own);
            }
        }
        self.start_next(cx);
    }

    fn on_prepare(&mut self, cx: &mut Context<Self>, from: NodeId, slot: u64, ballot: Ballot) {
        self.seen_round = self.seen_round.max(ballot.round);
        self.note_busy(cx, slot);
        if let Some(value) = self.learner.known(slot) {
            return cx.send(from, PaxosMsg::Chosen { slot, value: value.clone() });
        }
        let reply = match self.disk.promise(slot, ballot) {
            Ok(accepted) => PaxosMsg::Promise { slot, ballot, accepted },
            Err(refused) => PaxosMsg::Reject { slot, ballot, promised: refused.promised },
        };
        cx.send(from, reply);
    }

    fn on_accept(&mut self, cx: &mut Context<Self>, from: NodeId, slot: u64, ballot: Ballot, value: Value) {
        self.seen_round = self.seen_round.max(ballot.round);
        self.note_busy(cx, slot);
        if let Some(known) = self.learner.known(slot) {
            return cx.send(from, PaxosMsg::Chosen { slot, value: known.clone() });
        }
        let reply = match self.disk.accept(slot, ballot, &value) {
            Ok(()) => {
                cx.observe(Observation::Accepted { slot, ballot: ballot.as_u64(), value: value.digest() });
                PaxosMsg::Accepted { slot, ballot }
            }
            Err(refused) => PaxosMsg::Reject { slot, ballot, promised: refused.promised },
        };
        cx.send(from, reply);
    }

    fn on_submit(&mut self, cx: &mut Context<Self>, command: Command) {
        let (client, seq) = (command.client, command.seq);
        if let Some(result) = self.learner.applied_result(client, seq) {
            return cx.reply(ClientReply { client, seq, outcome: ReplyOutcome::Ok(result.clone()) });
        }
        self.learner.await_reply(client, seq);
        if self.attempt.as_ref().is_some_and(|a| a.is(client, seq)) {
            return; // a retry of the command being proposed
        }
        // A client has one command outstanding: a newer one replaces anything older it left here.
        self.queue.retain(|c| c.client != client);
        self.queue.push_back(command);
        self.start_next(cx);
    }
}

impl Node for Paxos {
    type Msg = PaxosMsg;
    type Timer = PaxosTimer;
    type Stable = Disk;
    type Config = PaxosConfig;

    fn new(id: NodeId, nodes: usize, config: &PaxosConfig, stable: Option<Disk>) -> Self {
        Paxos {
            id,
            nodes,
            config: config.clone(),
            disk: stable.unwrap_or_default(),
            learner: Learner::default(),
            queue: VecDeque::new(),
            attempt: None,
            seen_round: 0,
            refusals: 0,
            informant: None,
            catch_up_armed: false,
            gap_seen: None,
            busy: std::collections::BTreeMap::new(),
        }
    }

    fn on_start(&mut self, cx: &mut Context<Self>) {
        cx.persist(self.disk.clone());
        self.learner = Learner::recover(cx, &self.disk);
    }

    fn on_message(&mut self, cx: &mut Context<Self>, from: NodeId, msg: PaxosMsg) {
        match msg {
            PaxosMsg::Prepare { slot, ballot } => self.on_prepare(cx, from, slot, ballot),
            PaxosMsg::Promise { slot, ballot, accepted } => self.on_promise(cx, from, slot, ballot, accepted),
            PaxosMsg::Accept { slot, ballot, value } => self.on_accept(cx, from, slot, ballot, value),
            PaxosMsg::Accepted { slot, ballot } => self.on_accepted(cx, from, slot, ballot),
            PaxosMsg::Reject { slot, ballot, promised } => self.on_reject(cx, slot, ballot, promised),
            PaxosMsg::Chosen { slot, value } => {
                if slot > self.learner.first_unknown() {
                    self.informant = Some(from);
                }
                self.learn(cx, slot, value)
            }
            PaxosMsg::CatchUp { from: first } => {
                let values = self.learner.catch_up_from(first);
                if !values.is_empty() {
                    cx.send(from, PaxosMsg::CatchUpReply { values });
                }
            }
            PaxosMsg::CatchUpReply { values } => {
                for (slot, value) in values {
                    self.learn(cx, slot, value);
                }
            }
        }
    }

    fn on_timer(&mut self, cx: &mut Context<Self>, timer: PaxosTimer) {
        match timer {
            PaxosTimer::Retry => self.retry(cx),
            PaxosTimer::CatchUp => {
                self.catch_up_armed = false;
                if !self.learner.has_gap() {
                    self.gap_seen = None;
                    return;
                }
                let gap = self.learner.first_unknown();
                if self.gap_seen == Some(gap) && self.attempt.is_none() {
                    // Asked and waited a timeout: nobody knows it. Fill it with a no-op.
                    self.begin_at(cx, gap, None);
                } else if let Some(peer) = self.informant {
                    cx.send(peer, PaxosMsg::CatchUp { from: gap });
                }
                self.gap_seen = Some(gap);
                cx.set_timer(PaxosTimer::CatchUp, self.config.attempt_timeout);
                self.catch_up_armed = true;
            }
        }
    }

    fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp) {
        if let ClientOp::Submit(command) = op {
            self.on_submit(cx, std::sync::Arc::unwrap_or_clone(command));
        }
    }
}

impl Algorithm for Paxos {
    const NAME: &'static str = "paxos";
    const FAMILY: Family = Family::Replication;
    const SUMMARY: &'static str = "Basic Paxos per log slot, no leader; 4(N-1) per value + N-1 to learn";
    const VARIANTS: &'static [(&'static str, &'static str)] = config::VARIANTS;
    const TOLERATES: &'static [harness::FaultClass] = harness::FaultClass::ALL;

    fn configure(settings: &mut Settings) -> Result<PaxosConfig, SpecError> {
        PaxosConfig::for_settings::<Self>(settings)
    }

    fn extra_checkers(spec: &RunSpec) -> Vec<Box<dyn harness::checkers::Checker>> {
        vec![Box::new(harness::checkers::OneValuePerSlot::majority(spec.nodes))]
    }

    /// One client, one command at a time, no contention: 5(N-1) per command.
    fn formula() -> Option<harness::formula::Formula> {
        Some(harness::formula::Formula {
            text: "4(N-1) per value + N-1 Chosen = 5(N-1) per command",
            source: "Lamport, Paxos Made Simple (2001) §2.2-2.4",
            scenario: harness::formula::one_client,
            expected: |nodes, history| {
                let commands = harness::formula::answered(history);
                commands * 5 * (nodes as u64 - 1)
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::kv::KvOp;

    fn node(id: u32) -> (Paxos, Context<Paxos>) {
        let mut paxos = Paxos::new(NodeId(id), 3, &PaxosConfig::default(), None);
        let mut cx = Context::for_test(NodeId(id), 3);
        paxos.on_start(&mut cx);
        cx.take_effects();
        (paxos, cx)
    }

    fn command(client: u32) -> Command {
        Command { client, seq: 1, op: KvOp::Put { key: 0, value: client.to_string() } }
    }

    fn prepared_slots(cx: &mut Context<Paxos>) -> Vec<u64> {
        cx.take_effects()
            .sends
            .iter()
            .filter_map(|(_, m)| match m {
                PaxosMsg::Prepare { slot, .. } => Some(*slot),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_proposer_skips_a_slot_another_is_working_on() {
        let (mut a, mut cx) = node(0);
        a.on_message(&mut cx, NodeId(1), PaxosMsg::Prepare { slot: 1, ballot: Ballot::new(1, NodeId(1)) });
        cx.take_effects();
        a.on_client(&mut cx, ClientOp::submit(command(7)));
        assert_eq!(prepared_slots(&mut cx), vec![2, 2], "slot 1 is busy: the command goes to slot 2");
    }

    #[test]
    fn a_gap_nobody_fills_is_filled_with_a_no_op_after_asking() {
        let (mut a, mut cx) = node(0);
        a.on_message(&mut cx, NodeId(1), PaxosMsg::Chosen { slot: 2, value: Value::Command(command(9)) });
        cx.take_effects();
        a.on_timer(&mut cx, PaxosTimer::CatchUp);
        let asked = cx.take_effects().sends;
        assert_eq!(asked, vec![(NodeId(1), PaxosMsg::CatchUp { from: 1 })], "first ask the node that knew more");
        a.on_timer(&mut cx, PaxosTimer::CatchUp);
        assert_eq!(prepared_slots(&mut cx), vec![1, 1], "still a gap a timeout later: propose into it");
        let attempt = a.attempt.as_ref().expect("a gap filler");
        assert_eq!((attempt.slot, attempt.own_value()), (1, Value::Noop));
    }
}
