//! Basic Paxos's run configuration and variants.

use std::time::Duration;

use harness::{known_variant, RunSpec, SpecError};

/// Run configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaxosConfig {
    /// An attempt (a ballot's two phases) that neither finishes nor is refused within this long
    /// is started again with a higher ballot: its messages or their answers were lost.
    pub attempt_timeout: Duration,
    /// After a refusal, wait a random time below `first * 2^k` (capped at `cap`) for the k-th
    /// refusal in a row; `None` retries at once (the `no-backoff` variant).
    pub backoff: Option<Backoff>,
    pub mutant: Option<Mutant>,
}

/// Randomized exponential back-off after a refused proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub cap: Duration,
}

/// A bug a student might write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutant {
    /// The proposer proposes its own command even when a promise reports an accepted value
    /// (skipping the rule that makes a chosen value stay chosen, §2.2 P2c).
    IgnoreAccepted,
}

impl Default for PaxosConfig {
    fn default() -> Self {
        PaxosConfig {
            attempt_timeout: Duration::from_millis(50),
            backoff: Some(Backoff { first: Duration::from_millis(4), cap: Duration::from_millis(128) }),
            mutant: None,
        }
    }
}

/// The variants, as `workbench list` shows them.
pub const VARIANTS: &[(&str, &str)] = &[
    ("no-backoff", "retry a refused proposal at once: dueling proposers can livelock (safety holds)"),
    ("bug-ignore-accepted", "teaching mutant: proposes its own value even when a promise reports an accepted one"),
];

impl PaxosConfig {
    /// The configuration for `spec`'s variant.
    pub fn for_spec<A: harness::Algorithm>(spec: &RunSpec) -> Result<Self, SpecError> {
        let mut config = PaxosConfig::default();
        match known_variant::<A>(spec)? {
            None => {}
            Some("no-backoff") => config.backoff = None,
            Some("bug-ignore-accepted") => config.mutant = Some(Mutant::IgnoreAccepted),
            Some(other) => unreachable!("known_variant accepted {other}"),
        }
        Ok(config)
    }
}
