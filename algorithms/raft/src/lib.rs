//! # Raft
//!
//! Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm", USENIX ATC 2014
//! (section numbers below are the paper's), with PreVote and CheckQuorum from Ongaro's thesis
//! (2014, §9.6 and §6.2) as a variant.
//!
//! - **Leader election (§5.2).** A follower that hears nothing for a randomized election timeout
//!   (150–300 ms) becomes a candidate: it increments its term, votes for itself and asks the
//!   others. A node grants one vote per term, and only to a candidate whose log is at least as
//!   up to date as its own (the election restriction, §5.4.1). A majority makes a leader, which
//!   appends a no-op for its term (§8) and sends heartbeats every 50 ms.
//! - **Log replication (§5.3).** The leader sends AppendEntries with the entry before the new
//!   ones (`prev_index`, `prev_term`); a follower whose log does not match refuses, one that does
//!   deletes any conflicting suffix and appends. The leader backs `next_index` up by one on a
//!   refusal (or, with `fast-backup`, past the whole conflicting term).
//! - **Commitment (§5.3, §5.4.2).** The leader commits an index once a majority holds it *and* it
//!   is from the leader's current term; earlier entries commit indirectly (Figure 8).
//! - **Persistence (Figure 2).** `current_term`, `voted_for` and the log are on stable storage
//!   before a node answers; the commit index, the state machine and leader state are volatile and
//!   rebuilt after a restart (the state machine by re-applying committed entries).
//! - **Clients (§8).** A non-leader answers with a leader hint. Commands carry (client, sequence
//!   number); the key-value store applies each once and answers retries with the first result, so
//!   commands take effect exactly once. Reads go through the log, so they are linearizable.
//! - **Reads without the log** (`read-index`, dissertation §6.4; [`read_index`]). The leader
//!   takes its commit index as the read's index once it has committed an entry of its own term,
//!   confirms it still leads with a ReadIndex round a majority answers (sent after the read came;
//!   reads of one step share a round), and answers from its state machine once that has applied
//!   the index: 2(N-1) messages per round (`read_index`, `read_index_ack`), none in the log. The
//!   record's `reads` gives count, messages per read and latency for each way, and how many
//!   reads each way served.
//! - **Leases** (`lease`, dissertation §6.4.1). Every AppendEntries carries the leader's clock
//!   reading when sent (`stamp`), and the answer echoes it. A follower that answered refuses
//!   votes for an election timeout after it heard from the leader (PreVote's guard, on in this
//!   variant; a restarted node refuses for an election timeout after it starts, since it may
//!   have answered just before crashing). So while a majority has answered AppendEntries sent
//!   less than a lease ago, no other leader can exist, and the leader answers reads from its
//!   state machine at once, with no message. The lease is the shortest election timeout shrunk
//!   for clock drift, `timeout · (1-ρ)/(1+ρ)` with ρ = `drift_bound` percent (5 by default): 136 ms
//!   of the leader's clock for a 150 ms timeout. It ends for the rest of the term when a
//!   transfer starts (the target's election passes the guard). Without a lease a read takes the
//!   ReadIndex way. The bound is an assumption, not a guarantee: `drift:leader-80%` makes the
//!   old leader's lease outlast the guard, and a partitioned old leader answers stale reads
//!   (`scenarios/teaching/raft-lease-clock-drift.toml`), which ReadIndex does not.
//! - **Log compaction** (§7; [`snapshot`]; `--param snapshot_every=K`). Every K applied
//!   entries a server snapshots its store and drops the log behind it; stable storage holds the
//!   snapshot and the entries after it, and a restart starts from both. A follower that needs a
//!   compacted entry gets the snapshot in InstallSnapshot chunks (`snapshot_chunk` bytes, 1024
//!   by default), then the entries after it. Campaigns compact in half their runs.
//! - **Leadership transfer** (dissertation §3.10; the fault plan's `transfer:leader->3@1s`). The
//!   leader stops taking commands, brings the target up to date and sends it TimeoutNow; the
//!   target starts an election at once, which voters let through PreVote's guard against
//!   disruptive candidates. The leader leads on if the target has not taken over within an
//!   election timeout.
//!
//! - **Membership change** (dissertation chapter 4; [`membership`]; the fault plan's `add:5@1s`,
//!   `remove:3@2s`, `remove:leader@2s`, with `--spare K` nodes started outside the
//!   configuration). A configuration is a log entry, and a server uses the newest one its log
//!   holds from the moment it is appended (§4.1), falling back when a conflicting suffix is
//!   truncated; snapshots carry the configuration in force at their last index. Majorities —
//!   for votes, commits, ReadIndex rounds, leases and CheckQuorum — are majorities of that
//!   configuration. The leader makes one change at a time: it starts one only when the last
//!   configuration entry is committed and it has committed an entry of its own term (the fix for
//!   the single-server bug Ongaro reported in 2015). An added server first catches up without a
//!   vote (§4.2.1): rounds each replicating what the leader's log held when the round began; it
//!   joins once a round takes less than an election timeout, and the change is given up after 10
//!   rounds or a round of 10 election timeouts. A leader asked to remove itself keeps leading
//!   without counting itself until the change commits, then sends TimeoutNow to a member that
//!   holds its whole log and steps down (§4.2.2). A server outside its configuration campaigns
//!   (not counting its own vote) only until it knows that configuration committed: it may still
//!   be needed, as a removed leader deposed before its change committed is. While membership may
//!   change, a server that heard from a leader within the shortest election timeout ignores
//!   RequestVote (a leader ignores it outright), so a removed server that never learned it was
//!   removed cannot disrupt (§4.2.3). `joint` goes through a joint configuration instead (paper
//!   §6): C_old,new, in force while both majorities are needed, then C_new once it commits. A
//!   change costs what a command costs, 2(N-1) messages (its entry rides the AppendEntries), plus,
//!   for an added server, its catch-up: the log in AppendEntries of up to `max_batch` entries (64;
//!   1024 with `batch`), or the snapshot in chunks, and their answers. The record's
//!   `configurations` lists each configuration a leader committed. Queued changes are lost when
//!   the leader loses its leadership (the operator asks again).
//!
//! **Guarantees** (Figure 3): Election Safety, Leader Append-Only, Log Matching, Leader
//! Completeness, State Machine Safety; liveness when a majority can talk and timing allows.
//! The workbench checks the four that observations can show, and linearizability, after every run,
//! and the rules they rest on: one vote per term, restarts included (Figure 2); that a leader
//! commits by counting only entries of its own term (§5.4.2); that it commits only what a
//! majority of the configuration in force holds; and that it makes one membership change at a
//! time, after an entry of its own term (dissertation §4.1). The rules are checked on
//! every vote and every commit, so a campaign catches a break of them without having to find the
//! rarer interleaving in which it loses data.
//!
//! **Replication flow control.** The leader remembers the last index of each AppendEntries in
//! flight; an answer frees those it covers, so duplicated or late answers free nothing twice.
//! After a refusal it probes one AppendEntries at a time and ignores refusals of anything else.
//! Commands that reach the leader in one step (everything due at one instant) are appended one
//! by one and replicated at the end of the step ([`harness::Node::on_step_end`]), so one
//! AppendEntries per follower carries them all where the pipeline has room.
//!
//! **Messages per committed entry: 2(N-1)** in steady state with one outstanding command: one
//! AppendEntries and one reply per follower (the count the thesis gives; heartbeats, the empty
//! AppendEntries, are counted apart as `heartbeat` / `heartbeat_reply`, as failure detection).
//! Followers learn the new commit index from the next AppendEntries or heartbeat. A follower
//! answers a heartbeat only when the answer says something the leader does not know (a refusal,
//! a higher term, progress, entries it holds that the leader has not committed), or under
//! CheckQuorum, which needs every answer; so a quiet 3-node cluster sends 2 heartbeats per
//! 50 ms, 40 messages a second. Electing a leader in a quiet cluster costs 2(N-1) votes plus the
//! leader's first round.
//!
//! **Variants.** `prevote`, `batch`, `fast-backup`, `read-index`, `lease`, `joint`, and the teaching
//! mutants `bug-two-changes`, `bug-change-before-own-term` (caught by the one-change-at-a-time
//! rule checker), `bug-config-on-commit` (a configuration used only once committed: the commit
//! quorum checker finds commits without a majority of the newest configuration),
//! `bug-commit-previous-term`, `bug-vote-twice`, `bug-forget-vote`, `bug-read-index-early`
//! (ReadIndex before the new leader committed an entry of its term: a stale read, which the
//! linearizability checker catches) and `bug-install-old-snapshot` (a follower installs a
//! snapshot older than its commit index and loses committed entries: state machine safety);
//! see [`config::VARIANTS`].

