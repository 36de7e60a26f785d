//! Fast Paxos's run configuration and variants.

use std::time::Duration;

use harness::{Settings, SpecError};

use crate::quorums::Quorums;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FastPaxosConfig {
    /// A node that hears no leader for a time drawn from this range runs phase 1.
    pub election_timeout: (Duration, Duration),
    /// The leader's heartbeat period; also how long a fast slot may wait undecided before the
    /// leader recovers it, and how long before an unanswered Accept is sent again.
    pub heartbeat: Duration,
    pub quorums: Quorums,
    /// After a collision, keep the fast window shut for 1, 2, 4, ... heartbeats, up to this many
    /// (`--param max_backoff=K`); 0, the default, reopens it at once, as the paper's protocol.
    pub max_backoff: u32,
}

/// The largest `max_backoff` accepted: about a minute of 50 ms heartbeats.
pub const MAX_BACKOFF_LIMIT: u32 = 1024;

pub const VARIANTS: &[(&str, &str)] = &[(
    "bug-majority-fast-quorum",
    "teaching mutant: fast quorums of a bare majority, so two values can be chosen in one slot",
)];

impl Default for FastPaxosConfig {
    fn default() -> Self {
        FastPaxosConfig {
            election_timeout: (Duration::from_millis(150), Duration::from_millis(300)),
            heartbeat: Duration::from_millis(50),
            quorums: Quorums::of(3),
            max_backoff: 0,
        }
    }
}

impl FastPaxosConfig {
    /// The run's shared failure-detection range for the election timeout, a third of its low
    /// end for the heartbeat (`--param heartbeat`), and the quorums of the variant.
    pub fn for_settings<A: harness::Algorithm>(settings: &mut Settings) -> Result<Self, SpecError> {
        let election_timeout = settings.detect()?;
        let heartbeat = settings.params.duration("heartbeat", election_timeout.0 / 3)?;
        let quorums = match settings.variant::<A>()? {
            None => Quorums::of(settings.nodes),
            Some("bug-majority-fast-quorum") => Quorums::bare_majority(settings.nodes),
            Some(other) => unreachable!("Settings::variant accepted {other}"),
        };
        let max_backoff: u32 = settings.params.get("max_backoff", 0)?;
        if max_backoff > MAX_BACKOFF_LIMIT {
            return Err(SpecError::field(
                "params.max_backoff",
                format!("must be at most {MAX_BACKOFF_LIMIT} heartbeats (got {max_backoff})"),
            ));
        }
        Ok(FastPaxosConfig { election_timeout, heartbeat, quorums, max_backoff })
    }
}

/// The quorums a run description asks for (for checkers, which see the spec, not the config).
pub fn quorums_of(nodes: usize, variant: Option<&str>) -> Quorums {
    match variant {
        Some("bug-majority-fast-quorum") => Quorums::bare_majority(nodes),
        _ => Quorums::of(nodes),
    }
}
