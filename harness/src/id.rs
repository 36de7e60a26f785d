//! Node identities.

use std::fmt;

/// The identity of a node: its index in the cluster, `0..nodes`.
///
/// Ids are dense so runtimes can index vectors with them, and ordered so algorithms that rank
/// nodes (Bully, Ring, tie-breaks on timestamps) can compare them directly.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The id as a vector index.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// Every id of a cluster of `nodes` nodes, in increasing order.
    pub fn all(nodes: usize) -> impl Iterator<Item = NodeId> {
        (0..nodes as u32).map(NodeId)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}
