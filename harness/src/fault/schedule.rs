//! A plan as the runtimes play it: start and end steps in time order, each resolved to concrete
//! nodes when it strikes (`leader` means the leader at that moment), and a record of whom each
//! step hit. Both runtimes drive the same [`FaultSchedule`], so a fault means the same in both.

use std::time::Duration;

use serde::Serialize;

use super::{Fault, FaultAction, FaultPlan, Group, LinkBlock, NodeRef, Trigger};
use crate::{Event, EventKind, MembershipChange, NodeId, Observation, Time};

/// Whether a step starts a fault or undoes it (`until`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Start,
    End,
}

/// One instant of the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub at: Duration,
    /// The fault's index in the plan.
    pub fault: usize,
    pub phase: Phase,
}

/// What a step did when it struck.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FaultStrike {
    /// The fault's index in the plan.
    pub fault: usize,
    pub phase: Phase,
    pub at: Time,
    /// The nodes it hit: the crashed, restarted or slowed node, the ends of a cut, the nodes a
    /// partition cut off from its largest side, a bridge's two sides. Empty when a role named
    /// nobody (no leader known) or the fault hits links rather than nodes (a lossy burst, heal).
    pub nodes: Vec<NodeId>,
}

/// Who leads, as far as the nodes have said: fed every history event, it names the live node that
/// announced itself leader of the highest term.
#[derive(Clone, Debug)]
pub struct LeaderView {
    alive: Vec<bool>,
    /// Each node's latest `Leader` observation: (term, leader).
    named: Vec<Option<(u64, NodeId)>>,
}

impl LeaderView {
    /// A view of `nodes` live nodes that have named nobody yet.
    pub fn new(nodes: usize) -> Self {
        LeaderView { alive: vec![true; nodes], named: vec![None; nodes] }
    }

    /// Takes one history event.
    pub fn observe(&mut self, event: &Event) {
        let Some(alive) = self.alive.get_mut(event.node.index()) else { return };
        match &event.kind {
            EventKind::Crashed => {
                *alive = false;
                self.named[event.node.index()] = None;
            }
            EventKind::Restarted => *alive = true,
            EventKind::Observed(Observation::Leader { leader, term }) => {
                self.named[event.node.index()] = Some((*term, *leader));
            }
            _ => {}
        }
    }

    /// The live node that names itself leader with the highest term (the lowest id on a tie).
    pub fn leader(&self) -> Option<NodeId> {
        (0..self.alive.len())
            .filter(|n| self.alive[*n])
            .filter_map(|n| match self.named[n] {
                Some((term, leader)) if leader.index() == n => Some((term, std::cmp::Reverse(n))),
                _ => None,
            })
            .max()
            .map(|(_, std::cmp::Reverse(n))| NodeId(n as u32))
    }

    /// Whether `node` is up.
    pub fn is_alive(&self, node: NodeId) -> bool {
        self.alive.get(node.index()).copied().unwrap_or(false)
    }

    /// The (term, leader) `node` named last, if it is up and named one.
    pub fn named_by(&self, node: NodeId) -> Option<(u64, NodeId)> {
        self.named.get(node.index()).copied().flatten().filter(|_| self.is_alive(node))
    }

    /// The number of nodes.
    pub fn nodes(&self) -> usize {
        self.alive.len()
    }
}

/// A plan's steps in time order, resolved one at a time as they strike. Faults that wait for an
/// event are armed until it comes ([`FaultSchedule::on_event`]); their end steps are added to
/// [`FaultSchedule::steps`] when they strike, for the runtime to schedule.
#[derive(Clone, Debug)]
pub struct FaultSchedule {
    nodes: usize,
    plan: FaultPlan,
    steps: Vec<Step>,
    /// Faults waiting for their event, by plan index.
    armed: Vec<usize>,
    /// Per fault: the nodes its start resolved to, which its end undoes.
    resolved: Vec<Vec<NodeId>>,
    /// The node the latest `crash:leader` took, which `restart:leader` brings back.
    taken_leader: Option<NodeId>,
}

