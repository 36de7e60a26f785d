//! What faults cost, measured the same way for every algorithm:
//!
//! - `startup`: when the first leader was followed and the first op completed;
//! - `steady`: latency and throughput of the ops invoked after the first completion, so start-up
//!   (the first election, which every short run includes) does not masquerade as steady state;
//! - `unavailable_ms`: the longest stretch without a completed op after the first one, the tail to
//!   the end of the run included;
//! - per fault: the nodes it hit, the time to a leader that every live node of the majority follows
//!   (`new_leader_ms`), the time to the first completion of an op invoked after the fault
//!   (`recovered_ms`; answers already on their way when it struck do not count), and the messages
//!   sent from the fault to that recovery (to the end of the run if it never came).
//!
//! "A leader every live node of the majority follows": a live node that names itself leader, and
//! that every live node not cut off by a partition in force names as its leader. (During a
//! partition the majority is the largest side; a node the partition cut off does not count.)

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Completion, LatencySummary, SendTimeline};
use crate::{EventKind, Family, Fault, FaultPlan, FaultStrike, History, NodeId, Observation, Phase, Time};

/// When the run first had a leader and a completed op.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Startup {
    /// `null` where the family has no leader, or none was ever followed.
    pub first_leader_ms: Option<f64>,
    /// `null` if no op completed.
    pub first_op_ms: Option<f64>,
}

/// The ops invoked after the first completion.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Steady {
    pub latency_ms: LatencySummary,
    pub throughput_ops_per_s: f64,
}

/// What one fault of the plan did and cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultRecord {
    /// The fault as written (`crash:leader@1s`).
    pub fault: String,
    /// When it struck; `null` if it never did (its time or its event never came).
    pub at_ms: Option<f64>,
    /// Whom it hit, roles resolved (see [`FaultStrike::nodes`]).
    pub nodes: Vec<NodeId>,
    /// From the fault to a leader every live node of the majority follows; `null` where the
    /// family has no leader or none came.
    pub new_leader_ms: Option<f64>,
    /// From the fault to the first completion of an op invoked after it; `null` if none came.
    pub recovered_ms: Option<f64>,
    /// Messages sent from the fault to the recovery (to the end of the run without one); `null`
    /// if it never struck.
    pub messages: Option<u64>,
}

/// The failure measures of one run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FailureMetrics {
    pub startup: Startup,
    pub steady: Steady,
    pub unavailable_ms: f64,
    pub faults: Vec<FaultRecord>,
}

/// What the failure measures are computed from.
pub struct FailureInput<'a> {
    pub family: Family,
    pub nodes: usize,
    pub history: &'a History,
    pub completions: &'a [Completion],
    pub plan: &'a FaultPlan,
    pub strikes: &'a [FaultStrike],
    pub sends: &'a SendTimeline,
    pub elapsed: Time,
}

fn ms(nanos: u64) -> f64 {
    (nanos as f64 / 1e3).round() / 1e3
}

/// Computes the failure measures.
pub fn failure_metrics(input: &FailureInput) -> FailureMetrics {
    let first_done = input.completions.iter().map(|c| c.completed).min();
    // Each fault's first start (a fault that never struck has none).
    let starts: Vec<Option<&FaultStrike>> = (0..input.plan.faults.len())
        .map(|fault| input.strikes.iter().find(|s| s.fault == fault && s.phase == Phase::Start))
        .collect();
    let established = if input.family.has_leaders() {
        let mut moments: Vec<Time> = starts.iter().flatten().map(|s| s.at).collect();
        moments.push(Time::ZERO);
        moments.sort();
        moments.dedup();
        let answers = first_followed_leader(input, &moments);
        moments.into_iter().zip(answers).collect::<HashMap<Time, Option<Time>>>()
    } else {
        HashMap::new()
    };
    let recovery = Recovery::new(input.completions);
    let faults = starts
        .iter()
        .enumerate()
        .map(|(fault, strike)| {
            let text = input.plan.faults[fault].to_string();
            let Some(strike) = strike else {
                return FaultRecord {
                    fault: text,
                    at_ms: None,
                    nodes: Vec::new(),
                    new_leader_ms: None,
                    recovered_ms: None,
                    messages: None,
                };
            };
            let recovered = recovery.first_after(strike.at);
            FaultRecord {
                fault: text,
                at_ms: Some(ms(strike.at.0)),
                nodes: strike.nodes.clone(),
                new_leader_ms: established.get(&strike.at).copied().flatten().map(|t| ms(t.0 - strike.at.0)),
                recovered_ms: recovered.map(|t| ms(t.0 - strike.at.0)),
                messages: Some(input.sends.between(strike.at, recovered.unwrap_or(Time(u64::MAX)))),
            }
        })
        .collect();
    FailureMetrics {
        startup: Startup {
            first_leader_ms: established.get(&Time::ZERO).copied().flatten().map(|t| ms(t.0)),
            first_op_ms: first_done.map(|t| ms(t.0)),
        },
        steady: steady(input.completions, first_done, input.elapsed),
        unavailable_ms: ms(unavailable(input.completions, input.elapsed)),
        faults,
    }
}

