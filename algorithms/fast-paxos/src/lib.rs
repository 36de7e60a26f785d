//! # Fast Paxos
//!
//! Lamport, "Fast Paxos", Distributed Computing 19(2), 2006, as a replicated log beside
//! Multi-Paxos. A leader (elected as in Multi-Paxos, by phase 1 over every open slot) lets
//! clients skip it: they send each command to every acceptor at once, and acceptors vote it
//! straight into the next free slot of a *fast ballot*. A value is chosen when a fast quorum,
//! ⌈3N/4⌉ of N, votes it in one slot: one message delay fewer than a leader's relay.
//!
//! - **Ballots.** A leader takes an even round for its fast ballot `B` and reserves the odd
//!   round above for every classic proposal it makes (`B'`). Every acceptor is also a learner
//!   of what the leader announces; the leader learns from the votes.
//! - **Slots in fast ballots.** The leader's ANY message opens a window at slot `from`: each
//!   acceptor puts the commands it receives, in arrival order, into `from`, `from + 1`, ...
//!   (a retried command keeps its slot). Concurrent clients whose commands reach acceptors in
//!   different orders make acceptors vote different values into one slot: a *collision*.
//! - **Collision detection and coordinated recovery** (§3.3, §4.2). The leader sees a collision
//!   when no value can still reach a fast quorum in a slot (or a slot stays undecided for a
//!   heartbeat: lost messages, a crashed acceptor). It closes the window (CLOSE): each acceptor
//!   stops voting and reports its votes from that slot on; those reports from a classic quorum
//!   are phase 1b of the leader's classic ballot `B'`, and the leader proposes in `B'`, slot by
//!   slot, the value the fast-ballot rule requires (a value that may have been chosen, else any
//!   voted one), re-proposes the commands that lost in later slots, and opens a new window
//!   after them. An acceptor accepts in `B'` only while its promise is still `B`, so no other
//!   leader's ballot came in between the two rounds.
//! - **Falling back.** With fewer than a fast quorum heard from, the leader keeps the window
//!   shut and runs classic Multi-Paxos phase 2 (in `B'`) for the commands it receives itself,
//!   and reopens it when enough acceptors are back. A new leader recovers every open slot with
//!   the same rule from its phase-1 promises.
//! - **Contention** (`--param max_backoff=K`, off by default). Measured at N = 5 on links of
//!   1-3 ms (`run fast-paxos --clients C --latency uniform:1ms-3ms --ops 1000`), the share of
//!   slots chosen on the fast path is 1.0 with one client, 0.79 with 2, 0.12 with 4 and 0.05
//!   with 8, and every collision costs a CLOSE round and re-proposals: 15 messages per command
//!   from 4 clients on, against 8 for Multi-Paxos. With `max_backoff=K` the leader keeps the
//!   window shut for 1, 2, 4, ... up to K heartbeats after each collision and clears the backoff
//!   after 32 fast choices in a row: about 8.4 messages per command under contention, at the
//!   price of almost no fast path from 4 clients on.
//! - **Learning.** Heartbeats carry the leader's learned prefix and the digests of the values it
//!   chose since the last one: a follower learns a slot from its own vote when the digests
//!   match, and asks the leader otherwise (CatchUp).
//!
//! **Guarantees:** at most one value chosen per slot (checked with fast ballots counted at the
//! fast quorum: the harness's `OneValuePerSlot` with [`quorums::is_fast_number`]), State Machine Safety and linearizable client
//! histories; progress needs a classic quorum that can talk, and the fast path a fast quorum.
//!
//! **Messages per command: N-1** on the fast path (each other acceptor's vote to the leader;
//! the client's copies are not network messages of the algorithm and commits ride on
//! heartbeats), against 2(N-1) for Multi-Paxos. Counting convention for `workbench formulas`
//! (one client, one command at a time): the first leader's Prepare, Promise and ANY, (N-1)
//! each, then N-1 per command: (N-1)(commands + 3). Message delays from a client's send to the
//! leader learning the command: 2 (client to acceptors, acceptors to leader) against 3 for a
//! leader-based protocol (client to leader, leader to acceptors, back). The harness hands a
//! leader-based protocol's command to the node directly, so its recorded latency starts at the
//! leader; Fast Paxos's includes the client's hop, since that is where acceptors order commands.
//! Recorded per run: `replication.fast_path_ratio` (slots chosen on the fast path, of all chosen
//! by this leader) and `replication.collisions`.
//!
//! **Timeouts.** Election timeout: the run's shared failure-detection range; heartbeat a third
//! of its low end (also the wait before an undecided fast slot is recovered).
//!
//! **Variants.** `bug-majority-fast-quorum`, a teaching mutant: fast quorums of a bare majority.
//! Two fast quorums and a classic one need not share an acceptor, so a recovering leader can
//! find two values that may have been chosen, pick the wrong one, and choose a second value in
//! a slot; the one-value-per-slot checker catches it.

pub mod config;
pub mod messages;
pub mod quorums;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use harness::kv::Command;
use harness::metrics::{CLASSIC_PATH_NOTE, COLLISION_NOTE, FAST_PATH_NOTE};
use harness::{
    Algorithm, ClientOp, ClientReply, Context, Family, Node, NodeId, Observation, ReplyOutcome, RunSpec, Settings,
    SpecError, Time,
};
use paxos::learner::Learner;
use paxos::{Ballot, Disk, Value};

use config::FastPaxosConfig;
use messages::FastPaxosMsg;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FastPaxosTimer {
    /// No leader heard from: run phase 1.
    Election,
    /// Leader: heartbeat, recover stalled fast slots, resend unanswered Accepts.
    Heartbeat,
}

