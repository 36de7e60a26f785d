//! Maekawa on the harness: 3(K-1) per entry under light load, no deadlock under heavy load.

use std::time::Duration;

use harness::{EventKind, MutexLoad, NetworkConfig, Observation, RunSpec, RuntimeKind, Workload};
use maekawa::{messages_light, Maekawa};

fn spec(nodes: usize, ops: u64, seed: u64) -> RunSpec {
    RunSpec { nodes, ops: Some(ops), seed, ..RunSpec::default() }
}

#[test]
fn light_load_costs_three_k_minus_one_per_entry_for_n_2_to_25() {
    for nodes in 2..=25 {
        let spec = RunSpec {
            workload: Workload { load: MutexLoad::Light, ..Workload::default() },
            ..spec(nodes, 2 * nodes as u64, 6)
        };
        let (record, outcome) = harness::run_with_outcome::<Maekawa>(&spec).unwrap();
        assert!(record.violations.is_empty(), "N={nodes}: {:?}", record.violations);
        let expected: u64 = outcome
            .history
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Observed(Observation::Entered))
            .map(|e| messages_light(e.node, nodes))
            .sum();
        assert_eq!(record.messages_total, expected, "N={nodes}");
        for kind in ["inquire", "failed", "yield"] {
            assert!(!record.messages_by_kind.contains_key(kind), "N={nodes}: {kind} under light load");
        }
    }
}

#[test]
fn heavy_load_is_safe_and_deadlock_free() {
    for nodes in [4, 9, 10, 16] {
        for seed in 0..10 {
            let spec = RunSpec {
                network: NetworkConfig { latency: "uniform:0ms-3ms".parse().unwrap(), ..NetworkConfig::default() },
                workload: Workload { think: Duration::ZERO, ..Workload::default() },
                ..spec(nodes, 150, seed)
            };
            let record = harness::run::<Maekawa>(&spec).unwrap();
            assert!(record.violations.is_empty(), "N={nodes} seed {seed}: {:?}", record.violations);
            assert_eq!(record.ops, 150, "N={nodes} seed {seed}");
            // Each message kind costs at most one per other quorum member per entry, plus a
            // second LOCKED after a YIELD: 5(K-1) bounds the lot (K <= 2*sqrt(N)+1 here).
            let k_max =
                (0..nodes as u32).map(|i| maekawa::quorum(harness::NodeId(i), nodes).len()).max().unwrap() as f64;
            assert!(
                record.messages_per_op <= 5.0 * (k_max - 1.0) + 1e-9,
                "N={nodes}: {} per entry",
                record.messages_per_op
            );
        }
    }
}

// Without INQUIRE/FAILED/YIELD, requests that each hold part of their votes wait forever.
#[test]
fn the_no_inquire_mutant_deadlocks_and_liveness_catches_it() {
    let caught = (0..10).any(|seed| {
        let spec = RunSpec {
            variant: Some("bug-no-inquire".into()),
            network: NetworkConfig { latency: "uniform:0ms-3ms".parse().unwrap(), ..NetworkConfig::default() },
            workload: Workload { think: Duration::ZERO, ..Workload::default() },
            ..spec(9, 150, seed)
        };
        let record = harness::run::<Maekawa>(&spec).unwrap();
        assert!(!record.violations.iter().any(|v| v.starts_with("mutual-exclusion")), "deadlock, not unsafety");
        record.violations.iter().any(|v| v.starts_with("every-request-granted"))
    });
    assert!(caught, "no deadlock in seeds 0..10");
}

#[test]
fn mutual_exclusion_holds_in_the_threads_runtime() {
    let spec = RunSpec {
        runtime: RuntimeKind::Threads,
        workload: Workload { think: Duration::ZERO, hold: Duration::from_micros(200), ..Workload::default() },
        ..spec(9, 200, 1)
    };
    let record = harness::run::<Maekawa>(&spec).unwrap();
    assert!(record.violations.is_empty(), "{:?}", record.violations);
    assert_eq!(record.ops, 200);
}
