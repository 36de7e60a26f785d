//! Zab's run configuration and variants.

use std::time::Duration;

use harness::{Settings, SpecError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZabConfig {
    /// A follower that hears nothing from its leader for a time drawn from this range goes back
    /// to election; a leader that has not heard from a quorum for its low end steps down.
    pub election_timeout: (Duration, Duration),
    /// The leader's ping period.
    pub heartbeat: Duration,
    /// How long an election waits, once a quorum agrees with its vote, for a better vote still
    /// on its way (ZooKeeper's finalizeWait, 200 ms there).
    pub finalize_wait: Duration,
    pub mutant: Option<Mutant>,
}

/// A bug a student might write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutant {
    /// The new leader starts broadcasting as soon as a quorum has acknowledged its epoch,
    /// without bringing their histories to its own.
    BroadcastBeforeSync,
}

pub const VARIANTS: &[(&str, &str)] = &[(
    "bug-broadcast-before-sync",
    "teaching mutant: a new leader broadcasts before synchronization, on top of whatever followers hold",
)];

impl Default for ZabConfig {
    fn default() -> Self {
        ZabConfig {
            election_timeout: (Duration::from_millis(150), Duration::from_millis(300)),
            heartbeat: Duration::from_millis(50),
            finalize_wait: Duration::from_millis(4),
            mutant: None,
        }
    }
}

impl ZabConfig {
    /// The run's shared failure-detection range for the election timeout, a third of its low
    /// end for the ping period (`--param heartbeat`), and two round trips for the finalize wait
    /// (`--param finalize_wait`).
    pub fn for_settings<A: harness::Algorithm>(settings: &mut Settings) -> Result<Self, SpecError> {
        let election_timeout = settings.detect()?;
        let heartbeat = settings.params.duration("heartbeat", election_timeout.0 / 3)?;
        let finalize_wait = settings.params.duration("finalize_wait", settings.timing.round_trip * 2)?;
        let mutant = match settings.variant::<A>()? {
            None => None,
            Some("bug-broadcast-before-sync") => Some(Mutant::BroadcastBeforeSync),
            Some(other) => unreachable!("Settings::variant accepted {other}"),
        };
        Ok(ZabConfig { election_timeout, heartbeat, finalize_wait, mutant })
    }
}