/// Digests of chosen values a heartbeat carries at most.
const CHOSEN_PER_HEARTBEAT: usize = 512;

/// An acceptor's open fast window: the leader, its fast ballot, the next slot to vote into, and
/// the slot each command got (so a retried command keeps it).
#[derive(Debug)]
struct Window {
    leader: NodeId,
    ballot: Ballot,
    number: u64,
    next: u64,
    voted: HashMap<(u32, u64), u64>,
}

#[derive(Debug)]
enum Mode {
    /// Acceptors vote commands into slots from `from` on.
    Fast { from: u64 },
    /// The window is being shut at `at`: the acceptors' reports so far.
    Closing { at: u64, since: Time, reports: BTreeMap<NodeId, Vec<(u64, Ballot, Value)>> },
    /// No window: the leader proposes what it receives, as in Multi-Paxos.
    Classic,
}

/// A classic proposal awaiting a classic quorum.
#[derive(Debug)]
struct Proposal {
    value: Value,
    accepted: BTreeSet<NodeId>,
    sent: Time,
}

#[derive(Debug)]
struct Leading {
    mode: Mode,
    /// Fast votes per undecided slot: when the first came, and each acceptor's value.
    votes: BTreeMap<u64, (Time, BTreeMap<NodeId, Value>)>,
    proposals: BTreeMap<u64, Proposal>,
    /// The next slot no vote or proposal has used.
    next_slot: u64,
    /// Commands received while the window closes: proposed once it has.
    pending: Vec<Command>,
    heard: BTreeMap<NodeId, Time>,
    /// The learned prefix the last heartbeat announced.
    announced: u64,
    /// The number of the latest window opened.
    window: u64,
    /// After a collision the window stays shut this many heartbeats (doubling with each
    /// collision, up to the configured `max_backoff`; back to none after [`CLEAN_RUN`] fast
    /// choices in a row), and until `shut_until`: under contention, classic rounds beat
    /// recovering slot after slot.
    backoff: u32,
    shut_until: Time,
    /// Slots chosen on the fast path since the last collision.
    clean: u32,
}

/// Fast choices in a row that clear the backoff.
const CLEAN_RUN: u32 = 32;

#[derive(Debug)]
enum Role {
    Follower,
    Candidate { from: u64, promised: BTreeSet<NodeId>, found: BTreeMap<u64, Vec<(Ballot, Value)>> },
    Leader(Box<Leading>),
}

/// One Fast Paxos node: acceptor and learner always, coordinator when leader.
#[derive(Debug)]
pub struct FastPaxos {
    id: NodeId,
    nodes: usize,
    config: FastPaxosConfig,
    disk: Disk,
    learner: Learner,
    role: Role,
    /// Our fast ballot as candidate or leader.
    ballot: Ballot,
    leader: Option<(NodeId, Ballot)>,
    seen_round: u64,
    window: Option<Window>,
    /// The newest (fast ballot, window number) closed here: an ANY for it or an older one is
    /// stale and must not reopen it.
    closed: (Ballot, u64),
    asked: Option<Time>,
}

/// The classic ballot of the leader whose fast ballot is `fast`.
fn classic_of(fast: Ballot) -> Ballot {
    Ballot { round: fast.round + 1, node: fast.node }
}

impl FastPaxos {
    fn reset_election_timer(&self, cx: &mut Context<Self>) {
        let (low, high) = self.config.election_timeout;
        cx.set_timer_between(FastPaxosTimer::Election, low, high);
    }

    fn note_leader(&mut self, cx: &mut Context<Self>, leader: NodeId, ballot: Ballot) {
        if self.leader != Some((leader, ballot)) {
            self.leader = Some((leader, ballot));
            cx.observe(Observation::Leader { leader, term: ballot.as_u64() });
        }
    }

    fn step_down(&mut self, cx: &mut Context<Self>) {
        if matches!(self.role, Role::Follower) {
            return;
        }
        if matches!(self.role, Role::Leader(_)) {
            cx.cancel_timer(FastPaxosTimer::Heartbeat);
            self.leader = None;
        }
        self.role = Role::Follower;
        self.learner.drop_waiting();
        self.reset_election_timer(cx);
    }

    // ----- Phase 1 -----

    fn start_election(&mut self, cx: &mut Context<Self>) {
        self.step_down(cx);
        let mut round = self.disk.next_round(self.seen_round);
        if !round.is_multiple_of(2) {
            round = self.disk.next_round(self.seen_round);
        }
        // Reserve the odd round above for our classic proposals.
        let reserved = self.disk.next_round(self.seen_round);
        debug_assert_eq!(reserved, round + 1);
        self.ballot = Ballot::new(round, self.id);
        self.reset_election_timer(cx);
        let from = self.learner.first_unknown();
        match self.disk.promise_from(from, self.ballot) {
            Ok(accepted) => {
                self.window = None;
                self.role = Role::Candidate { from, promised: BTreeSet::new(), found: BTreeMap::new() };
                cx.broadcast(FastPaxosMsg::Prepare { ballot: self.ballot, from });
                self.on_promise(cx, self.id, self.ballot, accepted);
            }
            Err(refused) => self.seen_round = self.seen_round.max(refused.promised.round),
        }
    }

