//! Unit tests that feed one input and assert what the node emits, named after the paper's
//! sections.

use harness::{Context, Node, NodeId, Observation};

use crate::config::{Mutant, RaftConfig};
use crate::log::{DurableLog, Entry, Log, Payload};
use crate::messages::RaftMsg;
use crate::{Raft, RaftStable, RaftTimer, Role};

/// Node `id` of `nodes`, restarted with a log of entries of `terms` and `current_term`.
fn restarted(id: u32, nodes: usize, terms: &[u64], current_term: u64, config: RaftConfig) -> (Raft, Context<Raft>) {
    let durable = DurableLog::default();
    let mut log = Log::open(durable.clone());
    for term in terms {
        log.append(Entry { term: *term, payload: Payload::Noop });
    }
    let stable = RaftStable { current_term, voted_for: None, log: durable };
    let mut node = Raft::new(NodeId(id), nodes, &config, Some(stable));
    let mut cx = Context::for_test(NodeId(id), nodes);
    node.on_start(&mut cx);
    (node, cx)
}

fn committed(cx: &mut Context<Raft>) -> Vec<u64> {
    cx.take_effects()
        .observations
        .into_iter()
        .filter_map(|o| match o {
            Observation::Committed { index } => Some(index),
            _ => None,
        })
        .collect()
}

/// Makes `node` leader of its next term with the votes of `voters`.
fn elect(node: &mut Raft, cx: &mut Context<Raft>, voters: &[u32]) {
    node.on_timer(cx, RaftTimer::Election);
    let term = node.current_term;
    for voter in voters {
        node.on_message(cx, NodeId(*voter), RaftMsg::Vote { term, granted: true, pre_vote: false });
    }
    assert_eq!(node.role, Role::Leader);
}

fn ack(node: &mut Raft, cx: &mut Context<Raft>, from: u32, match_index: u64) {
    let term = node.current_term;
    let reply = RaftMsg::AppendReply { term, success: true, match_index, conflict: None, heartbeat: false, stamp: 0 };
    node.on_message(cx, NodeId(from), reply);
}

// Figure 8 / §5.4.2: an entry of an earlier term held by a majority is not committed by counting
// replicas; it commits once an entry of the current term does.
#[test]
fn figure_8_previous_term_entries_commit_only_indirectly() {
    let (mut leader, mut cx) = restarted(0, 3, &[1, 2], 3, RaftConfig::default());
    elect(&mut leader, &mut cx, &[1]);
    assert_eq!(leader.log.last_index(), 3, "the term-4 no-op");
    cx.take_effects();
    ack(&mut leader, &mut cx, 1, 2);
    assert!(committed(&mut cx).is_empty(), "index 2 (term 2) sits on a majority but must not commit");
    ack(&mut leader, &mut cx, 1, 3);
    assert_eq!(committed(&mut cx), vec![3], "the current-term entry commits, and 2 with it");
}

#[test]
fn figure_8_the_mutant_commits_by_counting() {
    let config = RaftConfig { mutant: Some(Mutant::CommitPreviousTerm), ..RaftConfig::default() };
    let (mut leader, mut cx) = restarted(0, 3, &[1, 2], 3, config);
    elect(&mut leader, &mut cx, &[1]);
    cx.take_effects();
    ack(&mut leader, &mut cx, 1, 2);
    assert_eq!(committed(&mut cx), vec![2]);
}

// §5.4.1: the election restriction: no vote for a candidate whose log is behind.
#[test]
fn no_vote_for_a_candidate_with_a_stale_log() {
    let (mut voter, mut cx) = restarted(1, 3, &[1, 2], 2, RaftConfig::default());
    cx.take_effects();
    let ask = |last_log_term, last_log_index| RaftMsg::RequestVote {
        term: 3,
        last_log_index,
        last_log_term,
        pre_vote: false,
        transfer: false,
    };
    voter.on_message(&mut cx, NodeId(0), ask(1, 5));
    let sends = cx.take_effects().sends;
    assert_eq!(sends, vec![(NodeId(0), RaftMsg::Vote { term: 3, granted: false, pre_vote: false })]);
    voter.on_message(&mut cx, NodeId(2), ask(2, 2));
    let sends = cx.take_effects().sends;
    assert_eq!(sends, vec![(NodeId(2), RaftMsg::Vote { term: 3, granted: true, pre_vote: false })]);
}