pub mod checkers;
pub mod config;
pub mod log;
pub mod membership;
pub mod messages;
pub mod read_index;
pub mod snapshot;
mod waiting;

use std::collections::{BTreeSet, VecDeque};

use harness::kv::{Command, KvStore};
use harness::{
    Algorithm, ClientMap, ClientOp, ClientReply, Context, Family, MembershipChange, Node, NodeId, Observation,
    ReplyOutcome, RunSpec, Settings, SpecError, Time,
};

use config::{Backoff, Mutant, RaftConfig};
use harness::metrics::{READ_INDEX_NOTE, READ_LEASE_NOTE};
use log::{DurableLog, Entry, Log, Payload};
use membership::{Configuration, Configurations};
use messages::RaftMsg;

/// What survives a crash: term, vote, and the durable log.
#[derive(Clone, Debug)]
pub struct RaftStable {
    pub current_term: u64,
    pub voted_for: Option<NodeId>,
    pub log: DurableLog,
}

/// Raft's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RaftTimer {
    Election,
    Heartbeat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Follower,
    PreCandidate,
    Candidate,
    Leader,
}

/// What the leader knows of one follower.
#[derive(Clone, Debug, Default)]
struct Progress {
    next_index: u64,
    match_index: u64,
    /// The last index of each AppendEntries sent and not yet answered, oldest first. An answer
    /// frees those it covers, so a duplicated or late answer frees nothing twice (counting
    /// answers instead let duplicates open the window wider and wider: a message storm).
    in_flight: VecDeque<u64>,
    /// After a refusal the leader probes: one AppendEntries at a time, and `probe` is the
    /// `prev_index` it sent. Refusals of anything else are stale; a success past it ends probing.
    probe: Option<u64>,
    last_sent: Time,
    /// Heard from it since the last CheckQuorum round.
    heard: bool,
    /// The latest `stamp` (the leader's clock when it sent) of an AppendEntries it answered.
    acked_stamp: u64,
    /// The snapshot being sent to it, chunk by chunk (log compaction).
    snapshot: Option<snapshot::Sending>,
}

/// A RequestVote's contents, as the voter reads them.
struct VoteRequest {
    term: u64,
    last_index: u64,
    last_term: u64,
    pre_vote: bool,
    transfer: bool,
}

/// One Raft server.
#[derive(Debug)]
pub struct Raft {
    id: NodeId,
    /// Every node of the run, spares included: ids are below it.
    hosts: usize,
    config: RaftConfig,
    // Persistent (Figure 2).
    current_term: u64,
    voted_for: Option<NodeId>,
    log: Log,
    // Volatile.
    commit_index: u64,
    last_applied: u64,
    store: KvStore,
    role: Role,
    leader: Option<NodeId>,
    votes: BTreeSet<NodeId>,
    /// Candidate: who has answered our RequestVote this term (granted or not).
    answered: BTreeSet<NodeId>,
    last_leader_contact: Option<Time>,
    // Leader only.
    progress: Vec<Progress>,
    /// The client commands whose answers wait for their entries to apply.
    waiting: waiting::Waiting,
    /// Leader: each client's latest uncommitted command in the log, (seq, index), so a retry
    /// waits for the entry already there instead of appending a second one.
    uncommitted: ClientMap<(u64, u64)>,
    /// Commands were appended in this step and wait for its end to be replicated.
    admitted: bool,
    /// Leader, `read-index`: reads in progress.
    reads: read_index::ReadIndex,
    /// Leader: a leadership transfer in progress: to whom, since when, and whether TimeoutNow
    /// has gone (once per transfer).
    transfer: Option<(NodeId, Time, bool)>,
    /// The election being started was asked for by a leader's TimeoutNow.
    by_transfer: bool,
    /// Leader, `lease`: a transfer began in this term, so the lease is over for the term (the
    /// target's election passes the voters' guard, and a late TimeoutNow could start one).
    lease_void: bool,
    /// Follower: a snapshot arriving in chunks.
    receiving: Option<snapshot::Receiving>,
    /// Leader: its snapshot's bytes, encoded once, with the snapshot's last index.
    snapshot_bytes: Option<(u64, std::sync::Arc<Vec<u8>>)>,
    /// The configurations the log holds; the newest is in force.
    configs: Configurations,
    /// Leader: membership changes asked for and not started yet, oldest first.
    changes: VecDeque<MembershipChange>,
    /// Leader: a server being brought up to date before it joins (§4.2.1).
    catch_up: Option<CatchUp>,
}

/// A new server's catch-up (dissertation §4.2.1): in rounds, each replicating what the leader's
/// log held when the round began; once a round takes less than an election timeout the server
/// joins. After [`CATCH_UP_ROUNDS`] rounds, or a round of [`CATCH_UP_STALL`] election timeouts
/// (the server is down or unreachable), the change is abandoned.
#[derive(Clone, Copy, Debug)]
struct CatchUp {
    node: NodeId,
    round: u32,
    round_end: u64,
    round_start: Time,
}

/// Catch-up rounds before a change is abandoned.
const CATCH_UP_ROUNDS: u32 = 10;
/// Election timeouts one catch-up round may last before the change is abandoned.
const CATCH_UP_STALL: u32 = 10;

impl Raft {
    /// The configuration in force: the newest in the log (the `bug-config-on-commit` mutant: the
    /// newest committed).
    fn configuration(&self) -> &Configuration {
        if self.config.mutant == Some(Mutant::ConfigOnCommit) {
            &self.configs.at(self.commit_index).1
        } else {
            &self.configs.current().1
        }
    }