    fn on_prepare(&mut self, cx: &mut Context<Self>, from: NodeId, ballot: Ballot, first: u64) {
        self.seen_round = self.seen_round.max(ballot.round + 1);
        match self.disk.promise_from(first, ballot) {
            Ok(accepted) => {
                if ballot > self.ballot {
                    self.step_down(cx);
                }
                if self.window.as_ref().is_some_and(|w| w.ballot < ballot) {
                    self.window = None;
                }
                self.reset_election_timer(cx);
                cx.send(from, FastPaxosMsg::Promise { ballot, accepted });
            }
            Err(refused) => cx.send(from, FastPaxosMsg::Reject { ballot, promised: refused.promised }),
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
        let (classic, now) = (self.config.quorums.classic, cx.now());
        if let Role::Leader(l) = &mut self.role {
            l.heard.insert(from, now);
            return;
        }
        let Role::Candidate { promised, found, .. } = &mut self.role else { return };
        if !promised.insert(from) {
            return;
        }
        for (slot, b, value) in accepted {
            found.entry(slot).or_default().push((b, value));
        }
        if promised.len() >= classic {
            self.become_leader(cx);
        }
    }

    fn become_leader(&mut self, cx: &mut Context<Self>) {
        let placeholder = Role::Leader(Box::new(Leading {
            mode: Mode::Classic,
            votes: BTreeMap::new(),
            proposals: BTreeMap::new(),
            next_slot: 1,
            pending: Vec::new(),
            heard: BTreeMap::new(),
            announced: 0,
            window: 0,
            backoff: 0,
            shut_until: Time::ZERO,
            clean: 0,
        }));
        let Role::Candidate { from, promised, found } = std::mem::replace(&mut self.role, placeholder) else {
            return;
        };
        cx.cancel_timer(FastPaxosTimer::Election);
        self.note_leader(cx, self.id, self.ballot);
        cx.set_timer(FastPaxosTimer::Heartbeat, self.config.heartbeat);
        let now = cx.now();
        let (id, nodes) = (self.id, self.nodes);
        let announced = self.learner.applied_through();
        if let Role::Leader(l) = &mut self.role {
            // Optimistic: everyone counts as heard until a heartbeat period says otherwise.
            l.heard = (0..nodes as u32).map(NodeId).filter(|n| *n != id).map(|n| (n, now)).collect();
            l.announced = announced;
        }
        // Recovery: every open slot gets the value the rule requires, in our classic ballot.
        let last = found.keys().next_back().copied().unwrap_or(from - 1).max(from - 1);
        let reporters = promised.len();
        let slots: Vec<(u64, Value)> = (from..=last)
            .map(|slot| {
                let votes = found.get(&slot).map_or(&[][..], Vec::as_slice);
                let value = quorums::pick(votes, reporters, self.nodes, self.config.quorums).unwrap_or(Value::Noop);
                (slot, value)
            })
            .collect();
        let losers = self.losers(found.values().flatten().map(|(_, v)| v), slots.iter().map(|(_, v)| v));
        if let Role::Leader(l) = &mut self.role {
            l.next_slot = last + 1;
        }
        for (slot, value) in slots {
            self.propose(cx, slot, value);
        }
        for command in losers {
            self.propose_next(cx, Value::Command(command));
        }
        self.open_window(cx);
    }

    /// Commands among `seen` that none of `picked` carries and that are not applied: they lost
    /// their slot and are proposed again in a new one.
    fn losers<'a>(
        &self,
        seen: impl Iterator<Item = &'a Value>,
        picked: impl Iterator<Item = &'a Value>,
    ) -> Vec<Command> {
        let kept: BTreeSet<(u32, u64)> = picked.filter_map(Value::command).map(|c| (c.client, c.seq)).collect();
        let mut out: BTreeMap<(u32, u64), Command> = BTreeMap::new();
        for command in seen.filter_map(Value::command) {
            let key = (command.client, command.seq);
            if !kept.contains(&key) && self.learner.applied_result(key.0, key.1).is_none() {
                out.entry(key).or_insert_with(|| command.clone());
            }
        }
        out.into_values().collect()
    }

    // ----- The fast window -----

    fn open_window(&mut self, cx: &mut Context<Self>) {
        let (fast, ballot) = (self.config.quorums.fast, self.ballot);
        let (now, alive) = (cx.now(), self.alive(cx.now()));
        let Role::Leader(l) = &mut self.role else { return };
        if alive < fast || now < l.shut_until {
            l.mode = Mode::Classic;
            return;
        }
        let from = l.next_slot;
        l.mode = Mode::Fast { from };
        l.window += 1;
        let window = l.window;
        cx.broadcast(FastPaxosMsg::Any { ballot, from, window });
        self.on_any(cx, self.id, ballot, from, window);
    }

    /// Acceptors (this one included) heard from within the low election timeout.
    fn alive(&self, now: Time) -> usize {
        let silence = self.config.election_timeout.0;
        match &self.role {
            Role::Leader(l) => 1 + l.heard.values().filter(|t| now.saturating_since(**t) < silence).count(),
            _ => 1,
        }
    }

    fn on_any(&mut self, cx: &mut Context<Self>, from: NodeId, ballot: Ballot, first: u64, number: u64) {
        self.seen_round = self.seen_round.max(ballot.round + 1);
        if self.disk.promised_all() > ballot {
            return cx.send(from, FastPaxosMsg::Reject { ballot, promised: self.disk.promised_all() });
        }
        if (ballot, number) <= self.closed
            || self.window.as_ref().is_some_and(|w| (w.ballot, w.number) >= (ballot, number))
        {
            return; // a stale or repeated ANY
        }
        // Receiving a ballot's phase 2a is as good as promising it.
        let _ = self.disk.promise_from(u64::MAX, ballot);
        if from != self.id {
            self.follow(cx, from, ballot);
        }
        self.window = Some(Window { leader: from, ballot, number, next: first, voted: HashMap::new() });
    }

