//! # Zab: ZooKeeper Atomic Broadcast
//!
//! Junqueira, Reed & Serafini, "Zab: High-performance broadcast for primary-backup systems"
//! (DSN 2011), in the form ZooKeeper implements (Medeiros, "ZooKeeper's atomic broadcast
//! protocol: Theory and practice", 2012). A node is *looking*, *following* or *leading*; a
//! leader's proposals carry zxids `<epoch, counter>`.
//!
//! - **Phase 0, fast leader election.** A looking node votes for the best
//!   `(current epoch, last zxid, id)` it has heard of in its election round and tells everyone
//!   when its vote changes (once per step). Once a quorum votes as it does, it waits
//!   `finalize_wait` for a better vote still on its way, then leads or follows. A following or
//!   leading node answers a looking one with its state, so a node that restarts, or comes back
//!   from a partition, joins the established leader without a new election.
//! - **Phase 1, discovery.** Each follower sends FOLLOWERINFO with the last epoch it accepted;
//!   with a quorum, the leader proposes an epoch above all of them (NEWEPOCH); a follower
//!   accepts it if it is newer than any it accepted (persisted) and answers ACKEPOCH with its
//!   current epoch, last zxid and where each epoch of its history ends. A prospective leader
//!   that learns a follower is ahead of it, `(current epoch, last zxid)` larger than its own,
//!   gives up leadership and goes back to election, as ZooKeeper does.
//! - **Phase 2, synchronization.** Once a quorum acknowledged the epoch, the leader makes the
//!   epoch its current one and brings each follower's history to its own: DIFF (what the
//!   follower lacks), TRUNC (drop the follower's entries the leader does not hold, then the
//!   diff) or SNAP (a whole copy), found from the largest zxid both hold. The follower adopts
//!   the epoch as current (persisted) and acknowledges (ACK-NEWLEADER). With a quorum, the
//!   leader is *established*: it delivers its whole initial history and sends UPTODATE.
//! - **Phase 3, broadcast.** PROPOSAL to every synchronized follower, ACK back, and once a
//!   quorum (the leader included) has it, COMMIT; every node delivers in zxid order. A follower
//!   that sees a gap (a lost proposal) or a commit it cannot deliver asks to be synchronized
//!   again; the leader's pings carry its commit point.
//!
//! **Reads.** ZooKeeper serves reads from a node's local state, which is only sequentially
//! consistent. Here every client command, reads included, goes through the broadcast, so the
//! replication family's linearizability checker applies to the client history.
//!
//! **Guarantees** (the paper's): at most one established leader per epoch; *primary order* (a
//! leader's broadcasts are delivered in the order it proposed them) and *primary integrity* (an
//! established leader delivers everything earlier epochs committed before it broadcasts
//! anything of its own), both checked from the nodes' delivery observations
//! ([`checkers`]); beside the family's checks: state machine safety and linearizability. Stable
//! storage holds the accepted and current epochs and the history. Progress needs a quorum that
//! can talk and a leader that stays.
//!
//! **Messages per command: 3(N-1)** in steady state with one client (PROPOSAL, ACK and COMMIT
//! with each of the N-1 followers; Junqueira et al. §III). Counting convention: the first
//! election, with every node starting together on equal histories, sends N(N-1) first votes
//! plus (N-1)² changed votes (every node but the highest changes its vote once, to the
//! highest), then discovery and synchronization cost 6(N-1) (FOLLOWERINFO, NEWEPOCH,
//! ACKEPOCH, DIFF, ACK-NEWLEADER, UPTODATE per follower). Pings and pongs are failure
//! detection, reported apart.
//!
//! **Timeouts.** The election timeout is the run's shared failure-detection range; the ping
//! period a third of its low end; `finalize_wait` two round trips.
//!
//! **Variants.** `bug-broadcast-before-sync`, a teaching mutant: the new leader broadcasts as
//! soon as a quorum acknowledged its epoch, without synchronization, so followers append its
//! proposals after whatever they hold, uncommitted leftovers of an old epoch included; state
//! machine safety catches it.

pub mod checkers;
pub mod config;
pub mod disk;
pub mod history;
pub mod messages;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use harness::kv::{Command, KvStore};
use harness::{
    Algorithm, ClientOp, ClientReply, Context, Family, Node, NodeId, Observation, ReplyOutcome, RunSpec, Settings,
    SpecError, Time,
};

use config::{Mutant, ZabConfig};
use disk::Disk;
use history::{Entry, History, Zxid};
use messages::{PeerState, SyncMode, Vote, ZabMsg};

/// Observation labels: a leader's proposal and a node's delivery, with the packed zxid.
pub const PROPOSED: &str = "zab.proposed";
pub const DELIVERED: &str = "zab.delivered";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ZabTimer {
    /// Looking: send the vote again (a notification may have been lost). Following: the leader
    /// has been silent too long. Leading: not established in time.
    Election,
    /// Looking: a quorum agrees; decide unless a better vote came.
    Finalize,
    /// Leading: ping, and check that a quorum is still there.
    Heartbeat,
}

#[derive(Debug)]
enum Role {
    Looking {
        vote: Vote,
        votes: BTreeMap<NodeId, Vote>,
        finalizing: bool,
    },
    /// `epoch` once accepted from the leader, in join `session`.
    Following {
        leader: NodeId,
        epoch: Option<u64>,
        session: u64,
        synced: bool,
    },
    Leading(Box<Leadership>),
}

