//! Proposal numbers ("ballots"): unique per proposer and totally ordered ("Paxos Made Simple"
//! §2.2: "different proposals have different numbers"). A ballot is a round and the proposer's
//! id; rounds only grow, and the proposer's id breaks ties.

use harness::NodeId;
use serde::Serialize;

/// A proposal number: ordered by round, then by proposer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Ballot {
    pub round: u64,
    pub node: u32,
}

impl Ballot {
    /// The ballot below every real one (round 0 is never used by a proposer).
    pub const ZERO: Ballot = Ballot { round: 0, node: 0 };

    /// `node`'s ballot in `round`.
    pub fn new(round: u64, node: NodeId) -> Self {
        Ballot { round, node: node.0 }
    }

    /// The same order as a single number, for observations (`Leader.term`, `Accepted.ballot`).
    pub fn as_u64(self) -> u64 {
        self.round << 16 | u64::from(self.node)
    }
}

impl std::fmt::Display for Ballot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.round, self.node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_number_orders_like_the_pair() {
        let a = Ballot::new(3, NodeId(9));
        let b = Ballot::new(4, NodeId(0));
        assert!(a < b && a.as_u64() < b.as_u64());
        assert!(Ballot::new(4, NodeId(1)) > b && Ballot::new(4, NodeId(1)).as_u64() > b.as_u64());
        assert!(Ballot::ZERO < a);
    }
}
