//! What an algorithm may know of the network's speed, to derive its timeouts from.
//!
//! Every timeout of every algorithm, and the clients' resend timeout, follows from the network the
//! run describes rather than from constants tuned for one latency, so a comparison of recovery
//! times compares the protocols. The rule: a node presumes a silent leader (or peer) dead after a
//! time drawn from the **failure-detection range** `detect`, by default
//! `[max(150 ms, 10 · round trip), 2 · that]` (Raft's "election timeout ≫ broadcast time", an
//! order of magnitude, with the paper's 150-300 ms as the floor), and every leader-based and
//! election algorithm shares it: `--param detect=LOW-HIGH` sets it for all of them. The round trip
//! is twice the one-way latency's 99th percentile ([`crate::Latency::p99`]) on the slowest pair
//! of nodes (a region layout's farthest regions). In the threads
//! runtime each one-way delay also counts the scheduler's slack ([`Timing::THREADS_SLACK`]): a
//! thread can be descheduled, and an algorithm that trusts its failure detector must not take
//! that for a crash. Algorithms never ask which runtime drives them; this is where it shows.

use std::time::Duration;

use crate::{NetworkConfig, RuntimeKind};

/// Timing bounds of a run's network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// A one-way delay 99% of messages beat (scheduler slack included in the threads runtime).
    pub one_way: Duration,
    /// A request and its answer: twice `one_way`.
    pub round_trip: Duration,
    /// The failure-detection range: silence this long (drawn uniformly from it) means a crash.
    pub detect: (Duration, Duration),
}

impl Timing {
    /// The floor of the default detection range: the Raft paper's 150 ms.
    pub const MIN_DETECT: Duration = Duration::from_millis(150);
    /// Round trips a detection timeout waits at least (Raft's "≫": an order of magnitude).
    pub const DETECT_ROUND_TRIPS: u32 = 10;
    /// What the threads runtime adds to each one-way delay for the OS scheduler.
    pub const THREADS_SLACK: Duration = Duration::from_millis(10);

    /// The bounds of `network` in `runtime`, with the default detection range.
    pub fn of(network: &NetworkConfig, runtime: RuntimeKind) -> Timing {
        let slack = match runtime {
            RuntimeKind::Sim => Duration::ZERO,
            RuntimeKind::Threads => Self::THREADS_SLACK,
        };
        let one_way = network.one_way_p99() + slack;
        let round_trip = one_way * 2;
        Timing { one_way, round_trip, detect: Self::default_detect(round_trip) }
    }

    /// `[max(150 ms, 10 · round trip), twice that]`.
    pub fn default_detect(round_trip: Duration) -> (Duration, Duration) {
        let low = Self::MIN_DETECT.max(round_trip.saturating_mul(Self::DETECT_ROUND_TRIPS));
        (low, low.saturating_mul(2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_follows_the_round_trip_with_the_papers_floor() {
        let ms = Duration::from_millis;
        let default = Timing::of(&NetworkConfig::default(), RuntimeKind::Sim);
        assert_eq!((default.round_trip, default.detect), (ms(2), (ms(150), ms(300))));
        let wan = NetworkConfig::reliable("uniform:1ms-27ms".parse().unwrap());
        assert_eq!(Timing::of(&wan, RuntimeKind::Sim).detect, (ms(540), ms(1080)));
        assert_eq!(Timing::of(&NetworkConfig::default(), RuntimeKind::Threads).round_trip, ms(22));
    }
}
