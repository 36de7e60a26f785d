//! Zab's messages, by phase.

use harness::{Message, NodeId};
use serde::Serialize;

use crate::history::{Entry, Zxid};

/// A fast-leader-election vote: the candidate with the best (current epoch, last zxid, id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Vote {
    pub epoch: u64,
    pub zxid: Zxid,
    pub id: NodeId,
}

/// What the sender of a notification is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum PeerState {
    Looking,
    Following,
    /// Leading; with the epoch it has chosen, once it has.
    Leading {
        epoch: Option<u64>,
    },
}

/// How a new leader brings a follower's history to its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SyncMode {
    /// The follower's history is a prefix of the leader's: send what it lacks.
    Diff,
    /// The follower holds entries the leader does not: truncate them, then send what it lacks.
    Trunc,
    /// Nothing in common: replace the follower's history with a whole copy.
    Snap,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ZabMsg {
    /// Phase 0, fast leader election: the sender's vote in election round `round`.
    Notification {
        vote: Vote,
        round: u64,
        state: PeerState,
    },
    /// Phase 1, discovery: a follower tells its prospective leader the last epoch it accepted.
    FollowerInfo {
        accepted_epoch: u64,
    },
    /// The leader proposes epoch `epoch` (ZooKeeper's LEADERINFO). `session` numbers this
    /// follower's joins, standing in for the TCP connection ZooKeeper runs each one over: a
    /// stale synchronization from an earlier join (delayed, duplicated) is recognised and dropped.
    NewEpoch {
        epoch: u64,
        session: u64,
    },
    /// The follower accepted `epoch`, and reports what it holds: its current epoch, its last
    /// zxid, its history's length and where each epoch in it ends.
    AckEpoch {
        epoch: u64,
        session: u64,
        current_epoch: u64,
        last: Zxid,
        len: u64,
        epochs: Vec<(u64, u64)>,
    },
    /// Phase 2, synchronization (with NEWLEADER): keep the first `keep` entries, append `entries`,
    /// and take `epoch` as the current epoch.
    Sync {
        epoch: u64,
        session: u64,
        mode: SyncMode,
        keep: u64,
        entries: Vec<Entry>,
    },
    /// The follower's history now equals the leader's initial history.
    AckNewLeader {
        epoch: u64,
    },
    /// A quorum is synchronized: deliver everything through `commit` (ZooKeeper's UPTODATE).
    UpToDate {
        epoch: u64,
        commit: Zxid,
    },
    /// Phase 3, broadcast.
    Proposal {
        epoch: u64,
        entry: Entry,
    },
    Ack {
        epoch: u64,
        zxid: Zxid,
    },
    Commit {
        epoch: u64,
        zxid: Zxid,
    },
    /// The leader's heartbeat, carrying its commit point (which repairs a lost COMMIT).
    Ping {
        epoch: u64,
        commit: Zxid,
    },
    Pong {
        epoch: u64,
    },
}

/// Failure detection: the leader's pings and the followers' answers.
pub const HEARTBEAT_KINDS: &[&str] = &["ping", "pong"];

impl Message for ZabMsg {
    fn kind(&self) -> &'static str {
        match self {
            ZabMsg::Notification { .. } => "notification",
            ZabMsg::FollowerInfo { .. } => "followerinfo",
            ZabMsg::NewEpoch { .. } => "newepoch",
            ZabMsg::AckEpoch { .. } => "ackepoch",
            ZabMsg::Sync { mode: SyncMode::Diff, .. } => "diff",
            ZabMsg::Sync { mode: SyncMode::Trunc, .. } => "trunc",
            ZabMsg::Sync { mode: SyncMode::Snap, .. } => "snap",
            ZabMsg::AckNewLeader { .. } => "ack-newleader",
            ZabMsg::UpToDate { .. } => "uptodate",
            ZabMsg::Proposal { .. } => "proposal",
            ZabMsg::Ack { .. } => "ack",
            ZabMsg::Commit { .. } => "commit",
            ZabMsg::Ping { .. } => "ping",
            ZabMsg::Pong { .. } => "pong",
        }
    }
}
