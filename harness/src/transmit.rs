//! One message's fate on the network: lost, or delivered at a time (and maybe twice).
//!
//! Shared by both runtimes so that they apply the same semantics: the simulator keeps one
//! transmitter for the whole network, the threads runtime one per sending node.

use std::collections::HashMap;
use std::time::Duration;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::geo::{PairDelay, PairLatency};
use crate::trace::DropReason;
use crate::{LinkState, NetworkConfig, NodeId, Time};

/// What the network does with one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transmission {
    /// Lost to a partition, a cut or random loss.
    Dropped(DropReason),
    /// Delivered at `at`, and a second time at `duplicate` if the network duplicated it.
    Deliver { at: Time, duplicate: Option<Time> },
}

/// A duplicate copy trails the original by up to this many of its latencies.
const STRAGGLE: u64 = 5;

/// Samples loss, duplication and latency, and keeps links FIFO unless reordering is allowed.
///
/// With `reorder`, each message waits a further random time up to its own latency, so messages
/// on one link overtake each other even under a constant latency. A duplicate copy always waits
/// a further random time of up to `STRAGGLE` (5) latencies (it is a straggler, not a twin arriving
/// at the same instant); on a FIFO link later messages queue behind it.
pub struct Transmitter {
    config: NetworkConfig,
    rng: ChaCha8Rng,
    /// Whether deliveries must be clamped to keep links FIFO (not needed when every message of a
    /// link takes the same time).
    clamp_fifo: bool,
    last_delivery: HashMap<(NodeId, NodeId), Time>,
    /// Latencies of their own per pair of nodes (a region layout, explicit links).
    pairs: PairLatency,
    /// When each directed link is done carrying what it was given (with a bandwidth limit).
    link_free: HashMap<(NodeId, NodeId), Time>,
    /// The one latency every message takes while no fault touches the links, when nothing is
    /// random (a constant latency for all pairs; no loss, duplication, reordering, bandwidth
    /// limit or FIFO clamping): the common case answered without sampling anything.
    fixed: Option<Duration>,
}

impl Transmitter {
    /// A transmitter drawing from `rng`. `may_slow` says whether the fault plan slows nodes or
    /// has lossy bursts (either can reorder a constant-latency link).
    pub fn new(config: NetworkConfig, rng: ChaCha8Rng, may_slow: bool) -> Self {
        let pairs = config.pair_latency();
        let jittery = !config.latency.is_constant() || !pairs.is_constant();
        let clamp_fifo = !config.reorder && (jittery || may_slow || config.duplicate > 0.0);
        let plain = !clamp_fifo
            && !config.reorder
            && config.drop == 0.0
            && config.duplicate == 0.0
            && config.bandwidth.is_none()
            && pairs.is_empty();
        let fixed = if plain { config.latency.constant_value() } else { None };
        Transmitter { clamp_fifo, last_delivery: HashMap::new(), pairs, link_free: HashMap::new(), config, rng, fixed }
    }

    /// Whether [`Transmitter::transmit`] reads a message's size (a link has a bandwidth).
    pub fn needs_size(&self) -> bool {
        self.config.bandwidth.is_some()
    }

    /// Decides the fate of a message sent from `from` to `to` at `now`.
    #[inline]
    ///
    /// `bytes` gives the message's serialized size; it is called only with a bandwidth limit,
    /// under which the message first waits for the link to carry what was sent before it.
    pub fn transmit(
        &mut self,
        from: NodeId,
        to: NodeId,
        now: Time,
        links: &LinkState,
        bytes: impl FnOnce() -> u64,
    ) -> Transmission {
        if let Some(latency) = self.fixed {
            if links.is_quiet() {
                return Transmission::Deliver { at: now + latency, duplicate: None };
            }
        }
        let burst = links.lossiness();
        let drop = burst.map_or(self.config.drop, |b| self.config.drop.max(b.drop));
        if let Some(why) = links.blocked_by(from, to) {
            return Transmission::Dropped(why);
        }
        if drop > 0.0 && self.rng.random_bool(drop) {
            return Transmission::Dropped(DropReason::Loss);
        }
        let reorder = self.config.reorder || burst.is_some_and(|b| b.reorder);
        let now = match self.config.bandwidth {
            Some(bandwidth) => {
                let free = self.link_free.entry((from, to)).or_insert(Time::ZERO);
                *free = now.max(*free) + bandwidth.transfer(bytes());
                *free
            }
            None => now,
        };
        let at = self.delivery_time(from, to, now, links, reorder, false);
        let duplicate_p = burst.map_or(self.config.duplicate, |b| self.config.duplicate.max(b.duplicate));
        let duplicate = if duplicate_p > 0.0 && self.rng.random_bool(duplicate_p) {
            Some(self.delivery_time(from, to, now, links, reorder, true))
        } else {
            None
        };
        Transmission::Deliver { at, duplicate }
    }

