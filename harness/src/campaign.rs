//! Random fault plans for campaigns (`workbench check`).
//!
//! A plan holds one to four faults of the classes asked for (crashes, crash-and-restart, two-way
//! partitions, bridges and one-way cuts, slow nodes, bursts of loss, duplication and reordering), each
//! starting between 50 ms and 1.5 s and healed (restart, end of partition or slowness) by 2 s, so
//! a correct algorithm can make progress afterwards. Three crashes in ten are quick bounces,
//! restarted within 30 ms, as a supervised process would be. Crashes never take down a majority at once.
//!
//! For algorithms with a leader, plans also draw **targeted elements**: choreographies that put
//! an algorithm where its classic bugs live, rather than waiting for random faults to stumble on
//! them (their shapes are in [`targeted`]):
//!
//! - *a voter bounced as it votes*: the leader is cut off, and the first node to vote in the
//!   election that follows (a candidate voting for itself, say) crashes in that very step and
//!   restarts a few milliseconds later. Whatever it forgot to persist, it has now forgotten.
//! - *a lagging minority, then a power failure*: a minority is down while commands commit; as it
//!   comes back every other node restarts (within milliseconds, all from stable storage, volatile
//!   state such as a commit index gone) but one, which stays down a while: the new leader must
//!   catch the minority up over many batches before anything of its own term can commit.

use std::time::Duration;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::{Fault, FaultClass, FaultPlan, Group, Lossiness, NodeId, NodeRef, TimedFault};

/// Every fault of a plan is healed by this time.
pub const HEALED_BY: Duration = Duration::from_secs(2);

fn window(rng: &mut ChaCha8Rng) -> (Duration, Duration) {
    let at = rng.random_range(50..1500u64);
    let until = rng.random_range(at + 50..=HEALED_BY.as_millis() as u64);
    (Duration::from_millis(at), Duration::from_millis(until))
}

fn per_mille(thousandths: u32) -> f64 {
    f64::from(thousandths) / 1000.0
}

/// The targeted elements, for an algorithm with a leader: each drawn with probability 1/4 when
/// the classes it uses are allowed (crash, and partition for the voter bounce).
pub mod targeted {
    use super::*;

    fn ms(value: u64) -> Duration {
        Duration::from_millis(value)
    }

    /// `partition:leader|rest@T..T+R` and `crash:voter@vote>T..+B`.
    pub fn voter_bounce(rng: &mut ChaCha8Rng) -> Vec<TimedFault> {
        let at = rng.random_range(300..1000u64);
        let isolated = rng.random_range(300..=600u64);
        let bounce = rng.random_range(1..=20u64);
        let isolate = Fault::Partition { groups: vec![Group::Nodes(vec![NodeRef::Leader]), Group::Rest] };
        vec![
            TimedFault::timed(isolate, ms(at), Some(ms(at + isolated))),
            TimedFault {
                at: ms(at),
                trigger: Some(crate::Trigger::Vote),
                until: Some(ms(bounce)),
                fault: Fault::Crash { node: NodeRef::Voter },
            },
        ]
    }

    /// `crash:X@T..H` for a minority X; at H every other node crashes, all but one restarting
    /// within 20 ms and that one 200-400 ms later.
    pub fn lag_then_power_failure(rng: &mut ChaCha8Rng, nodes: usize) -> Vec<TimedFault> {
        let lagging = (nodes - 1) / 2;
        let mut ids: Vec<NodeId> = (0..nodes as u32).map(NodeId).collect();
        for i in (1..ids.len()).rev() {
            ids.swap(i, rng.random_range(0..=i));
        }
        let at = rng.random_range(50..400u64);
        let heal = (at + rng.random_range(800..=1300u64)).min(HEALED_BY.as_millis() as u64 - 400);
        let crash = |node: NodeId, from: u64, to: u64| {
            TimedFault::timed(Fault::Crash { node: NodeRef::Id(node) }, ms(from), Some(ms(to)))
        };
        let mut faults: Vec<TimedFault> = ids[..lagging].iter().map(|n| crash(*n, at, heal)).collect();
        let (held, bounced) = ids[lagging..].split_first().expect("a majority of at least one");
        faults.push(crash(*held, heal, heal + rng.random_range(200..=400u64)));
        for node in bounced {
            faults.push(crash(*node, heal, heal + rng.random_range(1..=20u64)));
        }
        faults
    }
}

