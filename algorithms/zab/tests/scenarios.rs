//! Zab scenarios in the simulator, modelled on the Raft ones. Every run also passes the
//! replication checkers (state machine safety, linearizability, one leader per epoch) and Zab's
//! own (primary order, primary integrity), which fill `violations`.

use std::time::Duration;

use harness::{FaultPlan, NetworkConfig, NodeId, RunOutcome, RunRecord, RunSpec, Workload};
use zab::Zab;

fn spec(nodes: usize, seed: u64) -> RunSpec {
    RunSpec { nodes, seed, ..RunSpec::default() }
}

fn faults<S: AsRef<str>>(texts: &[S]) -> FaultPlan {
    FaultPlan::parse(texts).unwrap()
}

fn quiet(nodes: usize, seed: u64, duration: Duration) -> RunSpec {
    RunSpec { duration: Some(duration), workload: Workload { clients: 0, ..Workload::default() }, ..spec(nodes, seed) }
}

fn run(spec: &RunSpec) -> (RunRecord, RunOutcome) {
    let (record, outcome) = harness::run_with_outcome::<Zab>(spec).unwrap();
    assert!(record.violations.is_empty(), "seed {}: {:?}", spec.seed, record.violations);
    (record, outcome)
}

fn kind(record: &RunRecord, name: &str) -> u64 {
    record.messages_by_kind.get(name).copied().unwrap_or(0)
}

fn others(of: u32, nodes: u32) -> String {
    (0..nodes).filter(|n| *n != of).map(|n| n.to_string()).collect::<Vec<_>>().join(",")
}

// Fast leader election on equal (empty) histories picks the highest id; a quiet cluster keeps it.
#[test]
fn initial_election_picks_the_best_vote_and_keeps_it() {
    for seed in 1..=5 {
        let (_, outcome) = run(&quiet(5, seed, Duration::from_secs(2)));
        let leaders = outcome.history.leader_announcements();
        assert_eq!(leaders.len(), 1, "seed {seed}: {leaders:?}");
        assert_eq!((leaders[0].1, leaders[0].2), (NodeId(4), 1), "seed {seed}: the highest id, epoch 1");
    }
}

// §III: PROPOSAL, ACK and COMMIT per follower per command in steady state; the first election
// costs N(N-1) first votes, (N-1)² changed votes, and 6(N-1) discovery and synchronization.
#[test]
fn steady_state_costs_three_n_minus_one_per_command() {
    for nodes in [3u64, 5, 7] {
        let spec = RunSpec {
            ops: Some(20),
            workload: Workload { clients: 1, ..Workload::default() },
            ..spec(nodes as usize, 1)
        };
        let (record, _) = run(&spec);
        assert_eq!(record.ops, 20);
        let f = nodes - 1;
        for k in ["proposal", "ack", "commit"] {
            assert_eq!(kind(&record, k), 20 * f, "N={nodes}: {k}");
        }
        assert_eq!(kind(&record, "notification"), f * (2 * nodes - 1), "N={nodes}");
        for k in ["followerinfo", "newepoch", "ackepoch", "diff", "ack-newleader", "uptodate"] {
            assert_eq!(kind(&record, k), f, "N={nodes}: {k}");
        }
    }
}

/// A 5-node run of `ops` commands whose first leader is crashed `at` ms, restarted 500 ms later.
fn with_leader_crash(seed: u64, ops: u64, at: u64) -> RunSpec {
    let first = run(&quiet(5, seed, Duration::from_millis(500))).1.history.leader_announcements()[0].1 .0;
    RunSpec {
        ops: Some(ops),
        faults: faults(&[format!("crash:{first}@{at}ms..{}ms", at + 500)]),
        workload: Workload { client_think: Duration::from_millis(4), ..Workload::default() },
        ..spec(5, seed)
    }
}

// A crashed leader is replaced in a higher epoch; what it committed survives (primary integrity
// is checked in `run`), and the restarted node rejoins by synchronization.
#[test]
fn a_crashed_leader_is_replaced_in_a_new_epoch_and_rejoins() {
    for seed in 1..=5 {
        let (record, outcome) = run(&with_leader_crash(seed, 400, 300));
        assert_eq!(record.ops, 400, "seed {seed}");
        let leaders = outcome.history.leader_announcements();
        assert!(leaders.len() >= 2, "seed {seed}: {leaders:?}");
        assert!(leaders.windows(2).all(|w| w[1].2 > w[0].2), "seed {seed}: epochs grow: {leaders:?}");
        assert!(kind(&record, "diff") + kind(&record, "trunc") + kind(&record, "snap") > 4, "seed {seed}");
    }
}

// A leader cut off in a minority stops serving (it cannot hear a quorum); the majority elects a
// new leader and commits; after the heal the old leader's proposals nobody acknowledged are
// truncated by its new leader's synchronization.
#[test]
fn a_partitioned_leader_steps_down_and_its_uncommitted_tail_is_truncated() {
    let mut truncated = 0;
    for seed in 1..=5 {
        let first = run(&quiet(5, seed, Duration::from_millis(500))).1.history.leader_announcements()[0].1 .0;
        let spec = RunSpec {
            duration: Some(Duration::from_secs(3)),
            faults: faults(&[format!("partition:{first}|{}@600ms..2s", others(first, 5))]),
            workload: Workload { clients: 5, ..Workload::default() },
            ..spec(5, seed)
        };
        let (record, outcome) = run(&spec);
        assert!(record.ops > 100, "seed {seed}: the majority kept committing");
        let leaders = outcome.history.leader_announcements();
        assert!(leaders.iter().any(|(_, l, _)| l.0 != first), "seed {seed}: a new leader in the majority");
        truncated += kind(&record, "trunc");
    }
    assert!(truncated > 0, "some old leader held proposals only it had, and TRUNC removed them");
}

// Stable storage: crash every node and restart them all; committed commands survive (state
// machine safety compares what each node delivers before and after) and the work completes.
#[test]
fn restarting_every_node_keeps_committed_state() {
    for seed in 1..=5 {
        let crashes: Vec<String> = (0..3).map(|n| format!("crash:{n}@400ms..{}ms", 700 + 50 * n)).collect();
        let spec = RunSpec { ops: Some(300), faults: faults(&crashes), ..spec(3, seed) };
        let (record, _) = run(&spec);
        assert_eq!(record.ops, 300, "seed {seed}");
    }
}

// Lost, duplicated and reordered messages with leaders crashing: no violation, and progress
// once the network heals (lost proposals are sent again, lost synchronizations asked for again).
#[test]
fn unreliable_network_with_repeated_crashes() {
    for seed in 1..=8 {
        let spec = RunSpec {
            ops: Some(200),
            network: NetworkConfig { drop: 0.1, duplicate: 0.05, reorder: true, ..NetworkConfig::default() },
            faults: faults(&[
                "crash:0@300ms..900ms",
                "crash:1@1200ms..1800ms",
                "crash:2@2100ms..2700ms",
                "crash:3@3000ms..3600ms",
            ]),
            workload: Workload { clients: 4, ..Workload::default() },
            ..spec(5, seed)
        };
        let (record, _) = run(&spec);
        assert_eq!(record.ops, 200, "seed {seed}");
    }
}

#[test]
fn the_threads_runtime_completes_without_violations() {
    let spec = RunSpec { ops: Some(300), runtime: harness::RuntimeKind::Threads, ..spec(5, 1) };
    let (record, _) = run(&spec);
    assert_eq!(record.ops, 300);
}