impl FaultSchedule {
    /// The schedule of `plan` (validated) for a cluster of `nodes` nodes. Steps at one instant
    /// keep the plan's order.
    pub fn new(plan: &FaultPlan, nodes: usize) -> Self {
        let mut steps = Vec::new();
        let mut armed = Vec::new();
        for (fault, timed) in plan.faults.iter().enumerate() {
            if timed.trigger.is_some() {
                armed.push(fault);
                continue;
            }
            steps.push(Step { at: timed.at, fault, phase: Phase::Start });
            if let Some(until) = timed.until {
                steps.push(Step { at: until, fault, phase: Phase::End });
            }
        }
        steps.sort_by_key(|s| s.at);
        FaultSchedule {
            nodes,
            plan: plan.clone(),
            steps,
            armed,
            resolved: vec![Vec::new(); plan.faults.len()],
            taken_leader: None,
        }
    }

    /// Every timed step: those of the plan in the order they strike, then the end steps of
    /// triggered faults in the order they were added.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Whether any fault still waits for an event.
    pub fn has_armed(&self) -> bool {
        !self.armed.is_empty()
    }

    /// Fires the armed faults that `event` (at `now`) triggers: what to do now and whom each hit.
    /// A fired fault's end, if it has one, is appended to [`FaultSchedule::steps`].
    pub fn on_event(&mut self, event: &Event, leaders: &LeaderView, now: Time) -> Vec<(Vec<FaultAction>, FaultStrike)> {
        let trigger = match &event.kind {
            EventKind::Observed(Observation::Voted { .. }) => Trigger::Vote,
            EventKind::Observed(Observation::Leader { leader, .. }) if *leader == event.node => Trigger::Leader,
            EventKind::Observed(Observation::Committed { .. })
                if leaders.named_by(event.node).is_some_and(|(_, leader)| leader == event.node) =>
            {
                Trigger::Commit
            }
            _ => return Vec::new(),
        };
        let due: Vec<usize> = self
            .armed
            .iter()
            .copied()
            .filter(|f| {
                let timed = &self.plan.faults[*f];
                timed.trigger == Some(trigger) && Time::ZERO + timed.at <= event.time
            })
            .collect();
        let mut struck = Vec::new();
        for fault in due {
            self.armed.retain(|f| *f != fault);
            let (actions, nodes) = self.start(fault, leaders, Some(event.node));
            if let Some(until) = self.plan.faults[fault].until {
                self.steps.push(Step { at: now.since_start() + until, fault, phase: Phase::End });
            }
            struck.push((actions, FaultStrike { fault, phase: Phase::Start, at: now, nodes }));
        }
        struck
    }

    /// The fault's text, for records and messages.
    pub fn describe(&self, fault: usize) -> String {
        self.plan.faults[fault].to_string()
    }

    /// The trace line of a strike.
    pub fn trace_event(&self, strike: &FaultStrike) -> crate::trace::TraceEvent {
        crate::trace::TraceEvent::Fault {
            phase: match strike.phase {
                Phase::Start => crate::trace::FaultPhase::Start,
                Phase::End => crate::trace::FaultPhase::End,
            },
            fault: self.describe(strike.fault),
            nodes: strike.nodes.iter().map(|n| n.0).collect(),
        }
    }

    /// Resolves step `index` against who leads now; returns what the runtime must do and whom it
    /// hit.
    pub fn strike(&mut self, index: usize, leaders: &LeaderView, now: Time) -> (Vec<FaultAction>, FaultStrike) {
        let step = self.steps[index];
        let (actions, nodes) = match step.phase {
            Phase::Start => self.start(step.fault, leaders, None),
            Phase::End => self.end(step.fault),
        };
        (actions, FaultStrike { fault: step.fault, phase: step.phase, at: now, nodes })
    }