fn steady(completions: &[Completion], first_done: Option<Time>, elapsed: Time) -> Steady {
    let Some(first) = first_done else { return Steady::default() };
    let latencies: Vec<u64> = completions.iter().filter(|c| c.invoked >= first).map(Completion::latency).collect();
    let span = elapsed.0.saturating_sub(first.0);
    let throughput = if span == 0 { 0.0 } else { (latencies.len() as f64 * 1e9 / span as f64 * 1e3).round() / 1e3 };
    Steady { throughput_ops_per_s: throughput, latency_ms: LatencySummary::from_nanos(latencies) }
}

/// The longest stretch without a completion after the first, the tail included; the whole run
/// if nothing completed.
pub fn unavailable(completions: &[Completion], elapsed: Time) -> u64 {
    let mut done: Vec<u64> = completions.iter().map(|c| c.completed.0).collect();
    if done.is_empty() {
        return elapsed.0;
    }
    done.sort_unstable();
    done.push(elapsed.0.max(*done.last().expect("non-empty")));
    done.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0)
}

/// Completions ordered by invocation, with the earliest completion among those invoked at or
/// after each point: the first recovery after any instant in `O(log n)`.
struct Recovery {
    invoked: Vec<Time>,
    earliest_after: Vec<Time>,
}

impl Recovery {
    fn new(completions: &[Completion]) -> Self {
        let mut sorted: Vec<Completion> = completions.to_vec();
        sorted.sort_by_key(|c| c.invoked);
        let mut earliest_after = vec![Time(u64::MAX); sorted.len()];
        let mut best = Time(u64::MAX);
        for (i, c) in sorted.iter().enumerate().rev() {
            best = best.min(c.completed);
            earliest_after[i] = best;
        }
        Recovery { invoked: sorted.iter().map(|c| c.invoked).collect(), earliest_after }
    }

    fn first_after(&self, at: Time) -> Option<Time> {
        let index = self.invoked.partition_point(|t| *t < at);
        self.earliest_after.get(index).copied()
    }
}

/// For each moment (sorted), the first time at or after it when a leader is followed by every
/// live node of the majority.
fn first_followed_leader(input: &FailureInput, moments: &[Time]) -> Vec<Option<Time>> {
    let mut answers = vec![None; moments.len()];
    let mut view = Followers::new(input.nodes);
    let mut strikes = input.strikes.iter().peekable();
    let mut events = input.history.events.iter().peekable();
    let mut pending = 0; // moments before this one are answered
    let mut current: Option<NodeId> = None; // the leader followed now, if any
    loop {
        let next_strike = strikes.peek().map(|s| s.at);
        let next_event = events.peek().map(|e| e.time);
        let Some(now) = next_strike.into_iter().chain(next_event).min() else { break };
        let mut candidates = Vec::new();
        let mut structural = false;
        while let Some(strike) = strikes.next_if(|s| s.at == now) {
            structural |= view.strike(input.plan, strike);
        }
        while let Some(event) = events.next_if(|e| e.time == now) {
            match &event.kind {
                EventKind::Crashed => {
                    view.crash(event.node);
                    structural = true;
                }
                EventKind::Restarted => {
                    view.restart(event.node);
                    structural = true;
                }
                EventKind::Observed(Observation::Leader { leader, .. }) => {
                    view.name(event.node, *leader);
                    candidates.push(*leader);
                }
                _ => {}
            }
        }
        current = if structural {
            view.any_members_choice().filter(|leader| view.followed(*leader))
        } else {
            candidates.into_iter().chain(current).find(|leader| view.followed(*leader))
        };
        // Moments that came while no leader was followed wait for the next one that is.
        if current.is_some() {
            while pending < moments.len() && moments[pending] <= now {
                answers[pending] = Some(now);
                pending += 1;
            }
        }
        if pending == moments.len() {
            break;
        }
    }
    answers
}

/// Who follows whom among the live nodes not cut off by a partition in force.
struct Followers {
    live: Vec<bool>,
    cut_off: Vec<u32>,
    named: Vec<Option<NodeId>>,
    counts: HashMap<NodeId, usize>,
    members: usize,
    /// Partitions in force: plan index and the nodes they cut off.
    partitions: Vec<(usize, Vec<NodeId>)>,
}

impl Followers {
    fn new(nodes: usize) -> Self {
        Followers {
            live: vec![true; nodes],
            cut_off: vec![0; nodes],
            named: vec![None; nodes],
            counts: HashMap::new(),
            members: nodes,
            partitions: Vec::new(),
        }
    }

