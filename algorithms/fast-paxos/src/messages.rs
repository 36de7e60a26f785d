//! Fast Paxos's messages.

use harness::Message;
use paxos::{Ballot, Value};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum FastPaxosMsg {
    /// Phase 1a for every slot from `from`, in the candidate's fast ballot.
    Prepare {
        ballot: Ballot,
        from: u64,
    },
    /// Phase 1b: every proposal the acceptor accepted from `from` on, with its ballot.
    Promise {
        ballot: Ballot,
        accepted: Vec<(u64, Ballot, Value)>,
    },
    /// A refusal: the acceptor promised `promised`.
    Reject {
        ballot: Ballot,
        promised: Ballot,
    },
    /// The coordinator's "any" message: acceptors may vote client commands straight into slots
    /// `from`, `from + 1`, ... in fast ballot `ballot`, one slot per command, in arrival order.
    /// `window` numbers the leader's windows, so that a delayed or duplicated ANY cannot reopen
    /// a window the leader has closed.
    Any {
        ballot: Ballot,
        from: u64,
        window: u64,
    },
    /// A fast-round vote (phase 2b), to the coordinator.
    Voted {
        ballot: Ballot,
        slot: u64,
        value: Value,
    },
    /// End the fast window at `at`: vote nothing more in it, and report the votes from `at` on
    /// (coordinated recovery: these answers are phase 1b of the coordinator's classic ballot).
    Close {
        ballot: Ballot,
        at: u64,
        window: u64,
    },
    Closed {
        ballot: Ballot,
        at: u64,
        votes: Vec<(u64, Ballot, Value)>,
    },
    /// Classic phase 2a in `ballot`, by the leader whose fast ballot is `fast`: an acceptor
    /// accepts only while its promise is still `fast` (no other leader came in between).
    Accept {
        ballot: Ballot,
        fast: Ballot,
        slot: u64,
        value: Value,
    },
    Accepted {
        ballot: Ballot,
        slot: u64,
    },
    /// The leader's heartbeat: its learned prefix, and the digests of the values it chose since
    /// the last heartbeat, so followers learn the slots where their own vote was the winner.
    Heartbeat {
        ballot: Ballot,
        commit: u64,
        chosen: Vec<(u64, u64)>,
    },
    /// A follower's answer: the leader counts who is there, to know whether a fast quorum is.
    HeartbeatAck {
        ballot: Ballot,
    },
    CatchUp {
        from: u64,
    },
    CatchUpReply {
        values: Vec<(u64, Value)>,
    },
}

/// Failure detection, reported apart.
pub const HEARTBEAT_KINDS: &[&str] = &["heartbeat", "heartbeat_ack"];

impl Message for FastPaxosMsg {
    fn kind(&self) -> &'static str {
        match self {
            FastPaxosMsg::Prepare { .. } => "prepare",
            FastPaxosMsg::Promise { .. } => "promise",
            FastPaxosMsg::Reject { .. } => "reject",
            FastPaxosMsg::Any { .. } => "any",
            FastPaxosMsg::Voted { .. } => "voted",
            FastPaxosMsg::Close { .. } => "close",
            FastPaxosMsg::Closed { .. } => "closed",
            FastPaxosMsg::Accept { .. } => "accept",
            FastPaxosMsg::Accepted { .. } => "accepted",
            FastPaxosMsg::Heartbeat { .. } => "heartbeat",
            FastPaxosMsg::HeartbeatAck { .. } => "heartbeat_ack",
            FastPaxosMsg::CatchUp { .. } => "catch_up",
            FastPaxosMsg::CatchUpReply { .. } => "catch_up_reply",
        }
    }
}