    /// Resolves a fault's start; `trigger` is the node whose event struck it, if it waited for one.
    fn start(
        &mut self,
        fault: usize,
        leaders: &LeaderView,
        trigger: Option<NodeId>,
    ) -> (Vec<FaultAction>, Vec<NodeId>) {
        let leader = leaders.leader();
        let resolve = |node: &NodeRef| match node {
            NodeRef::Id(id) => Some(*id),
            NodeRef::Leader => leader,
            NodeRef::Voter => trigger,
        };
        let (actions, nodes) = match self.plan.faults[fault].fault.clone() {
            Fault::Crash { node } => match resolve(&node) {
                Some(id) => {
                    if node == NodeRef::Leader {
                        self.taken_leader = Some(id);
                    }
                    (vec![FaultAction::Crash(id)], vec![id])
                }
                None => (Vec::new(), Vec::new()),
            },
            Fault::Restart { node } => {
                let id = match node {
                    NodeRef::Id(id) => Some(id),
                    NodeRef::Leader => self.taken_leader.take(),
                    NodeRef::Voter => trigger,
                };
                id.map_or((Vec::new(), Vec::new()), |id| (vec![FaultAction::Restart(id)], vec![id]))
            }
            Fault::Partition { groups } => match self.group_of(&groups, leader.or(trigger)) {
                Some(group_of) => {
                    let cut_off = minority(&group_of);
                    (vec![FaultAction::Block { id: fault, block: LinkBlock::Partition { group_of } }], cut_off)
                }
                None => (Vec::new(), Vec::new()),
            },
            Fault::Bridge { left, right, .. } => {
                let mut side_of = vec![0u8; self.nodes];
                for node in &left {
                    side_of[node.index()] = 1;
                }
                for node in &right {
                    side_of[node.index()] = 2;
                }
                let mut hit: Vec<NodeId> = left.iter().chain(&right).copied().collect();
                hit.sort();
                (vec![FaultAction::Block { id: fault, block: LinkBlock::Sides { side_of } }], hit)
            }
            Fault::Cut { from, to } => match (resolve(&from), resolve(&to)) {
                (Some(from), Some(to)) if from != to => {
                    (vec![FaultAction::Block { id: fault, block: LinkBlock::Cut { from, to } }], vec![from, to])
                }
                _ => (Vec::new(), Vec::new()),
            },
            Fault::Slow { node, extra } => match resolve(&node) {
                Some(id) => (vec![FaultAction::SlowStart { node: id, extra }], vec![id]),
                None => (Vec::new(), Vec::new()),
            },
            Fault::Lossy(lossiness) => (vec![FaultAction::LossyStart { id: fault, lossiness }], Vec::new()),
            Fault::Heal => (vec![FaultAction::Heal], Vec::new()),
            Fault::Transfer { from, to } => match resolve(&from) {
                Some(id) if id != to => (vec![FaultAction::Transfer { from: id, to }], vec![id, to]),
                _ => (Vec::new(), Vec::new()),
            },
            Fault::Drift { node, drift_ppm } => match resolve(&node) {
                Some(id) => (vec![FaultAction::Drift { node: id, drift_ppm }], vec![id]),
                None => (Vec::new(), Vec::new()),
            },
            Fault::Add { node } => match leader {
                Some(leader) => {
                    (vec![FaultAction::Membership { leader, change: MembershipChange::Add(node) }], vec![node])
                }
                None => (Vec::new(), Vec::new()),
            },
            Fault::Remove { node } => match (leader, resolve(&node)) {
                (Some(leader), Some(id)) => {
                    (vec![FaultAction::Membership { leader, change: MembershipChange::Remove(id) }], vec![id])
                }
                _ => (Vec::new(), Vec::new()),
            },
        };
        self.resolved[fault] = nodes.clone();
        (actions, nodes)
    }