    fn member(&self, node: usize) -> bool {
        self.live[node] && self.cut_off[node] == 0
    }

    fn leave(&mut self, node: usize) {
        if self.member(node) {
            self.members -= 1;
            if let Some(leader) = self.named[node] {
                *self.counts.entry(leader).or_default() -= 1;
            }
        }
    }

    fn join(&mut self, node: usize) {
        if self.member(node) {
            self.members += 1;
            if let Some(leader) = self.named[node] {
                *self.counts.entry(leader).or_default() += 1;
            }
        }
    }

    fn crash(&mut self, node: NodeId) {
        let n = node.index();
        if n < self.live.len() && self.live[n] {
            self.leave(n);
            self.live[n] = false;
            self.named[n] = None;
        }
    }

    fn restart(&mut self, node: NodeId) {
        let n = node.index();
        if n < self.live.len() && !self.live[n] {
            self.live[n] = true;
            self.named[n] = None;
            self.join(n);
        }
    }

    fn name(&mut self, node: NodeId, leader: NodeId) {
        let n = node.index();
        if n >= self.live.len() {
            return;
        }
        self.leave(n);
        self.named[n] = Some(leader);
        self.join(n);
    }

    /// Applies a partition's start or end (or a heal); whether the majority changed.
    fn strike(&mut self, plan: &FaultPlan, strike: &FaultStrike) -> bool {
        let fault = &plan.faults[strike.fault].fault;
        let before = self.partitions.len();
        match (fault, strike.phase) {
            (Fault::Partition { .. }, Phase::Start) => self.partitions.push((strike.fault, strike.nodes.clone())),
            (Fault::Partition { .. }, Phase::End) => self.partitions.retain(|(f, _)| *f != strike.fault),
            (Fault::Heal, Phase::Start) => self.partitions.clear(),
            _ => return false,
        }
        if before == 0 && self.partitions.is_empty() {
            return false;
        }
        let nodes = self.live.len();
        for n in 0..nodes {
            self.leave(n);
        }
        self.cut_off = vec![0; nodes];
        for (_, cut) in &self.partitions {
            // Spare nodes (outside the initial configuration) are not followed here.
            for node in cut.iter().filter(|n| n.index() < nodes) {
                self.cut_off[node.index()] += 1;
            }
        }
        for n in 0..nodes {
            self.join(n);
        }
        true
    }

    /// The leader some member names: if anyone is followed by all, it is this one.
    fn any_members_choice(&self) -> Option<NodeId> {
        (0..self.live.len()).find(|n| self.member(*n)).and_then(|n| self.named[n])
    }

    fn followed(&self, leader: NodeId) -> bool {
        let l = leader.index();
        l < self.live.len()
            && self.member(l)
            && self.named[l] == Some(leader)
            && self.counts.get(&leader).copied().unwrap_or(0) == self.members
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ClientOp, FaultSchedule, LeaderView};

    fn leader(id: u32) -> EventKind {
        EventKind::Observed(Observation::Leader { leader: NodeId(id), term: 1 })
    }

    fn completion(invoked: u64, completed: u64) -> Completion {
        Completion { invoked: Time(invoked * 1_000_000), completed: Time(completed * 1_000_000) }
    }

