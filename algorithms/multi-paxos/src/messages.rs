//! Multi-Paxos's messages.

use harness::Message;
use paxos::{Ballot, Value};

/// Messages between the leader (or a candidate) and the others.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum MultiPaxosMsg {
    /// Phase 1a for every slot from `from` on.
    Prepare { ballot: Ballot, from: u64 },
    /// Phase 1b: the promise, with every proposal the acceptor accepted from that slot on.
    Promise { ballot: Ballot, accepted: Vec<(u64, Ballot, Value)> },
    /// Phase 2a for one slot; `commit` piggybacks the leader's gap-free learned prefix.
    Accept { ballot: Ballot, slot: u64, value: Value, commit: u64 },
    /// Phase 2b.
    Accepted { ballot: Ballot, slot: u64 },
    /// An acceptor refuses `ballot`: it has promised `promised`.
    Reject { ballot: Ballot, promised: Ballot },
    /// The leader is alive; learned prefix `commit`.
    Heartbeat { ballot: Ballot, commit: u64 },
    /// A node that cannot learn a committed slot from its own accepted value asks for the values
    /// from `from` on.
    CatchUp { from: u64 },
    /// A bounded batch of learned values from the requested slot on.
    CatchUpReply { values: Vec<(u64, Value)> },
}

impl Message for MultiPaxosMsg {
    fn kind(&self) -> &'static str {
        match self {
            MultiPaxosMsg::Prepare { .. } => "prepare",
            MultiPaxosMsg::Promise { .. } => "promise",
            MultiPaxosMsg::Accept { .. } => "accept",
            MultiPaxosMsg::Accepted { .. } => "accepted",
            MultiPaxosMsg::Reject { .. } => "reject",
            MultiPaxosMsg::Heartbeat { .. } => "heartbeat",
            MultiPaxosMsg::CatchUp { .. } => "catch_up",
            MultiPaxosMsg::CatchUpReply { .. } => "catch_up_reply",
        }
    }
}

/// The kinds counted as failure-detection traffic.
pub const HEARTBEAT_KINDS: &[&str] = &["heartbeat"];
