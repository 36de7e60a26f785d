//! Client operations: what a workload driver asks of a node.
//!
//! The family fixes which operations make sense (see `docs/guide.md`, "The families"):
//! mutex nodes take [`ClientOp::Acquire`] and [`ClientOp::Release`], election nodes take
//! [`ClientOp::StartElection`].

use std::sync::Arc;

use serde::Serialize;

use crate::kv::{Command, KvResult};
use crate::NodeId;

/// An operation a driver submits to one node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum ClientOp {
    /// Mutex: ask to enter the critical section. The node emits
    /// [`crate::Observation::Entered`] when it does.
    Acquire,
    /// Mutex: leave the critical section. The node emits [`crate::Observation::Exited`].
    Release,
    /// Election: start an election at this node.
    StartElection,
    /// Replication: run this command on the replicated store. A node answers with
    /// [`crate::Context::reply`]. Behind a pointer because every history event carries a
    /// `ClientOp`: inline, a command's strings would make each of a mutex run's millions of
    /// events 88 bytes instead of 56. Shared (`Arc`), so the history's copy of an invocation and
    /// a log entry holding the command (Raft's) are the one the driver built, not copies of it.
    /// Build one with [`ClientOp::submit`].
    Submit(Arc<Command>),
    /// Replication: an operator asks this node, if it leads, to hand leadership to `to` (Raft's
    /// leadership transfer, Ongaro's dissertation §3.10). The fault plan's `transfer:` sends it,
    /// only to algorithms that declare [`crate::Algorithm::TRANSFERS_LEADERSHIP`].
    TransferLeadership { to: crate::NodeId },
    /// Replication: an operator asks this node, if it leads, to change the configuration by one
    /// server (Raft's AddServer / RemoveServer, Ongaro's dissertation §4.1). The fault plan's
    /// `add:` and `remove:` send it to the leader, only to algorithms that declare
    /// [`crate::Algorithm::CHANGES_MEMBERSHIP`].
    ChangeMembership(MembershipChange),
}

/// One server in or out of the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum MembershipChange {
    /// Bring this node into the configuration (once it has caught up).
    Add(NodeId),
    /// Take this node out of the configuration.
    Remove(NodeId),
}

impl MembershipChange {
    /// The node added or removed.
    pub fn node(&self) -> NodeId {
        match self {
            MembershipChange::Add(node) | MembershipChange::Remove(node) => *node,
        }
    }
}

impl ClientOp {
    /// The operation that submits `command`.
    pub fn submit(command: Command) -> ClientOp {
        ClientOp::Submit(Arc::new(command))
    }
}

/// A node's answer to a [`ClientOp::Submit`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientReply {
    pub client: u32,
    pub seq: u64,
    pub outcome: ReplyOutcome,
}

/// What a replica says about a command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ReplyOutcome {
    /// Committed and applied: the result.
    Ok(KvResult),
    /// This node cannot take the command. `term` is the newest term (or ballot) it knows of and
    /// `hint` the leader of that term, if it knows one: a client follows a hint only if it is
    /// newer than what it already knows, so stale hints cannot send it round in circles.
    NotLeader { hint: Option<NodeId>, term: u64 },
}
