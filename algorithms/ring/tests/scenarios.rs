//! Ring election on the harness: the hop formulas, dead nodes, loss, both runtimes.

use harness::election::ElectionTracker;
use harness::{FaultPlan, Initiator, NetworkConfig, NodeId, RunSpec, RuntimeKind, Workload};
use ring::{hops, Method, Ring, Start};

fn one_election(
    nodes: usize,
    variant: Option<&str>,
    initiator: Initiator,
    faults: &[&str],
) -> (harness::RunRecord, Vec<harness::election::Election>) {
    let spec = RunSpec {
        nodes,
        ops: Some(1),
        variant: variant.map(str::to_string),
        faults: FaultPlan { faults: faults.iter().map(|f| f.parse().unwrap()).collect() },
        workload: Workload { initiator, ..Workload::default() },
        ..RunSpec::default()
    };
    let (record, outcome) = harness::run_with_outcome::<Ring>(&spec).unwrap();
    let elections = ElectionTracker::over(nodes, &outcome.history.events).elections();
    (record, elections)
}

fn ring_messages(record: &harness::RunRecord) -> u64 {
    ["election", "elected", "ack"].iter().map(|k| record.messages_by_kind.get(*k).copied().unwrap_or(0)).sum()
}

#[test]
fn single_initiator_at_every_position_matches_the_formula_n_3_to_32() {
    for nodes in 3..=32u32 {
        for initiator in 0..nodes {
            for (variant, method) in [(None, Method::ChangRoberts), (Some("collect"), Method::Collect)] {
                let (record, elections) = one_election(nodes as usize, variant, Initiator::Node(initiator), &[]);
                assert!(record.violations.is_empty(), "N={nodes} i={initiator} {variant:?}: {:?}", record.violations);
                let expected = 2 * hops(nodes as u64, method, false, Start::One(initiator)).unwrap();
                assert_eq!(ring_messages(&record), expected, "N={nodes} i={initiator} {variant:?}");
                assert_eq!(elections[0].leader, Some(NodeId(nodes - 1)));
            }
        }
    }
}

#[test]
fn all_initiate_matches_the_formula_on_both_ring_orders() {
    for nodes in 3..=32u32 {
        for (variant, descending) in [(None, false), (Some("descending"), true)] {
            let (record, _) = one_election(nodes as usize, variant, Initiator::All, &[]);
            assert!(record.violations.is_empty(), "N={nodes} {variant:?}: {:?}", record.violations);
            let expected = 2 * hops(nodes as u64, Method::ChangRoberts, descending, Start::All).unwrap();
            assert_eq!(ring_messages(&record), expected, "N={nodes} {variant:?}");
        }
    }
}

#[test]
fn a_dead_node_is_skipped_and_the_right_node_wins() {
    for (variant, dead, winner) in [(None, "crash:3@0ms", 7), (Some("collect"), "crash:7@0ms", 6)] {
        let (record, elections) = one_election(8, variant, Initiator::Node(1), &[dead]);
        assert!(record.violations.is_empty(), "{variant:?}: {:?}", record.violations);
        assert_eq!(elections[0].leader, Some(NodeId(winner)), "{variant:?}");
        assert!(record.messages_dropped > 0, "hops to the dead node were lost");
    }
}

#[test]
fn elections_terminate_with_agreement_under_ten_percent_loss() {
    for seed in 1..=10 {
        for variant in [None, Some("collect")] {
            let spec = RunSpec {
                nodes: 7,
                ops: Some(20),
                seed,
                variant: variant.map(str::to_string),
                network: NetworkConfig { drop: 0.1, ..NetworkConfig::default() },
                ..RunSpec::default()
            };
            let record = harness::run::<Ring>(&spec).unwrap();
            assert!(record.violations.is_empty(), "seed {seed} {variant:?}: {:?}", record.violations);
            assert_eq!(record.ops, 20);
        }
    }
}

#[test]
fn elections_agree_in_the_threads_runtime() {
    for variant in [None, Some("collect")] {
        let spec = RunSpec {
            nodes: 6,
            ops: Some(6),
            runtime: RuntimeKind::Threads,
            variant: variant.map(str::to_string),
            ..RunSpec::default()
        };
        let record = harness::run::<Ring>(&spec).unwrap();
        assert!(record.violations.is_empty(), "{variant:?}: {:?}", record.violations);
        assert_eq!(record.ops, 6);
    }
}
