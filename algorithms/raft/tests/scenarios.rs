//! Raft scenarios in the simulator, after the well-known Raft lab tests. Each runs several seeds;
//! every run also passes the replication checkers (election safety, log matching, leader
//! completeness, state machine safety, linearizability), which fill `violations`.

use std::time::Duration;

use harness::{EventKind, FaultPlan, NetworkConfig, NodeId, Observation, RunOutcome, RunRecord, RunSpec, Workload};
use raft::Raft;

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
    let (record, outcome) = harness::run_with_outcome::<Raft>(spec).unwrap();
    assert!(record.violations.is_empty(), "seed {}: {:?}", spec.seed, record.violations);
    (record, outcome)
}

fn kinds(record: &RunRecord, names: &[&str]) -> u64 {
    names.iter().map(|k| record.messages_by_kind.get(*k).copied().unwrap_or(0)).sum()
}

// §5.2: one leader, every node agrees on its term, and a quiet reliable cluster keeps it.
#[test]
fn initial_election() {
    for seed in 1..=10 {
        let (record, outcome) = run(&quiet(3, seed, Duration::from_secs(2)));
        let leaders = outcome.history.leader_announcements();
        assert_eq!(leaders.len(), 1, "seed {seed}: exactly one election: {leaders:?}");
        let term = leaders[0].2;
        let named: Vec<u64> = outcome
            .history
            .observations()
            .filter_map(|(_, _, o)| match o {
                Observation::Leader { term, .. } => Some(*term),
                _ => None,
            })
            .collect();
        assert_eq!(named.len(), 3, "seed {seed}: every node names the leader");
        assert!(named.iter().all(|t| *t == term), "seed {seed}: terms agree");
        let election = kinds(&record, &["request_vote", "vote"]);
        assert!((2..=30).contains(&election), "seed {seed}: {election} election messages");
        let per_second = record.messages_total as f64 / 2.0;
        assert!(per_second <= 60.0, "seed {seed}: a quiet cluster sent {per_second} messages a second");
    }
}

// §5.2: cut the leader off, the others elect a new one; a cluster without a majority elects none.
#[test]
fn reelection_after_the_leader_is_cut_off_and_none_without_a_majority() {
    for seed in 1..=5 {
        let first = run(&quiet(3, seed, Duration::from_millis(600))).1.history.leader_announcements()[0];
        let old = first.1 .0;
        let others: Vec<String> = (0..3u32).filter(|n| *n != old).map(|n| n.to_string()).collect();
        let cut = format!("partition:{old}|{}@600ms..1500ms", others.join(","));
        let (_, outcome) = run(&RunSpec { faults: faults(&[&cut]), ..quiet(3, seed, Duration::from_secs(3)) });
        let after_cut: Vec<_> =
            outcome.history.leader_announcements().into_iter().filter(|(t, _, _)| t.0 > 600_000_000).collect();
        assert!(after_cut.iter().any(|(_, leader, _)| leader.0 != old), "seed {seed}: a new leader among the majority");

        let crash_two: Vec<String> = others.iter().map(|n| format!("crash:{n}@600ms")).collect();
        let crash_two: Vec<&str> = crash_two.iter().map(String::as_str).collect();
        let (_, outcome) = run(&RunSpec { faults: faults(&crash_two), ..quiet(3, seed, Duration::from_secs(3)) });
        let late: Vec<_> =
            outcome.history.leader_announcements().into_iter().filter(|(t, _, _)| t.0 > 900_000_000).collect();
        assert!(late.is_empty(), "seed {seed}: no leader without a majority: {late:?}");
    }
}

// §5.3: with one follower down the others still commit; it catches up when it returns.
#[test]
fn agreement_with_one_follower_down() {
    for seed in 1..=5 {
        let spec = RunSpec { ops: Some(200), faults: faults(&["crash:2@300ms..1200ms"]), ..spec(3, seed) };
        let (record, outcome) = run(&spec);
        assert_eq!(record.ops, 200);
        let commits = |node: u32| {
            outcome.history.events.iter().filter(move |e| e.node == NodeId(node)).filter_map(|e| match e.kind {
                EventKind::Observed(Observation::Committed { index }) => Some(index),
                _ => None,
            })
        };
        let final_commit = commits(0).max().unwrap().max(commits(1).max().unwrap());
        if record.elapsed_ms > 1300.0 {
            assert!(commits(2).max().unwrap_or(0) > 0, "seed {seed}: the returning follower commits again");
        }
        assert!(final_commit >= 200);
    }
}