/// A leader's view of its followers, from discovery to broadcast.
#[derive(Debug, Default)]
struct Leadership {
    /// FOLLOWERINFO received: each follower's accepted epoch.
    infos: BTreeMap<NodeId, u64>,
    /// The epoch proposed, once a quorum of infos came.
    epoch: Option<u64>,
    /// ACKEPOCH received for `epoch`.
    acked_epoch: BTreeSet<NodeId>,
    /// Synchronization has begun (a quorum acknowledged the epoch).
    syncing: bool,
    /// Followers sent their synchronization: they receive proposals and commits from then on.
    forwarding: BTreeSet<NodeId>,
    acked_new_leader: BTreeSet<NodeId>,
    established: bool,
    /// The highest counter of this epoch each follower acknowledged.
    acked_through: BTreeMap<NodeId, u64>,
    next_counter: u64,
    committed_counter: u64,
    /// When each follower was last heard from.
    heard: BTreeMap<NodeId, Time>,
    /// Each follower's latest join (see [`ZabMsg::NewEpoch`]).
    sessions: BTreeMap<NodeId, u64>,
    /// The last zxid each follower's synchronization carried: its ACK-NEWLEADER acknowledges
    /// every proposal up to there.
    sync_point: BTreeMap<NodeId, Zxid>,
    /// When each proposal of this epoch not yet acknowledged by every follower was sent.
    sent: std::collections::VecDeque<(u64, Time)>,
}

/// Proposals sent again to one follower per ping, at most.
const RESEND_BATCH: usize = 64;

/// An ACKEPOCH's contents (the leader's own, for itself, has no session and no report).
struct EpochAck {
    epoch: u64,
    session: u64,
    current_epoch: u64,
    last: Zxid,
    epochs: Vec<(u64, u64)>,
}

/// One Zab node.
#[derive(Debug)]
pub struct Zab {
    id: NodeId,
    nodes: usize,
    config: ZabConfig,
    disk: Disk,
    history: History,
    /// Entries delivered (applied), from the first.
    delivered: usize,
    kv: KvStore,
    role: Role,
    /// The fast-leader-election round (ZooKeeper's logical clock; not persisted).
    round: u64,
    /// Broadcast our vote at the end of the step.
    vote_changed: bool,
    /// Leader: commands waiting for delivery to be answered, and each client's in flight.
    awaiting: BTreeSet<(u32, u64)>,
    in_flight: HashMap<u32, u64>,
    /// Leader not yet established: commands to propose once it is.
    pending: Vec<Command>,
    /// When we last asked the leader to synchronize us again.
    asked_resync: Option<Time>,
    /// Leader, before synchronization: each ACKEPOCH's report of where its history's epochs end.
    reports: BTreeMap<NodeId, Vec<(u64, u64)>>,
}

impl Zab {
    fn quorum(&self) -> usize {
        self.nodes / 2 + 1
    }

    fn own_vote(&self) -> Vote {
        Vote { epoch: self.disk.current_epoch(), zxid: self.history.last_zxid(), id: self.id }
    }

    fn state(&self) -> PeerState {
        match &self.role {
            Role::Looking { .. } => PeerState::Looking,
            Role::Following { .. } => PeerState::Following,
            Role::Leading(l) => PeerState::Leading { epoch: l.epoch },
        }
    }

    /// The vote a non-looking node answers with: its leader.
    fn current_vote(&self) -> Vote {
        match &self.role {
            Role::Looking { vote, .. } => *vote,
            Role::Following { leader, epoch, .. } => {
                Vote { epoch: epoch.unwrap_or(0), zxid: self.history.last_zxid(), id: *leader }
            }
            Role::Leading(l) => Vote { epoch: l.epoch.unwrap_or(0), zxid: self.history.last_zxid(), id: self.id },
        }
    }

    fn arm_election_timer(&self, cx: &mut Context<Self>) {
        let (low, high) = self.config.election_timeout;
        cx.set_timer_between(ZabTimer::Election, low, high);
    }

    // ----- Phase 0: fast leader election -----

    fn look(&mut self, cx: &mut Context<Self>) {
        cx.cancel_timer(ZabTimer::Heartbeat);
        cx.cancel_timer(ZabTimer::Finalize);
        self.awaiting.clear();
        self.in_flight.clear();
        self.pending.clear();
        self.reports.clear();
        self.round += 1;
        let vote = self.own_vote();
        let mut votes = BTreeMap::new();
        votes.insert(self.id, vote);
        self.role = Role::Looking { vote, votes, finalizing: false };
        self.vote_changed = true;
        self.arm_election_timer(cx);
    }

    fn on_notification(&mut self, cx: &mut Context<Self>, from: NodeId, theirs: Vote, round: u64, state: PeerState) {
        let quorum = self.quorum();
        let my_round = self.round;
        let Role::Looking { vote, votes, finalizing } = &mut self.role else {
            // Not looking: tell a looking node whom we follow or that we lead.
            if state == PeerState::Looking {
                let (vote, state) = (self.current_vote(), self.state());
                cx.send(from, ZabMsg::Notification { vote, round: self.round, state });
            }
            return;
        };
        match state {
            PeerState::Leading { epoch } if theirs.id == from => {
                // An established (or establishing) leader: join it, unless it chose an epoch we
                // could not accept, which would only send us back here.
                if epoch.is_none_or(|e| e >= self.disk.accepted_epoch()) {
                    self.follow(cx, from);
                }
            }
            PeerState::Leading { .. } | PeerState::Following => {}
            PeerState::Looking => {
                if round > my_round {
                    self.round = round;
                    votes.clear();
                    let own = Vote { epoch: self.disk.current_epoch(), zxid: self.history.last_zxid(), id: self.id };
                    *vote = own.max(theirs);
                    votes.insert(self.id, *vote);
                    *finalizing = false;
                    self.vote_changed = true;
                } else if round < my_round {
                    // Bring a node behind us to our round.
                    cx.send(from, ZabMsg::Notification { vote: *vote, round: my_round, state: PeerState::Looking });
                    return;
                } else if theirs > *vote {
                    *vote = theirs;
                    votes.insert(self.id, theirs);
                    self.vote_changed = true;
                }
                votes.insert(from, theirs);
                let agreeing = votes.values().filter(|v| **v == *vote).count();
                if agreeing >= quorum && !*finalizing {
                    *finalizing = true;
                    cx.set_timer(ZabTimer::Finalize, self.config.finalize_wait);
                }
            }
        }
    }

