//! Random fault plans for campaigns (`workbench check`).
//!
//! A plan holds one to four faults of the classes asked for (crashes, crash-and-restart, two-way
//! partitions, bridges and one-way cuts, slow nodes, bursts of loss, duplication and reordering), each
//! starting between 50 ms and 1.5 s and healed (restart, end of partition or slowness) by 2 s, so
//! a correct algorithm can make progress afterwards. Three crashes in ten are quick bounces,
//! restarted within 30 ms, as a supervised process would be. Crashes never take down a majority at once.

use std::time::Duration;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::{Fault, FaultClass, FaultPlan, Lossiness, NodeId, TimedFault};

/// Every fault of a plan is healed by this time.
pub const HEALED_BY: Duration = Duration::from_secs(2);

fn window(rng: &mut ChaCha8Rng) -> (Duration, Duration) {
    let at = rng.random_range(50..1500u64);
    let until = rng.random_range(at + 50..=HEALED_BY.as_millis() as u64);
    (Duration::from_millis(at), Duration::from_millis(until))
}

/// A random plan for `nodes` nodes drawing from `classes` (empty classes: no faults).
pub fn random_plan(rng: &mut ChaCha8Rng, nodes: usize, classes: &[FaultClass]) -> FaultPlan {
    let mut faults = Vec::new();
    if classes.is_empty() || nodes < 2 {
        return FaultPlan { faults };
    }
    let count = rng.random_range(1..=4);
    let mut crashed: Vec<(Duration, Duration)> = Vec::new();
    for _ in 0..count {
        let class = classes[rng.random_range(0..classes.len())];
        let (at, mut until) = window(rng);
        if class == FaultClass::Crash && rng.random_bool(0.3) {
            // A bounce: the process dies and its supervisor restarts it at once.
            until = at + Duration::from_millis(rng.random_range(1..=30));
        }
        let fault = match class {
            FaultClass::Crash => {
                // At most a minority down at any moment: count overlapping crash windows.
                let overlapping = crashed.iter().filter(|(a, u)| *a < until && at < *u).count();
                if overlapping + 1 > (nodes - 1) / 2 {
                    continue;
                }
                crashed.push((at, until));
                Fault::Crash { node: NodeId(rng.random_range(0..nodes as u32)) }
            }
            FaultClass::Partition => {
                let mut ids: Vec<NodeId> = (0..nodes as u32).map(NodeId).collect();
                for i in (1..ids.len()).rev() {
                    ids.swap(i, rng.random_range(0..=i));
                }
                let shape = rng.random_range(0..10);
                if shape < 3 {
                    Fault::Cut { from: ids[0], to: ids[1] }
                } else if shape < 5 && nodes >= 3 {
                    // A bridge: one node is the only link between the two halves of the rest.
                    let split = rng.random_range(2..nodes);
                    Fault::Bridge { left: ids[1..split].to_vec(), via: ids[0], right: ids[split..].to_vec() }
                } else {
                    let split = rng.random_range(1..nodes);
                    let (a, b) = ids.split_at(split);
                    Fault::Partition { groups: vec![a.to_vec(), b.to_vec()] }
                }
            }
            FaultClass::Timing => Fault::Slow {
                node: NodeId(rng.random_range(0..nodes as u32)),
                extra: Duration::from_millis(rng.random_range(1..=15)),
            },
            FaultClass::Loss => Fault::Lossy(Lossiness {
                drop_per_mille: rng.random_range(50..=250),
                duplicate_per_mille: rng.random_range(0..=150),
                reorder: rng.random_bool(0.5),
            }),
            FaultClass::Duplication => Fault::Lossy(Lossiness {
                drop_per_mille: 0,
                duplicate_per_mille: rng.random_range(50..=300),
                reorder: false,
            }),
        };
        faults.push(TimedFault { at, until: Some(until), fault });
    }
    // A node crashed twice in overlapping windows would restart early; keep one.
    let mut kept: Vec<TimedFault> = Vec::new();
    for fault in faults {
        let clash = kept.iter().any(|k| match (&k.fault, &fault.fault) {
            (Fault::Crash { node: a }, Fault::Crash { node: b }) => {
                a == b && k.at < fault.until.unwrap_or(HEALED_BY) && fault.at < k.until.unwrap_or(HEALED_BY)
            }
            _ => false,
        });
        if !clash {
            kept.push(fault);
        }
    }
    FaultPlan { faults: kept }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::seeded_rng;

    #[test]
    fn plans_are_valid_healed_and_never_crash_a_majority() {
        for seed in 0..500 {
            let mut rng = seeded_rng(seed, 0);
            let plan = random_plan(&mut rng, 5, &[FaultClass::Crash, FaultClass::Partition, FaultClass::Timing]);
            plan.validate(5).unwrap();
            for fault in &plan.faults {
                assert!(fault.until.is_some_and(|u| u <= HEALED_BY), "{fault}");
            }
            for t in (0..2000).step_by(10) {
                let t = Duration::from_millis(t);
                let down = plan
                    .faults
                    .iter()
                    .filter(|f| matches!(f.fault, Fault::Crash { .. }) && f.at <= t && t < f.until.unwrap())
                    .count();
                assert!(down <= 2, "seed {seed}: {down} down at {t:?}");
            }
        }
    }

    #[test]
    fn the_same_seed_draws_the_same_plan() {
        let classes = [FaultClass::Crash, FaultClass::Partition];
        assert_eq!(random_plan(&mut seeded_rng(9, 0), 5, &classes), random_plan(&mut seeded_rng(9, 0), 5, &classes));
    }
}