// §5.2: one vote per term, first come first served; the mutant votes twice.
#[test]
fn one_vote_per_term_and_the_mutant_votes_twice() {
    for (mutant, second_granted) in [(None, false), (Some(Mutant::VoteTwice), true)] {
        let (mut voter, mut cx) = restarted(2, 3, &[], 0, RaftConfig { mutant, ..RaftConfig::default() });
        let ask =
            RaftMsg::RequestVote { term: 1, last_log_index: 0, last_log_term: 0, pre_vote: false, transfer: false };
        voter.on_message(&mut cx, NodeId(0), ask.clone());
        cx.take_effects();
        voter.on_message(&mut cx, NodeId(1), ask);
        let sends = cx.take_effects().sends;
        assert_eq!(sends, vec![(NodeId(1), RaftMsg::Vote { term: 1, granted: second_granted, pre_vote: false })]);
    }
}

// Figure 2: votedFor is persistent state. A voter that restarts within the term must still refuse
// a second candidate; the mutant that does not persist it votes again. (Random campaigns do not
// find this one: it needs a split vote with the deciding voter restarting inside the election.)
#[test]
fn a_restarted_voter_remembers_its_vote_and_the_forget_vote_mutant_does_not() {
    for (mutant, second_granted) in [(None, false), (Some(Mutant::ForgetVote), true)] {
        let config = RaftConfig { mutant, ..RaftConfig::default() };
        let (mut voter, mut cx) = restarted(2, 3, &[], 0, config.clone());
        let ask =
            RaftMsg::RequestVote { term: 1, last_log_index: 0, last_log_term: 0, pre_vote: false, transfer: false };
        voter.on_message(&mut cx, NodeId(0), ask.clone());
        cx.take_effects();
        let mut again = Raft::new(NodeId(2), 3, &config, Some(voter.stable()));
        let mut cx = Context::for_test(NodeId(2), 3);
        again.on_start(&mut cx);
        again.on_message(&mut cx, NodeId(1), ask);
        let votes: Vec<_> = cx.take_effects().sends.into_iter().filter(|(to, _)| *to == NodeId(1)).collect();
        assert_eq!(votes, vec![(NodeId(1), RaftMsg::Vote { term: 1, granted: second_granted, pre_vote: false })]);
    }
}

// §5.3: a follower refuses entries whose predecessor it lacks, and says where to back up to.
#[test]
fn a_follower_refuses_a_gap_and_truncates_a_conflict() {
    let (mut follower, mut cx) = restarted(1, 3, &[1, 1, 2], 2, RaftConfig::default());
    let append = |prev_index, prev_term, terms: &[u64]| RaftMsg::AppendEntries {
        term: 3,
        prev_index,
        prev_term,
        entries: terms.iter().map(|t| Entry { term: *t, payload: Payload::Noop }).collect(),
        leader_commit: 0,
        stamp: 0,
    };
    follower.on_message(&mut cx, NodeId(0), append(5, 3, &[3]));
    let refusal = cx.take_effects().sends.pop().unwrap().1;
    assert!(matches!(refusal, RaftMsg::AppendReply { success: false, conflict: Some((None, 4)), .. }), "{refusal:?}");
    follower.on_message(&mut cx, NodeId(0), append(2, 1, &[3, 3]));
    let effects = cx.take_effects();
    assert!(effects.observations.contains(&Observation::Truncated { after: 2 }));
    assert_eq!((follower.log.last_index(), follower.log.term_at(3)), (4, Some(3)));
}

/// Delivers messages between `nodes` until none are left (a lossless, instant network).
fn settle(nodes: &mut [(Raft, Context<Raft>)], mut in_flight: Vec<(NodeId, NodeId, RaftMsg)>) {
    let mut steps = 0;
    while let Some((from, to, msg)) = in_flight.pop() {
        steps += 1;
        assert!(steps < 100_000, "no convergence");
        let (node, cx) = &mut nodes[to.index()];
        node.on_message(cx, from, msg);
        in_flight.extend(cx.take_effects().sends.into_iter().map(|(dest, m)| (to, dest, m)));
    }
}