    fn on_finalize(&mut self, cx: &mut Context<Self>) {
        let quorum = self.quorum();
        let Role::Looking { vote, votes, .. } = &self.role else { return };
        let vote = *vote;
        if votes.values().filter(|v| **v == vote).count() < quorum {
            if let Role::Looking { finalizing, .. } = &mut self.role {
                *finalizing = false;
            }
            return;
        }
        if vote.id == self.id {
            self.lead(cx);
        } else {
            self.follow(cx, vote.id);
        }
    }

    // ----- Phase 1: discovery -----

    fn follow(&mut self, cx: &mut Context<Self>, leader: NodeId) {
        cx.cancel_timer(ZabTimer::Finalize);
        cx.cancel_timer(ZabTimer::Heartbeat);
        self.role = Role::Following { leader, epoch: None, session: 0, synced: false };
        self.vote_changed = false;
        cx.send(leader, ZabMsg::FollowerInfo { accepted_epoch: self.disk.accepted_epoch() });
        self.arm_election_timer(cx);
    }

    fn lead(&mut self, cx: &mut Context<Self>) {
        cx.cancel_timer(ZabTimer::Finalize);
        let mut leadership = Leadership::default();
        leadership.infos.insert(self.id, self.disk.accepted_epoch());
        self.role = Role::Leading(Box::new(leadership));
        self.vote_changed = false;
        self.arm_election_timer(cx);
        cx.set_timer(ZabTimer::Heartbeat, self.config.heartbeat);
        self.maybe_propose_epoch(cx);
    }

    fn leadership(&mut self) -> Option<&mut Leadership> {
        match &mut self.role {
            Role::Leading(l) => Some(l),
            _ => None,
        }
    }

    fn on_follower_info(&mut self, cx: &mut Context<Self>, from: NodeId, accepted_epoch: u64) {
        let now = cx.now();
        let Some(l) = self.leadership() else { return };
        l.heard.insert(from, now);
        // A follower asking again (a restart, a gap) is synchronized again.
        l.forwarding.remove(&from);
        l.acked_epoch.remove(&from);
        l.acked_new_leader.remove(&from);
        l.acked_through.remove(&from);
        l.infos.insert(from, accepted_epoch);
        *l.sessions.entry(from).or_insert(0) += 1;
        match l.epoch {
            Some(epoch) => cx.send(from, ZabMsg::NewEpoch { epoch, session: l.sessions[&from] }),
            None => self.maybe_propose_epoch(cx),
        }
    }

    fn maybe_propose_epoch(&mut self, cx: &mut Context<Self>) {
        let (quorum, me) = (self.quorum(), self.id);
        let Some(l) = self.leadership() else { return };
        if l.epoch.is_some() || l.infos.len() < quorum {
            return;
        }
        let epoch = l.infos.values().copied().max().unwrap_or(0) + 1;
        l.epoch = Some(epoch);
        let followers: Vec<(NodeId, u64)> = l
            .infos
            .keys()
            .copied()
            .filter(|n| *n != me)
            .map(|n| (n, l.sessions.get(&n).copied().unwrap_or(0)))
            .collect();
        if !self.disk.accept_epoch(epoch, me) {
            return self.look(cx);
        }
        for (follower, session) in followers {
            cx.send(follower, ZabMsg::NewEpoch { epoch, session });
        }
        let own = EpochAck {
            epoch,
            session: 0,
            current_epoch: self.disk.current_epoch(),
            last: self.history.last_zxid(),
            epochs: Vec::new(),
        };
        self.on_ack_epoch(cx, me, own);
    }

    fn on_new_epoch(&mut self, cx: &mut Context<Self>, from: NodeId, epoch: u64, session: u64) {
        let Role::Following { leader, epoch: acked, session: joined, synced } = &mut self.role else { return };
        if *leader != from {
            return;
        }
        if !self.disk.accept_epoch(epoch, from) {
            // A leader of an epoch older than one we accepted: it cannot lead us.
            return self.look(cx);
        }
        if acked.is_some_and(|e| e == epoch) && session < *joined {
            return; // a delayed copy from an earlier join
        }
        if *joined != session {
            *synced = false;
        }
        *acked = Some(epoch);
        *joined = session;
        let (current_epoch, last, len, epochs) =
            (self.disk.current_epoch(), self.history.last_zxid(), self.history.len() as u64, self.history.epoch_ends());
        cx.send(from, ZabMsg::AckEpoch { epoch, session, current_epoch, last, len, epochs });
        self.arm_election_timer(cx);
    }