    /// An acceptor votes a client's command into its window's next slot.
    fn vote(&mut self, cx: &mut Context<Self>, command: Command) -> bool {
        let promised = self.disk.promised_all();
        let Some(w) = &mut self.window else { return false };
        if w.ballot != promised {
            return false;
        }
        let key = (command.client, command.seq);
        let value = Value::Command(command);
        let slot = match w.voted.get(&key) {
            Some(slot) => *slot,
            None => loop {
                let slot = w.next;
                w.next += 1;
                // One vote per slot and ballot: a slot this acceptor voted in an earlier window
                // of the ballot (whose CLOSE it missed) is taken.
                if self.disk.accepted(slot).is_some_and(|(b, _)| b >= w.ballot) {
                    continue;
                }
                if self.disk.accept(slot, w.ballot, &value).is_ok() {
                    cx.observe(Observation::Accepted { slot, ballot: w.ballot.as_u64(), value: value.digest() });
                    w.voted.insert(key, slot);
                    break slot;
                }
            },
        };
        let (leader, ballot) = (w.leader, w.ballot);
        if leader == self.id {
            self.on_voted(cx, self.id, ballot, slot, value);
        } else {
            cx.send(leader, FastPaxosMsg::Voted { ballot, slot, value });
        }
        true
    }

    fn on_voted(&mut self, cx: &mut Context<Self>, from: NodeId, ballot: Ballot, slot: u64, value: Value) {
        let (nodes, fast, now) = (self.nodes, self.config.quorums.fast, cx.now());
        if ballot != self.ballot || self.learner.known(slot).is_some() || slot < self.learner.first_unknown() {
            return;
        }
        let Role::Leader(l) = &mut self.role else { return };
        if from != self.id {
            l.heard.insert(from, now);
        }
        let Mode::Fast { from: window } = l.mode else { return };
        if slot < window || l.proposals.contains_key(&slot) {
            return;
        }
        l.next_slot = l.next_slot.max(slot + 1);
        let (_, votes) = l.votes.entry(slot).or_insert_with(|| (now, BTreeMap::new()));
        votes.insert(from, value);
        let mut counts: BTreeMap<u64, (usize, &Value)> = BTreeMap::new();
        for v in votes.values() {
            counts.entry(v.digest()).or_insert((0, v)).0 += 1;
        }
        let (best, winner) = counts.values().max_by_key(|(c, _)| *c).map(|(c, v)| (*c, (*v).clone())).expect("a vote");
        let received = votes.len();
        if best >= fast {
            l.votes.remove(&slot);
            l.clean += 1;
            if l.clean >= CLEAN_RUN {
                l.backoff = 0;
            }
            cx.observe(Observation::Note { label: FAST_PATH_NOTE, value: slot });
            self.learner.learn(cx, &self.disk, slot, winner);
        } else if best + (nodes - received) < fast {
            // No value can reach a fast quorum here any more.
            cx.observe(Observation::Note { label: COLLISION_NOTE, value: slot });
            l.clean = 0;
            l.backoff = (l.backoff * 2).clamp(1, self.config.max_backoff.max(1));
            if self.config.max_backoff == 0 {
                l.backoff = 0;
            }
            l.shut_until = now + self.config.heartbeat * l.backoff;
            let at = l.votes.keys().next().copied().unwrap_or(slot).min(slot);
            self.close(cx, at);
        }
    }

    /// Shuts the fast window at `at` (or lower: at the first slot of the window not yet
    /// chosen) and asks the acceptors for their votes from there.
    fn close(&mut self, cx: &mut Context<Self>, at: u64) {
        let (ballot, now, first_unknown) = (self.ballot, cx.now(), self.learner.first_unknown());
        let Role::Leader(l) = &mut self.role else { return };
        let at = match l.mode {
            Mode::Fast { from } => at.min(from.max(first_unknown)),
            _ => at,
        };
        l.mode = Mode::Closing { at, since: now, reports: BTreeMap::new() };
        let window = l.window;
        cx.broadcast(FastPaxosMsg::Close { ballot, at, window });
        self.on_close(cx, self.id, ballot, at, window);
    }

    fn on_close(&mut self, cx: &mut Context<Self>, from: NodeId, ballot: Ballot, at: u64, number: u64) {
        if self.window.as_ref().is_some_and(|w| (w.ballot, w.number) > (ballot, number)) {
            return; // a delayed CLOSE of a window the leader has already replaced
        }
        self.closed = self.closed.max((ballot, number));
        if self.window.as_ref().is_some_and(|w| (w.ballot, w.number) <= (ballot, number)) {
            self.window = None;
        }
        match self.disk.promise_from(at, ballot) {
            Ok(votes) if from == self.id => self.on_closed(cx, from, ballot, at, votes),
            Ok(votes) => cx.send(from, FastPaxosMsg::Closed { ballot, at, votes }),
            Err(refused) => cx.send(from, FastPaxosMsg::Reject { ballot, promised: refused.promised }),
        }
    }

    fn on_closed(
        &mut self,
        cx: &mut Context<Self>,
        from: NodeId,
        ballot: Ballot,
        at: u64,
        votes: Vec<(u64, Ballot, Value)>,
    ) {
        let (classic, now) = (self.config.quorums.classic, cx.now());
        if ballot != self.ballot {
            return;
        }
        let Role::Leader(l) = &mut self.role else { return };
        if from != self.id {
            l.heard.insert(from, now);
        }
        let Mode::Closing { at: closing, reports, .. } = &mut l.mode else { return };
        if *closing != at {
            return;
        }
        reports.insert(from, votes);
        if reports.len() >= classic {
            self.recover(cx);
        }
    }

