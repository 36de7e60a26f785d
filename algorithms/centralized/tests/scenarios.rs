//! Centralized mutex on the harness: 3 messages per entry by a non-coordinator, 0 by the
//! coordinator, and safety in both runtimes.

use std::time::Duration;

use centralized::{expected_messages, Centralized, COORDINATOR};
use harness::{EventKind, MutexLoad, NetworkConfig, Observation, RunSpec, RuntimeKind, Workload};

fn spec(nodes: usize, ops: u64, seed: u64) -> RunSpec {
    RunSpec { nodes, ops: Some(ops), seed, ..RunSpec::default() }
}

fn entries_by_others(history: &harness::History) -> u64 {
    history
        .events
        .iter()
        .filter(|e| e.node != COORDINATOR && e.kind == EventKind::Observed(Observation::Entered))
        .count() as u64
}

#[test]
fn three_messages_per_entry_by_others_and_none_by_the_coordinator() {
    for nodes in 2..=16 {
        for load in [MutexLoad::Light, MutexLoad::Heavy] {
            let spec = RunSpec { workload: Workload { load, ..Workload::default() }, ..spec(nodes, 60, 2) };
            let (record, outcome) = harness::run_with_outcome::<Centralized>(&spec).unwrap();
            assert!(record.violations.is_empty(), "N={nodes}: {:?}", record.violations);
            assert_eq!(record.ops, 60);
            let others = entries_by_others(&outcome.history);
            assert!(others < 60, "the coordinator took part");
            assert_eq!(record.messages_total, expected_messages(others), "N={nodes} {load:?}");
            for kind in ["request", "grant", "release"] {
                assert_eq!(record.messages_by_kind[kind], others, "N={nodes} {kind}");
            }
        }
    }
}

#[test]
fn light_load_round_robin_measures_three_n_minus_one_over_n() {
    let nodes = 5;
    let spec = RunSpec { workload: Workload { load: MutexLoad::Light, ..Workload::default() }, ..spec(nodes, 100, 1) };
    let record = harness::run::<Centralized>(&spec).unwrap();
    assert_eq!(record.messages_per_op, 3.0 * (nodes as f64 - 1.0) / nodes as f64);
}

#[test]
fn mutual_exclusion_holds_under_contention_in_sim() {
    for seed in 0..20 {
        let spec = RunSpec {
            network: NetworkConfig { latency: "uniform:0ms-4ms".parse().unwrap(), ..NetworkConfig::default() },
            workload: Workload { think: Duration::ZERO, ..Workload::default() },
            ..spec(8, 200, seed)
        };
        let record = harness::run::<Centralized>(&spec).unwrap();
        assert!(record.violations.is_empty(), "seed {seed}: {:?}", record.violations);
    }
}

#[test]
fn mutual_exclusion_holds_in_the_threads_runtime() {
    let spec = RunSpec {
        runtime: RuntimeKind::Threads,
        workload: Workload { think: Duration::ZERO, hold: Duration::from_micros(100), ..Workload::default() },
        ..spec(6, 200, 1)
    };
    let (record, outcome) = harness::run_with_outcome::<Centralized>(&spec).unwrap();
    assert!(record.violations.is_empty(), "{:?}", record.violations);
    assert_eq!(record.ops, 200);
    assert_eq!(record.messages_total, expected_messages(entries_by_others(&outcome.history)));
}

#[test]
fn the_no_queue_mutant_is_caught() {
    let spec = RunSpec {
        variant: Some("bug-no-queue".into()),
        workload: Workload { think: Duration::ZERO, hold: Duration::from_millis(3), ..Workload::default() },
        ..spec(4, 50, 1)
    };
    let record = harness::run::<Centralized>(&spec).unwrap();
    assert!(record.violations.iter().any(|v| v.starts_with("mutual-exclusion")), "{:?}", record.violations);
}

// Every node asks again at once and the mutant grants every ask, so after the first grant each
// of the other three requests lands inside someone's 3 ms stay: overlaps are unavoidable.
#[test]
fn the_no_queue_mutant_is_caught_in_threads() {
    let spec = RunSpec {
        runtime: RuntimeKind::Threads,
        variant: Some("bug-no-queue".into()),
        workload: Workload { think: Duration::ZERO, hold: Duration::from_millis(3), ..Workload::default() },
        ..spec(4, 50, 1)
    };
    let record = harness::run::<Centralized>(&spec).unwrap();
    assert!(record.violations.iter().any(|v| v.starts_with("mutual-exclusion")), "{:?}", record.violations);
}