    /// Notes the newest configuration, which the server uses from now on (after a truncation or a
    /// snapshot replaced the one it used).
    fn observe_newest_configuration(&self, cx: &mut Context<Self>) {
        let (at, newest) = self.configs.current();
        cx.observe(Observation::Configuration(newest.note(*at, false)));
    }

    /// Whether `nodes` make a quorum of the configuration in force.
    fn is_quorum(&self, nodes: &BTreeSet<NodeId>) -> bool {
        self.configuration().is_quorum(|n| nodes.contains(&n))
    }

    /// Whom this server talks to: the voters of its configurations (the one in force and the
    /// newest, which differ under `bug-config-on-commit`) and, leading, a server catching up.
    fn peers(&self) -> Vec<NodeId> {
        let mut peers = self.configs.current().1.voters();
        if self.config.mutant == Some(Mutant::ConfigOnCommit) {
            peers.extend(self.configuration().voters());
        }
        peers.extend(self.catch_up.map(|c| c.node));
        peers.sort_unstable();
        peers.dedup();
        peers.retain(|p| *p != self.id);
        peers
    }

    /// Sends `msg` to every peer.
    fn send_to_peers(&self, cx: &mut Context<Self>, msg: RaftMsg) {
        let peers = self.peers();
        if let Some((last, rest)) = peers.split_last() {
            for peer in rest {
                cx.send(*peer, msg.clone());
            }
            cx.send(*last, msg);
        }
    }

    /// What goes to stable storage (the forget-vote mutant leaves the vote out).
    fn stable(&self) -> RaftStable {
        let voted_for = if self.config.mutant == Some(Mutant::ForgetVote) { None } else { self.voted_for };
        RaftStable { current_term: self.current_term, voted_for, log: self.log.durable() }
    }

    fn persist(&self, cx: &mut Context<Self>) {
        cx.persist(self.stable());
    }

    fn reset_election_timer(&self, cx: &mut Context<Self>) {
        let (low, high) = self.config.election_timeout;
        cx.set_timer_between(RaftTimer::Election, low, high);
    }

    fn append(&mut self, cx: &mut Context<Self>, entry: Entry) -> u64 {
        let term = entry.term;
        let configuration = match &entry.payload {
            Payload::Config(configuration) => Some(Configuration::clone(configuration)),
            _ => None,
        };
        let index = self.log.append(entry);
        if self.config.observe_entries {
            cx.observe(Observation::Appended { index, term, chain: self.log.chain_at(index) });
        }
        if let Some(configuration) = configuration {
            // In force from now on, committed or not (dissertation §4.1).
            cx.observe(Observation::Configuration(configuration.note(index, false)));
            self.configs.appended(index, configuration);
        }
        index
    }

    fn learn_leader(&mut self, cx: &mut Context<Self>, leader: NodeId) {
        if self.leader != Some(leader) {
            self.leader = Some(leader);
            cx.observe(Observation::Leader { leader, term: self.current_term });
        }
    }

    /// Steps down to follower, adopting `term` if it is newer (§5.1).
    fn become_follower(&mut self, cx: &mut Context<Self>, term: u64) {
        if term > self.current_term {
            self.current_term = term;
            self.voted_for = None;
            self.leader = None;
            self.persist(cx);
        }
        if self.role == Role::Leader {
            cx.cancel_timer(RaftTimer::Heartbeat);
            // Clients whose commands wait here will time out and retry elsewhere.
            self.waiting.clear();
            self.uncommitted.clear();
            self.reads.clear();
            self.transfer = None;
            self.changes.clear();
            self.catch_up = None;
        }
        if self.role != Role::Follower {
            self.role = Role::Follower;
            self.reset_election_timer(cx);
        }
        self.votes.clear();
        self.by_transfer = false;
    }

    fn request_votes(&mut self, cx: &mut Context<Self>, pre_vote: bool) {
        let term = if pre_vote { self.current_term + 1 } else { self.current_term };
        self.send_to_peers(
            cx,
            RaftMsg::RequestVote {
                term,
                last_log_index: self.log.last_index(),
                last_log_term: self.log.last_term(),
                pre_vote,
                transfer: self.by_transfer,
            },
        );
    }

    fn start_pre_vote(&mut self, cx: &mut Context<Self>) {
        self.role = Role::PreCandidate;
        self.votes = BTreeSet::from([self.id]);
        self.reset_election_timer(cx);
        if self.is_quorum(&self.votes) {
            return self.start_election(cx);
        }
        self.request_votes(cx, true);
    }

    /// §5.2: a new term, a vote for ourselves, and RequestVote to everyone.
    fn start_election(&mut self, cx: &mut Context<Self>) {
        self.current_term += 1;
        self.role = Role::Candidate;
        self.voted_for = Some(self.id);
        self.leader = None;
        self.persist(cx);
        cx.observe(Observation::Voted { term: self.current_term, candidate: self.id });
        self.votes = BTreeSet::from([self.id]);
        self.answered.clear();
        self.reset_election_timer(cx);
        if self.is_quorum(&self.votes) {
            return self.become_leader(cx);
        }
        self.request_votes(cx, false);
        // §5.1: "servers retry RPCs if they do not receive a response in a timely manner".
        cx.set_timer(RaftTimer::Heartbeat, self.config.heartbeat);
    }

    fn become_leader(&mut self, cx: &mut Context<Self>) {
        self.role = Role::Leader;
        self.by_transfer = false;
        self.transfer = None;
        self.lease_void = false;
        self.learn_leader(cx, self.id);
        let next = self.log.last_index() + 1;
        self.progress = vec![Progress { next_index: next, ..Progress::default() }; self.hosts];
        self.uncommitted.clear();
        for index in self.commit_index + 1..next {
            if let Payload::Command(c) = &self.log.entry(index).payload {
                self.uncommitted.insert(c.client, (c.seq, index));
            }
        }
        // §8: a no-op of the new term lets earlier entries commit and reads go through.
        let term = self.current_term;
        self.append(cx, Entry { term, payload: Payload::Noop });
        self.progress[self.id.index()].match_index = self.log.last_index();
        for peer in self.peers() {
            self.replicate(cx, peer);
        }
        cx.set_timer(RaftTimer::Heartbeat, self.config.heartbeat);
        // The election timer runs on as the CheckQuorum clock (it does nothing otherwise).
        self.reset_election_timer(cx);
        self.advance_commit(cx);
    }

