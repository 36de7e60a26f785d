//! Token Ring on the harness: per-entry counts, dead successors, token regeneration.

use std::time::Duration;

use harness::{EventKind, FaultPlan, MutexLoad, NetworkConfig, Observation, RunSpec, RuntimeKind, Workload};
use token_ring::TokenRing;

fn spec(nodes: usize, ops: u64, seed: u64) -> RunSpec {
    RunSpec { nodes, ops: Some(ops), seed, ..RunSpec::default() }
}

fn regenerations(history: &harness::History) -> u64 {
    history.count_observed(|o| matches!(o, Observation::Note { label: "token_regenerated", .. }))
}

// The documented formula scenario: light load, turns in ring order, no think time. The
// requester is always the token's next stop: one hop and its ACK per entry, none for the first;
// the pass after the last exit is counted, its ACK lands after the run: 2K - 1.
#[test]
fn two_messages_per_entry_in_ring_order_for_n_2_to_25() {
    for nodes in 2..=25 {
        let workload = Workload { load: MutexLoad::Light, think: Duration::ZERO, ..Workload::default() };
        let record = harness::run::<TokenRing>(&RunSpec { workload, ..spec(nodes, 50, 1) }).unwrap();
        assert!(record.violations.is_empty(), "N={nodes}: {:?}", record.violations);
        assert_eq!(record.messages_total, 2 * 50 - 1, "N={nodes}");
        assert_eq!((record.messages_by_kind["token"], record.messages_by_kind["ack"]), (50, 49));
    }
}

// Idle circulation is counted: with think time the token goes round while nobody wants it.
#[test]
fn idle_circulation_costs_two_messages_per_hop() {
    let workload = Workload { load: MutexLoad::Light, think: Duration::from_millis(20), ..Workload::default() };
    let record = harness::run::<TokenRing>(&RunSpec { workload, ..spec(4, 40, 1) }).unwrap();
    assert!(record.violations.is_empty());
    // The last pass may still await its ACK when the run ends.
    assert!(record.messages_by_kind["token"] - record.messages_by_kind["ack"] <= 1);
    assert!(record.messages_per_op > 2.0, "idle hops are counted: {}", record.messages_per_op);
}

#[test]
fn heavy_load_is_safe_and_fair() {
    for seed in 0..10 {
        let spec = RunSpec {
            network: NetworkConfig { latency: "uniform:0ms-2ms".parse().unwrap(), ..NetworkConfig::default() },
            workload: Workload { think: Duration::ZERO, ..Workload::default() },
            ..spec(8, 200, seed)
        };
        let record = harness::run::<TokenRing>(&spec).unwrap();
        assert!(record.violations.is_empty(), "seed {seed}: {:?}", record.violations);
        assert!(record.mutex.unwrap().jain_fairness > 0.99, "the ring serves everyone in turn");
    }
}

#[test]
fn a_dead_successor_is_skipped() {
    let spec = RunSpec {
        faults: FaultPlan { faults: vec!["crash:2@0ms".parse().unwrap()] },
        workload: Workload { think: Duration::ZERO, ..Workload::default() },
        ..spec(5, 100, 1)
    };
    let (record, outcome) = harness::run_with_outcome::<TokenRing>(&spec).unwrap();
    assert!(record.violations.is_empty(), "{:?}", record.violations);
    assert_eq!(record.ops, 100);
    assert!(record.messages_dropped > 0, "passes to the dead node were lost");
    assert_eq!(regenerations(&outcome.history), 0, "the token was never lost");
}

// Crash the node inside the critical section (and so holding the token): the lowest live id
// regenerates it once, entries go on, and there is never a second token.
#[test]
fn a_crashed_holder_token_is_regenerated_exactly_once() {
    let base = RunSpec {
        workload: Workload { think: Duration::ZERO, hold: Duration::from_millis(5), ..Workload::default() },
        ..spec(5, 200, 2)
    };
    // The crash-free prefix of a seeded run is the same run: find who is inside at 100 ms.
    let (_, clean) = harness::run_with_outcome::<TokenRing>(&base).unwrap();
    let crash_at = harness::Time(100_000_000);
    let holder = clean
        .history
        .events
        .iter()
        .rfind(|e| e.time <= crash_at && e.kind == EventKind::Observed(Observation::Entered))
        .unwrap()
        .node;
    let fault = format!("crash:{}@100ms", holder.0).parse().unwrap();
    let spec = RunSpec { faults: FaultPlan { faults: vec![fault] }, ..base };
    let (record, outcome) = harness::run_with_outcome::<TokenRing>(&spec).unwrap();
    assert!(record.violations.is_empty(), "{:?}", record.violations);
    assert_eq!(record.ops, 200, "entries continue after the regeneration");
    assert_eq!(regenerations(&outcome.history), 1);
}

// A duplicated token must be recognised by its stamp; the mutant that skips the check lets the
// copy live on as a second token. (Jitter matters: a copy that lands while the node still holds
// the first one merges with it; a later copy, after the token moved on, is a second token.)
#[test]
fn duplicated_tokens_are_discarded_and_the_mutant_is_caught() {
    let spec = RunSpec {
        network: NetworkConfig {
            duplicate: 0.2,
            latency: "uniform:0ms-5ms".parse().unwrap(),
            ..NetworkConfig::default()
        },
        workload: Workload { think: Duration::ZERO, ..Workload::default() },
        ..spec(5, 150, 1)
    };
    let record = harness::run::<TokenRing>(&spec).unwrap();
    assert!(record.violations.is_empty(), "{:?}", record.violations);
    let mutant =
        harness::run::<TokenRing>(&RunSpec { variant: Some("bug-no-generation-check".into()), ..spec }).unwrap();
    assert!(mutant.violations.iter().any(|v| v.starts_with("mutual-exclusion")), "{:?}", mutant.violations);
}

#[test]
fn mutual_exclusion_holds_in_the_threads_runtime() {
    let spec = RunSpec {
        runtime: RuntimeKind::Threads,
        workload: Workload { think: Duration::ZERO, hold: Duration::from_micros(200), ..Workload::default() },
        ..spec(6, 200, 1)
    };
    let record = harness::run::<TokenRing>(&spec).unwrap();
    assert!(record.violations.is_empty(), "{:?}", record.violations);
    assert_eq!(record.ops, 200);
}
