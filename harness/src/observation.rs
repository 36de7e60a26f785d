//! Observations: what a node *means*, as opposed to what it sends.
//!
//! Metrics and checkers read only observations, client invocations and message counts; they
//! never reach into a node's fields. The same observations make up the trace.

use serde::Serialize;

use crate::NodeId;

/// Something a node reports about its own progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Observation {
    /// Mutex: the node has sent (or queued) its request; `timestamp` is the logical timestamp
    /// the algorithm ordered it by, where it has one (Lamport, Ricart-Agrawala).
    Requested { timestamp: Option<u64> },
    /// Mutex: the node entered the critical section.
    Entered,
    /// Mutex: the node left the critical section.
    Exited,
    /// Election or replication: the node considers `leader` the leader of `term`
    /// (an election round, a Raft term, a ballot).
    Leader { leader: NodeId, term: u64 },
    /// Replication: the node's log now holds, at `index`, an entry of `term`; `chain` digests the
    /// whole log up to and including it (so equal chains mean equal prefixes).
    Appended { index: u64, term: u64, chain: u64 },
    /// Replication: the node removed every entry after `index` (a conflicting suffix).
    Truncated { after: u64 },
    /// Replication: the node's commit index advanced to `index`.
    Committed { index: u64 },
    /// Replication: the node installed a snapshot of the committed log up to `index` (whose
    /// entry is of `term`, with chain digest `chain`) from its leader; its log is now that
    /// prefix, then whatever entries after `index` it kept (it notes `Truncated` first for those
    /// it dropped), and its commit index is at least `index`.
    SnapshotInstalled { index: u64, term: u64, chain: u64 },
    /// Paxos: the node, as an acceptor, accepted the proposal numbered `ballot` for log slot
    /// `slot`, whose value digests to `value`. A value is chosen once a majority accepted it in
    /// one ballot.
    Accepted { slot: u64, ballot: u64, value: u64 },
    /// Raft: the node cast its vote of `term` for `candidate` (a granted RequestVote, or a
    /// candidate's vote for itself). Pre-votes are not votes and are not observed.
    Voted { term: u64, candidate: NodeId },
    /// Replication, algorithms that change membership: a configuration (boxed: it is rare, and
    /// every history event carries an observation).
    Configuration(Box<ConfigurationNote>),
    /// A labelled number, for tests, benches and algorithm-specific traces.
    Note { label: &'static str, value: u64 },
}

/// A configuration a node uses or a leader committed ([`Observation::Configuration`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigurationNote {
    /// The log index of its entry.
    pub index: u64,
    /// The servers whose majority counts, sorted.
    pub members: Vec<NodeId>,
    /// Joint consensus: the old configuration, whose majority counts too while this one is in
    /// force (empty otherwise).
    pub joint_with: Vec<NodeId>,
    /// `false`: the node's log now holds it (appended, or in a snapshot it installed or
    /// restarted from), and the node uses it from now on. `true`: the node, leading, has
    /// committed it.
    pub committed: bool,
}