    /// Sends `peer` the entries from its `next_index` (or a heartbeat if there are none).
    fn replicate(&mut self, cx: &mut Context<Self>, peer: NodeId) {
        let progress = &self.progress[peer.index()];
        let next = progress.next_index;
        if next <= self.log.base_index() {
            // What it needs next is compacted away: the snapshot instead (§7).
            return self.send_snapshot(cx, peer);
        }
        let entries = self.log.entries_from(next, self.config.max_batch);
        if entries.is_empty() {
            return self.heartbeat(cx, peer);
        }
        let prev_index = next - 1;
        let count = entries.len() as u64;
        let msg = RaftMsg::AppendEntries {
            term: self.current_term,
            prev_index,
            prev_term: self.log.term_at(prev_index).unwrap_or(0),
            entries,
            leader_commit: self.commit_index,
            stamp: cx.now().0,
        };
        cx.send(peer, msg);
        let pipelined = self.config.max_in_flight > 1;
        let progress = &mut self.progress[peer.index()];
        if progress.probe.is_some() {
            progress.probe = Some(prev_index);
        }
        progress.in_flight.push_back(prev_index + count);
        progress.last_sent = cx.now();
        if pipelined {
            progress.next_index = next + count;
        }
    }

    /// An empty AppendEntries anchored where the next entries would go when nothing is in flight
    /// (so it doubles as a probe of a follower whose log the leader does not know yet), else at
    /// what the follower is known to hold.
    fn heartbeat(&mut self, cx: &mut Context<Self>, peer: NodeId) {
        let progress = &self.progress[peer.index()];
        let anchor = if progress.in_flight.is_empty() { progress.next_index - 1 } else { progress.match_index }
            .clamp(self.log.base_index(), self.log.last_index());
        cx.send(
            peer,
            RaftMsg::AppendEntries {
                term: self.current_term,
                prev_index: anchor,
                prev_term: self.log.term_at(anchor).unwrap_or(0),
                entries: Vec::new(),
                leader_commit: self.commit_index,
                stamp: cx.now().0,
            },
        );
        let progress = &mut self.progress[peer.index()];
        if progress.probe.is_some() && progress.in_flight.is_empty() {
            progress.probe = Some(anchor);
        }
        progress.last_sent = cx.now();
    }

    /// Sends more to `peer` while the pipeline has room and there is something to send. While
    /// AppendEntries are in flight, another goes out only once a full share of a batch
    /// (`max_batch / max_in_flight` entries) waits, so a busy leader sends few large messages
    /// rather than one per command; an idle pipe sends at once.
    fn keep_replicating(&mut self, cx: &mut Context<Self>, peer: NodeId) {
        let progress = &self.progress[peer.index()];
        let last = self.log.last_index();
        if progress.next_index > last || progress.snapshot.is_some() {
            return; // nothing to send, or a snapshot's chunk is in flight
        }
        let window = if progress.probe.is_some() { 1 } else { self.config.max_in_flight as usize };
        let share = (self.config.max_batch / self.config.max_in_flight.max(1) as usize).max(1) as u64;
        let worth_it = progress.in_flight.is_empty() || last + 1 - progress.next_index >= share;
        if progress.in_flight.len() < window && worth_it {
            self.replicate(cx, peer);
        }
    }

    /// §5.3 / §5.4.2: commit the highest index a majority holds, if it is of the current term.
    fn advance_commit(&mut self, cx: &mut Context<Self>) {
        let last = self.log.last_index();
        let majority_holds =
            self.configuration()
                .quorum_value(|n| if n == self.id { last } else { self.progress[n.index()].match_index });
        if majority_holds <= self.commit_index {
            return;
        }
        let current_term_entry = self.log.term_at(majority_holds) == Some(self.current_term);
        if current_term_entry || self.config.mutant == Some(Mutant::CommitPreviousTerm) {
            self.commit_to(cx, majority_holds);
        }
    }

    fn commit_to(&mut self, cx: &mut Context<Self>, index: u64) {
        if index <= self.commit_index {
            return;
        }
        let before = self.commit_index;
        self.commit_index = index;
        if self.config.observe_entries {
            cx.observe(Observation::Committed { index });
        }
        if self.role == Role::Leader {
            for (at, configuration) in self.configs.between(before, index) {
                cx.observe(Observation::Configuration(configuration.note(*at, true)));
            }
        }
        while self.last_applied < self.commit_index {
            self.last_applied += 1;
            let Payload::Command(command) = &self.log.entry(self.last_applied).payload else { continue };
            let result = self.store.apply(command);
            if self.waiting.applied(self.last_applied, command.client, command.seq) {
                cx.reply(ClientReply { client: command.client, seq: command.seq, outcome: ReplyOutcome::Ok(result) });
            }
        }
        self.maybe_compact();
        if self.role == Role::Leader {
            self.after_commit_membership(cx);
            if self.role != Role::Leader {
                return;
            }
        }
        if self.role == Role::Leader && self.config.read_index {
            if self.log.term_at(self.commit_index) == Some(self.current_term) {
                self.reads.own_term_committed(self.commit_index);
            }
            self.serve_reads(cx);
        }
    }

    /// `lease`: whether this leader may answer a read from its state machine now. A majority
    /// (itself included) answered AppendEntries of this term sent less than a lease ago on its
    /// clock, each of those followers refuses votes for an election timeout after getting it, so
    /// no other leader can be elected yet; and it has committed an entry of its term, so its
    /// state machine holds every write committed before the read came.
    fn holds_lease(&self, now: Time) -> bool {
        let Some(lease) = self.config.lease else { return false };
        if self.role != Role::Leader || self.lease_void || self.transfer.is_some() {
            return false;
        }
        if self.log.term_at(self.commit_index) != Some(self.current_term) {
            return false;
        }
        let start = self.configuration().quorum_value(|n| {
            if n == self.id {
                u64::MAX
            } else {
                self.progress[n.index()].acked_stamp
            }
        });
        start == u64::MAX || (start > 0 && now < Time(start) + lease)
    }

    /// ReadIndex: answers the reads whose round a majority confirmed and whose index is applied.
    fn serve_reads(&mut self, cx: &mut Context<Self>) {
        for read in self.reads.ready(self.last_applied) {
            cx.observe(Observation::Note { label: READ_INDEX_NOTE, value: u64::from(read.client) });
            let value = self.store.get(read.key).cloned();
            let outcome = ReplyOutcome::Ok(harness::kv::KvResult::Value(value));
            cx.reply(ClientReply { client: read.client, seq: read.seq, outcome });
        }
    }

    /// An operator asks for a membership change: the leader queues it (others drop it).
    fn ask_change(&mut self, cx: &mut Context<Self>, change: MembershipChange) {
        if self.role == Role::Leader && change.node().index() < self.hosts {
            self.changes.push_back(change);
            self.next_change(cx);
        }
    }

    /// Starts the next queued change if none is in progress (dissertation §4.1): the last
    /// configuration entry is committed and no server is catching up (one change at a time),
    /// and the leader has committed an entry of its term (the fix for the bug of single-server
    /// changes across leader changes).
    fn next_change(&mut self, cx: &mut Context<Self>) {
        if self.changes.is_empty() || self.role != Role::Leader || self.transfer.is_some() || self.catch_up.is_some() {
            return;
        }
        let (index, current) = self.configs.current().clone();
        let settled = index <= self.commit_index && !current.is_joint();
        if !settled && self.config.mutant != Some(Mutant::TwoChanges) {
            return;
        }
        let own_term = self.log.term_at(self.commit_index) == Some(self.current_term);
        if !own_term && self.config.mutant != Some(Mutant::ChangeBeforeOwnTerm) {
            return;
        }
        while let Some(change) = self.changes.pop_front() {
            let Some(next) = current.after(change) else { continue }; // changes nothing
            match change {
                MembershipChange::Add(node) => {
                    // A new server first catches up without a vote (§4.2.1), from its first
                    // entry (or the snapshot).
                    let last = self.log.last_index();
                    self.progress[node.index()] = Progress { next_index: 1, ..Progress::default() };
                    self.catch_up = Some(CatchUp { node, round: 1, round_end: last, round_start: cx.now() });
                    self.replicate(cx, node);
                }
                MembershipChange::Remove(_) => self.append_configuration(cx, &current, next),
            }
            return;
        }
    }