/// Leadership transfers for an algorithm that makes them: none, one or two, each asking the
/// leader of the moment to hand over to a random node, within the faults' window.
pub fn transfers(rng: &mut ChaCha8Rng, nodes: usize) -> Vec<TimedFault> {
    if nodes < 2 {
        return Vec::new();
    }
    let count = rng.random_range(0..=2);
    (0..count)
        .map(|_| {
            let (at, _) = window(rng);
            let to = NodeId(rng.random_range(0..nodes as u32));
            TimedFault::timed(Fault::Transfer { from: NodeRef::Leader, to }, at, None)
        })
        .collect()
}

/// Membership changes for an algorithm that makes them: in half the runs none; otherwise one or
/// two spare nodes (unless `spare` is given) and one to three changes within the faults' window
/// (half of them within 30 ms of the one before), each adding a spare not yet added, removing a random node or removing the leader. A third of
/// the removals strike the moment a node becomes leader after their time (`remove:3@leader>1s`),
/// when a new leader may not have committed an entry of its term yet. Returns the spare count
/// and the changes.
pub fn membership_changes(rng: &mut ChaCha8Rng, nodes: usize, spare: usize) -> (usize, Vec<TimedFault>) {
    if nodes < 2 || rng.random_range(0..2) == 0 {
        return (spare, Vec::new());
    }
    let spare = if spare > 0 { spare } else { rng.random_range(1..=2) };
    let mut next_spare = nodes;
    let count = rng.random_range(1..=3);
    let mut previous: Option<Duration> = None;
    let changes = (0..count)
        .map(|_| {
            let (mut at, _) = window(rng);
            if let (Some(previous), 0) = (previous, rng.random_range(0..2)) {
                // Hard on the heels of the one before, while it may still be in flight.
                at = previous + Duration::from_millis(rng.random_range(0..30));
            }
            previous = Some(at);
            let add = next_spare < nodes + spare && rng.random_range(0..2) == 0;
            if add {
                next_spare += 1;
                return TimedFault::timed(Fault::Add { node: NodeId(next_spare as u32 - 1) }, at, None);
            }
            let node = match rng.random_range(0..3) {
                0 => NodeRef::Leader,
                _ => NodeRef::Id(NodeId(rng.random_range(0..nodes as u32))),
            };
            let trigger = (rng.random_range(0..3) == 0).then_some(crate::fault::Trigger::Leader);
            TimedFault { at, trigger, until: None, fault: Fault::Remove { node } }
        })
        .collect();
    (spare, changes)
}

