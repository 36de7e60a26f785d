//! Basic Paxos's messages ("Paxos Made Simple" §2.2–2.3), one instance per slot.

use harness::Message;

use crate::{Ballot, Value};

/// Messages of the per-slot instances.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum PaxosMsg {
    /// Phase 1a.
    Prepare { slot: u64, ballot: Ballot },
    /// Phase 1b: the promise, with the highest-numbered proposal the acceptor has accepted.
    Promise { slot: u64, ballot: Ballot, accepted: Option<(Ballot, Value)> },
    /// Phase 2a.
    Accept { slot: u64, ballot: Ballot, value: Value },
    /// Phase 2b.
    Accepted { slot: u64, ballot: Ballot },
    /// An acceptor refuses `ballot`: it has promised `promised`.
    Reject { slot: u64, ballot: Ballot, promised: Ballot },
    /// The slot's value is chosen: sent by the proposer that saw a majority accept it, and by any
    /// node that already knows when asked about the slot again.
    Chosen { slot: u64, value: Value },
    /// A node with a gap below slots it knows asks for the values from `from` on.
    CatchUp { from: u64 },
    /// The values the asked node knows from the requested slot on (a bounded batch).
    CatchUpReply { values: Vec<(u64, Value)> },
}

impl Message for PaxosMsg {
    fn kind(&self) -> &'static str {
        match self {
            PaxosMsg::Prepare { .. } => "prepare",
            PaxosMsg::Promise { .. } => "promise",
            PaxosMsg::Accept { .. } => "accept",
            PaxosMsg::Accepted { .. } => "accepted",
            PaxosMsg::Reject { .. } => "reject",
            PaxosMsg::Chosen { .. } => "chosen",
            PaxosMsg::CatchUp { .. } => "catch_up",
            PaxosMsg::CatchUpReply { .. } => "catch_up_reply",
        }
    }
}
