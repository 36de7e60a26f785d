//! Ricart-Agrawala on the harness: message counts, safety in both runtimes, determinism.

use std::time::Duration;

use harness::{MutexLoad, NetworkConfig, RunSpec, RuntimeKind, Workload};
use ricart_agrawala::{messages_per_entry, RicartAgrawala};

fn spec(nodes: usize, ops: u64, seed: u64) -> RunSpec {
    RunSpec { nodes, ops: Some(ops), seed, ..RunSpec::default() }
}

// Paper §3: 2(N-1) messages per entry, at any load, on a reliable network.
#[test]
fn exactly_two_n_minus_one_messages_per_entry_for_n_2_to_16() {
    for nodes in 2..=16 {
        for load in [MutexLoad::Light, MutexLoad::Heavy] {
            let spec = RunSpec { workload: Workload { load, ..Workload::default() }, ..spec(nodes, 40, 11) };
            let record = harness::run::<RicartAgrawala>(&spec).unwrap();
            assert_eq!(record.ops, 40, "N={nodes} {load:?}");
            assert!(record.violations.is_empty(), "N={nodes}: {:?}", record.violations);
            assert_eq!(record.messages_total, 40 * messages_per_entry(nodes), "N={nodes} {load:?}");
            assert_eq!(record.messages_by_kind["request"], 40 * (nodes as u64 - 1));
            assert_eq!(record.messages_by_kind["reply"], 40 * (nodes as u64 - 1));
        }
    }
}

#[test]
fn a_single_node_enters_without_messages() {
    let record = harness::run::<RicartAgrawala>(&spec(1, 10, 1)).unwrap();
    assert_eq!((record.ops, record.messages_total), (10, 0));
}

#[test]
fn mutual_exclusion_holds_under_contention_and_jitter_in_sim() {
    for seed in 0..20 {
        let spec = RunSpec {
            network: NetworkConfig { latency: "exp:2ms,floor=100us".parse().unwrap(), ..NetworkConfig::default() },
            workload: Workload { think: Duration::ZERO, hold: Duration::from_micros(500), ..Workload::default() },
            ..spec(7, 200, seed)
        };
        let record = harness::run::<RicartAgrawala>(&spec).unwrap();
        assert!(record.violations.is_empty(), "seed {seed}: {:?}", record.violations);
        assert_eq!(record.ops, 200);
    }
}

// Ricart-Agrawala does not need FIFO links: reordering must not break it.
#[test]
fn reordering_links_do_not_break_it() {
    for seed in 0..20 {
        let spec = RunSpec {
            network: NetworkConfig {
                reorder: true,
                latency: "uniform:0ms-3ms".parse().unwrap(),
                ..NetworkConfig::default()
            },
            workload: Workload { think: Duration::ZERO, ..Workload::default() },
            ..spec(5, 100, seed)
        };
        let record = harness::run::<RicartAgrawala>(&spec).unwrap();
        assert!(record.violations.is_empty(), "seed {seed}: {:?}", record.violations);
    }
}

#[test]
fn the_same_seed_gives_the_same_json_record_and_history() {
    let spec = RunSpec {
        network: NetworkConfig {
            latency: "lognormal:1ms,0.8".parse().unwrap(),
            duplicate: 0.0,
            ..NetworkConfig::default()
        },
        ..spec(6, 150, 42)
    };
    let (first, first_outcome) = harness::run_with_outcome::<RicartAgrawala>(&spec).unwrap();
    let (second, second_outcome) = harness::run_with_outcome::<RicartAgrawala>(&spec).unwrap();
    assert_eq!(serde_json::to_string(&first).unwrap(), serde_json::to_string(&second).unwrap());
    assert_eq!(first_outcome.history, second_outcome.history);
    let other = harness::run::<RicartAgrawala>(&RunSpec { seed: 43, ..spec }).unwrap();
    assert_ne!(first.latency_ms, other.latency_ms, "a different seed should give a different run");
}

#[test]
fn mutual_exclusion_holds_in_the_threads_runtime() {
    for nodes in [2, 5] {
        let spec = RunSpec {
            runtime: RuntimeKind::Threads,
            network: NetworkConfig::reliable(harness::Latency::constant(Duration::ZERO)),
            workload: Workload { think: Duration::ZERO, hold: Duration::from_micros(100), ..Workload::default() },
            ..spec(nodes, 200, 3)
        };
        let record = harness::run::<RicartAgrawala>(&spec).unwrap();
        assert!(record.violations.is_empty(), "N={nodes}: {:?}", record.violations);
        assert_eq!(record.ops, 200);
        assert_eq!(record.messages_total, 200 * messages_per_entry(nodes), "counts are exact in threads too");
    }
}

// The mutant only shows when a request reaches the holder while every other node is idle (under
// heavy contention requests queue up before the holder enters, and are deferred correctly). So the
// workload is sparse: think up to 40 ms, hold 5 ms. Every seed then shows many overlaps in sim,
// and a threads run has dozens of chances.
#[test]
fn the_reply_while_inside_mutant_is_caught() {
    let spec = RunSpec {
        variant: Some("bug-reply-while-inside".into()),
        workload: Workload { think: Duration::from_millis(40), hold: Duration::from_millis(5), ..Workload::default() },
        ..spec(4, 60, 1)
    };
    let record = harness::run::<RicartAgrawala>(&spec).unwrap();
    assert!(record.violations.iter().any(|v| v.starts_with("mutual-exclusion")), "{:?}", record.violations);
    let threads = harness::run::<RicartAgrawala>(&RunSpec { runtime: RuntimeKind::Threads, ..spec }).unwrap();
    assert!(threads.violations.iter().any(|v| v.starts_with("mutual-exclusion")), "{:?}", threads.violations);
}

#[test]
fn an_unknown_variant_is_rejected_by_name() {
    let err =
        harness::run::<RicartAgrawala>(&RunSpec { variant: Some("fast".into()), ..RunSpec::default() }).unwrap_err();
    assert!(err.to_string().contains("`fast` is not a variant of ricart-agrawala"), "{err}");
}

// A crashed node never replies: Ricart-Agrawala has no fault tolerance, and the liveness checker
// must say so rather than the run hanging or passing.
#[test]
fn a_crashed_peer_blocks_everyone_and_liveness_reports_it() {
    let spec = RunSpec {
        faults: harness::FaultPlan { faults: vec!["crash:2@5ms".parse().unwrap()] },
        duration: Some(Duration::from_secs(2)),
        ..spec(4, 200, 5)
    };
    let record = harness::run::<RicartAgrawala>(&spec).unwrap();
    assert!(record.ops < 200);
    assert!(record.violations.iter().any(|v| v.starts_with("every-request-granted")), "{:?}", record.violations);
    assert!(record.violations.iter().any(|v| v.starts_with("progress")), "{:?}", record.violations);
    assert!(!record.violations.iter().any(|v| v.starts_with("mutual-exclusion")));
}
