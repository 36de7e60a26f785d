//! Multi-Paxos's run configuration and variants.

use std::time::Duration;

use harness::{Settings, SpecError};

/// Run configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultiPaxosConfig {
    /// A node that hears no leader for a time drawn from this range runs phase 1.
    pub election_timeout: (Duration, Duration),
    /// The leader's heartbeat period; also how long it waits before sending an unanswered Accept
    /// again.
    pub heartbeat: Duration,
    pub mutant: Option<Mutant>,
}

/// A bug a student might write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutant {
    /// A new leader ignores the accepted values its promises report and fills every open slot
    /// with a no-op, overwriting values the previous leader may have had chosen.
    SkipRecovery,
}

impl Default for MultiPaxosConfig {
    fn default() -> Self {
        MultiPaxosConfig {
            election_timeout: (Duration::from_millis(150), Duration::from_millis(300)),
            heartbeat: Duration::from_millis(50),
            mutant: None,
        }
    }
}

/// The variants, as `workbench list` shows them.
pub const VARIANTS: &[(&str, &str)] =
    &[("bug-skip-recovery", "teaching mutant: a new leader skips phase-1 recovery, filling open slots with no-ops")];

impl MultiPaxosConfig {
    /// The configuration for a run: a follower runs phase 1 after hearing no leader for a time
    /// drawn from the run's shared failure-detection range (by default max(150 ms, 10 round
    /// trips) to twice that), the leader's heartbeat is a third of its low end (`heartbeat`);
    /// then the variant.
    pub fn for_settings<A: harness::Algorithm>(settings: &mut Settings) -> Result<Self, SpecError> {
        let mut config = MultiPaxosConfig::default();
        config.election_timeout = settings.detect()?;
        config.heartbeat = settings.params.duration("heartbeat", config.election_timeout.0 / 3)?;
        match settings.variant::<A>()? {
            None => {}
            Some("bug-skip-recovery") => config.mutant = Some(Mutant::SkipRecovery),
            Some(other) => unreachable!("Settings::variant accepted {other}"),
        }
        Ok(config)
    }
}