    /// Appends the configuration after `current`: `next` itself, or with `joint`, the joint
    /// configuration on the way to it.
    fn append_configuration(&mut self, cx: &mut Context<Self>, current: &Configuration, next: Configuration) {
        let entry = if self.config.joint { current.joint_to(&next) } else { next };
        self.append_configuration_entry(cx, entry);
        if self.config.mutant == Some(Mutant::TwoChanges) {
            self.next_change(cx); // the mutant does not wait for this one to commit
        }
    }

    /// Leader: appends `configuration` as an entry of its term, replicated at the end of the step.
    fn append_configuration_entry(&mut self, cx: &mut Context<Self>, configuration: Configuration) {
        let term = self.current_term;
        let index = self.append(cx, Entry { term, payload: Payload::Config(std::sync::Arc::new(configuration)) });
        self.progress[self.id.index()].match_index = index;
        self.admitted = true;
    }

    /// A catch-up round ends when the new server holds what the leader held when it began:
    /// quickly enough (within an election timeout), the server joins; otherwise another round,
    /// up to [`CATCH_UP_ROUNDS`].
    fn check_catch_up(&mut self, cx: &mut Context<Self>) {
        let Some(mut catch_up) = self.catch_up else { return };
        if self.progress[catch_up.node.index()].match_index < catch_up.round_end {
            return;
        }
        let now = cx.now();
        if now.saturating_since(catch_up.round_start) < self.config.election_timeout.0 {
            self.catch_up = None;
            let current = self.configs.current().1.clone();
            if let Some(next) = current.after(MembershipChange::Add(catch_up.node)) {
                self.append_configuration(cx, &current, next);
            }
        } else if catch_up.round < CATCH_UP_ROUNDS {
            catch_up.round += 1;
            catch_up.round_end = self.log.last_index();
            catch_up.round_start = now;
            self.catch_up = Some(catch_up);
        } else {
            self.catch_up = None; // it cannot keep up: give the change up
            self.next_change(cx);
        }
    }

    /// Leader, after its commit index advanced: a committed joint configuration is followed by
    /// the new one; a committed configuration without the leader ends its leadership (it hands
    /// over to the most up-to-date member first); otherwise the next queued change may start.
    fn after_commit_membership(&mut self, cx: &mut Context<Self>) {
        // Runs on every commit of a leader: look before cloning anything.
        let (index, current) = self.configs.current();
        if *index > self.commit_index {
            return;
        }
        if !current.contains(self.id) {
            let current = current.clone();
            return self.hand_over(cx, &current);
        }
        if current.is_joint() {
            let next = Configuration::of(current.members.iter().copied());
            return self.append_configuration_entry(cx, next);
        }
        self.next_change(cx);
    }

    /// A leader removed from the configuration steps down, first sending TimeoutNow to the
    /// member that holds its whole log, if one does (dissertation §3.10, §4.2.2).
    fn hand_over(&mut self, cx: &mut Context<Self>, current: &Configuration) {
        let last = self.log.last_index();
        let target = current.members.iter().copied().find(|n| self.progress[n.index()].match_index == last);
        if let Some(target) = target {
            cx.send(target, RaftMsg::TimeoutNow { term: self.current_term });
        }
        let term = self.current_term;
        self.become_follower(cx, term);
        self.leader = None;
    }

    /// Leadership transfer (dissertation §3.10): stop taking commands, bring `to` up to date,
    /// then tell it to start an election at once.
    fn start_transfer(&mut self, cx: &mut Context<Self>, to: NodeId) {
        if self.role != Role::Leader || to == self.id || !self.configuration().contains(to) {
            return;
        }
        self.transfer = Some((to, cx.now(), false));
        self.lease_void = true;
        self.keep_replicating(cx, to);
        self.maybe_timeout_now(cx);
    }

    fn maybe_timeout_now(&mut self, cx: &mut Context<Self>) {
        let Some((to, since, false)) = self.transfer else { return };
        if self.role == Role::Leader && self.progress[to.index()].match_index == self.log.last_index() {
            self.transfer = Some((to, since, true));
            cx.send(to, RaftMsg::TimeoutNow { term: self.current_term });
        }
    }

    /// The leader handed over: a real election now, past the PreVote guard.
    fn on_timeout_now(&mut self, cx: &mut Context<Self>, term: u64) {
        if term == self.current_term && self.role == Role::Follower {
            self.by_transfer = true;
            self.start_election(cx);
        }
    }

    fn on_read_index(&mut self, cx: &mut Context<Self>, from: NodeId, term: u64, round: u64) {
        if term >= self.current_term {
            if term > self.current_term || self.role != Role::Follower {
                self.become_follower(cx, term);
            }
            self.learn_leader(cx, from);
            self.last_leader_contact = Some(cx.now());
            self.reset_election_timer(cx);
        }
        cx.send(from, RaftMsg::ReadIndexAck { term: self.current_term, round });
    }

    fn on_read_index_ack(&mut self, cx: &mut Context<Self>, from: NodeId, term: u64, round: u64) {
        if term > self.current_term {
            return self.become_follower(cx, term);
        }
        if self.role == Role::Leader && term == self.current_term {
            let configuration = self.configuration().clone();
            self.reads.ack(from, round, |acks| configuration.is_quorum(|n| acks.contains(&n)));
            self.serve_reads(cx);
        }
    }

    fn on_request_vote(&mut self, cx: &mut Context<Self>, from: NodeId, ask: VoteRequest) {
        let VoteRequest { term, last_index, last_term, pre_vote, transfer } = ask;
        let up_to_date = (last_term, last_index) >= (self.log.last_term(), self.log.last_index());
        // A candidate the leader itself sent (TimeoutNow) is not disruptive (§3.10). When the
        // membership may change, a leader ignores such candidates too: a removed server that
        // never learned it was removed times out and campaigns (§4.2.3).
        let heard_recently =
            self.last_leader_contact.is_some_and(|t| cx.now().saturating_since(t) < self.config.election_timeout.0);
        let leading = self.config.membership && self.role == Role::Leader;
        let leader_recent = (self.config.prevote || self.config.membership) && !transfer && (heard_recently || leading);
        if pre_vote {
            let granted = term > self.current_term && up_to_date && !leader_recent && self.role != Role::Leader;
            cx.send(from, RaftMsg::Vote { term: self.current_term, granted, pre_vote: true });
            return;
        }
        if leader_recent && term > self.current_term {
            return; // thesis §4.2.3: ignore a disruptive candidate while a leader is alive
        }
        if term > self.current_term {
            self.become_follower(cx, term);
        }
        let free = self.voted_for.is_none_or(|v| v == from) || self.config.mutant == Some(Mutant::VoteTwice);
        let granted = term == self.current_term && free && up_to_date;
        if granted {
            self.voted_for = Some(from);
            self.persist(cx);
            cx.observe(Observation::Voted { term, candidate: from });
            self.reset_election_timer(cx);
        }
        cx.send(from, RaftMsg::Vote { term: self.current_term, granted, pre_vote: false });
    }