    fn on_ack_epoch(&mut self, cx: &mut Context<Self>, from: NodeId, ack: EpochAck) {
        let EpochAck { epoch, session, current_epoch, last, epochs } = ack;
        let (quorum, me, now) = (self.quorum(), self.id, cx.now());
        let mine = (self.disk.current_epoch(), self.history.last_zxid());
        let Some(l) = self.leadership() else { return };
        if l.epoch != Some(epoch) || (from != me && l.sessions.get(&from) != Some(&session)) {
            return; // an answer to an earlier join
        }
        l.heard.insert(from, now);
        if (current_epoch, last) > mine {
            // A follower knows more than we do: we must not lead (ZooKeeper gives up here).
            return self.look(cx);
        }
        l.acked_epoch.insert(from);
        if l.syncing {
            if from != me {
                self.synchronize(cx, from, epoch, &epochs);
            }
            return;
        }
        if l.acked_epoch.len() < quorum {
            // Keep the follower's report until the quorum is in.
            self.reports.insert(from, epochs);
            return;
        }
        l.syncing = true;
        self.reports.insert(from, epochs);
        self.disk.set_current_epoch(epoch);
        let reports = std::mem::take(&mut self.reports);
        if self.config.mutant == Some(Mutant::BroadcastBeforeSync) {
            // The mutant skips synchronization: everyone who acknowledged the epoch is a
            // follower at once, whatever it holds.
            let Some(l) = self.leadership() else { return };
            let followers: Vec<NodeId> = l.acked_epoch.iter().copied().filter(|n| *n != me).collect();
            l.forwarding.extend(followers.iter().copied());
            for follower in followers {
                let session = l.sessions.get(&follower).copied().unwrap_or(0);
                cx.send(
                    follower,
                    ZabMsg::Sync { epoch, session, mode: SyncMode::Diff, keep: u64::MAX, entries: Vec::new() },
                );
            }
            return self.establish(cx);
        }
        for (follower, epochs) in reports {
            if follower != me {
                self.synchronize(cx, follower, epoch, &epochs);
            }
        }
        self.on_ack_new_leader(cx, me, epoch);
    }

    // ----- Phase 2: synchronization -----

    fn synchronize(&mut self, cx: &mut Context<Self>, follower: NodeId, epoch: u64, theirs: &[(u64, u64)]) {
        let keep = self.history.shared_prefix(theirs);
        let their_len: u64 = theirs.iter().map(|(_, last)| *last).sum();
        let mode = if keep as u64 == their_len {
            SyncMode::Diff
        } else if keep == 0 {
            SyncMode::Snap
        } else {
            SyncMode::Trunc
        };
        let entries = self.history.entries()[keep..].to_vec();
        let last = self.history.last_zxid();
        let Some(l) = self.leadership() else { return };
        l.forwarding.insert(follower);
        l.sync_point.insert(follower, last);
        let session = l.sessions.get(&follower).copied().unwrap_or(0);
        cx.send(follower, ZabMsg::Sync { epoch, session, mode, keep: keep as u64, entries });
    }

    fn on_sync(
        &mut self,
        cx: &mut Context<Self>,
        from: NodeId,
        epoch: u64,
        session: u64,
        keep: u64,
        entries: Vec<Entry>,
    ) {
        let Role::Following { leader, epoch: acked, session: joined, synced } = &mut self.role else { return };
        if *leader != from || *acked != Some(epoch) || *joined != session || *synced {
            return; // not ours, from an earlier join, or a copy
        }
        *synced = true;
        let keep = (keep.min(self.history.len() as u64)) as usize;
        if keep < self.history.len() {
            self.history.truncate(keep);
            self.disk.truncate(keep);
            cx.observe(Observation::Truncated { after: keep as u64 });
        }
        for entry in entries {
            self.append(cx, entry);
        }
        self.disk.set_current_epoch(epoch);
        cx.observe(Observation::Leader { leader: from, term: epoch });
        cx.send(from, ZabMsg::AckNewLeader { epoch });
        self.arm_election_timer(cx);
    }

    fn append(&mut self, cx: &mut Context<Self>, entry: Entry) {
        self.disk.append(entry.clone());
        let term = entry.zxid.epoch;
        let (index, chain) = self.history.push(entry);
        cx.observe(Observation::Appended { index: index as u64, term, chain });
    }

    fn on_ack_new_leader(&mut self, cx: &mut Context<Self>, from: NodeId, epoch: u64) {
        let (quorum, now, me) = (self.quorum(), cx.now(), self.id);
        let Some(l) = self.leadership() else { return };
        if l.epoch != Some(epoch) {
            return;
        }
        l.heard.insert(from, now);
        l.acked_new_leader.insert(from);
        let synced_to = l.sync_point.get(&from).copied().filter(|z| z.epoch == epoch);
        if l.established {
            // A follower that joined mid-epoch holds our proposals up to its sync point.
            if let Some(zxid) = synced_to {
                self.on_ack(cx, from, epoch, zxid);
            }
            let commit = self.committed_zxid();
            return cx.send(from, ZabMsg::UpToDate { epoch, commit });
        }
        if l.acked_new_leader.len() >= quorum {
            let followers: Vec<NodeId> = l.acked_new_leader.iter().copied().filter(|n| *n != me).collect();
            self.establish(cx);
            let commit = self.committed_zxid();
            for follower in followers {
                cx.send(follower, ZabMsg::UpToDate { epoch, commit });
            }
        }
    }