    fn end(&mut self, fault: usize) -> (Vec<FaultAction>, Vec<NodeId>) {
        let hit = self.resolved[fault].clone();
        let actions = match &self.plan.faults[fault].fault {
            Fault::Crash { node } => {
                if *node == NodeRef::Leader && self.taken_leader == hit.first().copied() {
                    self.taken_leader = None;
                }
                hit.iter().map(|id| FaultAction::Restart(*id)).collect()
            }
            Fault::Slow { .. } => hit.iter().map(|id| FaultAction::SlowEnd { node: *id }).collect(),
            Fault::Drift { .. } => hit.iter().map(|id| FaultAction::Drift { node: *id, drift_ppm: 0 }).collect(),
            Fault::Partition { .. } | Fault::Bridge { .. } | Fault::Cut { .. } => {
                vec![FaultAction::Unblock { id: fault }]
            }
            Fault::Lossy(_) => vec![FaultAction::LossyEnd { id: fault }],
            Fault::Restart { .. } | Fault::Heal | Fault::Transfer { .. } | Fault::Add { .. } | Fault::Remove { .. } => {
                Vec::new()
            }
        };
        (actions, hit)
    }

    /// Each node's side: listed groups in order, the role's node (the leader, or the voter) in its
    /// group (and no other), every unlisted node in the `rest` group or one more. `None` if the
    /// partition names a role and nobody holds it.
    fn group_of(&self, groups: &[Group], leader: Option<NodeId>) -> Option<Vec<u32>> {
        let rest = groups.iter().position(|g| *g == Group::Rest).unwrap_or(groups.len());
        let mut group_of = vec![rest as u32; self.nodes];
        let mut leader_group = None;
        for (index, group) in groups.iter().enumerate() {
            let Group::Nodes(members) = group else { continue };
            for member in members {
                match member {
                    NodeRef::Id(id) => group_of[id.index()] = index as u32,
                    NodeRef::Leader | NodeRef::Voter => leader_group = Some(index as u32),
                }
            }
        }
        if let Some(index) = leader_group {
            group_of[leader?.index()] = index;
        }
        Some(group_of)
    }
}