    fn on_vote(&mut self, cx: &mut Context<Self>, from: NodeId, term: u64, granted: bool, pre_vote: bool) {
        if term > self.current_term {
            return self.become_follower(cx, term);
        }
        let counting = if pre_vote { Role::PreCandidate } else { Role::Candidate };
        if self.role == Role::Candidate && !pre_vote && term == self.current_term {
            self.answered.insert(from);
        }
        if self.role != counting || !granted || (!pre_vote && term != self.current_term) {
            return;
        }
        self.votes.insert(from);
        if self.is_quorum(&self.votes) {
            if pre_vote {
                self.start_election(cx);
            } else {
                self.become_leader(cx);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_append_entries(
        &mut self,
        cx: &mut Context<Self>,
        from: NodeId,
        term: u64,
        prev_index: u64,
        prev_term: u64,
        entries: Vec<Entry>,
        leader_commit: u64,
        stamp: u64,
    ) {
        let heartbeat = entries.is_empty();
        let refuse = |this: &Self, cx: &mut Context<Self>, conflict| {
            let reply = RaftMsg::AppendReply {
                term: this.current_term,
                success: false,
                match_index: prev_index,
                conflict,
                heartbeat,
                stamp,
            };
            cx.send(from, reply);
        };
        if term < self.current_term {
            return refuse(self, cx, None);
        }
        if term > self.current_term || self.role != Role::Follower {
            self.become_follower(cx, term);
        }
        self.learn_leader(cx, from);
        self.last_leader_contact = Some(cx.now());
        self.reset_election_timer(cx);
        let (mut prev_index, mut prev_term, mut entries) = (prev_index, prev_term, entries);
        let base = self.log.base_index();
        if prev_index < base {
            // Entries up to the snapshot are committed, so they match the leader's: skip them.
            let skip = ((base - prev_index) as usize).min(entries.len());
            entries.drain(..skip);
            prev_index += skip as u64;
            prev_term = if skip == 0 { prev_term } else { self.log.term_at(prev_index).unwrap_or(prev_term) };
            if prev_index < base {
                prev_index = base;
                prev_term = self.log.term_at(base).unwrap_or(0);
            }
        }
        match self.log.term_at(prev_index) {
            None => return refuse(self, cx, Some((None, self.log.last_index() + 1))),
            Some(found) if found != prev_term => {
                let first = self.log.first_index_of(found).unwrap_or(prev_index);
                return refuse(self, cx, Some((Some(found), first)));
            }
            Some(_) => {}
        }
        let progress_before = (self.log.last_index(), self.commit_index);
        let mut index = prev_index;
        for entry in entries {
            index += 1;
            match self.log.term_at(index) {
                Some(existing) if existing == entry.term => continue,
                Some(_) => {
                    // §5.3: a conflicting entry and everything after it go.
                    self.log.truncate_after(index - 1);
                    if self.config.observe_entries {
                        cx.observe(Observation::Truncated { after: index - 1 });
                    }
                    if self.configs.truncated_after(index - 1) {
                        // Back to the configuration before the removed entries.
                        self.observe_newest_configuration(cx);
                    }
                    self.append(cx, entry);
                }
                None => {
                    self.append(cx, entry);
                }
            }
        }
        if leader_commit > self.commit_index {
            self.commit_to(cx, leader_commit.min(index));
        }
        let progressed = progress_before != (self.log.last_index(), self.commit_index);
        // A heartbeat is answered when the answer is news: progress, or entries the leader has
        // not committed yet (it may not know this follower holds them; an earlier answer may
        // have been lost), or always under CheckQuorum.
        let uncommitted_held = leader_commit < index;
        if !heartbeat || progressed || uncommitted_held || self.config.prevote {
            cx.send(
                from,
                RaftMsg::AppendReply {
                    term: self.current_term,
                    success: true,
                    match_index: index,
                    conflict: None,
                    heartbeat,
                    stamp,
                },
            );
        }
    }

    // The arguments are the RPC's fields, as in Figure 2.
    #[allow(clippy::too_many_arguments)]
    fn on_append_reply(
        &mut self,
        cx: &mut Context<Self>,
        from: NodeId,
        term: u64,
        success: bool,
        match_index: u64,
        conflict: Option<(Option<u64>, u64)>,
        stamp: u64,
    ) {
        if term > self.current_term {
            return self.become_follower(cx, term);
        }
        if self.role != Role::Leader || term < self.current_term {
            return;
        }
        let last = self.log.last_index();
        let progress = &mut self.progress[from.index()];
        progress.heard = true;
        // A follower of this term that answered what was sent at `stamp` refuses votes until
        // an election timeout after it got it (the lease's premise).
        progress.acked_stamp = progress.acked_stamp.max(stamp);
        if success {
            progress.match_index = progress.match_index.max(match_index);
            progress.next_index = progress.next_index.max(progress.match_index + 1);
            while progress.in_flight.front().is_some_and(|end| *end <= progress.match_index) {
                progress.in_flight.pop_front();
            }
            if progress.probe.is_some_and(|probe| match_index >= probe) {
                progress.probe = None;
            }
            return self.acknowledged(cx, from);
        }
        let rejected = match_index;
        if rejected <= progress.match_index || progress.probe.is_some_and(|probe| probe != rejected) {
            // A late or duplicated refusal: of an index the follower has since been shown to
            // hold, or of something other than the probe now out.
            return;
        }
        // Refused: back next_index up and probe from there (§5.3).
        progress.in_flight.clear();
        progress.probe = Some(rejected);
        progress.next_index = match (self.config.backoff, conflict) {
            (Backoff::ConflictTerm, Some((Some(term), first))) => self.log.last_index_of(term).map_or(first, |i| i + 1),
            (Backoff::ConflictTerm, Some((None, first))) => first,
            _ => rejected,
        }
        .clamp(progress.match_index + 1, last + 1);
        self.replicate(cx, from);
    }

    /// Leader: `from` was shown to hold more of the log (an AppendEntries or a snapshot it
    /// acknowledged): commit what a quorum now holds, send it what comes next, and move on a
    /// catch-up or a transfer waiting for it.
    fn acknowledged(&mut self, cx: &mut Context<Self>, from: NodeId) {
        self.advance_commit(cx);
        if self.role != Role::Leader {
            return; // the commit removed this leader from the configuration
        }
        self.keep_replicating(cx, from);
        self.check_catch_up(cx);
        self.maybe_timeout_now(cx);
    }

    /// A candidate asks again whoever has not answered its RequestVote.
    fn retry_votes(&mut self, cx: &mut Context<Self>) {
        let silent: Vec<NodeId> = self.peers().into_iter().filter(|p| !self.answered.contains(p)).collect();
        for peer in silent {
            let ask = RaftMsg::RequestVote {
                term: self.current_term,
                last_log_index: self.log.last_index(),
                last_log_term: self.log.last_term(),
                pre_vote: false,
                transfer: self.by_transfer,
            };
            cx.send(peer, ask);
        }
        cx.set_timer(RaftTimer::Heartbeat, self.config.heartbeat);
    }

    fn on_heartbeat_timer(&mut self, cx: &mut Context<Self>) {
        if self.role == Role::Candidate {
            return self.retry_votes(cx);
        }
        if self.role != Role::Leader {
            return;
        }
        let now = cx.now();
        if self.transfer.is_some_and(|(_, since, _)| now.saturating_since(since) >= self.config.election_timeout.0) {
            // The target did not take over within an election timeout: lead on (§3.10).
            self.transfer = None;
            self.next_change(cx);
        }
        if let Some(catch_up) = self.catch_up {
            if now.saturating_since(catch_up.round_start) >= self.config.election_timeout.1 * CATCH_UP_STALL {
                // The new server is down or unreachable: give the change up.
                self.catch_up = None;
                self.next_change(cx);
            }
        }
        for peer in self.peers() {
            let progress = &mut self.progress[peer.index()];
            let stale = now.saturating_since(progress.last_sent) >= self.config.heartbeat;
            if let Some(sending) = &progress.snapshot {
                // A chunk or its answer was lost: send it again (it doubles as the heartbeat).
                if now.saturating_since(sending.sent_at) >= self.config.heartbeat {
                    self.send_snapshot(cx, peer);
                }
            } else if !progress.in_flight.is_empty() && stale {
                // An AppendEntries or its answer was lost: send again from what is known held.
                progress.in_flight.clear();
                progress.next_index = progress.match_index + 1;
                self.replicate(cx, peer);
            } else if !progress.in_flight.is_empty() || progress.next_index > self.log.last_index() {
                self.heartbeat(cx, peer);
            } else {
                self.replicate(cx, peer);
            }
        }
        cx.set_timer(RaftTimer::Heartbeat, self.config.heartbeat);
    }

    fn on_election_timer(&mut self, cx: &mut Context<Self>) {
        match self.role {
            Role::Leader => {
                // CheckQuorum: a leader that has not heard from a majority steps down.
                if self.config.prevote {
                    let heard: BTreeSet<NodeId> =
                        NodeId::all(self.hosts).filter(|n| *n == self.id || self.progress[n.index()].heard).collect();
                    if !self.is_quorum(&heard) {
                        let term = self.current_term;
                        return self.become_follower(cx, term);
                    }
                    self.progress.iter_mut().for_each(|p| p.heard = false);
                }
                self.reset_election_timer(cx);
            }
            // A server outside its configuration does not campaign once it knows that
            // configuration committed (a spare not yet added, a removed server). Until then it
            // may still be needed (dissertation §4.1: a leader removing itself that lost its
            // leadership before committing the change), and it campaigns without counting its
            // own vote.
            _ if !self.configuration().contains(self.id) && self.configs.current().0 <= self.commit_index => {
                self.reset_election_timer(cx)
            }
            _ if self.config.prevote => self.start_pre_vote(cx),
            _ => self.start_election(cx),
        }
    }

    /// Answers `command` at once (not the leader, or already applied) or puts it in the log and
    /// waits for it to commit; `true` in the second case.
    fn admit(&mut self, cx: &mut Context<Self>, command: std::sync::Arc<Command>) -> bool {
        if self.role != Role::Leader || self.transfer.is_some() {
            let reply = ClientReply {
                client: command.client,
                seq: command.seq,
                outcome: ReplyOutcome::NotLeader { hint: self.leader, term: self.current_term },
            };
            cx.reply(reply);
            return false;
        }
        if let (true, harness::kv::KvOp::Get { key }) = (self.holds_lease(cx.now()), &command.op) {
            // Under a lease the state machine is current: answer at once, no message sent.
            cx.observe(Observation::Note { label: READ_LEASE_NOTE, value: u64::from(command.client) });
            let value = self.store.get(*key).cloned();
            let outcome = ReplyOutcome::Ok(harness::kv::KvResult::Value(value));
            cx.reply(ClientReply { client: command.client, seq: command.seq, outcome });
            return false;
        }
        if let (true, harness::kv::KvOp::Get { key }) = (self.config.read_index, &command.op) {
            // ReadIndex: no log entry. The index is the commit index once an entry of this
            // term has committed (the mutant takes it at once).
            let own_term = self.log.term_at(self.commit_index) == Some(self.current_term)
                || self.config.mutant == Some(Mutant::ReadIndexEarly);
            let commit = own_term.then_some(self.commit_index);
            self.reads.admit(command.client, command.seq, *key, commit);
            self.admitted = true;
            return false;
        }
        if let Some(result) = self.store.applied(command.client, command.seq) {
            let reply =
                ClientReply { client: command.client, seq: command.seq, outcome: ReplyOutcome::Ok(result.clone()) };
            cx.reply(reply);
            return false;
        }
        let (client, seq) = (command.client, command.seq);
        let already =
            self.uncommitted.get(client).filter(|(s, i)| *s == seq && *i > self.commit_index).map(|(_, i)| *i);
        let index = match already {
            Some(index) => index,
            None => {
                let term = self.current_term;
                let index = self.append(cx, Entry { term, payload: Payload::Command(command) });
                self.progress[self.id.index()].match_index = index;
                self.uncommitted.insert(client, (seq, index));
                index
            }
        };
        self.waiting.insert(index, client, seq);
        true
    }

    /// Sends what the pipelines have room for after commands were admitted, and commits what a
    /// majority already holds (a one-node cluster).
    fn replicate_admitted(&mut self, cx: &mut Context<Self>) {
        for peer in self.peers() {
            self.keep_replicating(cx, peer);
        }
        self.advance_commit(cx);
    }
}

impl Node for Raft {
    type Msg = RaftMsg;
    type Timer = RaftTimer;
    type Stable = RaftStable;
    type Config = RaftConfig;

    fn new(id: NodeId, nodes: usize, config: &RaftConfig, stable: Option<RaftStable>) -> Self {
        let stable = stable.unwrap_or(RaftStable { current_term: 0, voted_for: None, log: DurableLog::default() });
        let log = Log::open_with(stable.log, config.observe_entries);
        // A restart starts from the snapshot (committed, applied) and the entries after it.
        let snapshot = log.snapshot();
        let base_config = snapshot.as_ref().map_or_else(|| (0, Configuration::initial(nodes)), |s| s.config.clone());
        let mut configs = Configurations::new(base_config);
        for (index, configuration) in log.configurations() {
            configs.appended(index, configuration);
        }
        let (applied, store) = snapshot.map_or((0, KvStore::default()), |s| (s.last_index, s.store));
        Raft {
            id,
            hosts: config.hosts.max(nodes),
            config: config.clone(),
            current_term: stable.current_term,
            voted_for: stable.voted_for,
            log,
            commit_index: applied,
            last_applied: applied,
            store,
            role: Role::Follower,
            leader: None,
            votes: BTreeSet::new(),
            answered: BTreeSet::new(),
            last_leader_contact: None,
            progress: Vec::new(),
            waiting: waiting::Waiting::default(),
            uncommitted: ClientMap::new(),
            admitted: false,
            reads: read_index::ReadIndex::default(),
            transfer: None,
            by_transfer: false,
            lease_void: false,
            receiving: None,
            snapshot_bytes: None,
            configs,
            changes: VecDeque::new(),
            catch_up: None,
        }
    }

    fn on_start(&mut self, cx: &mut Context<Self>) {
        if self.config.lease.is_some() {
            // It may have answered a leader just before it crashed: it keeps the promise
            // behind that leader's lease by refusing votes for an election timeout.
            self.last_leader_contact = Some(cx.now());
        }
        if self.commit_index > 0 && self.config.observe_entries {
            cx.observe(Observation::Committed { index: self.commit_index }); // from its snapshot
        }
        self.persist(cx);
        self.reset_election_timer(cx);
    }

    fn on_message(&mut self, cx: &mut Context<Self>, from: NodeId, msg: RaftMsg) {
        match msg {
            RaftMsg::RequestVote { term, last_log_index, last_log_term, pre_vote, transfer } => {
                let ask =
                    VoteRequest { term, last_index: last_log_index, last_term: last_log_term, pre_vote, transfer };
                self.on_request_vote(cx, from, ask)
            }
            RaftMsg::TimeoutNow { term } => self.on_timeout_now(cx, term),
            RaftMsg::Vote { term, granted, pre_vote } => self.on_vote(cx, from, term, granted, pre_vote),
            RaftMsg::AppendEntries { term, prev_index, prev_term, entries, leader_commit, stamp } => {
                self.on_append_entries(cx, from, term, prev_index, prev_term, entries, leader_commit, stamp)
            }
            RaftMsg::AppendReply { term, success, match_index, conflict, heartbeat: _, stamp } => {
                self.on_append_reply(cx, from, term, success, match_index, conflict, stamp)
            }
            RaftMsg::InstallSnapshot {
                term,
                last_index,
                last_term,
                chain,
                offset,
                data,
                done,
                config_index,
                config,
            } => {
                let config = (config_index, config);
                let chunk = snapshot::Chunk { term, last_index, last_term, chain, offset, data, done, config };
                self.on_install_snapshot(cx, from, chunk)
            }
            RaftMsg::InstallSnapshotReply { term, last_index, next_offset, installed } => {
                self.on_install_snapshot_reply(cx, from, term, last_index, next_offset, installed)
            }
            RaftMsg::ReadIndex { term, round } => self.on_read_index(cx, from, term, round),
            RaftMsg::ReadIndexAck { term, round } => self.on_read_index_ack(cx, from, term, round),
        }
    }

    fn on_timer(&mut self, cx: &mut Context<Self>, timer: RaftTimer) {
        match timer {
            RaftTimer::Election => self.on_election_timer(cx),
            RaftTimer::Heartbeat => self.on_heartbeat_timer(cx),
        }
    }

    /// A command is appended as it arrives; replication waits for the end of the step.
    fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp) {
        match op {
            ClientOp::Submit(command) => self.admitted |= self.admit(cx, command),
            ClientOp::TransferLeadership { to } => self.start_transfer(cx, to),
            ClientOp::ChangeMembership(change) => self.ask_change(cx, change),
            _ => {}
        }
    }

    /// The commands of the step leave together: one AppendEntries per follower carries all of
    /// them where the pipeline has room.
    fn on_step_end(&mut self, cx: &mut Context<Self>) {
        if std::mem::take(&mut self.admitted) && self.role == Role::Leader {
            self.replicate_admitted(cx);
            if self.config.read_index {
                let configuration = self.configuration().clone();
                let quorum = |acks: &BTreeSet<NodeId>| configuration.is_quorum(|n| acks.contains(&n));
                if let Some(round) = self.reads.start_round(self.id, quorum) {
                    self.send_to_peers(cx, RaftMsg::ReadIndex { term: self.current_term, round });
                }
                self.serve_reads(cx);
            }
        }
    }
}

impl Algorithm for Raft {
    const NAME: &'static str = "raft";
    const FAMILY: Family = Family::Replication;
    const SUMMARY: &'static str = "leader election, log replication, current-term commit rule; 2(N-1) per command";
    const VARIANTS: &'static [(&'static str, &'static str)] = config::VARIANTS;
    const DETECTION_KINDS: &'static [&'static str] = messages::HEARTBEAT_KINDS;
    const READ_KINDS: &'static [&'static str] = messages::READ_KINDS;
    const TRANSFERS_LEADERSHIP: bool = true;
    const CHANGES_MEMBERSHIP: bool = true;
    /// Half the campaign runs compact their logs, every 5 to 40 applied entries.
    const CAMPAIGN_PARAMS: &'static [(&'static str, &'static [&'static str])] =
        &[("snapshot_every", &["0", "0", "0", "5", "10", "40"])];

    const TOLERATES: &'static [harness::FaultClass] = harness::FaultClass::ALL;

    fn configure(settings: &mut Settings) -> Result<RaftConfig, SpecError> {
        RaftConfig::for_settings::<Self>(settings)
    }

    /// The log invariants of Figure 3 that only Raft's log shape promises (Paxos logs may have
    /// holes and fill slots out of order).
    fn extra_checkers(spec: &RunSpec) -> Vec<Box<dyn harness::checkers::Checker>> {
        let (nodes, hosts) = (spec.nodes, spec.hosts());
        vec![
            Box::new(checkers::LogMatching { nodes: hosts }),
            Box::new(checkers::LeaderCompleteness { nodes: hosts }),
            Box::new(checkers::LeaderCommitsOwnTerm { nodes: hosts }),
            Box::new(checkers::OneVotePerTerm),
            Box::new(checkers::CommitQuorum { nodes, hosts }),
            Box::new(checkers::ElectionQuorum { nodes, hosts }),
            Box::new(checkers::OneChangeAtATime { nodes, hosts }),
        ]
    }

    /// One client, one command at a time, after the first election: 2(N-1) per command.
    fn formula() -> Option<harness::formula::Formula> {
        Some(harness::formula::Formula {
            text: "2(N-1) per command (AppendEntries + reply per follower; heartbeats apart)",
            source: "Ongaro & Ousterhout 2014 §5.3; Ongaro's thesis §10",
            scenario: harness::formula::one_client,
            expected: |nodes, history| {
                let commands = harness::formula::answered(history);
                // Plus the election: N-1 RequestVotes, N-1 votes, and the no-op's round.
                (commands + 1) * 2 * (nodes as u64 - 1) + 2 * (nodes as u64 - 1)
            },
        })
    }
}

#[cfg(test)]
mod tests;