    /// A quorum holds our history: deliver it all, and start broadcasting.
    fn establish(&mut self, cx: &mut Context<Self>) {
        let id = self.id;
        let Some(l) = self.leadership() else { return };
        l.established = true;
        let epoch = l.epoch.expect("an established leader has an epoch");
        cx.cancel_timer(ZabTimer::Election);
        cx.observe(Observation::Leader { leader: id, term: epoch });
        self.deliver_through(cx, self.history.len());
        for command in std::mem::take(&mut self.pending) {
            self.submit(cx, command);
        }
    }

    fn committed_zxid(&self) -> Zxid {
        self.history.at(self.delivered).map_or(Zxid::ZERO, |e| e.zxid)
    }

    fn on_up_to_date(&mut self, cx: &mut Context<Self>, from: NodeId, epoch: u64, commit: Zxid) {
        self.on_commit(cx, from, epoch, commit);
    }

    // ----- Phase 3: broadcast -----

    fn submit(&mut self, cx: &mut Context<Self>, command: Command) {
        let (client, seq) = (command.client, command.seq);
        let established = matches!(&self.role, Role::Leading(l) if l.established);
        if !established {
            return self.pending.push(command);
        }
        if let Some(result) = self.kv.applied(client, seq) {
            return cx.reply(ClientReply { client, seq, outcome: ReplyOutcome::Ok(result.clone()) });
        }
        self.awaiting.insert((client, seq));
        if self.in_flight.get(&client) == Some(&seq) {
            return; // a retry of a command already proposed
        }
        self.in_flight.insert(client, seq);
        let Some(l) = self.leadership() else { return };
        l.next_counter += 1;
        let epoch = l.epoch.expect("an established leader has an epoch");
        let zxid = Zxid { epoch, counter: l.next_counter };
        let followers: Vec<NodeId> = l.forwarding.iter().copied().collect();
        l.sent.push_back((zxid.counter, cx.now()));
        let entry = Entry { zxid, command };
        self.append(cx, entry.clone());
        cx.observe(Observation::Note { label: PROPOSED, value: zxid.packed() });
        for follower in followers {
            cx.send(follower, ZabMsg::Proposal { epoch, entry: entry.clone() });
        }
        self.on_ack(cx, self.id, epoch, zxid);
    }

    fn on_proposal(&mut self, cx: &mut Context<Self>, from: NodeId, epoch: u64, entry: Entry) {
        let Role::Following { leader, epoch: acked, synced, .. } = &self.role else { return };
        if *leader != from || *acked != Some(epoch) || !*synced {
            return;
        }
        self.arm_election_timer(cx);
        let zxid = entry.zxid;
        if self.history.index_of(zxid).is_some() {
            return cx.send(from, ZabMsg::Ack { epoch, zxid }); // a copy
        }
        if !self.history.last_zxid().followed_by(zxid) {
            return self.ask_resync(cx, from);
        }
        self.append(cx, entry);
        cx.send(from, ZabMsg::Ack { epoch, zxid });
    }

    fn on_ack(&mut self, cx: &mut Context<Self>, from: NodeId, epoch: u64, zxid: Zxid) {
        let (quorum, me, now) = (self.quorum(), self.id, cx.now());
        let Some(l) = self.leadership() else { return };
        if l.epoch != Some(epoch) || zxid.epoch != epoch {
            return;
        }
        l.heard.insert(from, now);
        let through = l.acked_through.entry(from).or_insert(0);
        *through = (*through).max(zxid.counter);
        let mut counts: Vec<u64> = l.acked_through.values().copied().collect();
        if counts.len() < quorum {
            return;
        }
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let chosen = counts[quorum - 1];
        if chosen <= l.committed_counter {
            return;
        }
        l.committed_counter = chosen;
        let commit = Zxid { epoch, counter: chosen };
        let followers: Vec<NodeId> = l.forwarding.iter().copied().filter(|n| *n != me).collect();
        for follower in followers {
            cx.send(follower, ZabMsg::Commit { epoch, zxid: commit });
        }
        if let Some(index) = self.history.index_of(commit) {
            self.deliver_through(cx, index);
        }
    }

    fn on_commit(&mut self, cx: &mut Context<Self>, from: NodeId, epoch: u64, zxid: Zxid) {
        let Role::Following { leader, epoch: acked, synced, .. } = &self.role else { return };
        if *leader != from || *acked != Some(epoch) || !*synced {
            return;
        }
        self.arm_election_timer(cx);
        if zxid == Zxid::ZERO {
            return;
        }
        match self.history.index_of(zxid) {
            Some(index) => self.deliver_through(cx, index),
            None if zxid > self.history.last_zxid() => self.ask_resync(cx, from),
            None => {}
        }
    }

    fn on_ping(&mut self, cx: &mut Context<Self>, from: NodeId, epoch: u64, commit: Zxid) {
        let Role::Following { leader, epoch: acked, synced, .. } = &self.role else { return };
        if *leader != from || *acked != Some(epoch) {
            return;
        }
        let synced = *synced;
        cx.send(from, ZabMsg::Pong { epoch });
        if !synced {
            // Our synchronization was lost: ask again rather than follow a history we lack.
            return self.ask_resync(cx, from);
        }
        self.on_commit(cx, from, epoch, commit);
        self.arm_election_timer(cx);
    }

    /// We missed something: ask the leader to synchronize us again, at most once per ping.
    fn ask_resync(&mut self, cx: &mut Context<Self>, leader: NodeId) {
        let now = cx.now();
        if self.asked_resync.is_some_and(|t| now.saturating_since(t) < self.config.heartbeat) {
            return;
        }
        self.asked_resync = Some(now);
        if let Role::Following { epoch, synced, .. } = &mut self.role {
            *epoch = None;
            *synced = false;
        }
        cx.send(leader, ZabMsg::FollowerInfo { accepted_epoch: self.disk.accepted_epoch() });
    }