// §5.3: with a majority gone nothing commits; when it comes back, everything does.
#[test]
fn no_commit_without_a_majority_then_recovery() {
    for seed in 1..=5 {
        let spec = RunSpec {
            ops: Some(100),
            faults: faults(&["crash:1@500ms..2s", "crash:2@500ms..2s", "crash:3@500ms..2s"]),
            ..spec(5, seed)
        };
        let (record, outcome) = run(&spec);
        assert_eq!(record.ops, 100, "seed {seed}: recovery completes the work");
        let answered_while_down = outcome
            .history
            .clients
            .iter()
            .filter(|o| o.completed.as_ref().is_some_and(|(t, _)| t.0 > 600_000_000 && t.0 < 2_000_000_000))
            .count();
        assert_eq!(answered_while_down, 0, "seed {seed}: nothing commits without a majority");
    }
}

// §5.3: many clients at once, no faults: everything commits in the first term.
#[test]
fn concurrent_submissions_commit_in_one_term() {
    for seed in 1..=5 {
        let spec =
            RunSpec { ops: Some(300), workload: Workload { clients: 8, ..Workload::default() }, ..spec(5, seed) };
        let (record, outcome) = run(&spec);
        assert_eq!(record.ops, 300);
        assert_eq!(outcome.history.leader_announcements().len(), 1, "seed {seed}: one term");
    }
}

// A one-node cluster is its own majority: it commits each command in the instant it arrives, and
// the history (answers at the same instant as the calls) is still linearizable.
#[test]
fn a_one_node_cluster_commits_alone() {
    for seed in 1..=3 {
        let (record, _) = run(&RunSpec { ops: Some(100), ..spec(1, seed) });
        assert_eq!(record.ops, 100);
    }
}

// §5.3 / Figure 7: a leader cut off with commands it cannot commit rejoins; its stale tail is
// overwritten by the new leader's log.
#[test]
fn a_partitioned_old_leader_has_its_uncommitted_tail_overwritten() {
    for seed in 1..=5 {
        let first = run(&quiet(5, seed, Duration::from_millis(600))).1.history.leader_announcements()[0].1 .0;
        let rest: Vec<String> = (0..5u32).filter(|n| *n != first).map(|n| n.to_string()).collect();
        let cut = format!("partition:{first}|{}@600ms..2s", rest.join(","));
        let spec = RunSpec {
            duration: Some(Duration::from_secs(3)),
            faults: faults(&[&cut]),
            workload: Workload { clients: 5, ..Workload::default() },
            ..spec(5, seed)
        };
        let (record, outcome) = run(&spec);
        assert!(record.ops > 100, "seed {seed}: the majority kept committing");
        let truncated_old_leader = outcome
            .history
            .events
            .iter()
            .any(|e| e.node.0 == first && matches!(e.kind, EventKind::Observed(Observation::Truncated { .. })));
        assert!(truncated_old_leader, "seed {seed}: the old leader's uncommitted entries were replaced");
    }
}

// Persistence (Figure 2): crash every node, restart them all: committed commands survive, the
// node with the newest log wins, and the work completes.
#[test]
fn restarting_every_node_keeps_committed_state() {
    for seed in 1..=5 {
        let crashes: Vec<String> = (0..3).map(|n| format!("crash:{n}@400ms..{}ms", 700 + 50 * n)).collect();
        let crashes: Vec<&str> = crashes.iter().map(String::as_str).collect();
        let spec = RunSpec { ops: Some(300), faults: faults(&crashes), ..spec(3, seed) };
        let (record, _) = run(&spec);
        assert_eq!(record.ops, 300, "seed {seed}");
    }
}