// Figure 7: whatever shape a follower's log has (missing entries, extra uncommitted entries,
// both), the leader's consistency check and backoff bring it to the leader's log. Leader of term
// 8 with the figure's log; followers (a)-(f) as drawn; both backoff rules.
#[test]
fn figure_7_every_follower_log_converges_to_the_leaders() {
    let leader_log = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
    let followers: [&[u64]; 6] = [
        &[1, 1, 1, 4, 4, 5, 5, 6, 6],
        &[1, 1, 1, 4],
        &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
        &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
        &[1, 1, 1, 4, 4, 4, 4],
        &[1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
    ];
    for backoff in [crate::config::Backoff::Decrement, crate::config::Backoff::ConflictTerm] {
        for (shape, follower_log) in followers.iter().enumerate() {
            let config = RaftConfig { backoff, ..RaftConfig::default() };
            let mut nodes =
                vec![restarted(0, 2, &leader_log, 7, config.clone()), restarted(1, 2, follower_log, 7, config.clone())];
            // The leader wins term 8 (the follower votes: the leader's log is at least as new).
            let (leader, cx) = &mut nodes[0];
            leader.on_timer(cx, RaftTimer::Election);
            leader.on_message(cx, NodeId(1), RaftMsg::Vote { term: 8, granted: true, pre_vote: false });
            assert_eq!(leader.role, Role::Leader);
            let first: Vec<_> = cx.take_effects().sends.into_iter().map(|(to, m)| (NodeId(0), to, m)).collect();
            settle(&mut nodes, first);
            // One heartbeat round carries the final commit index.
            let (leader, cx) = &mut nodes[0];
            leader.on_timer(cx, RaftTimer::Heartbeat);
            let round: Vec<_> = cx.take_effects().sends.into_iter().map(|(to, m)| (NodeId(0), to, m)).collect();
            settle(&mut nodes, round);
            let (leader, follower) = (&nodes[0].0, &nodes[1].0);
            assert_eq!(
                follower.log.last_index(),
                leader.log.last_index(),
                "({}) {backoff:?}",
                (b'a' + shape as u8) as char
            );
            assert_eq!(
                follower.log.chain_at(follower.log.last_index()),
                leader.log.chain_at(leader.log.last_index()),
                "({}) {backoff:?}: same log",
                (b'a' + shape as u8) as char
            );
            assert_eq!(follower.commit_index, leader.commit_index);
        }
    }
}

fn submit(client: u32, seq: u64) -> harness::ClientOp {
    harness::ClientOp::submit(harness::kv::Command { client, seq, op: harness::kv::KvOp::Noop })
}

/// The entries each AppendEntries in `cx`'s sends carries, per receiver.
fn append_entries_sizes(cx: &mut Context<Raft>) -> Vec<(u32, usize)> {
    cx.take_effects()
        .sends
        .into_iter()
        .filter_map(|(to, msg)| match msg {
            RaftMsg::AppendEntries { entries, .. } => Some((to.0, entries.len())),
            _ => None,
        })
        .collect()
}

// The commands of one step are appended one by one, then replicated at the end of the step: one
// AppendEntries per follower carries all of them, where replicating each as it came would send
// the first alone and leave the rest for the answer (plain Raft keeps one AppendEntries in
// flight).
#[test]
fn the_commands_of_one_step_leave_in_one_append_entries_per_follower() {
    let (mut leader, mut cx) = restarted(0, 3, &[], 0, RaftConfig::default());
    elect(&mut leader, &mut cx, &[1]);
    ack(&mut leader, &mut cx, 1, 1);
    ack(&mut leader, &mut cx, 2, 1);
    cx.take_effects();

    for client in 1..=3 {
        leader.on_client(&mut cx, submit(client, 1));
    }
    assert!(append_entries_sizes(&mut cx).is_empty(), "replication waits for the end of the step");
    leader.on_step_end(&mut cx);
    assert_eq!(append_entries_sizes(&mut cx), vec![(1, 3), (2, 3)]);
    assert_eq!(leader.log.last_index(), 4);

    for client in 4..=6 {
        leader.on_client(&mut cx, submit(client, 1));
    }
    leader.on_step_end(&mut cx);
    assert_eq!(leader.log.last_index(), 7);
    assert!(append_entries_sizes(&mut cx).is_empty(), "the burst's AppendEntries are still in flight");
}

// A follower answers each command of a step at once: it redirects every one of them.
#[test]
fn a_follower_redirects_each_command_of_a_step() {
    let (mut follower, mut cx) = restarted(1, 3, &[], 0, RaftConfig::default());
    cx.take_effects();
    follower.on_client(&mut cx, submit(1, 1));
    follower.on_client(&mut cx, submit(2, 1));
    follower.on_step_end(&mut cx);
    let replies = cx.take_effects().replies;
    assert_eq!(replies.iter().map(|r| r.client).collect::<Vec<_>>(), vec![1, 2]);
    assert!(replies.iter().all(|r| matches!(r.outcome, harness::ReplyOutcome::NotLeader { .. })));
}

fn read(client: u32, seq: u64) -> harness::ClientOp {
    harness::ClientOp::submit(harness::kv::Command { client, seq, op: harness::kv::KvOp::Get { key: 0 } })
}

// §6.4.1: while a majority has answered AppendEntries sent less than a lease ago, the leader
// answers a read at once with no message; once the lease has run out, the read takes the
// ReadIndex way (a confirmation round at the end of the step).
#[test]
fn a_lease_answers_reads_without_messages_until_it_runs_out() {
    let lease = std::time::Duration::from_millis(100);
    let config = RaftConfig { prevote: true, read_index: true, lease: Some(lease), ..RaftConfig::default() };
    let (mut leader, mut cx) = restarted(0, 3, &[], 0, config);
    let ms = |ms: u64| harness::Time(ms * 1_000_000);
    cx.set_now(ms(200));
    leader.on_timer(&mut cx, RaftTimer::Election);
    assert_eq!(leader.role, Role::PreCandidate);
    leader.on_message(&mut cx, NodeId(1), RaftMsg::Vote { term: 0, granted: true, pre_vote: true });
    leader.on_message(&mut cx, NodeId(1), RaftMsg::Vote { term: 1, granted: true, pre_vote: false });
    assert_eq!(leader.role, Role::Leader);
    let sent_at = cx.take_effects().sends.iter().find_map(|(_, m)| match m {
        RaftMsg::AppendEntries { stamp, .. } => Some(*stamp),
        _ => None,
    });
    assert_eq!(sent_at, Some(ms(200).0), "AppendEntries carry the leader's clock");
    let term = leader.current_term;
    let answer = RaftMsg::AppendReply {
        term,
        success: true,
        match_index: 1,
        conflict: None,
        heartbeat: false,
        stamp: ms(200).0,
    };
    leader.on_message(&mut cx, NodeId(1), answer);
    assert_eq!(leader.commit_index, 1, "the no-op of its term committed");
    cx.take_effects();

    cx.set_now(ms(290));
    leader.on_client(&mut cx, read(7, 1));
    leader.on_step_end(&mut cx);
    let effects = cx.take_effects();
    assert_eq!(effects.replies.len(), 1, "answered under the lease");
    assert!(effects.sends.is_empty(), "without a message");

    cx.set_now(ms(300));
    leader.on_client(&mut cx, read(7, 2));
    leader.on_step_end(&mut cx);
    let effects = cx.take_effects();
    assert!(effects.replies.is_empty(), "the lease ran out at 300 ms");
    assert!(effects.sends.iter().all(|(_, m)| matches!(m, RaftMsg::ReadIndex { .. })) && effects.sends.len() == 2);
}

// §6.4.1: the lease ends when a leadership transfer starts (the target's election passes the
// voters' guard).
#[test]
fn a_transfer_ends_the_lease() {
    let lease = std::time::Duration::from_millis(100);
    let config = RaftConfig { prevote: true, read_index: true, lease: Some(lease), ..RaftConfig::default() };
    let (mut leader, mut cx) = restarted(0, 3, &[], 0, config);
    cx.set_now(harness::Time(200_000_000));
    leader.on_timer(&mut cx, RaftTimer::Election);
    leader.on_message(&mut cx, NodeId(1), RaftMsg::Vote { term: 0, granted: true, pre_vote: true });
    leader.on_message(&mut cx, NodeId(1), RaftMsg::Vote { term: 1, granted: true, pre_vote: false });
    let answer = RaftMsg::AppendReply {
        term: 1,
        success: true,
        match_index: 1,
        conflict: None,
        heartbeat: false,
        stamp: 200_000_000,
    };
    leader.on_message(&mut cx, NodeId(1), answer);
    assert!(leader.holds_lease(cx.now()));
    leader.on_client(&mut cx, harness::ClientOp::TransferLeadership { to: NodeId(2) });
    assert!(!leader.holds_lease(cx.now()));
}

fn snapshot_chunk(term: u64, last_index: u64, offset: u64, data: &[u8], done: bool) -> RaftMsg {
    RaftMsg::InstallSnapshot {
        term,
        last_index,
        last_term: 1,
        chain: 0,
        offset,
        data: data.to_vec(),
        done,
        config_index: 0,
        config: crate::membership::Configuration::initial(3),
    }
}

fn snapshot_replies(cx: &mut Context<Raft>) -> Vec<(u64, bool)> {
    cx.take_effects()
        .sends
        .into_iter()
        .filter_map(|(_, m)| match m {
            RaftMsg::InstallSnapshotReply { next_offset, installed, .. } => Some((next_offset, installed)),
            _ => None,
        })
        .collect()
}

// §7: a snapshot arrives in chunks, each answered with the bytes held; a chunk out of order is
// answered with what is held, and the last one installs the snapshot: the store, the commit
// index, and the log's base.
#[test]
fn a_follower_assembles_a_chunked_snapshot_and_installs_it() {
    let (mut follower, mut cx) = restarted(1, 3, &[], 1, RaftConfig::default());
    cx.take_effects();
    let mut store = harness::kv::KvStore::default();
    let put = harness::kv::KvOp::Put { key: 3, value: "x".into() };
    store.apply(&harness::kv::Command { client: 0, seq: 1, op: put });
    let bytes = store.to_bytes();
    let (first, rest) = bytes.split_at(bytes.len() / 2);
    follower.on_message(&mut cx, NodeId(0), snapshot_chunk(1, 40, 0, first, false));
    assert_eq!(snapshot_replies(&mut cx), [(first.len() as u64, false)]);
    follower.on_message(&mut cx, NodeId(0), snapshot_chunk(1, 40, 999, rest, true));
    assert_eq!(snapshot_replies(&mut cx), [(first.len() as u64, false)], "out of order: says what it holds");
    follower.on_message(&mut cx, NodeId(0), snapshot_chunk(1, 40, first.len() as u64, rest, true));
    assert_eq!(snapshot_replies(&mut cx), [(0, true)]);
    assert_eq!((follower.commit_index, follower.last_applied, follower.log.base_index()), (40, 40, 40));
    assert_eq!(follower.store.get(3).map(String::as_str), Some("x"));
}

// §7: a snapshot no newer than the commit index changes nothing; the mutant installs it and
// rolls its committed state back.
#[test]
fn a_snapshot_older_than_the_commit_index_is_ignored_except_by_the_mutant() {
    for (mutant, expected_commit) in [(None, 3), (Some(Mutant::InstallOldSnapshot), 2)] {
        let config = RaftConfig { mutant, ..RaftConfig::default() };
        let (mut follower, mut cx) = restarted(1, 3, &[], 1, config);
        let entries = vec![Entry { term: 1, payload: Payload::Noop }; 3];
        let append =
            RaftMsg::AppendEntries { term: 1, prev_index: 0, prev_term: 0, entries, leader_commit: 3, stamp: 0 };
        follower.on_message(&mut cx, NodeId(0), append);
        assert_eq!(follower.commit_index, 3);
        cx.take_effects();
        let bytes = harness::kv::KvStore::default().to_bytes();
        follower.on_message(&mut cx, NodeId(0), snapshot_chunk(1, 2, 0, &bytes, true));
        assert_eq!(snapshot_replies(&mut cx), [(0, true)]);
        assert_eq!(follower.commit_index, expected_commit, "{mutant:?}");
    }
}

fn with_hosts(hosts: usize) -> RaftConfig {
    RaftConfig { hosts, membership: true, ..RaftConfig::default() }
}

fn change(change: harness::MembershipChange) -> harness::ClientOp {
    harness::ClientOp::ChangeMembership(change)
}

fn configurations(cx: &mut Context<Raft>) -> Vec<(u64, Vec<u32>, bool)> {
    cx.take_effects()
        .observations
        .into_iter()
        .filter_map(|o| match o {
            Observation::Configuration(note) => {
                Some((note.index, note.members.iter().map(|m| m.0).collect(), note.committed))
            }
            _ => None,
        })
        .collect()
}

// Dissertation §4.1: a spare node is outside the configuration, so its election timer starts
// nothing; once its log holds a configuration with it, it campaigns like any member.
#[test]
fn a_server_outside_its_configuration_does_not_campaign() {
    let (mut spare, mut cx) = restarted(3, 3, &[], 0, with_hosts(4));
    spare.on_timer(&mut cx, RaftTimer::Election);
    assert_eq!(spare.role, Role::Follower);
    assert!(cx.take_effects().sends.is_empty());
    let config = crate::membership::Configuration::initial(4);
    let entries = vec![Entry { term: 1, payload: Payload::Config(std::sync::Arc::new(config)) }];
    let append = RaftMsg::AppendEntries { term: 1, prev_index: 0, prev_term: 0, entries, leader_commit: 0, stamp: 0 };
    spare.on_message(&mut cx, NodeId(0), append);
    assert_eq!(configurations(&mut cx), [(1, vec![0, 1, 2, 3], false)], "in force once appended");
    spare.on_timer(&mut cx, RaftTimer::Election);
    assert_eq!(spare.role, Role::Candidate);
}

// §4.2.1 and §4.1: an added server catches up before the configuration entry is appended; the
// leader then needs a majority of the four, and commits it when three hold it.
#[test]
fn an_added_server_catches_up_before_it_joins_and_then_counts() {
    let (mut leader, mut cx) = restarted(0, 3, &[], 0, with_hosts(4));
    elect(&mut leader, &mut cx, &[1]);
    ack(&mut leader, &mut cx, 1, 1);
    cx.take_effects();
    leader.on_client(&mut cx, change(harness::MembershipChange::Add(NodeId(3))));
    let sends = cx.take_effects().sends;
    assert!(sends.iter().any(|(to, m)| to.0 == 3 && matches!(m, RaftMsg::AppendEntries { prev_index: 0, .. })));
    assert_eq!(leader.log.last_index(), 1, "no configuration entry before the catch-up");
    ack(&mut leader, &mut cx, 3, 1);
    assert_eq!(configurations(&mut cx), [(2, vec![0, 1, 2, 3], false)]);
    ack(&mut leader, &mut cx, 1, 2);
    assert_eq!(leader.commit_index, 1, "two of four are no majority");
    ack(&mut leader, &mut cx, 3, 2);
    assert_eq!(leader.commit_index, 2);
    assert_eq!(configurations(&mut cx), [(2, vec![0, 1, 2, 3], true)]);
}

// §4.2.2: a leader removing itself leads on without counting itself; once the configuration
// without it commits, it hands over with TimeoutNow and steps down, and does not campaign again.
#[test]
fn a_removed_leader_commits_its_removal_hands_over_and_steps_down() {
    let (mut leader, mut cx) = restarted(0, 3, &[], 0, with_hosts(3));
    elect(&mut leader, &mut cx, &[1]);
    ack(&mut leader, &mut cx, 1, 1);
    leader.on_client(&mut cx, change(harness::MembershipChange::Remove(NodeId(0))));
    assert_eq!(configurations(&mut cx), [(2, vec![1, 2], false)]);
    ack(&mut leader, &mut cx, 1, 2);
    assert_eq!(leader.commit_index, 1, "itself and node 1 are not both of {{1, 2}}");
    ack(&mut leader, &mut cx, 2, 2);
    assert_eq!(leader.commit_index, 2);
    assert_eq!(leader.role, Role::Follower);
    let sends = cx.take_effects().sends;
    assert!(sends.iter().any(|(to, m)| matches!(m, RaftMsg::TimeoutNow { .. }) && to.0 != 0), "{sends:?}");
    leader.on_timer(&mut cx, RaftTimer::Election);
    assert_eq!(leader.role, Role::Follower, "outside its configuration");
}

// §4.1: a restarted server uses the newest configuration in its durable log; truncating that
// entry falls back to the one before.
#[test]
fn a_restart_and_a_truncation_use_the_newest_configuration_left_in_the_log() {
    let durable = DurableLog::default();
    let mut log = Log::open(durable.clone());
    log.append(Entry { term: 1, payload: Payload::Noop });
    let two = crate::membership::Configuration::of([NodeId(0), NodeId(1)]);
    log.append(Entry { term: 1, payload: Payload::Config(std::sync::Arc::new(two.clone())) });
    let stable = RaftStable { current_term: 1, voted_for: None, log: durable };
    let mut node = Raft::new(NodeId(1), 3, &with_hosts(3), Some(stable));
    let mut cx = Context::for_test(NodeId(1), 3);
    node.on_start(&mut cx);
    assert_eq!(node.configuration(), &two);
    let entries = vec![Entry { term: 2, payload: Payload::Noop }];
    let append = RaftMsg::AppendEntries { term: 2, prev_index: 1, prev_term: 1, entries, leader_commit: 0, stamp: 0 };
    node.on_message(&mut cx, NodeId(2), append);
    assert_eq!(node.configuration(), &crate::membership::Configuration::initial(3));
    assert_eq!(configurations(&mut cx), [(0, vec![0, 1, 2], false)]);
}