    /// Applies every entry through `index`, answers the clients waiting on them here, and
    /// observes the new commit point.
    fn deliver_through(&mut self, cx: &mut Context<Self>, index: usize) {
        let index = index.min(self.history.len());
        if index <= self.delivered {
            return;
        }
        for i in self.delivered + 1..=index {
            let entry = self.history.at(i).expect("delivering a held entry").clone();
            let result = self.kv.apply(&entry.command);
            cx.observe(Observation::Note { label: DELIVERED, value: entry.zxid.packed() });
            let key = (entry.command.client, entry.command.seq);
            if self.awaiting.remove(&key) {
                if self.in_flight.get(&key.0) == Some(&key.1) {
                    self.in_flight.remove(&key.0);
                }
                cx.reply(ClientReply { client: key.0, seq: key.1, outcome: ReplyOutcome::Ok(result) });
            }
        }
        self.delivered = index;
        cx.observe(Observation::Committed { index: index as u64 });
    }

    fn on_heartbeat(&mut self, cx: &mut Context<Self>) {
        let (quorum, now, me) = (self.quorum(), cx.now(), self.id);
        let (silence, period) = (self.config.election_timeout.0, self.config.heartbeat);
        let commit = self.committed_zxid();
        let Some(l) = self.leadership() else { return };
        let alive = 1 + l.heard.iter().filter(|(n, t)| **n != me && now.saturating_since(**t) < silence).count();
        if l.established && alive < quorum {
            // Cut off from a quorum: another leader may be elected; stop serving.
            return self.look(cx);
        }
        // A follower silent this long is dropped; it rejoins through election and discovery.
        let heard = &l.heard;
        l.forwarding.retain(|f| heard.get(f).is_some_and(|t| now.saturating_since(*t) < silence));
        if let (true, Some(epoch)) = (l.established, l.epoch) {
            // Forget send times every follower has acknowledged.
            let everyone = l.forwarding.iter().map(|f| l.acked_through.get(f).copied().unwrap_or(0)).min();
            let floor = everyone.unwrap_or(0);
            while l.sent.front().is_some_and(|(c, _)| *c <= floor) {
                l.sent.pop_front();
            }
            let mut resend: Vec<(NodeId, Vec<u64>)> = Vec::new();
            for follower in l.forwarding.iter().copied() {
                let through = l.acked_through.get(&follower).copied().unwrap_or(0);
                let stale: Vec<u64> = l
                    .sent
                    .iter()
                    .filter(|(c, at)| *c > through && now.saturating_since(*at) >= period)
                    .map(|(c, _)| *c)
                    .take(RESEND_BATCH)
                    .collect();
                if !stale.is_empty() {
                    resend.push((follower, stale));
                }
            }
            let followers: Vec<NodeId> = l.forwarding.iter().copied().collect();
            for follower in followers {
                cx.send(follower, ZabMsg::Ping { epoch, commit });
            }
            // Proposals (or their ACKs) lost on the way: send them again.
            for (follower, counters) in resend {
                for counter in counters {
                    let zxid = Zxid { epoch, counter };
                    if let Some(entry) = self.history.index_of(zxid).and_then(|i| self.history.at(i)) {
                        cx.send(follower, ZabMsg::Proposal { epoch, entry: entry.clone() });
                    }
                }
            }
        }
        cx.set_timer(ZabTimer::Heartbeat, self.config.heartbeat);
    }

    fn on_step_end_vote(&mut self, cx: &mut Context<Self>) {
        if !std::mem::take(&mut self.vote_changed) {
            return;
        }
        if let Role::Looking { vote, .. } = &self.role {
            cx.broadcast(ZabMsg::Notification { vote: *vote, round: self.round, state: PeerState::Looking });
        }
    }
}

impl Node for Zab {
    type Msg = ZabMsg;
    type Timer = ZabTimer;
    type Stable = Disk;
    type Config = ZabConfig;

    fn new(id: NodeId, nodes: usize, config: &ZabConfig, stable: Option<Disk>) -> Self {
        let disk = stable.unwrap_or_default();
        let history = History::from_entries(disk.history());
        Zab {
            id,
            nodes,
            config: config.clone(),
            disk,
            history,
            delivered: 0,
            kv: KvStore::default(),
            role: Role::Following { leader: id, epoch: None, session: 0, synced: false },
            round: 0,
            vote_changed: false,
            awaiting: BTreeSet::new(),
            in_flight: HashMap::new(),
            pending: Vec::new(),
            asked_resync: None,
            reports: BTreeMap::new(),
        }
    }

    fn on_start(&mut self, cx: &mut Context<Self>) {
        cx.persist(self.disk.clone());
        self.look(cx);
    }