    fn input<'a>(
        history: &'a History,
        completions: &'a [Completion],
        plan: &'a FaultPlan,
        strikes: &'a [FaultStrike],
        sends: &'a SendTimeline,
    ) -> FailureInput<'a> {
        FailureInput {
            family: Family::Replication,
            nodes: 3,
            history,
            completions,
            plan,
            strikes,
            sends,
            elapsed: Time(100_000_000),
        }
    }

    fn plan_and_strikes(text: &str, at_ms: u64, nodes: &[u32]) -> (FaultPlan, Vec<FaultStrike>) {
        let plan = FaultPlan { faults: vec![text.parse().unwrap()] };
        let strike = FaultStrike {
            fault: 0,
            phase: Phase::Start,
            at: Time(at_ms * 1_000_000),
            nodes: nodes.iter().map(|n| NodeId(*n)).collect(),
        };
        (plan, vec![strike])
    }

    #[test]
    fn a_leader_crash_is_measured_to_the_next_followed_leader_and_the_next_answer() {
        let history = History::from_millis([
            (5, 2, leader(2)),
            (6, 0, leader(2)),
            (6, 1, leader(2)),
            (40, 2, EventKind::Crashed),
            (55, 1, leader(1)),
            (56, 0, leader(1)),
        ]);
        let completions = [completion(0, 10), completion(10, 20), completion(35, 60), completion(41, 58)];
        let (plan, strikes) = plan_and_strikes("crash:leader@40ms", 40, &[2]);
        let mut sends = SendTimeline::default();
        sends.add(Time(45_000_000), 4);
        sends.add(Time(70_000_000), 9);
        let metrics = failure_metrics(&input(&history, &completions, &plan, &strikes, &sends));
        assert_eq!(metrics.startup.first_leader_ms, Some(6.0));
        assert_eq!(metrics.startup.first_op_ms, Some(10.0));
        let fault = &metrics.faults[0];
        assert_eq!(fault.nodes, vec![NodeId(2)]);
        assert_eq!(fault.new_leader_ms, Some(16.0), "n1 is followed by n0 at 56 ms");
        assert_eq!(fault.recovered_ms, Some(18.0), "the op invoked at 41 ms; the one of 35 ms does not count");
        assert_eq!(fault.messages, Some(4));
        assert_eq!(metrics.unavailable_ms, 40.0, "60 ms to the end at 100 ms");
    }

    #[test]
    fn the_cut_off_side_does_not_count_and_an_isolated_leader_is_not_followed() {
        // n2 leads; a partition cuts it off; n0 and n1 elect n1.
        let history = History::from_millis([
            (5, 2, leader(2)),
            (6, 0, leader(2)),
            (6, 1, leader(2)),
            (70, 1, leader(1)),
            (71, 0, leader(1)),
        ]);
        let (plan, strikes) = plan_and_strikes("partition:leader|rest@50ms..90ms", 50, &[2]);
        let sends = SendTimeline::default();
        let metrics = failure_metrics(&input(&history, &[], &plan, &strikes, &sends));
        assert_eq!(metrics.faults[0].new_leader_ms, Some(21.0));
        assert_eq!(metrics.faults[0].recovered_ms, None);
        assert_eq!(metrics.unavailable_ms, 100.0, "nothing completed");
    }

    #[test]
    fn a_fault_that_spares_the_leader_costs_no_leaderless_time() {
        let history = History::from_millis([
            (5, 2, leader(2)),
            (6, 0, leader(2)),
            (6, 1, leader(2)),
            (30, 0, EventKind::Crashed),
        ]);
        let (plan, strikes) = plan_and_strikes("crash:0@30ms", 30, &[0]);
        let sends = SendTimeline::default();
        let metrics = failure_metrics(&input(&history, &[], &plan, &strikes, &sends));
        assert_eq!(metrics.faults[0].new_leader_ms, Some(0.0));
    }

    #[test]
    fn a_fault_that_changes_nobody_s_mind_finds_the_leader_still_followed() {
        let history = History::from_millis([(5, 2, leader(2)), (6, 0, leader(2)), (6, 1, leader(2))]);
        let (plan, strikes) = plan_and_strikes("lossy:drop=0.1@30ms..60ms", 30, &[]);
        let sends = SendTimeline::default();
        let metrics = failure_metrics(&input(&history, &[], &plan, &strikes, &sends));
        assert_eq!(metrics.faults[0].new_leader_ms, Some(0.0));
    }

    #[test]
    fn a_fault_that_never_struck_is_listed_with_nothing_measured() {
        let plan = FaultPlan { faults: vec!["crash:voter@vote>1s".parse().unwrap()] };
        let history = History::default();
        let sends = SendTimeline::default();
        let metrics = failure_metrics(&input(&history, &[], &plan, &[], &sends));
        assert_eq!(metrics.faults[0].at_ms, None);
        assert_eq!(metrics.faults[0].messages, None);
    }

    #[test]
    fn steady_state_leaves_start_up_out() {
        let completions = [completion(0, 200), completion(200, 202), completion(202, 204), completion(204, 206)];
        let history = History::default();
        let plan = FaultPlan::default();
        let sends = SendTimeline::default();
        let mut input = input(&history, &completions, &plan, &[], &sends);
        input.elapsed = Time(300_000_000);
        let metrics = failure_metrics(&input);
        assert!((metrics.steady.latency_ms.max - 2.0).abs() < 0.01, "{:?}", metrics.steady);
        assert_eq!(metrics.steady.throughput_ops_per_s, 30.0, "3 ops in the 100 ms after the first");
    }

    #[test]
    fn the_schedule_and_the_metrics_agree_on_whom_a_role_hit() {
        let plan = FaultPlan { faults: vec!["crash:leader@10ms".parse().unwrap()] };
        let mut schedule = FaultSchedule::new(&plan, 3);
        let mut view = LeaderView::new(3);
        let history = History::from_millis([(1, 1, leader(1)), (2, 0, Invoke(ClientOp::Acquire))]);
        history.events.iter().for_each(|e| view.observe(e));
        let (_, strike) = schedule.strike(0, &view, Time(10_000_000));
        assert_eq!(strike.nodes, vec![NodeId(1)]);
    }

    use EventKind::Invoke;
}