/// A random plan for `nodes` nodes drawing from `classes` (empty classes: no faults); `leaders`
/// says whether the algorithm has a leader (and may get the targeted elements).
///
/// At most `down` nodes are crashed at any moment (a minority for most algorithms:
/// [`crate::Algorithm::crash_budget`]).
pub fn random_plan(
    rng: &mut ChaCha8Rng,
    nodes: usize,
    classes: &[FaultClass],
    leaders: bool,
    down: usize,
) -> FaultPlan {
    let mut faults = Vec::new();
    if classes.is_empty() || nodes < 2 {
        return FaultPlan { faults };
    }
    let allowed = |class| classes.contains(&class);
    if leaders && nodes >= 3 && allowed(FaultClass::Crash) {
        // Up to half the plans of a leader-based algorithm are targeted.
        match rng.random_range(0..8) {
            0 | 1 if allowed(FaultClass::Partition) => return FaultPlan { faults: targeted::voter_bounce(rng) },
            2 | 3 if down >= (nodes - 1) / 2 => {
                return FaultPlan { faults: targeted::lag_then_power_failure(rng, nodes) }
            }
            _ => {}
        }
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
                if overlapping + 1 > down.min((nodes - 1) / 2) {
                    continue;
                }
                crashed.push((at, until));
                Fault::Crash { node: NodeRef::Id(NodeId(rng.random_range(0..nodes as u32))) }
            }
            FaultClass::Partition => {
                let mut ids: Vec<NodeId> = (0..nodes as u32).map(NodeId).collect();
                for i in (1..ids.len()).rev() {
                    ids.swap(i, rng.random_range(0..=i));
                }
                let shape = rng.random_range(0..10);
                if shape < 3 {
                    Fault::Cut { from: ids[0].into(), to: ids[1].into() }
                } else if shape < 5 && nodes >= 3 {
                    // A bridge: one node is the only link between the two halves of the rest.
                    let split = rng.random_range(2..nodes);
                    Fault::Bridge { left: ids[1..split].to_vec(), via: ids[0], right: ids[split..].to_vec() }
                } else {
                    let split = rng.random_range(1..nodes);
                    let (a, b) = ids.split_at(split);
                    let group = |side: &[NodeId]| Group::Nodes(side.iter().map(|n| NodeRef::Id(*n)).collect());
                    Fault::Partition { groups: vec![group(a), group(b)] }
                }
            }
            FaultClass::Timing => Fault::Slow {
                node: NodeRef::Id(NodeId(rng.random_range(0..nodes as u32))),
                extra: Duration::from_millis(rng.random_range(1..=15)),
            },
            FaultClass::Loss => Fault::Lossy(Lossiness {
                drop: per_mille(rng.random_range(50..=250)),
                duplicate: per_mille(rng.random_range(0..=150)),
                reorder: rng.random_bool(0.5),
            }),
            FaultClass::Duplication => {
                Fault::Lossy(Lossiness { drop: 0.0, duplicate: per_mille(rng.random_range(50..=300)), reorder: false })
            }
        };
        faults.push(TimedFault::timed(fault, at, Some(until)));
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
            let plan =
                random_plan(&mut rng, 5, &[FaultClass::Crash, FaultClass::Partition, FaultClass::Timing], true, 2);
            plan.validate(5).unwrap();
            for fault in &plan.faults {
                let ends = match fault.trigger {
                    None => fault.until,
                    // A bounce strikes at an election after its time and lasts a few milliseconds.
                    Some(_) => fault
                        .until
                        .map(|u| fault.at + crate::Timing::of(&Default::default(), Default::default()).detect.1 + u),
                };
                assert!(ends.is_some_and(|u| u <= HEALED_BY), "{fault}");
            }
            for t in (0..2000).step_by(10) {
                let t = Duration::from_millis(t);
                // Bounces (a restart within 30 ms, a power failure's included) are not counted.
                let down = plan
                    .faults
                    .iter()
                    .filter(|f| f.trigger.is_none() && matches!(f.fault, Fault::Crash { .. }))
                    .filter(|f| f.until.unwrap() - f.at > Duration::from_millis(30))
                    .filter(|f| f.at <= t && t < f.until.unwrap())
                    .count();
                assert!(down <= 2, "seed {seed}: {down} down at {t:?}");
            }
        }
    }

    #[test]
    fn transfers_ask_the_leader_within_the_window_and_validate() {
        let mut drawn = 0;
        for seed in 0..200 {
            let faults = transfers(&mut seeded_rng(seed, 0), 5);
            assert!(faults.len() <= 2);
            drawn += faults.len();
            for fault in &faults {
                assert!(matches!(fault.fault, Fault::Transfer { from: NodeRef::Leader, .. }));
                assert!(fault.at < HEALED_BY && fault.until.is_none());
            }
            let plan = FaultPlan { faults };
            assert!(plan.validate(5).is_ok(), "{plan:?}");
        }
        assert!(drawn > 100, "about one transfer per plan on average, drew {drawn} in 200");
    }

    #[test]
    fn the_same_seed_draws_the_same_plan() {
        let classes = [FaultClass::Crash, FaultClass::Partition];
        assert_eq!(
            random_plan(&mut seeded_rng(9, 0), 5, &classes, true, 2),
            random_plan(&mut seeded_rng(9, 0), 5, &classes, true, 2)
        );
    }
}

/// Single fault kinds, each on its own, for probing what an algorithm rests on (`workbench check
/// --probe`): the matrix of algorithm × fault kind says which assumption breaks what.
pub mod probe {
    use super::*;

    /// A kind of fault, alone.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
    #[serde(rename_all = "kebab-case")]
    pub enum ProbeKind {
        /// A node crashes for good (crash-stop).
        Crash,
        /// A node crashes and restarts from stable storage.
        Restart,
        /// A two-way partition, healed.
        Partition,
        /// A one-way cut, healed.
        Cut,
        /// A bridge (a partial partition one node spans), healed.
        Bridge,
        /// A node's messages are slowed.
        Slow,
        /// A burst of message loss.
        Loss,
        /// A burst of duplicated messages.
        Duplication,
        /// Links that reorder messages, all run long (nothing lost).
        Reordering,
    }

