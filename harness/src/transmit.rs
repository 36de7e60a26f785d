//! One message's fate on the network: lost, or delivered at a time (and maybe twice).
//!
//! Shared by both runtimes so that they apply the same semantics: the simulator keeps one
//! transmitter for the whole network, the threads runtime one per sending node.

use std::collections::HashMap;
use std::time::Duration;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::{LinkState, NetworkConfig, NodeId, Time};

/// What the network does with one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transmission {
    /// Lost to a partition, a cut or random loss.
    Dropped,
    /// Delivered at `at`, and a second time at `duplicate` if the network duplicated it.
    Deliver { at: Time, duplicate: Option<Time> },
}

/// Samples loss, duplication and latency, and keeps links FIFO unless reordering is allowed.
///
/// With `reorder`, each message waits a further random time up to its own latency, so messages
/// on one link overtake each other even under a constant latency.
pub struct Transmitter {
    config: NetworkConfig,
    rng: ChaCha8Rng,
    /// Whether deliveries must be clamped to keep links FIFO (not needed when every message of a
    /// link takes the same time).
    clamp_fifo: bool,
    last_delivery: HashMap<(NodeId, NodeId), Time>,
}

impl Transmitter {
    /// A transmitter drawing from `rng`. `may_slow` says whether the fault plan slows nodes
    /// (which can reorder a constant-latency link).
    pub fn new(config: NetworkConfig, rng: ChaCha8Rng, may_slow: bool) -> Self {
        let clamp_fifo = !config.reorder && (!config.latency.is_constant() || may_slow);
        Transmitter { config, rng, clamp_fifo, last_delivery: HashMap::new() }
    }

    /// Decides the fate of a message sent from `from` to `to` at `now`.
    #[inline]
    pub fn transmit(&mut self, from: NodeId, to: NodeId, now: Time, links: &LinkState) -> Transmission {
        if links.blocked(from, to) || (self.config.drop > 0.0 && self.rng.random_bool(self.config.drop)) {
            return Transmission::Dropped;
        }
        let at = self.delivery_time(from, to, now, links);
        let duplicate = if self.config.duplicate > 0.0 && self.rng.random_bool(self.config.duplicate) {
            Some(self.delivery_time(from, to, now, links))
        } else {
            None
        };
        Transmission::Deliver { at, duplicate }
    }

    fn delivery_time(&mut self, from: NodeId, to: NodeId, now: Time, links: &LinkState) -> Time {
        let mut latency = self.config.latency.sample(&mut self.rng) + links.extra_latency(from, to);
        if self.config.reorder {
            let jitter = self.rng.random_range(0..=latency.as_nanos() as u64);
            latency += Duration::from_nanos(jitter);
        }
        let mut at = now + latency;
        if self.clamp_fifo {
            let last = self.last_delivery.entry((from, to)).or_insert(Time::ZERO);
            at = at.max(*last);
            *last = at;
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::seeded_rng;

    fn deliveries(config: NetworkConfig, count: usize) -> Vec<Time> {
        let mut tx = Transmitter::new(config, seeded_rng(3, 0), false);
        let links = LinkState::default();
        (0..count)
            .map(|i| match tx.transmit(NodeId(0), NodeId(1), Time(i as u64 * 1_000), &links) {
                Transmission::Deliver { at, .. } => at,
                Transmission::Dropped => panic!("reliable network dropped"),
            })
            .collect()
    }

    #[test]
    fn jittery_links_stay_fifo_unless_reordering_is_asked_for() {
        let jitter = NetworkConfig::reliable("uniform:0ms-5ms".parse().unwrap());
        let fifo = deliveries(jitter.clone(), 500);
        assert!(fifo.windows(2).all(|w| w[0] <= w[1]), "FIFO link delivered out of order");
        let reordered = deliveries(NetworkConfig { reorder: true, ..jitter }, 500);
        assert!(reordered.windows(2).any(|w| w[0] > w[1]), "reorder mode never reordered");
    }

    #[test]
    fn reorder_reorders_even_a_constant_latency() {
        let constant = NetworkConfig { reorder: true, ..NetworkConfig::default() };
        let times = deliveries(constant, 500);
        assert!(times.windows(2).any(|w| w[0] > w[1]));
    }

    #[test]
    fn drop_rate_is_honoured() {
        let mut tx = Transmitter::new(NetworkConfig { drop: 0.3, ..Default::default() }, seeded_rng(5, 0), false);
        let links = LinkState::default();
        let dropped = (0..10_000)
            .filter(|_| tx.transmit(NodeId(0), NodeId(1), Time::ZERO, &links) == Transmission::Dropped)
            .count();
        assert!((2_700..3_300).contains(&dropped), "dropped {dropped} of 10000 at p=0.3");
    }
}
