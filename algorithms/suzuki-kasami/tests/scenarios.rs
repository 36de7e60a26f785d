//! Suzuki-Kasami on the harness: N messages per entry, 0 with the token in hand.

use std::time::Duration;

use harness::{MutexLoad, NetworkConfig, RunSpec, RuntimeKind, Workload};
use suzuki_kasami::SuzukiKasami;

fn spec(nodes: usize, ops: u64, seed: u64) -> RunSpec {
    RunSpec { nodes, ops: Some(ops), seed, ..RunSpec::default() }
}

// Light load, turns round-robin: every entry costs N (N-1 REQUESTs and the TOKEN) except the
// first, by node 0, which starts with the token: N(K-1) for K entries.
#[test]
fn n_per_entry_and_zero_for_the_first_holder_for_n_2_to_25() {
    for nodes in 2..=25u64 {
        let spec = RunSpec {
            workload: Workload { load: MutexLoad::Light, ..Workload::default() },
            ..spec(nodes as usize, 40, 3)
        };
        let record = harness::run::<SuzukiKasami>(&spec).unwrap();
        assert!(record.violations.is_empty(), "N={nodes}: {:?}", record.violations);
        assert_eq!(record.messages_total, nodes * 39, "N={nodes}");
        assert_eq!(record.messages_by_kind["token"], 39);
    }
}

#[test]
fn a_lone_node_keeps_the_token_and_sends_nothing() {
    let spec = RunSpec { workload: Workload { load: MutexLoad::Light, ..Workload::default() }, ..spec(1, 20, 1) };
    let record = harness::run::<SuzukiKasami>(&spec).unwrap();
    assert_eq!((record.ops, record.messages_total), (20, 0));
}

#[test]
fn heavy_load_is_safe_starvation_free_and_at_most_n_per_entry() {
    for seed in 0..20 {
        let nodes = 7;
        let spec = RunSpec {
            network: NetworkConfig { latency: "exp:1ms".parse().unwrap(), ..NetworkConfig::default() },
            workload: Workload { think: Duration::ZERO, ..Workload::default() },
            ..spec(nodes, 200, seed)
        };
        let record = harness::run::<SuzukiKasami>(&spec).unwrap();
        assert!(record.violations.is_empty(), "seed {seed}: {:?}", record.violations);
        assert!(record.messages_total <= 200 * nodes as u64, "seed {seed}: {}", record.messages_total);
        assert!(record.mutex.unwrap().entries_per_node_min > 0, "seed {seed}: starvation");
    }
}

#[test]
fn mutual_exclusion_holds_in_the_threads_runtime() {
    let spec = RunSpec {
        runtime: RuntimeKind::Threads,
        workload: Workload { think: Duration::ZERO, hold: Duration::from_micros(200), ..Workload::default() },
        ..spec(6, 200, 1)
    };
    let record = harness::run::<SuzukiKasami>(&spec).unwrap();
    assert!(record.violations.is_empty(), "{:?}", record.violations);
    assert_eq!(record.ops, 200);
}

// The token carries N request numbers and a queue of up to N ids, so its bytes on the wire grow
// with N (about two bytes per node in postcard's varints), while a request stays the same size.
#[test]
fn the_token_grows_with_the_cluster_and_a_request_does_not() {
    let per_message = |nodes: usize, kind: &str| {
        let spec = RunSpec { nodes, ops: Some(50), ..RunSpec::default() };
        let record = harness::run::<SuzukiKasami>(&spec).expect("the run");
        assert!(record.violations.is_empty(), "{:?}", record.violations);
        record.bytes_by_kind[kind] as f64 / record.messages_by_kind[kind] as f64
    };
    let token: Vec<f64> = [4, 16, 64].iter().map(|n| per_message(*n, "token")).collect();
    assert!(token[0] < token[1] && token[1] < token[2], "token bytes by N = 4, 16, 64: {token:?}");
    assert!(token[2] >= 64.0, "at N = 64 the token holds 64 request numbers: {token:?}");
    let request: Vec<f64> = [4, 16, 64].iter().map(|n| per_message(*n, "request")).collect();
    assert!(request.windows(2).all(|w| w[0] == w[1]), "a request's size: {request:?}");
}
