//! Client operations: what a workload driver asks of a node.
//!
//! The family fixes which operations make sense (see `DESIGN.md`):
//! mutex nodes take [`ClientOp::Acquire`] and [`ClientOp::Release`], election nodes take
//! [`ClientOp::StartElection`].

use serde::Serialize;

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
}