    impl ProbeKind {
        /// Every kind, in matrix order.
        pub const ALL: [ProbeKind; 9] = [
            ProbeKind::Crash,
            ProbeKind::Restart,
            ProbeKind::Partition,
            ProbeKind::Cut,
            ProbeKind::Bridge,
            ProbeKind::Slow,
            ProbeKind::Loss,
            ProbeKind::Duplication,
            ProbeKind::Reordering,
        ];

        /// The name in the matrix.
        pub fn name(self) -> &'static str {
            match self {
                ProbeKind::Crash => "crash",
                ProbeKind::Restart => "restart",
                ProbeKind::Partition => "partition",
                ProbeKind::Cut => "cut",
                ProbeKind::Bridge => "bridge",
                ProbeKind::Slow => "slow",
                ProbeKind::Loss => "loss",
                ProbeKind::Duplication => "duplication",
                ProbeKind::Reordering => "reordering",
            }
        }

        /// The campaign class that covers it: an algorithm that tolerates the class claims the kind.
        pub fn class(self) -> FaultClass {
            match self {
                ProbeKind::Crash | ProbeKind::Restart => FaultClass::Crash,
                ProbeKind::Partition | ProbeKind::Cut | ProbeKind::Bridge => FaultClass::Partition,
                ProbeKind::Slow => FaultClass::Timing,
                ProbeKind::Loss | ProbeKind::Reordering => FaultClass::Loss,
                ProbeKind::Duplication => FaultClass::Duplication,
            }
        }

        /// One fault of this kind for `nodes` nodes (healed by [`HEALED_BY`] but for a crash-stop),
        /// and whether links reorder for the whole run.
        pub fn plan(self, rng: &mut ChaCha8Rng, nodes: usize) -> (FaultPlan, bool) {
            let (at, until) = window(rng);
            let node = NodeId(rng.random_range(0..nodes as u32));
            let mut ids: Vec<NodeId> = (0..nodes as u32).map(NodeId).collect();
            for i in (1..ids.len()).rev() {
                ids.swap(i, rng.random_range(0..=i));
            }
            let timed =
                |fault: Fault, until: Option<Duration>| FaultPlan { faults: vec![TimedFault::timed(fault, at, until)] };
            let group = |side: &[NodeId]| Group::Nodes(side.iter().map(|n| NodeRef::Id(*n)).collect());
            let plan = match self {
                ProbeKind::Crash => timed(Fault::Crash { node: node.into() }, None),
                ProbeKind::Restart => timed(Fault::Crash { node: node.into() }, Some(until)),
                ProbeKind::Partition => {
                    let split = rng.random_range(1..nodes.max(2));
                    let (a, b) = ids.split_at(split.min(ids.len()));
                    timed(Fault::Partition { groups: vec![group(a), group(b)] }, Some(until))
                }
                ProbeKind::Cut if nodes >= 2 => {
                    timed(Fault::Cut { from: ids[0].into(), to: ids[1].into() }, Some(until))
                }
                ProbeKind::Bridge if nodes >= 3 => {
                    let split = rng.random_range(2..nodes);
                    let fault =
                        Fault::Bridge { left: ids[1..split].to_vec(), via: ids[0], right: ids[split..].to_vec() };
                    timed(fault, Some(until))
                }
                ProbeKind::Cut | ProbeKind::Bridge => FaultPlan::default(),
                ProbeKind::Slow => {
                    let extra = Duration::from_millis(rng.random_range(5..=30));
                    timed(Fault::Slow { node: node.into(), extra }, Some(until))
                }
                ProbeKind::Loss => timed(
                    Fault::Lossy(Lossiness {
                        drop: per_mille(rng.random_range(50..=250)),
                        duplicate: 0.0,
                        reorder: false,
                    }),
                    Some(until),
                ),
                ProbeKind::Duplication => timed(
                    Fault::Lossy(Lossiness {
                        drop: 0.0,
                        duplicate: per_mille(rng.random_range(50..=300)),
                        reorder: false,
                    }),
                    Some(until),
                ),
                ProbeKind::Reordering => FaultPlan::default(),
            };
            (plan, self == ProbeKind::Reordering)
        }
    }
}