    fn on_message(&mut self, cx: &mut Context<Self>, from: NodeId, msg: ZabMsg) {
        match msg {
            ZabMsg::Notification { vote, round, state } => self.on_notification(cx, from, vote, round, state),
            ZabMsg::FollowerInfo { accepted_epoch } => self.on_follower_info(cx, from, accepted_epoch),
            ZabMsg::NewEpoch { epoch, session } => self.on_new_epoch(cx, from, epoch, session),
            ZabMsg::AckEpoch { epoch, session, current_epoch, last, epochs, .. } => {
                self.on_ack_epoch(cx, from, EpochAck { epoch, session, current_epoch, last, epochs })
            }
            ZabMsg::Sync { epoch, session, keep, entries, .. } => self.on_sync(cx, from, epoch, session, keep, entries),
            ZabMsg::AckNewLeader { epoch } => self.on_ack_new_leader(cx, from, epoch),
            ZabMsg::UpToDate { epoch, commit } => self.on_up_to_date(cx, from, epoch, commit),
            ZabMsg::Proposal { epoch, entry } => self.on_proposal(cx, from, epoch, entry),
            ZabMsg::Ack { epoch, zxid } => self.on_ack(cx, from, epoch, zxid),
            ZabMsg::Commit { epoch, zxid } => self.on_commit(cx, from, epoch, zxid),
            ZabMsg::Ping { epoch, commit } => self.on_ping(cx, from, epoch, commit),
            ZabMsg::Pong { .. } => {
                let now = cx.now();
                if let Some(l) = self.leadership() {
                    l.heard.insert(from, now);
                }
            }
        }
    }

    fn on_timer(&mut self, cx: &mut Context<Self>, timer: ZabTimer) {
        match timer {
            ZabTimer::Election => match &self.role {
                Role::Looking { .. } => {
                    self.vote_changed = true;
                    self.arm_election_timer(cx);
                }
                // A silent leader, or a leader not established in time.
                Role::Following { .. } | Role::Leading(_) => self.look(cx),
            },
            ZabTimer::Finalize => self.on_finalize(cx),
            ZabTimer::Heartbeat => self.on_heartbeat(cx),
        }
    }

    fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp) {
        let ClientOp::Submit(command) = op else { return };
        match &self.role {
            Role::Leading(_) => self.submit(cx, std::sync::Arc::unwrap_or_clone(command)),
            Role::Following { leader, epoch, .. } => {
                let (hint, term) = (Some(*leader), epoch.unwrap_or(0));
                cx.reply(ClientReply {
                    client: command.client,
                    seq: command.seq,
                    outcome: ReplyOutcome::NotLeader { hint, term },
                })
            }
            Role::Looking { .. } => cx.reply(ClientReply {
                client: command.client,
                seq: command.seq,
                outcome: ReplyOutcome::NotLeader { hint: None, term: 0 },
            }),
        }
    }

    fn on_step_end(&mut self, cx: &mut Context<Self>) {
        self.on_step_end_vote(cx);
    }
}

