//! Bully on the harness: the message formula, re-election after crashes, loss.

use bully::{messages, Bully};
use harness::election::ElectionTracker;
use harness::{FaultPlan, Initiator, NetworkConfig, NodeId, RunSpec, RuntimeKind, Workload};

fn formula_run(nodes: usize, initiator: u32) -> harness::RunRecord {
    let spec = RunSpec {
        nodes,
        ops: Some(1),
        faults: FaultPlan { faults: vec![format!("crash:{}@0ms", nodes - 1).parse().unwrap()] },
        workload: Workload { initiator: Initiator::Node(initiator), ..Workload::default() },
        ..RunSpec::default()
    };
    harness::run::<Bully>(&spec).unwrap()
}

fn kinds(record: &harness::RunRecord) -> (u64, u64, u64) {
    let get = |k: &str| record.messages_by_kind.get(k).copied().unwrap_or(0);
    (get("election"), get("answer"), get("coordinator"))
}

// Coulouris §15.3.2 example shape: 8 processes, the highest (7) crashed, 4 notices.
#[test]
fn eight_nodes_highest_crashed_node_four_initiates() {
    let spec = RunSpec {
        nodes: 8,
        ops: Some(1),
        faults: FaultPlan { faults: vec!["crash:7@0ms".parse().unwrap()] },
        workload: Workload { initiator: Initiator::Node(4), ..Workload::default() },
        ..RunSpec::default()
    };
    let (record, outcome) = harness::run_with_outcome::<Bully>(&spec).unwrap();
    assert!(record.violations.is_empty(), "{:?}", record.violations);
    assert_eq!(kinds(&record), messages(8, 4));
    assert_eq!(record.messages_total, 15);
    let elections = ElectionTracker::over(8, &outcome.history.events).elections();
    assert_eq!(elections[0].leader, Some(NodeId(6)));
}

#[test]
fn formula_holds_for_lowest_and_second_highest_initiators_n_3_to_32() {
    for nodes in 3..=32 {
        for initiator in [0, nodes as u32 - 2] {
            let record = formula_run(nodes, initiator);
            assert!(record.violations.is_empty(), "N={nodes} r={initiator}: {:?}", record.violations);
            assert_eq!(kinds(&record), messages(nodes as u64, initiator as u64), "N={nodes} r={initiator}");
        }
    }
}

// The driver crashes each agreed leader, then restarts it: the recovered highest id bullies
// its way back, so leadership alternates between the two highest ids.
#[test]
fn a_recovered_highest_id_takes_leadership_back() {
    let spec = RunSpec { nodes: 5, ops: Some(5), ..RunSpec::default() };
    let (record, outcome) = harness::run_with_outcome::<Bully>(&spec).unwrap();
    assert!(record.violations.is_empty(), "{:?}", record.violations);
    let leaders: Vec<u32> =
        ElectionTracker::over(5, &outcome.history.events).elections().iter().map(|e| e.leader.unwrap().0).collect();
    assert_eq!(leaders, [4, 3, 4, 3, 4]);
    assert!(record.election.unwrap().detection_messages > 0, "heartbeats are counted apart");
}

#[test]
fn elections_terminate_with_agreement_under_ten_percent_loss() {
    for seed in 1..=10 {
        let spec = RunSpec {
            nodes: 7,
            ops: Some(20),
            seed,
            network: NetworkConfig { drop: 0.1, ..NetworkConfig::default() },
            ..RunSpec::default()
        };
        let record = harness::run::<Bully>(&spec).unwrap();
        assert!(record.violations.is_empty(), "seed {seed}: {:?}", record.violations);
        assert_eq!(record.ops, 20);
        assert!(record.messages_dropped > 0);
    }
}

#[test]
fn the_lower_id_mutant_is_caught_by_validity() {
    let spec = RunSpec { nodes: 5, ops: Some(3), variant: Some("bug-lower-id-wins".into()), ..RunSpec::default() };
    let record = harness::run::<Bully>(&spec).unwrap();
    assert!(record.violations.iter().any(|v| v.starts_with("validity")), "{:?}", record.violations);
}

#[test]
fn elections_agree_in_the_threads_runtime() {
    let spec = RunSpec { nodes: 6, ops: Some(6), runtime: RuntimeKind::Threads, ..RunSpec::default() };
    let record = harness::run::<Bully>(&spec).unwrap();
    assert!(record.violations.is_empty(), "{:?}", record.violations);
    assert_eq!(record.ops, 6);
}
