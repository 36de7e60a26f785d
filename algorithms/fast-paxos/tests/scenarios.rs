//! Fast Paxos scenarios in the simulator, modelled on the Raft and Multi-Paxos ones. Every run
//! also passes the replication checkers (one value per slot with fast ballots counted at the
//! fast quorum, state machine safety, linearizability, one leader per ballot).

use std::time::Duration;

use fast_paxos::FastPaxos;
use harness::{FaultPlan, Latency, NetworkConfig, RunRecord, RunSpec, Workload};

fn spec(nodes: usize, seed: u64) -> RunSpec {
    RunSpec { nodes, seed, ..RunSpec::default() }
}

fn faults<S: AsRef<str>>(texts: &[S]) -> FaultPlan {
    FaultPlan::parse(texts).unwrap()
}

fn run(spec: &RunSpec) -> RunRecord {
    let record = harness::run::<FastPaxos>(spec).unwrap();
    assert!(record.violations.is_empty(), "seed {}: {:?}", spec.seed, record.violations);
    record
}

fn kind(record: &RunRecord, name: &str) -> u64 {
    record.messages_by_kind.get(name).copied().unwrap_or(0)
}

fn fast_path(record: &RunRecord) -> (f64, u64) {
    let r = record.replication.as_ref().expect("a replication record");
    (r.fast_path_ratio.expect("fast-paxos has a fast path"), r.collisions.expect("and counts collisions"))
}

// §3.2: one client, reliable links: every command is chosen on the fast path by the votes of
// the N-1 other acceptors, and nothing else is sent but the election and the ANY.
#[test]
fn one_client_goes_the_fast_path_at_n_minus_one_per_command() {
    for nodes in [3u64, 5, 7] {
        let spec = RunSpec {
            ops: Some(30),
            workload: Workload { clients: 1, ..Workload::default() },
            ..spec(nodes as usize, 1)
        };
        let record = run(&spec);
        assert_eq!(record.ops, 30);
        assert_eq!(kind(&record, "voted"), 30 * (nodes - 1), "N={nodes}");
        assert_eq!(fast_path(&record), (1.0, 0), "N={nodes}");
        // A client's copy reaches the acceptors in one delay, their votes the leader in one more.
        assert!(record.latency_ms.p50 <= 2.01, "N={nodes}: {:?}", record.latency_ms);
    }
}

// §3.3: concurrent clients whose copies reach acceptors in different orders collide; the
// leader recovers each collided slot (the run stays safe and completes) and the share of
// commands chosen on the fast path falls as clients grow.
#[test]
fn concurrent_clients_collide_and_recover() {
    let jittery = NetworkConfig { latency: "uniform:1ms-3ms".parse::<Latency>().unwrap(), ..NetworkConfig::default() };
    let ratio_with = |clients: u32| {
        let spec = RunSpec {
            ops: Some(300),
            network: jittery.clone(),
            workload: Workload { clients, ..Workload::default() },
            ..spec(5, 1)
        };
        let record = run(&spec);
        assert_eq!(record.ops, 300, "{clients} clients");
        fast_path(&record)
    };
    let (alone, none) = ratio_with(1);
    let (crowded, collisions) = ratio_with(8);
    assert_eq!((alone, none), (1.0, 0));
    assert!(collisions > 0 && crowded < alone, "8 clients: ratio {crowded}, {collisions} collisions");
}

// With one acceptor of five down a fast quorum (4) is still there; with two down it is not,
// and the leader runs classic rounds instead, so the work still completes.
#[test]
fn without_a_fast_quorum_the_leader_falls_back_to_classic_rounds() {
    for seed in 1..=3 {
        let one_down = RunSpec { ops: Some(200), faults: faults(&["crash:1@100ms"]), ..spec(5, seed) };
        let record = run(&one_down);
        assert_eq!(record.ops, 200);
        let two_down = RunSpec { ops: Some(200), faults: faults(&["crash:1@100ms", "crash:2@100ms"]), ..spec(5, seed) };
        let fallback = run(&two_down);
        assert_eq!(fallback.ops, 200, "seed {seed}");
        assert!(kind(&fallback, "accept") > 0, "seed {seed}: classic rounds");
        assert!(fast_path(&fallback).0 < fast_path(&record).0, "seed {seed}");
    }
}

// A crashed leader is replaced; the new one recovers every open slot with the fast rule.
#[test]
fn a_crashed_leader_is_replaced() {
    for seed in 1..=5 {
        let spec = RunSpec {
            ops: Some(300),
            faults: faults(&["crash:leader@400ms..900ms"]),
            workload: Workload { client_think: Duration::from_millis(2), ..Workload::default() },
            ..spec(5, seed)
        };
        let record = run(&spec);
        assert_eq!(record.ops, 300, "seed {seed}");
        assert!(record.leader_changes >= 1, "seed {seed}");
    }
}

// Persistence: crash every node, restart them all; committed commands survive.
#[test]
fn restarting_every_node_keeps_committed_state() {
    for seed in 1..=5 {
        let crashes = ["crash:0@400ms..700ms", "crash:1@400ms..750ms", "crash:2@400ms..800ms"];
        let record = run(&RunSpec { ops: Some(300), faults: faults(&crashes), ..spec(3, seed) });
        assert_eq!(record.ops, 300, "seed {seed}");
    }
}

// Loss, duplication, reordering and a partition: safe throughout, complete once healed.
#[test]
fn unreliable_network_and_a_partition() {
    for seed in 1..=6 {
        let spec = RunSpec {
            ops: Some(200),
            network: NetworkConfig { drop: 0.1, duplicate: 0.05, reorder: true, ..NetworkConfig::default() },
            faults: faults(&["partition:0,1|2,3,4@500ms..1200ms", "crash:3@1500ms..2000ms"]),
            workload: Workload { clients: 4, ..Workload::default() },
            ..spec(5, seed)
        };
        assert_eq!(run(&spec).ops, 200, "seed {seed}");
    }
}

#[test]
fn the_threads_runtime_completes_without_violations() {
    let spec = RunSpec { ops: Some(300), runtime: harness::RuntimeKind::Threads, ..spec(5, 1) };
    assert_eq!(run(&spec).ops, 300);
}

// Under contention, `max_backoff` keeps the window shut after collisions: fewer messages per
// command than reopening it at once, and fewer collisions.
#[test]
fn backing_off_after_collisions_saves_messages_under_contention() {
    let contended = |max_backoff: &str| {
        let spec = RunSpec {
            ops: Some(300),
            network: NetworkConfig {
                latency: "uniform:1ms-3ms".parse::<Latency>().unwrap(),
                ..NetworkConfig::default()
            },
            workload: Workload { clients: 8, ..Workload::default() },
            params: [("max_backoff".to_string(), max_backoff.to_string())].into_iter().collect(),
            ..spec(5, 2)
        };
        let record = run(&spec);
        assert_eq!(record.ops, 300);
        (record.messages_per_op, fast_path(&record).1)
    };
    let (eager, eager_collisions) = contended("0");
    let (patient, patient_collisions) = contended("64");
    assert!(patient < eager, "{patient} messages per command with backoff, {eager} without");
    assert!(patient_collisions < eager_collisions);
}
