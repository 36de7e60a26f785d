//! Raft's RPCs (Figure 2) and their kinds.

use harness::Message;

use crate::log::Entry;
use crate::membership::Configuration;

/// Raft messages. AppendEntries without entries is a heartbeat and is counted apart.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum RaftMsg {
    RequestVote {
        term: u64,
        last_log_index: u64,
        last_log_term: u64,
        pre_vote: bool,
        /// Started by a leadership transfer (TimeoutNow): voters let it through the guard
        /// against disruptive candidates (dissertation §3.10).
        transfer: bool,
    },
    Vote {
        term: u64,
        granted: bool,
        pre_vote: bool,
    },
    AppendEntries {
        term: u64,
        prev_index: u64,
        prev_term: u64,
        entries: Vec<Entry>,
        leader_commit: u64,
        /// When the leader sent it, on the leader's clock; the answer echoes it, so the leader
        /// knows from when a follower's acknowledgment counts toward its lease (`lease`).
        stamp: u64,
    },
    AppendReply {
        term: u64,
        success: bool,
        /// On success, the index the follower's log now matches up to; on failure, the
        /// `prev_index` it refused (so the leader can tell a stale refusal from a fresh one).
        match_index: u64,
        /// On failure: the conflicting term (if the follower has an entry at `prev_index`) and
        /// the first index the leader should try next (the conflict-term backup of §5.3).
        conflict: Option<(Option<u64>, u64)>,
        /// Whether this answers a heartbeat.
        heartbeat: bool,
        /// The answered AppendEntries' `stamp`.
        stamp: u64,
    },
    /// Leadership transfer (dissertation §3.10): the leader has brought the target up to date;
    /// the target starts an election at once.
    TimeoutNow {
        term: u64,
    },
    /// Log compaction (§7): one chunk of the leader's snapshot, which covers the log up to
    /// `last_index` (an entry of `last_term`, chain digest `chain`); `data` is the store's bytes
    /// from `offset`, and `done` marks the last chunk.
    InstallSnapshot {
        term: u64,
        last_index: u64,
        last_term: u64,
        chain: u64,
        offset: u64,
        data: Vec<u8>,
        done: bool,
        /// The configuration in force at `last_index`, and its entry's index.
        config_index: u64,
        config: Configuration,
    },
    /// The follower holds `next_offset` bytes of the snapshot up to `last_index`, or has
    /// `installed` it (or already held everything it covers).
    InstallSnapshotReply {
        term: u64,
        last_index: u64,
        next_offset: u64,
        installed: bool,
    },
    /// ReadIndex (`read-index`): is the sender still leader of `term`? Round `round`.
    ReadIndex {
        term: u64,
        round: u64,
    },
    ReadIndexAck {
        term: u64,
        round: u64,
    },
}

impl Message for RaftMsg {
    fn kind(&self) -> &'static str {
        match self {
            RaftMsg::RequestVote { pre_vote: false, .. } => "request_vote",
            RaftMsg::RequestVote { pre_vote: true, .. } => "pre_vote",
            RaftMsg::Vote { pre_vote: false, .. } => "vote",
            RaftMsg::Vote { pre_vote: true, .. } => "pre_vote_reply",
            RaftMsg::AppendEntries { entries, .. } if entries.is_empty() => "heartbeat",
            RaftMsg::AppendEntries { .. } => "append_entries",
            RaftMsg::AppendReply { heartbeat: true, .. } => "heartbeat_reply",
            RaftMsg::AppendReply { .. } => "append_reply",
            RaftMsg::TimeoutNow { .. } => "timeout_now",
            RaftMsg::InstallSnapshot { .. } => "install_snapshot",
            RaftMsg::InstallSnapshotReply { .. } => "install_snapshot_reply",
            RaftMsg::ReadIndex { .. } => "read_index",
            RaftMsg::ReadIndexAck { .. } => "read_index_ack",
        }
    }
}

/// The kinds counted as failure-detection traffic.
pub const HEARTBEAT_KINDS: &[&str] = &["heartbeat", "heartbeat_reply"];

/// The kinds spent on reads alone (`read-index`).
pub const READ_KINDS: &[&str] = &["read_index", "read_index_ack"];
