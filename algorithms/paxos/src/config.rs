//! Basic Paxos's run configuration and variants.

use std::time::Duration;

use harness::{Settings, SpecError};

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
    /// The configuration for a run, from the network's round trip: an attempt (two phases, two
    /// round trips when nothing competes) is given up after max(50 ms, 10 round trips)
    /// (`attempt_timeout`); after the k-th refusal in a row a proposer waits a random time below
    /// `first · 2^k`, with `first` = max(4 ms, 2 round trips) (`backoff_first`) and the cap 32
    /// times that (`backoff_cap`), so a duel's loser waits out the winner's round trips. Then the
    /// variant.
    pub fn for_settings<A: harness::Algorithm>(settings: &mut Settings) -> Result<Self, SpecError> {
        let round_trip = settings.timing.round_trip;
        let defaults = PaxosConfig::default();
        let first_default = defaults.backoff.expect("backs off").first.max(round_trip * 2);
        let attempt_timeout =
            settings.params.duration("attempt_timeout", defaults.attempt_timeout.max(round_trip * 10))?;
        let first = settings.params.duration("backoff_first", first_default)?;
        let cap = settings.params.duration("backoff_cap", first * 32)?;
        let mut config = PaxosConfig { attempt_timeout, backoff: Some(Backoff { first, cap }), ..defaults };
        match settings.variant::<A>()? {
            None => {}
            Some("no-backoff") => config.backoff = None,
            Some("bug-ignore-accepted") => config.mutant = Some(Mutant::IgnoreAccepted),
            Some(other) => unreachable!("Settings::variant accepted {other}"),
        }
        Ok(config)
    }
}