impl Algorithm for Zab {
    const NAME: &'static str = "zab";
    const FAMILY: Family = Family::Replication;
    const SUMMARY: &'static str = "ZooKeeper Atomic Broadcast: election, discovery, sync, then 3(N-1) per command";
    const VARIANTS: &'static [(&'static str, &'static str)] = config::VARIANTS;
    const DETECTION_KINDS: &'static [&'static str] = messages::HEARTBEAT_KINDS;
    const TOLERATES: &'static [harness::FaultClass] = harness::FaultClass::ALL;

    fn configure(settings: &mut Settings) -> Result<ZabConfig, SpecError> {
        ZabConfig::for_settings::<Self>(settings)
    }

    fn extra_checkers(spec: &RunSpec) -> Vec<Box<dyn harness::checkers::Checker>> {
        vec![
            Box::new(checkers::PrimaryOrder { nodes: spec.nodes }),
            Box::new(checkers::PrimaryIntegrity { nodes: spec.nodes }),
        ]
    }

    /// One client, one command at a time, after the first election.
    fn formula() -> Option<harness::formula::Formula> {
        Some(harness::formula::Formula {
            text: "3(N-1) per command; first election (N-1)(2N-1) votes + 6(N-1) discovery and sync",
            source: "Junqueira, Reed & Serafini, DSN 2011 §III",
            scenario: harness::formula::one_client,
            expected: |nodes, history| {
                let n = nodes as u64;
                let commands = harness::formula::answered(history);
                3 * (n - 1) * commands + (n - 1) * (2 * n - 1) + 6 * (n - 1)
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::kv::KvOp;

    fn node(id: u32, nodes: usize) -> (Zab, Context<Zab>) {
        let mut n = Zab::new(NodeId(id), nodes, &ZabConfig::default(), None);
        let mut cx = Context::for_test(NodeId(id), nodes);
        n.on_start(&mut cx);
        cx.take_effects();
        (n, cx)
    }

    fn entry(epoch: u64, counter: u64) -> Entry {
        Entry { zxid: Zxid { epoch, counter }, command: Command { client: 0, seq: counter, op: KvOp::Noop } }
    }

    /// A follower past discovery and synchronization with leader 0 in epoch 1, holding `held`.
    fn synced_follower(held: Vec<Entry>) -> (Zab, Context<Zab>) {
        let (mut n, mut cx) = node(1, 3);
        n.follow(&mut cx, NodeId(0));
        n.on_message(&mut cx, NodeId(0), ZabMsg::NewEpoch { epoch: 1, session: 1 });
        let sync = ZabMsg::Sync { epoch: 1, session: 1, mode: SyncMode::Snap, keep: 0, entries: held };
        n.on_message(&mut cx, NodeId(0), sync);
        cx.take_effects();
        (n, cx)
    }

    // Fast leader election: a looking node adopts a better vote (higher zxid) and says so once,
    // at the end of the step.
    #[test]
    fn a_better_vote_is_adopted_and_announced_once_per_step() {
        let (mut n, mut cx) = node(0, 3);
        let better = Vote { epoch: 1, zxid: Zxid { epoch: 1, counter: 4 }, id: NodeId(1) };
        let best = Vote { epoch: 1, zxid: Zxid { epoch: 1, counter: 4 }, id: NodeId(2) };
        n.on_message(&mut cx, NodeId(1), ZabMsg::Notification { vote: better, round: 1, state: PeerState::Looking });
        n.on_message(&mut cx, NodeId(2), ZabMsg::Notification { vote: best, round: 1, state: PeerState::Looking });
        n.on_step_end(&mut cx);
        let sent: Vec<ZabMsg> = cx.take_effects().sends.into_iter().map(|(_, m)| m).collect();
        assert_eq!(sent.len(), 2, "one broadcast to the two others: {sent:?}");
        assert!(sent.iter().all(|m| matches!(m, ZabMsg::Notification { vote, .. } if *vote == best)));
    }

    // Discovery: a prospective leader that learns a follower is ahead of it gives up (ZooKeeper).
    #[test]
    fn a_prospective_leader_behind_a_follower_goes_back_to_election() {
        let (mut n, mut cx) = node(2, 3);
        n.lead(&mut cx);
        n.on_message(&mut cx, NodeId(1), ZabMsg::FollowerInfo { accepted_epoch: 0 });
        let sends = cx.take_effects().sends;
        assert!(sends.contains(&(NodeId(1), ZabMsg::NewEpoch { epoch: 1, session: 1 })), "{sends:?}");
        let ahead = ZabMsg::AckEpoch {
            epoch: 1,
            session: 1,
            current_epoch: 0,
            last: Zxid { epoch: 0, counter: 3 },
            len: 3,
            epochs: vec![(0, 3)],
        };
        n.on_message(&mut cx, NodeId(1), ahead);
        assert!(matches!(n.role, Role::Looking { .. }), "{:?}", n.role);
    }

    // Discovery: a follower accepts an epoch only above every one it accepted.
    #[test]
    fn a_follower_refuses_an_epoch_older_than_it_accepted() {
        let (mut n, mut cx) = node(1, 3);
        assert!(n.disk.accept_epoch(5, NodeId(2)));
        n.follow(&mut cx, NodeId(0));
        n.on_message(&mut cx, NodeId(0), ZabMsg::NewEpoch { epoch: 3, session: 1 });
        assert!(matches!(n.role, Role::Looking { .. }));
        assert_eq!(n.disk.accepted_epoch(), 5);
    }

    // Synchronization: TRUNC drops what the leader does not hold, then appends its entries.
    #[test]
    fn synchronization_truncates_then_appends() {
        let (mut n, mut cx) = node(1, 3);
        n.follow(&mut cx, NodeId(0));
        for e in [entry(1, 1), entry(1, 2), entry(1, 3)] {
            n.append(&mut cx, e);
        }
        n.on_message(&mut cx, NodeId(0), ZabMsg::NewEpoch { epoch: 2, session: 1 });
        cx.take_effects();
        let sync = ZabMsg::Sync { epoch: 2, session: 1, mode: SyncMode::Trunc, keep: 2, entries: vec![entry(2, 1)] };
        n.on_message(&mut cx, NodeId(0), sync);
        let zxids: Vec<Zxid> = n.history.entries().iter().map(|e| e.zxid).collect();
        assert_eq!(
            zxids,
            [Zxid { epoch: 1, counter: 1 }, Zxid { epoch: 1, counter: 2 }, Zxid { epoch: 2, counter: 1 }]
        );
        assert_eq!(n.disk.current_epoch(), 2);
        let effects = cx.take_effects();
        assert!(effects.observations.contains(&Observation::Truncated { after: 2 }));
        assert_eq!(effects.sends, vec![(NodeId(0), ZabMsg::AckNewLeader { epoch: 2 })]);
    }

    // Broadcast: a proposal after a gap is not appended; the follower asks to be synchronized.
    #[test]
    fn a_gap_in_the_proposals_asks_for_synchronization() {
        let (mut n, mut cx) = synced_follower(vec![entry(1, 1)]);
        n.on_message(&mut cx, NodeId(0), ZabMsg::Proposal { epoch: 1, entry: entry(1, 3) });
        assert_eq!(n.history.len(), 1);
        assert_eq!(cx.take_effects().sends, vec![(NodeId(0), ZabMsg::FollowerInfo { accepted_epoch: 1 })]);
        // A synchronization of an earlier join, arriving late, is ignored.
        n.on_message(&mut cx, NodeId(0), ZabMsg::NewEpoch { epoch: 1, session: 2 });
        cx.take_effects();
        let stale = ZabMsg::Sync { epoch: 1, session: 1, mode: SyncMode::Snap, keep: 0, entries: vec![] };
        n.on_message(&mut cx, NodeId(0), stale);
        assert_eq!(n.history.len(), 1, "the stale SNAP did not empty the history");
    }

    // Broadcast: the next proposal is appended and acknowledged; its commit delivers it.
    #[test]
    fn a_proposal_is_acknowledged_and_its_commit_delivers_it() {
        let (mut n, mut cx) = synced_follower(vec![entry(1, 1)]);
        n.on_message(&mut cx, NodeId(0), ZabMsg::Proposal { epoch: 1, entry: entry(1, 2) });
        let two = Zxid { epoch: 1, counter: 2 };
        assert_eq!(cx.take_effects().sends, vec![(NodeId(0), ZabMsg::Ack { epoch: 1, zxid: two })]);
        n.on_message(&mut cx, NodeId(0), ZabMsg::Commit { epoch: 1, zxid: two });
        assert_eq!(n.delivered, 2);
        assert!(cx.take_effects().observations.contains(&Observation::Committed { index: 2 }));
    }
}
