//! Lamport's mutex on the harness: 3(N-1) per entry, timestamp order, and the FIFO assumption.

use std::time::Duration;

use harness::{MutexLoad, NetworkConfig, RunSpec, RuntimeKind, Workload};
use lamport::{messages_per_entry, Lamport};

fn spec(nodes: usize, ops: u64, seed: u64) -> RunSpec {
    RunSpec { nodes, ops: Some(ops), seed, ..RunSpec::default() }
}

#[test]
fn exactly_three_n_minus_one_per_entry_for_n_2_to_25() {
    for nodes in 2..=25 {
        for load in [MutexLoad::Light, MutexLoad::Heavy] {
            let spec = RunSpec { workload: Workload { load, ..Workload::default() }, ..spec(nodes, 30, 4) };
            let record = harness::run::<Lamport>(&spec).unwrap();
            assert!(record.violations.is_empty(), "N={nodes} {load:?}: {:?}", record.violations);
            assert_eq!(record.messages_total, 30 * messages_per_entry(nodes), "N={nodes} {load:?}");
        }
    }
}

// Heavy load on jittery FIFO links: safety, no starvation, and entry in timestamp order (the
// timestamp-order checker runs on every Lamport run).
#[test]
fn heavy_load_keeps_exclusion_order_and_progress() {
    for seed in 0..20 {
        let spec = RunSpec {
            network: NetworkConfig { latency: "uniform:0ms-3ms".parse().unwrap(), ..NetworkConfig::default() },
            workload: Workload { think: Duration::ZERO, ..Workload::default() },
            ..spec(6, 150, seed)
        };
        let record = harness::run::<Lamport>(&spec).unwrap();
        assert!(record.violations.is_empty(), "seed {seed}: {:?}", record.violations);
        assert!(record.mutex.unwrap().entries_per_node_min > 0, "seed {seed}: someone starved");
    }
}

// The teaching point: Lamport's proof needs FIFO links. With --reorder, a later-stamped REPLY can
// overtake its sender's earlier REQUEST, and two nodes enter together. Every seed in 1..=10 shows
// it at the defaults (5 nodes, heavy load); with FIFO links, 200 seeds show none.
#[test]
fn reordering_breaks_it_and_fifo_does_not() {
    let broken: Vec<u64> = (1..=10)
        .filter(|seed| {
            let spec =
                RunSpec { network: NetworkConfig { reorder: true, ..NetworkConfig::default() }, ..spec(5, 100, *seed) };
            let record = harness::run::<Lamport>(&spec).unwrap();
            record.violations.iter().any(|v| v.starts_with("mutual-exclusion"))
        })
        .collect();
    assert!(!broken.is_empty(), "no seed in 1..=10 broke Lamport under reordering");
    for seed in 1..=200 {
        let record = harness::run::<Lamport>(&spec(5, 100, seed)).unwrap();
        assert!(record.violations.is_empty(), "FIFO seed {seed}: {:?}", record.violations);
    }
}

#[test]
fn mutual_exclusion_holds_in_the_threads_runtime() {
    let spec = RunSpec {
        runtime: RuntimeKind::Threads,
        workload: Workload { think: Duration::ZERO, hold: Duration::from_micros(200), ..Workload::default() },
        ..spec(5, 150, 1)
    };
    let record = harness::run::<Lamport>(&spec).unwrap();
    assert!(record.violations.is_empty(), "{:?}", record.violations);
    assert_eq!(record.messages_total, 150 * messages_per_entry(5));
}