    /// Coordinated recovery from the reports of a classic quorum: each slot from the closing
    /// point gets the value the rule requires, in our classic ballot; the losers and what came
    /// in meanwhile go in after them; then a new window opens.
    fn recover(&mut self, cx: &mut Context<Self>) {
        let (nodes, quorums) = (self.nodes, self.config.quorums);
        let Role::Leader(l) = &mut self.role else { return };
        let Mode::Closing { at, reports, .. } = std::mem::replace(&mut l.mode, Mode::Classic) else { return };
        let pending = std::mem::take(&mut l.pending);
        let leftovers: Vec<Value> = l.votes.values().flat_map(|(_, v)| v.values().cloned()).collect();
        l.votes.clear();
        let reporters = reports.len();
        let mut by_slot: BTreeMap<u64, Vec<(Ballot, Value)>> = BTreeMap::new();
        for (slot, b, value) in reports.into_values().flatten() {
            by_slot.entry(slot).or_default().push((b, value));
        }
        let last = by_slot.keys().next_back().copied().unwrap_or(at).max(l.next_slot.saturating_sub(1));
        let mut picked: Vec<(u64, Value)> = Vec::new();
        for slot in at..=last {
            if self.learner.known(slot).is_some() {
                continue;
            }
            if matches!(&self.role, Role::Leader(l) if l.proposals.contains_key(&slot)) {
                continue;
            }
            let votes = by_slot.get(&slot).map_or(&[][..], Vec::as_slice);
            let value = quorums::pick(votes, reporters, nodes, quorums).unwrap_or(Value::Noop);
            picked.push((slot, value));
        }
        let seen: Vec<Value> = by_slot.values().flatten().map(|(_, v)| v.clone()).chain(leftovers).collect();
        let losers = self.losers(seen.iter(), picked.iter().map(|(_, v)| v));
        if let Role::Leader(l) = &mut self.role {
            l.next_slot = l.next_slot.max(last + 1);
        }
        for (slot, value) in picked {
            self.propose(cx, slot, value);
        }
        for command in losers {
            self.propose_next(cx, Value::Command(command));
        }
        for command in pending {
            self.propose_command(cx, command);
        }
        self.open_window(cx);
    }

    // ----- Classic phase 2 -----

    fn propose_next(&mut self, cx: &mut Context<Self>, value: Value) {
        let Role::Leader(l) = &mut self.role else { return };
        let slot = l.next_slot;
        l.next_slot += 1;
        self.propose(cx, slot, value);
    }

    /// A command the leader proposes itself (no window open), unless it is applied or already
    /// proposed.
    fn propose_command(&mut self, cx: &mut Context<Self>, command: Command) {
        if self.learner.applied_result(command.client, command.seq).is_some() {
            return;
        }
        let Role::Leader(l) = &mut self.role else { return };
        if l.proposals.values().any(|p| p.value.is(command.client, command.seq)) {
            return;
        }
        self.propose_next(cx, Value::Command(command));
    }

    /// Phase 2a in our classic ballot for `slot`.
    fn propose(&mut self, cx: &mut Context<Self>, slot: u64, value: Value) {
        let (fast, ballot) = (self.ballot, classic_of(self.ballot));
        if self.disk.promised_all() > fast {
            return self.step_down(cx);
        }
        if let Err(refused) = self.disk.accept(slot, ballot, &value) {
            self.seen_round = self.seen_round.max(refused.promised.round + 1);
            return self.step_down(cx);
        }
        cx.observe(Observation::Accepted { slot, ballot: ballot.as_u64(), value: value.digest() });
        cx.broadcast(FastPaxosMsg::Accept { ballot, fast, slot, value: value.clone() });
        let now = cx.now();
        if let Role::Leader(l) = &mut self.role {
            l.proposals.insert(slot, Proposal { value, accepted: BTreeSet::new(), sent: now });
        }
        self.on_accepted(cx, self.id, ballot, slot);
    }

    fn on_accept(
        &mut self,
        cx: &mut Context<Self>,
        from: NodeId,
        ballot: Ballot,
        fast: Ballot,
        slot: u64,
        value: Value,
    ) {
        let promised = self.disk.promised_all();
        if promised > fast {
            return cx.send(from, FastPaxosMsg::Reject { ballot, promised });
        }
        match self.disk.accept(slot, ballot, &value) {
            Ok(()) => {
                cx.observe(Observation::Accepted { slot, ballot: ballot.as_u64(), value: value.digest() });
                self.follow(cx, from, fast);
                cx.send(from, FastPaxosMsg::Accepted { ballot, slot });
            }
            Err(refused) => cx.send(from, FastPaxosMsg::Reject { ballot, promised: refused.promised }),
        }
    }

    fn on_accepted(&mut self, cx: &mut Context<Self>, from: NodeId, ballot: Ballot, slot: u64) {
        let (classic, now) = (self.config.quorums.classic, cx.now());
        if ballot != classic_of(self.ballot) {
            return;
        }
        let Role::Leader(l) = &mut self.role else { return };
        if from != self.id {
            l.heard.insert(from, now);
        }
        let Some(proposal) = l.proposals.get_mut(&slot) else { return };
        proposal.accepted.insert(from);
        if proposal.accepted.len() < classic {
            return;
        }
        let proposal = l.proposals.remove(&slot).expect("a proposal");
        cx.observe(Observation::Note { label: CLASSIC_PATH_NOTE, value: slot });
        self.learner.learn(cx, &self.disk, slot, proposal.value);
    }