// An unreliable network with leader crashes and restarts: no safety violation, a linearizable
// history (both checked in `run`), and progress once the network heals.
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

// The thesis's count: one outstanding command costs 2(N-1) replication messages.
#[test]
fn one_outstanding_command_costs_two_n_minus_one() {
    for nodes in [3, 5, 7] {
        let spec =
            RunSpec { ops: Some(50), workload: Workload { clients: 1, ..Workload::default() }, ..spec(nodes, 1) };
        let (record, _) = run(&spec);
        let replication = kinds(&record, &["append_entries", "append_reply"]);
        // 50 commands plus the new leader's no-op.
        assert_eq!(replication, 51 * 2 * (nodes as u64 - 1), "N={nodes}");
    }
}

#[test]
fn the_threads_runtime_completes_without_violations() {
    let spec = RunSpec { ops: Some(300), runtime: harness::RuntimeKind::Threads, ..spec(5, 1) };
    let (record, _) = run(&spec);
    assert_eq!(record.ops, 300);
}

// §5.3, the "backup" lab test: the leader and one follower are cut off while clients keep
// sending (their entries pile up uncommitted), the majority commits its own; after the heal the
// minority's divergent suffixes are replaced and its commit index catches up, with the paper's
// one-at-a-time backoff and with `fast-backup` (a whole conflicting term per refusal).
#[test]
fn backup_divergent_logs_converge_after_the_heal() {
    for variant in [None, Some("fast-backup")] {
        for seed in 1..=3 {
            let first = run(&quiet(5, seed, Duration::from_millis(600))).1.history.leader_announcements()[0].1 .0;
            let follower = (first + 1) % 5;
            let rest: Vec<String> =
                (0..5u32).filter(|n| *n != first && *n != follower).map(|n| n.to_string()).collect();
            let cut = format!("partition:{first},{follower}|{}@600ms..1600ms", rest.join(","));
            let spec = RunSpec {
                duration: Some(Duration::from_millis(2600)),
                variant: variant.map(str::to_string),
                faults: faults(&[&cut]),
                workload: Workload {
                    clients: 20,
                    client_timeout: Some(Duration::from_millis(100)),
                    ..Workload::default()
                },
                ..spec(5, seed)
            };
            let (_, outcome) = run(&spec);
            let events = &outcome.history.events;
            let truncated = |node: u32| {
                events
                    .iter()
                    .any(|e| e.node.0 == node && matches!(e.kind, EventKind::Observed(Observation::Truncated { .. })))
            };
            assert!(truncated(first), "{variant:?} seed {seed}: the old leader's suffix was replaced");
            let last_commit = |node: u32| {
                events
                    .iter()
                    .filter(|e| e.node.0 == node)
                    .filter_map(|e| match e.kind {
                        EventKind::Observed(Observation::Committed { index }) => Some(index),
                        _ => None,
                    })
                    .max()
                    .unwrap_or(0)
            };
            let highest = (0..5).map(last_commit).max().unwrap();
            // A follower learns of commits from the next AppendEntries, so a caught-up follower
            // trails by the batches in flight: each carries up to one command per client.
            let in_flight = 3 * spec.workload.clients as u64;
            for node in [first, follower] {
                assert!(
                    last_commit(node) + in_flight >= highest,
                    "{variant:?} seed {seed}: n{node} caught up ({} of {highest})",
                    last_commit(node)
                );
            }
        }
    }
}

// Faults in the threads runtime: crashes with restarts from stable storage and a partition,
// applied at wall-clock times from the same fault plan. Every node is crashed in turn, so the
// leader of the moment is among them. Asserts safety (the checkers) and that the faults struck,
// never a wall-clock bound.
#[test]
fn the_threads_runtime_survives_crashes_restarts_and_a_partition() {
    let spec = RunSpec {
        runtime: harness::RuntimeKind::Threads,
        duration: Some(Duration::from_millis(3200)),
        faults: faults(&[
            "crash:0@300ms..700ms",
            "crash:1@800ms..1200ms",
            "crash:2@1300ms..1700ms",
            "crash:3@1800ms..2200ms",
            "partition:4|0,1,2,3@2300ms..2700ms",
        ]),
        workload: Workload { clients: 3, ..Workload::default() },
        ..spec(5, 1)
    };
    let (record, outcome) = run(&spec);
    assert!(record.ops > 0, "commands committed");
    for node in 0..4 {
        let crashed = outcome.history.events.iter().any(|e| e.node.0 == node && e.kind == EventKind::Crashed);
        let restarted = outcome.history.events.iter().any(|e| e.node.0 == node && e.kind == EventKind::Restarted);
        assert!(crashed && restarted, "n{node} crashed and restarted in the threads runtime");
    }
}

