//! Basic Paxos scenarios: the re-proposal rule driven by hand, then whole runs in the simulator.
//! Every simulated run also passes the replication checkers (one value per slot, state machine
//! safety, linearizability), which fill `violations`.

use std::time::Duration;

use harness::kv::{Command, KvOp};
use harness::{ClientOp, Context, EventKind, FaultPlan, NetworkConfig, Node, NodeId, Observation, RunRecord, RunSpec};
use harness::{History, Time, Workload};
use paxos::config::PaxosConfig;
use paxos::messages::PaxosMsg;
use paxos::{Disk, Paxos, Value};

/// Nodes driven by hand: the test decides which message reaches whom.
struct Bench {
    nodes: Vec<Paxos>,
    cxs: Vec<Context<Paxos>>,
}

impl Bench {
    fn new(n: usize, config: &PaxosConfig) -> Self {
        let mut nodes = Vec::new();
        let mut cxs = Vec::new();
        for i in 0..n as u32 {
            let mut node = Paxos::new(NodeId(i), n, config, None);
            let mut cx = Context::for_test(NodeId(i), n);
            node.on_start(&mut cx);
            cx.take_effects();
            nodes.push(node);
            cxs.push(cx);
        }
        Bench { nodes, cxs }
    }

    /// What node `i` sent since the last call, to whom.
    fn sent(&mut self, i: usize) -> Vec<(NodeId, PaxosMsg)> {
        self.cxs[i].take_effects().sends
    }

    fn deliver(&mut self, from: usize, to: usize, msg: PaxosMsg) {
        self.nodes[to].on_message(&mut self.cxs[to], NodeId(from as u32), msg);
    }

    fn submit(&mut self, i: usize, client: u32, value: &str) {
        let op = KvOp::Put { key: 1, value: value.into() };
        self.nodes[i].on_client(&mut self.cxs[i], ClientOp::submit(Command { client, seq: 1, op }));
    }
}

fn only(sent: Vec<(NodeId, PaxosMsg)>, to: usize) -> PaxosMsg {
    sent.into_iter().find(|(n, _)| n.index() == to).map(|(_, m)| m).expect("a message to that node")
}

fn put(client: u32, value: &str) -> Value {
    Value::Command(Command { client, seq: 1, op: KvOp::Put { key: 1, value: value.into() } })
}

/// Drives "n0 gets X accepted by {n0, n1}, then n2 proposes Y" and returns what n2 asks n1 to
/// accept.
fn later_proposal(config: &PaxosConfig) -> PaxosMsg {
    let mut bench = Bench::new(3, config);
    bench.submit(0, 0, "X");
    let prepare = only(bench.sent(0), 1);
    bench.deliver(0, 1, prepare);
    let promise = only(bench.sent(1), 0);
    bench.deliver(1, 0, promise);
    let accept = only(bench.sent(0), 1);
    assert!(matches!(&accept, PaxosMsg::Accept { value, .. } if *value == put(0, "X")));
    bench.deliver(0, 1, accept);
    // X is now accepted by a majority, {n0, n1}: chosen. n0 falls silent.
    bench.sent(1);
    bench.submit(2, 2, "Y");
    let prepare = only(bench.sent(2), 1);
    bench.deliver(2, 1, prepare);
    let promise = only(bench.sent(1), 2);
    assert!(matches!(&promise, PaxosMsg::Promise { accepted: Some((_, v)), .. } if *v == put(0, "X")));
    bench.deliver(1, 2, promise);
    only(bench.sent(2), 1)
}

// Paxos Made Simple §2.2, P2c: once X is chosen, a proposer with a higher number proposes X.
#[test]
fn a_chosen_value_is_proposed_again_by_a_later_proposer() {
    match later_proposal(&PaxosConfig::default()) {
        PaxosMsg::Accept { slot: 1, value, .. } => assert_eq!(value, put(0, "X")),
        other => panic!("expected an Accept for slot 1, got {other:?}"),
    }
}

#[test]
fn the_ignore_accepted_mutant_proposes_its_own_value_over_a_chosen_one() {
    let config = PaxosConfig { mutant: Some(paxos::config::Mutant::IgnoreAccepted), ..PaxosConfig::default() };
    match later_proposal(&config) {
        PaxosMsg::Accept { slot: 1, value, .. } => assert_eq!(value, put(2, "Y")),
        other => panic!("expected an Accept for slot 1, got {other:?}"),
    }
}

// §2.3: an acceptor remembers its promise across a restart.
#[test]
fn a_restarted_acceptor_keeps_its_promise() {
    let config = PaxosConfig::default();
    let disk = Disk::default();
    let mut acceptor = Paxos::new(NodeId(1), 3, &config, Some(disk.clone()));
    let mut cx = Context::for_test(NodeId(1), 3);
    acceptor.on_start(&mut cx);
    let high = paxos::Ballot { round: 5, node: 2 };
    acceptor.on_message(&mut cx, NodeId(2), PaxosMsg::Prepare { slot: 1, ballot: high });
    cx.take_effects();
    // Crash: the volatile node is gone; the restarted one reads the same disk.
    let mut restarted = Paxos::new(NodeId(1), 3, &config, Some(disk));
    let mut cx = Context::for_test(NodeId(1), 3);
    restarted.on_start(&mut cx);
    let low = paxos::Ballot { round: 4, node: 0 };
    restarted.on_message(&mut cx, NodeId(0), PaxosMsg::Accept { slot: 1, ballot: low, value: Value::Noop });
    let sent = cx.take_effects().sends;
    assert!(
        matches!(sent.as_slice(), [(_, PaxosMsg::Reject { promised, .. })] if *promised == high),
        "the restarted acceptor must refuse the lower ballot: {sent:?}"
    );
}