    // ----- Leaders, followers, heartbeats -----

    fn follow(&mut self, cx: &mut Context<Self>, leader: NodeId, ballot: Ballot) {
        self.seen_round = self.seen_round.max(ballot.round + 1);
        if !matches!(self.role, Role::Follower) && ballot > self.ballot {
            self.step_down(cx);
        }
        if matches!(self.role, Role::Follower) {
            self.note_leader(cx, leader, ballot);
            self.reset_election_timer(cx);
        }
    }

    fn on_heartbeat(
        &mut self,
        cx: &mut Context<Self>,
        from: NodeId,
        ballot: Ballot,
        commit: u64,
        chosen: Vec<(u64, u64)>,
    ) {
        let promised = self.disk.promised_all();
        if ballot < promised {
            return cx.send(from, FastPaxosMsg::Reject { ballot, promised });
        }
        self.follow(cx, from, ballot);
        if !matches!(self.role, Role::Follower) {
            return;
        }
        cx.send(from, FastPaxosMsg::HeartbeatAck { ballot });
        for (slot, digest) in chosen {
            if self.learner.known(slot).is_none() {
                if let Some((_, value)) = self.disk.accepted(slot).filter(|(_, v)| v.digest() == digest) {
                    self.learner.learn(cx, &self.disk, slot, value);
                }
            }
        }
        if self.learner.first_unknown() <= commit {
            let now = cx.now();
            if self.asked.is_none_or(|t| now.saturating_since(t) >= self.config.heartbeat) {
                self.asked = Some(now);
                cx.send(from, FastPaxosMsg::CatchUp { from: self.learner.first_unknown() });
            }
        }
    }

    fn on_reject(&mut self, cx: &mut Context<Self>, ballot: Ballot, promised: Ballot) {
        self.seen_round = self.seen_round.max(promised.round + 1);
        let ours = ballot == self.ballot || ballot == classic_of(self.ballot);
        if ours && promised > self.ballot {
            self.step_down(cx);
        }
    }

    fn on_heartbeat_timer(&mut self, cx: &mut Context<Self>) {
        let (now, period, ballot, fast) = (cx.now(), self.config.heartbeat, self.ballot, self.config.quorums.fast);
        let commit = self.learner.applied_through();
        let alive = self.alive(now);
        let Role::Leader(l) = &mut self.role else { return };
        let from = l.announced + 1;
        l.announced = commit;
        let chosen_slots: Vec<u64> = (from..=commit).take(CHOSEN_PER_HEARTBEAT).collect();
        // Accepts (or their answers) lost: send them again to whoever has not answered.
        let mut resend = Vec::new();
        for (slot, proposal) in l.proposals.iter_mut() {
            if now.saturating_since(proposal.sent) >= period {
                proposal.sent = now;
                resend.push((*slot, proposal.value.clone(), proposal.accepted.clone()));
            }
        }
        // What to do about the window.
        let stalled = l.votes.iter().find(|(_, (first, _))| now.saturating_since(*first) >= period).map(|(s, _)| *s);
        enum Next {
            Nothing,
            Close(u64),
            Open,
            CloseAgain(u64),
        }
        let next = match &l.mode {
            Mode::Fast { .. } if stalled.is_some() => Next::Close(stalled.expect("checked")),
            Mode::Fast { .. } if alive < fast => Next::Close(l.next_slot),
            Mode::Classic if alive >= fast && now >= l.shut_until => Next::Open,
            Mode::Closing { at, since, .. } if now.saturating_since(*since) >= period => Next::CloseAgain(*at),
            _ => Next::Nothing,
        };
        let chosen: Vec<(u64, u64)> =
            chosen_slots.into_iter().filter_map(|slot| self.learner.known(slot).map(|v| (slot, v.digest()))).collect();
        cx.broadcast(FastPaxosMsg::Heartbeat { ballot, commit, chosen });
        let classic = classic_of(ballot);
        for (slot, value, accepted) in resend {
            for peer in (0..self.nodes as u32).map(NodeId).filter(|p| *p != self.id && !accepted.contains(p)) {
                cx.send(peer, FastPaxosMsg::Accept { ballot: classic, fast: ballot, slot, value: value.clone() });
            }
        }
        match next {
            Next::Nothing => {}
            Next::Close(at) | Next::CloseAgain(at) => self.close(cx, at),
            Next::Open => self.open_window(cx),
        }
        cx.set_timer(FastPaxosTimer::Heartbeat, period);
    }

    fn on_submit(&mut self, cx: &mut Context<Self>, command: Command) {
        let (client, seq) = (command.client, command.seq);
        if let Role::Leader(_) = &self.role {
            if let Some(result) = self.learner.applied_result(client, seq) {
                return cx.reply(ClientReply { client, seq, outcome: ReplyOutcome::Ok(result.clone()) });
            }
            self.learner.await_reply(client, seq);
        }
        if self.vote(cx, command.clone()) {
            return;
        }
        // No window here. The leader takes the command itself; any other node stays silent:
        // the client sent it to everyone, and the leader answers.
        let Role::Leader(l) = &mut self.role else { return };
        match l.mode {
            Mode::Closing { .. } => l.pending.push(command),
            Mode::Classic | Mode::Fast { .. } => self.propose_command(cx, command),
        }
    }
}

