//! What Raft promises beyond the replication family's invariants, checked after every Raft run
//! ([`harness::Algorithm::extra_checkers`]): Log Matching and Leader Completeness (Figure 3), and
//! two rules they rest on, one vote per term (Figure 2) and the current-term commit rule
//! (§5.4.2); and for membership change, that a leader commits with a majority of the
//! configuration in force and changes it one step at a time ([`configuration`]). They read `Appended`, `Truncated`, `Committed`, `Leader` and `Voted` observations,
//! the log ones through [`harness::checkers::log_replay`]. Another algorithm that makes the same
//! promises from the same observations (Zab, say) can use them as they are; the family's own
//! checkers (election safety, state machine safety, linearizability) are in the harness.

pub mod configuration;
mod leader_commits_own_term;
mod leader_completeness;
mod log_matching;
mod one_vote_per_term;

pub use configuration::{CommitQuorum, ElectionQuorum, OneChangeAtATime};
pub use leader_commits_own_term::LeaderCommitsOwnTerm;
pub use leader_completeness::LeaderCompleteness;
pub use log_matching::LogMatching;
pub use one_vote_per_term::OneVotePerTerm;
