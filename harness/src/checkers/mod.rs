//! Checkers: one invariant per file, each reading only the history.
//!
//! A checker returns its violations as sentences naming the time and nodes involved; an empty
//! list means the invariant held. Every checker has a test that feeds it a broken history.
//!
//! Here are the checkers of the families (every algorithm of a family is held to them) and those
//! more than one algorithm uses. What only one algorithm promises lives in its crate (Raft's log
//! and vote rules are in `raft::checkers`) and reaches the run through
//! [`crate::Algorithm::extra_checkers`]; [`log_replay`] rebuilds each node's log from its
//! observations for any replication checker, wherever it lives.

mod agreement;
mod election_safety;
mod every_request_granted;
mod linearizability;
pub mod log_replay;
mod mutual_exclusion;
mod one_value_per_slot;
mod state_machine_safety;
mod termination;
mod timestamp_order;
mod validity;

pub use agreement::Agreement;
pub use election_safety::ElectionSafety;
pub use every_request_granted::EveryRequestGranted;
pub use linearizability::{describe as describe_operation, verdicts, KeyVerdict, Linearizability, Verdict, STEP_LIMIT};
pub use mutual_exclusion::MutualExclusion;
pub use one_value_per_slot::{FastBallots, OneValuePerSlot};
pub use state_machine_safety::StateMachineSafety;
pub use termination::Termination;
pub use timestamp_order::TimestampOrder;
pub use validity::HighestIdWins;

use crate::History;

/// At most this many violations are reported per checker; the rest are summarised.
pub const MAX_REPORTED: usize = 10;

/// An invariant checked over a whole history.
pub trait Checker: Send + Sync {
    /// A short name, prefixed to each violation.
    fn name(&self) -> &'static str;
    /// Every violation found, as a sentence.
    fn check(&self, history: &History) -> Vec<String>;
    /// The violations, and what the checker could not decide (a search that ran out of steps):
    /// an undecided part is neither a violation nor a pass, and is reported as such.
    fn findings(&self, history: &History) -> Findings {
        Findings { violations: self.check(history), undecided: Vec::new() }
    }
    /// Whether the checker judges the state at the end of the run (every request granted, the
    /// live nodes agree). When a time limit cut the run short, what it finds is unfinished work,
    /// not a violation: nothing says the algorithm would not have finished it.
    fn at_end(&self) -> bool {
        false
    }
}

/// What a checker found: violations, and the parts it could not decide.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Findings {
    pub violations: Vec<String>,
    pub undecided: Vec<String>,
}

/// Keeps the first [`MAX_REPORTED`] of one source's violations and summarises the rest.
pub fn capped(source: &str, mut violations: Vec<String>) -> Vec<String> {
    let extra = violations.len().saturating_sub(MAX_REPORTED);
    if extra > 0 {
        violations.truncate(MAX_REPORTED);
        violations.push(format!("{source}: ... and {extra} more"));
    }
    violations
}