impl Node for FastPaxos {
    type Msg = FastPaxosMsg;
    type Timer = FastPaxosTimer;
    type Stable = Disk;
    type Config = FastPaxosConfig;

    fn new(id: NodeId, nodes: usize, config: &FastPaxosConfig, stable: Option<Disk>) -> Self {
        FastPaxos {
            id,
            nodes,
            config: config.clone(),
            disk: stable.unwrap_or_default(),
            learner: Learner::default(),
            role: Role::Follower,
            ballot: Ballot::ZERO,
            leader: None,
            seen_round: 0,
            window: None,
            closed: (Ballot::ZERO, 0),
            asked: None,
        }
    }

    fn on_start(&mut self, cx: &mut Context<Self>) {
        cx.persist(self.disk.clone());
        self.learner = Learner::recover(cx, &self.disk);
        self.reset_election_timer(cx);
    }

    fn on_message(&mut self, cx: &mut Context<Self>, from: NodeId, msg: FastPaxosMsg) {
        match msg {
            FastPaxosMsg::Prepare { ballot, from: first } => self.on_prepare(cx, from, ballot, first),
            FastPaxosMsg::Promise { ballot, accepted } => self.on_promise(cx, from, ballot, accepted),
            FastPaxosMsg::Reject { ballot, promised } => self.on_reject(cx, ballot, promised),
            FastPaxosMsg::Any { ballot, from: first, window } => self.on_any(cx, from, ballot, first, window),
            FastPaxosMsg::Voted { ballot, slot, value } => self.on_voted(cx, from, ballot, slot, value),
            FastPaxosMsg::Close { ballot, at, window } => self.on_close(cx, from, ballot, at, window),
            FastPaxosMsg::Closed { ballot, at, votes } => self.on_closed(cx, from, ballot, at, votes),
            FastPaxosMsg::Accept { ballot, fast, slot, value } => self.on_accept(cx, from, ballot, fast, slot, value),
            FastPaxosMsg::Accepted { ballot, slot } => self.on_accepted(cx, from, ballot, slot),
            FastPaxosMsg::Heartbeat { ballot, commit, chosen } => self.on_heartbeat(cx, from, ballot, commit, chosen),
            FastPaxosMsg::HeartbeatAck { ballot } => {
                let now = cx.now();
                if let Role::Leader(l) = &mut self.role {
                    if ballot == self.ballot {
                        l.heard.insert(from, now);
                    }
                }
            }
            FastPaxosMsg::CatchUp { from: first } => {
                let values = self.learner.catch_up_from(first);
                if !values.is_empty() {
                    cx.send(from, FastPaxosMsg::CatchUpReply { values });
                }
            }
            // A leader learns only what it saw chosen.
            FastPaxosMsg::CatchUpReply { values } if !matches!(self.role, Role::Leader(_)) => {
                for (slot, value) in values {
                    self.learner.learn(cx, &self.disk, slot, value);
                }
            }
            FastPaxosMsg::CatchUpReply { .. } => {}
        }
    }

    fn on_timer(&mut self, cx: &mut Context<Self>, timer: FastPaxosTimer) {
        match timer {
            FastPaxosTimer::Election if !matches!(self.role, Role::Leader(_)) => self.start_election(cx),
            FastPaxosTimer::Election => {}
            FastPaxosTimer::Heartbeat => self.on_heartbeat_timer(cx),
        }
    }

    fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp) {
        if let ClientOp::Submit(command) = op {
            self.on_submit(cx, std::sync::Arc::unwrap_or_clone(command));
        }
    }
}