fn spec(nodes: usize, seed: u64) -> RunSpec {
    RunSpec { nodes, seed, ..RunSpec::default() }
}

fn faults<S: AsRef<str>>(texts: &[S]) -> FaultPlan {
    FaultPlan::parse(texts).unwrap()
}

fn run(spec: &RunSpec) -> (RunRecord, History) {
    let (record, outcome) = harness::run_with_outcome::<Paxos>(spec).unwrap();
    assert!(record.violations.is_empty(), "seed {}: {:?}", spec.seed, record.violations);
    (record, outcome.history)
}

/// Each node's highest applied slot by time `until`.
fn applied_by(history: &History, nodes: usize, until: Time) -> Vec<u64> {
    let mut applied = vec![0; nodes];
    for event in history.events.iter().filter(|e| e.time < until) {
        if let EventKind::Observed(Observation::Committed { index }) = event.kind {
            applied[event.node.index()] = applied[event.node.index()].max(index);
        }
    }
    applied
}

// The documented count: 4(N-1) to choose a value plus N-1 Chosen, exactly, per command.
#[test]
fn one_proposer_without_contention_pays_exactly_five_n_minus_one() {
    for nodes in [3, 5, 7] {
        let spec =
            RunSpec { ops: Some(20), workload: Workload { clients: 1, ..Workload::default() }, ..spec(nodes, 1) };
        let (record, _) = run(&spec);
        assert_eq!(record.ops, 20);
        let per_kind = 20 * (nodes as u64 - 1);
        for kind in ["prepare", "promise", "accept", "accepted", "chosen"] {
            assert_eq!(record.messages_by_kind.get(kind).copied(), Some(per_kind), "N={nodes} {kind}");
        }
        assert_eq!(record.messages_total, 5 * per_kind, "N={nodes}");
    }
}

// Dueling proposers (Paxos Made Simple §2.4): without back-off they pre-empt each other and
// nothing is chosen; safety holds either way. With the default back-off every command commits.
#[test]
fn dueling_proposers_livelock_without_backoff_and_progress_with_it() {
    for seed in 1..=4 {
        let base = RunSpec {
            ops: Some(100),
            duration: Some(Duration::from_secs(2)),
            workload: Workload { clients: 5, ..Workload::default() },
            ..spec(5, seed)
        };
        let stalled = RunSpec { variant: Some("no-backoff".into()), ..base.clone() };
        let (record, history) = harness::run_with_outcome::<Paxos>(&stalled).map(|(r, o)| (r, o.history)).unwrap();
        let unsafe_found: Vec<&String> = record.violations.iter().filter(|v| !v.starts_with("progress")).collect();
        assert!(unsafe_found.is_empty(), "seed {seed}: {unsafe_found:?}");
        assert_eq!(record.ops, 0, "seed {seed}: no-backoff made progress");
        assert!(history.count_observed(|o| matches!(o, Observation::Accepted { .. })) > 100, "seed {seed}: it tried");
        let (record, _) = run(&base);
        assert_eq!(record.ops, 100, "seed {seed}: the default back-off makes progress");
    }
}

// A majority is needed: {0,2}|{1,3}|{4} decides nothing; {0}|{1,2,3}|{4} decides; after the
// heal every node learns every value.
#[test]
fn partitions_decide_only_with_a_majority_and_healing_lets_all_learn() {
    let heal = Time(1_000_000_000);
    for seed in 1..=3 {
        let timed = |fault: &str| RunSpec {
            ops: None,
            duration: Some(Duration::from_millis(2500)),
            faults: faults(&[fault]),
            ..spec(5, seed)
        };
        let (_, history) = run(&timed("partition:0,2|1,3|4@0ms..1s"));
        assert_eq!(applied_by(&history, 5, heal), vec![0; 5], "seed {seed}: no majority, nothing decided");
        let end = applied_by(&history, 5, Time(2_400_000_000));
        assert!(end.iter().all(|a| *a > 0), "seed {seed}: everyone decides after the heal: {end:?}");

        let (_, history) = run(&timed("partition:0|1,2,3|4@0ms..1s"));
        let during = applied_by(&history, 5, heal);
        assert!(during[1] > 0 && during[2] > 0 && during[3] > 0, "seed {seed}: the majority decides: {during:?}");
        assert_eq!((during[0], during[4]), (0, 0), "seed {seed}: the isolated nodes learn nothing: {during:?}");
        let end = applied_by(&history, 5, Time(2_400_000_000));
        assert!(end[0] >= during[1] && end[4] >= during[1], "seed {seed}: the isolated catch up: {end:?}");
    }
}

// Loss, duplicates, reordering and acceptors crashing and restarting from their disks: no
// safety violation, a linearizable history, and every command completes.
#[test]
fn an_unreliable_network_with_crashes_keeps_safety() {
    for seed in 1..=5 {
        let spec = RunSpec {
            ops: Some(200),
            network: NetworkConfig { drop: 0.1, duplicate: 0.05, reorder: true, ..NetworkConfig::default() },
            faults: faults(&["crash:1@100ms..400ms", "crash:3@300ms..700ms", "crash:0@800ms..900ms"]),
            ..spec(5, seed)
        };
        let (record, _) = run(&spec);
        assert_eq!(record.ops, 200, "seed {seed}");
    }
}