// Dissertation §6.4: with ReadIndex a read costs one confirmation round, 2(N-1) messages, and
// no log entry; through the log it costs an AppendEntries round like any command.
#[test]
fn read_index_reads_skip_the_log_at_two_n_minus_one_per_read() {
    for nodes in [3u64, 5] {
        let reads_only = |variant: Option<&str>| {
            let spec = RunSpec {
                ops: Some(40),
                variant: variant.map(str::to_string),
                workload: Workload { clients: 1, read_share: Some(1.0), ..Workload::default() },
                ..spec(nodes as usize, 1)
            };
            run(&spec).0
        };
        let by_index = reads_only(Some("read-index"));
        let reads = by_index.reads.as_ref().expect("a reads section");
        assert_eq!(reads.count, 40, "N={nodes}");
        assert_eq!(kinds(&by_index, &["read_index", "read_index_ack"]), 40 * 2 * (nodes - 1), "N={nodes}");
        assert_eq!(reads.messages_per_read, (2 * (nodes - 1)) as f64);
        // Only the new leader's no-op went through the log.
        assert_eq!(kinds(&by_index, &["append_entries"]), nodes - 1, "N={nodes}");
        let by_log = reads_only(None);
        assert_eq!(kinds(&by_log, &["read_index", "read_index_ack"]), 0);
        assert_eq!(kinds(&by_log, &["append_entries"]), 41 * (nodes - 1), "N={nodes}: the no-op and 40 reads");
    }
}

// ReadIndex under crashes, partitions and loss: every read is linearizable (checked in `run`).
#[test]
fn read_index_stays_linearizable_through_leader_changes() {
    for seed in 1..=6 {
        let spec = RunSpec {
            ops: Some(300),
            variant: Some("read-index".into()),
            network: NetworkConfig { drop: 0.05, duplicate: 0.05, reorder: true, ..NetworkConfig::default() },
            faults: faults(&["crash:leader@400ms..900ms", "partition:leader|rest@1200ms..1800ms"]),
            workload: Workload { clients: 4, read_share: Some(0.5), ..Workload::default() },
            ..spec(5, seed)
        };
        let (record, _) = run(&spec);
        assert_eq!(record.ops, 300, "seed {seed}");
    }
}

// Dissertation §3.10: the leader brings the target up to date and sends TimeoutNow; the target
// wins at once, PreVote's guard against disruptive candidates letting it through.
#[test]
fn leadership_transfer_hands_over_to_the_target() {
    for variant in [None, Some("prevote")] {
        for seed in 1..=3 {
            let first = run(&quiet(5, seed, Duration::from_millis(600))).1.history.leader_announcements()[0].1 .0;
            let target = (first + 2) % 5;
            let spec = RunSpec {
                duration: Some(Duration::from_secs(2)),
                variant: variant.map(str::to_string),
                faults: faults(&[&format!("transfer:leader->{target}@1s")]),
                ..spec(5, seed)
            };
            let (record, outcome) = run(&spec);
            assert_eq!(kinds(&record, &["timeout_now"]), 1, "{variant:?} seed {seed}");
            let leaders = outcome.history.leader_announcements();
            let (at, leader, _) = *leaders.last().expect("a leader");
            assert_eq!(leader.0, target, "{variant:?} seed {seed}: {leaders:?}");
            assert!(at.0 < 1_050_000_000, "{variant:?} seed {seed}: the target won at {at}");
            assert!(record.ops > 1000, "{variant:?} seed {seed}: commands kept committing");
        }
    }
}