    /// When a message sent at `now` arrives. A `straggler` (a duplicate copy) waits a further
    /// random time up to its latency, so copies arrive apart even on constant-latency links.
    fn delivery_time(
        &mut self,
        from: NodeId,
        to: NodeId,
        now: Time,
        links: &LinkState,
        reorder: bool,
        straggler: bool,
    ) -> Time {
        let base = match self.pairs.get(from, to) {
            None => self.config.latency.sample(&mut self.rng),
            Some(PairDelay::Sampled(latency)) => latency.sample(&mut self.rng),
            Some(PairDelay::Fixed(delay)) => delay,
        };
        let mut latency = base + links.extra_latency(from, to);
        if reorder || straggler {
            // A straggling copy (a retransmission, a slower path) may trail by several latencies.
            let spread = if straggler { STRAGGLE } else { 1 };
            let jitter = self.rng.random_range(0..=latency.as_nanos() as u64 * spread);
            latency += Duration::from_nanos(jitter);
        }
        let mut at = now + latency;
        if self.clamp_fifo && !reorder {
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
            .map(|i| match tx.transmit(NodeId(0), NodeId(1), Time(i as u64 * 1_000), &links, || 0) {
                Transmission::Deliver { at, .. } => at,
                Transmission::Dropped(_) => panic!("reliable network dropped"),
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
    fn a_lossy_burst_drops_and_duplicates_only_while_it_lasts() {
        let mut tx = Transmitter::new(NetworkConfig::default(), seeded_rng(7, 0), true);
        let mut links = LinkState::default();
        let burst = crate::Lossiness { drop: 0.5, duplicate: 0.5, reorder: true };
        let mut fates = |links: &LinkState| {
            (0..2_000).map(|_| tx.transmit(NodeId(0), NodeId(1), Time::ZERO, links, || 0)).collect::<Vec<_>>()
        };
        let quiet = fates(&links);
        assert!(quiet.iter().all(|t| matches!(t, Transmission::Deliver { duplicate: None, .. })));
        links.apply(&crate::FaultAction::LossyStart { id: 3, lossiness: burst });
        let lossy = fates(&links);
        let dropped = lossy.iter().filter(|t| matches!(t, Transmission::Dropped(_))).count();
        let doubled = lossy.iter().filter(|t| matches!(t, Transmission::Deliver { duplicate: Some(_), .. })).count();
        assert!((800..1_200).contains(&dropped), "{dropped} of 2000 dropped at p=0.5");
        assert!((300..700).contains(&doubled), "{doubled} of the ~1000 delivered duplicated at p=0.5");
        links.apply(&crate::FaultAction::LossyEnd { id: 3 });
        let after = fates(&links);
        assert!(after.iter().all(|t| matches!(t, Transmission::Deliver { duplicate: None, .. })));
    }

    #[test]
    fn drop_rate_is_honoured() {
        let mut tx = Transmitter::new(NetworkConfig { drop: 0.3, ..Default::default() }, seeded_rng(5, 0), false);
        let links = LinkState::default();
        let dropped = (0..10_000)
            .filter(|_| {
                tx.transmit(NodeId(0), NodeId(1), Time::ZERO, &links, || 0) == Transmission::Dropped(DropReason::Loss)
            })
            .count();
        assert!((2_700..3_300).contains(&dropped), "dropped {dropped} of 10000 at p=0.3");
    }
}