/// The nodes outside the largest side of a partition (the lowest side index on a tie).
fn minority(group_of: &[u32]) -> Vec<NodeId> {
    let sides = group_of.iter().copied().max().map_or(0, |m| m as usize + 1);
    let mut sizes = vec![0usize; sides];
    for side in group_of {
        sizes[*side as usize] += 1;
    }
    let largest = (0..sides).max_by_key(|s| (sizes[*s], std::cmp::Reverse(*s))).unwrap_or(0) as u32;
    (0..group_of.len()).filter(|n| group_of[*n] != largest).map(|n| NodeId(n as u32)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{History, LinkState};

    fn schedule(texts: &[&str], nodes: usize) -> FaultSchedule {
        let plan = FaultPlan::parse(texts).unwrap();
        plan.validate(nodes).unwrap();
        FaultSchedule::new(&plan, nodes)
    }

    fn leaders(nodes: usize, events: &[(u32, u32, u64)]) -> LeaderView {
        let mut view = LeaderView::new(nodes);
        let history = History::from_millis(events.iter().map(|(node, leader, term)| {
            (0, *node, EventKind::Observed(Observation::Leader { leader: NodeId(*leader), term: *term }))
        }));
        history.events.iter().for_each(|e| view.observe(e));
        view
    }

    #[test]
    fn the_leader_is_the_live_self_announced_node_of_the_highest_term() {
        let view = leaders(5, &[(2, 2, 3), (0, 2, 3), (4, 4, 5), (1, 4, 5)]);
        assert_eq!(view.leader(), Some(NodeId(4)));
        let mut crashed = view.clone();
        crashed.observe(&Event { time: Time::ZERO, node: NodeId(4), kind: EventKind::Crashed });
        assert_eq!(crashed.leader(), Some(NodeId(2)), "a crashed leader leads no more");
        assert_eq!(LeaderView::new(3).leader(), None);
    }

    #[test]
    fn crash_leader_takes_the_leader_and_its_window_brings_it_back() {
        let mut plan = schedule(&["crash:leader@1s..2s"], 5);
        let view = leaders(5, &[(3, 3, 2)]);
        let (actions, strike) = plan.strike(0, &view, Time::ZERO);
        assert_eq!(actions, vec![FaultAction::Crash(NodeId(3))]);
        assert_eq!(strike.nodes, vec![NodeId(3)]);
        let (actions, strike) = plan.strike(1, &LeaderView::new(5), Time::ZERO);
        assert_eq!(actions, vec![FaultAction::Restart(NodeId(3))], "the same node, whoever leads now");
        assert_eq!(strike.phase, Phase::End);
    }

    #[test]
    fn restart_leader_brings_back_the_node_crash_leader_took() {
        let mut plan = schedule(&["crash:leader@1s", "restart:leader@2s"], 3);
        plan.strike(0, &leaders(3, &[(1, 1, 1)]), Time::ZERO);
        let (actions, _) = plan.strike(1, &leaders(3, &[(2, 2, 2)]), Time::ZERO);
        assert_eq!(actions, vec![FaultAction::Restart(NodeId(1))]);
    }

    #[test]
    fn isolating_the_leader_cuts_it_from_everyone_else() {
        let mut plan = schedule(&["partition:leader|rest@1s..2s"], 5);
        let (actions, strike) = plan.strike(0, &leaders(5, &[(2, 2, 1)]), Time::ZERO);
        assert_eq!(strike.nodes, vec![NodeId(2)]);
        let mut links = LinkState::default();
        links.apply(&actions[0]);
        for other in [0, 1, 3, 4] {
            assert!(links.blocked(NodeId(2), NodeId(other)) && links.blocked(NodeId(other), NodeId(2)));
        }
        assert!(!links.blocked(NodeId(0), NodeId(4)));
        let (actions, _) = plan.strike(1, &LeaderView::new(5), Time::ZERO);
        links.apply(&actions[0]);
        assert!(!links.blocked(NodeId(2), NodeId(0)));
    }

    #[test]
    fn with_no_leader_known_a_role_hits_nobody() {
        let mut plan = schedule(&["crash:leader@1s..2s", "partition:leader|rest@1s", "slow:leader+5ms@1s"], 3);
        for index in 0..plan.steps().len() {
            let (actions, strike) = plan.strike(index, &LeaderView::new(3), Time::ZERO);
            assert!(actions.is_empty() || matches!(actions[0], FaultAction::Unblock { .. }), "{actions:?}");
            assert!(strike.nodes.is_empty());
        }
    }

    #[test]
    fn a_vote_triggers_the_crash_of_its_voter_and_the_restart_follows_from_the_strike() {
        let mut plan = schedule(&["crash:voter@vote>1s..+5ms"], 3);
        assert!(plan.steps().is_empty() && plan.has_armed());
        let vote = |ms: u64, node: u32| Event {
            time: Time(ms * 1_000_000),
            node: NodeId(node),
            kind: EventKind::Observed(Observation::Voted { term: 2, candidate: NodeId(node) }),
        };
        assert!(plan.on_event(&vote(500, 1), &LeaderView::new(3), Time(500_000_000)).is_empty(), "too early");
        let struck = plan.on_event(&vote(1200, 2), &LeaderView::new(3), Time(1_200_000_000));
        assert_eq!(struck[0].0, vec![FaultAction::Crash(NodeId(2))]);
        assert_eq!(plan.steps(), &[Step { at: Duration::from_millis(1205), fault: 0, phase: Phase::End }]);
        assert!(plan.on_event(&vote(1300, 0), &LeaderView::new(3), Time(1_300_000_000)).is_empty(), "fires once");
        let (actions, _) = plan.strike(0, &LeaderView::new(3), Time(1_205_000_000));
        assert_eq!(actions, vec![FaultAction::Restart(NodeId(2))]);
    }

    #[test]
    fn a_partition_hits_the_nodes_off_its_largest_side() {
        let mut plan = schedule(&["partition:2,3|0,1,4@500ms..1500ms"], 5);
        let (_, strike) = plan.strike(0, &LeaderView::new(5), Time::ZERO);
        assert_eq!(strike.nodes, vec![NodeId(2), NodeId(3)]);
    }
}