impl Algorithm for FastPaxos {
    const NAME: &'static str = "fast-paxos";
    const FAMILY: Family = Family::Replication;
    const SUMMARY: &'static str = "clients send to every acceptor; a fast quorum (3N/4) chooses in one hop fewer";
    const VARIANTS: &'static [(&'static str, &'static str)] = config::VARIANTS;
    const DETECTION_KINDS: &'static [&'static str] = messages::HEARTBEAT_KINDS;
    const TOLERATES: &'static [harness::FaultClass] = harness::FaultClass::ALL;
    const CLIENTS_SEND_TO_ALL: bool = true;

    fn configure(settings: &mut Settings) -> Result<FastPaxosConfig, SpecError> {
        FastPaxosConfig::for_settings::<Self>(settings)
    }

    fn extra_checkers(spec: &RunSpec) -> Vec<Box<dyn harness::checkers::Checker>> {
        let quorums = config::quorums_of(spec.nodes, spec.variant.as_deref());
        let fast = harness::checkers::FastBallots { is_fast: quorums::is_fast_number, quorum: quorums.fast };
        vec![Box::new(harness::checkers::OneValuePerSlot {
            nodes: spec.nodes,
            chosen_by: quorums.classic,
            fast: Some(fast),
        })]
    }

    /// Progress needs a classic quorum; the fast path falls back without a fast one.
    fn crash_budget(spec: &RunSpec) -> usize {
        spec.nodes.saturating_sub(1) / 2
    }

    /// One client, one command at a time, after the first election.
    fn formula() -> Option<harness::formula::Formula> {
        Some(harness::formula::Formula {
            text: "N-1 per command on the fast path (each acceptor's vote to the leader); first leader: Prepare, Promise, Any",
            source: "Lamport, Fast Paxos (2006) §3.2",
            scenario: harness::formula::one_client,
            expected: |nodes, history| (nodes as u64 - 1) * (harness::formula::answered(history) + 3),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::kv::KvOp;

    fn node(id: u32, nodes: usize) -> (FastPaxos, Context<FastPaxos>) {
        let config = FastPaxosConfig { quorums: quorums::Quorums::of(nodes), ..FastPaxosConfig::default() };
        let mut n = FastPaxos::new(NodeId(id), nodes, &config, None);
        let mut cx = Context::for_test(NodeId(id), nodes);
        n.on_start(&mut cx);
        cx.take_effects();
        (n, cx)
    }

    fn cmd(client: u32, seq: u64) -> Command {
        Command { client, seq, op: KvOp::Noop }
    }

    const FAST: Ballot = Ballot { round: 2, node: 0 };

    /// Node 1 of 5 with leader 0's window open at slot 1.
    fn acceptor() -> (FastPaxos, Context<FastPaxos>) {
        let (mut n, mut cx) = node(1, 5);
        n.on_message(&mut cx, NodeId(0), FastPaxosMsg::Any { ballot: FAST, from: 1, window: 1 });
        cx.take_effects();
        (n, cx)
    }

    fn voted(slot: u64, command: Command) -> (NodeId, FastPaxosMsg) {
        (NodeId(0), FastPaxosMsg::Voted { ballot: FAST, slot, value: Value::Command(command) })
    }

    // §3.2: in a fast round an acceptor votes a client's command straight into the next slot and
    // tells the coordinator; a retried command keeps its slot.
    #[test]
    fn an_acceptor_votes_commands_into_consecutive_slots() {
        let (mut n, mut cx) = acceptor();
        n.on_client(&mut cx, ClientOp::submit(cmd(0, 1)));
        n.on_client(&mut cx, ClientOp::submit(cmd(1, 1)));
        n.on_client(&mut cx, ClientOp::submit(cmd(0, 1)));
        let sends = cx.take_effects().sends;
        assert_eq!(sends, vec![voted(1, cmd(0, 1)), voted(2, cmd(1, 1)), voted(1, cmd(0, 1))]);
    }

    // One vote per slot and ballot, and a closed window stays closed.
    #[test]
    fn a_stale_any_neither_reopens_a_closed_window_nor_revotes_a_slot() {
        let (mut n, mut cx) = acceptor();
        n.on_client(&mut cx, ClientOp::submit(cmd(0, 1)));
        n.on_message(&mut cx, NodeId(0), FastPaxosMsg::Close { ballot: FAST, at: 1, window: 1 });
        n.on_message(&mut cx, NodeId(0), FastPaxosMsg::Any { ballot: FAST, from: 1, window: 1 });
        cx.take_effects();
        n.on_client(&mut cx, ClientOp::submit(cmd(1, 1)));
        assert!(cx.take_effects().sends.is_empty(), "no window: the leader will take the command");
        // A newer window from slot 1: slot 1 already carries this ballot's vote.
        n.on_message(&mut cx, NodeId(0), FastPaxosMsg::Any { ballot: FAST, from: 1, window: 2 });
        cx.take_effects();
        n.on_client(&mut cx, ClientOp::submit(cmd(1, 1)));
        assert_eq!(cx.take_effects().sends, vec![voted(2, cmd(1, 1))]);
    }

    /// Node 0 of 5, leader in fast ballot `FAST` with its window open at slot 1.
    fn leader() -> (FastPaxos, Context<FastPaxos>) {
        let (mut n, mut cx) = node(0, 5);
        n.on_timer(&mut cx, FastPaxosTimer::Election);
        assert_eq!(n.ballot, FAST);
        for p in 1..=2 {
            n.on_message(&mut cx, NodeId(p), FastPaxosMsg::Promise { ballot: FAST, accepted: vec![] });
        }
        assert!(matches!(n.role, Role::Leader(_)));
        cx.take_effects();
        (n, cx)
    }

    // A fast quorum (4 of 5, the leader's own vote included) chooses; the client is answered.
    #[test]
    fn a_fast_quorum_of_votes_chooses() {
        let (mut n, mut cx) = leader();
        n.on_client(&mut cx, ClientOp::submit(cmd(0, 1)));
        for p in 1..=3 {
            let msg = FastPaxosMsg::Voted { ballot: FAST, slot: 1, value: Value::Command(cmd(0, 1)) };
            n.on_message(&mut cx, NodeId(p), msg);
        }
        let effects = cx.take_effects();
        assert!(effects.observations.contains(&Observation::Note { label: FAST_PATH_NOTE, value: 1 }));
        assert_eq!(effects.replies.len(), 1);
    }

    // Two votes each way in one slot of five acceptors: nothing can reach four any more. The
    // leader closes the window there and asks for the votes.
    #[test]
    fn a_collision_closes_the_window() {
        let (mut n, mut cx) = leader();
        n.on_client(&mut cx, ClientOp::submit(cmd(0, 1)));
        let vote = |c: Command| FastPaxosMsg::Voted { ballot: FAST, slot: 1, value: Value::Command(c) };
        n.on_message(&mut cx, NodeId(1), vote(cmd(0, 1)));
        n.on_message(&mut cx, NodeId(2), vote(cmd(1, 1)));
        assert!(!cx.take_effects().sends.iter().any(|(_, m)| matches!(m, FastPaxosMsg::Close { .. })));
        n.on_message(&mut cx, NodeId(3), vote(cmd(1, 1)));
        let effects = cx.take_effects();
        assert!(effects.observations.contains(&Observation::Note { label: COLLISION_NOTE, value: 1 }));
        let closes = effects.sends.iter().filter(|(_, m)| matches!(m, FastPaxosMsg::Close { at: 1, .. })).count();
        assert_eq!(closes, 4);
    }
}
