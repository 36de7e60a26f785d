//! # FloodMax: a flooding max-id election
//!
//! Lynch, *Distributed Algorithms* (1996), §4.1.2 (FloodMax), here on a complete graph (diameter
//! 1, so one round of flooding suffices) and made asynchronous with a collection window and
//! failure detection, in the election family's contract.
//!
//! - **Election.** A node that starts an election (told to, its leader fell silent, or it has
//!   just restarted) moves to a new term, one above every term it has seen, and sends `Candidate`
//!   to every other node. A node that hears a candidate of a newer term joins that term and sends
//!   its own `Candidate` to all. Each node collects the ids of the candidates of its term for a
//!   window long enough for every live node's candidacy to arrive (ten round trips, at least
//!   20 ms), then names the highest id it heard leader of the term.
//! - **Late and stale candidates.** A candidate of the current term that arrives after the window
//!   closed, or one of an older term (a node that restarted and missed the elections since), sets
//!   off a new election, so the newcomer is counted.
//! - **Failure detection.** The leader sends `Heartbeat` to all every third of the minimum
//!   detection timeout; a node that hears none within its detection timeout (the run's `detect`
//!   range, drawn at random) starts an election. A heartbeat from a higher id than the leader a
//!   node follows wins it over; one from a lower id than the node itself starts an election.
//!
//! **Guarantees** (crash-stop with restarts, reliable timely links): every election ends with
//! every live node naming the same leader, the highest live id (agreement and validity), within
//! [`termination_bound`] of the trigger.
//!
//! **Messages per election: N(N-1)** when every node is up: each node sends its candidacy once
//! to each of the N-1 others (Lynch's FloodMax sends max-UIDs for diam rounds, N(N-1) per round;
//! diam = 1 here). Heartbeats are failure detection, counted apart (`heartbeat`).
//!
//! **Variants.** `bug-defer-on-restart`, a teaching mutant: a restarted node follows whatever
//! leader it hears from instead of standing for election, so a restarted highest id never takes
//! over (the validity checker catches it when the workload restarts the crashed leader).

use std::collections::BTreeSet;
use std::time::Duration;

use harness::election::Detection;
use harness::formula::{one_election, Formula};
use harness::{
    Algorithm, ClientOp, Context, Family, FaultClass, Message, Node, NodeId, Observation, Settings, SpecError,
};

/// FloodMax's messages. Each carries the sender's term; its id is the sender's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum FloodMsg {
    /// The sender stands in the election of `term`.
    Candidate { term: u64 },
    /// The sender leads `term`.
    Heartbeat { term: u64 },
}

impl Message for FloodMsg {
    fn kind(&self) -> &'static str {
        match self {
            FloodMsg::Candidate { .. } => "candidate",
            FloodMsg::Heartbeat { .. } => "heartbeat",
        }
    }
}

/// FloodMax's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FloodTimer {
    /// The collection window of the current election closes.
    Decide,
    /// The leader has been silent too long.
    LeaderSilent,
    /// Time for the leader's next heartbeat.
    Heartbeat,
}

/// Run configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FloodConfig {
    /// How long a node collects candidacies before it decides.
    pub window: Duration,
    pub detection: Detection,
    /// Teaching mutant: a restarted node defers to any leader instead of standing.
    pub defer_on_restart: bool,
}

/// From a trigger (start, a leader's crash, a restart) to agreement: the slowest detection, two
/// elections (one may be set off again by a late candidate), and never under 2 s.
pub fn termination_bound(config: &FloodConfig, nodes: usize) -> Duration {
    let _ = nodes;
    Duration::from_secs(2).max(config.detection.leader_timeout.1 * 2 + config.window * 4)
}

/// One FloodMax node.
#[derive(Debug)]
pub struct FloodMax {
    id: NodeId,
    config: FloodConfig,
    /// The newest term this node has taken part in (on stable storage).
    term: u64,
    leader: Option<NodeId>,
    /// The candidates heard in the current term while its window is open.
    heard: Option<BTreeSet<NodeId>>,
    restarted: bool,
}

impl FloodMax {
    fn start_election(&mut self, cx: &mut Context<Self>) {
        self.join(cx, self.term + 1);
    }

    /// Takes part in the election of `term`: stands, and collects the other candidates.
    fn join(&mut self, cx: &mut Context<Self>, term: u64) {
        self.term = term;
        cx.persist(term);
        self.heard = Some(BTreeSet::from([self.id]));
        cx.broadcast(FloodMsg::Candidate { term });
        cx.cancel_timer(FloodTimer::LeaderSilent);
        cx.cancel_timer(FloodTimer::Heartbeat);
        cx.set_timer(FloodTimer::Decide, self.config.window);
    }

    fn decide(&mut self, cx: &mut Context<Self>) {
        let Some(heard) = self.heard.take() else { return };
        let highest = heard.last().copied().unwrap_or(self.id);
        self.follow(cx, highest);
    }

    /// Names `leader` leader of the current term.
    fn follow(&mut self, cx: &mut Context<Self>, leader: NodeId) {
        if self.leader != Some(leader) {
            self.leader = Some(leader);
            cx.observe(Observation::Leader { leader, term: self.term });
        }
        if leader == self.id {
            cx.cancel_timer(FloodTimer::LeaderSilent);
            cx.broadcast(FloodMsg::Heartbeat { term: self.term });
            cx.set_timer(FloodTimer::Heartbeat, self.config.detection.heartbeat);
        } else {
            cx.cancel_timer(FloodTimer::Heartbeat);
            self.arm_silence_timer(cx);
        }
    }

    fn arm_silence_timer(&self, cx: &mut Context<Self>) {
        let (low, high) = self.config.detection.leader_timeout;
        cx.set_timer_between(FloodTimer::LeaderSilent, low, high);
    }

    fn on_candidate(&mut self, cx: &mut Context<Self>, from: NodeId, term: u64) {
        if self.restarted && self.config.defer_on_restart {
            return;
        }
        if term > self.term {
            self.join(cx, term);
        }
        match (&mut self.heard, term == self.term) {
            (Some(heard), true) => {
                heard.insert(from);
            }
            // A stale candidate while we collect: bring it into our term.
            (Some(_), false) => cx.send(from, FloodMsg::Candidate { term: self.term }),
            // Our window is closed: count the newcomer in a fresh election.
            (None, _) => self.start_election(cx),
        }
    }

    fn on_heartbeat(&mut self, cx: &mut Context<Self>, from: NodeId, term: u64) {
        if self.heard.is_some() {
            return;
        }
        // Whatever we do next, it is above every term we have heard of.
        if term > self.term {
            self.term = term;
            cx.persist(term);
        }
        let mutant = self.restarted && self.config.defer_on_restart;
        if self.leader == Some(from) {
            self.arm_silence_timer(cx);
        } else if from > self.id || mutant {
            // A leader of a higher id than ours; if it is higher than the one we follow too (or we
            // follow none), it wins us over.
            if mutant || self.leader.is_none_or(|leader| from > leader) {
                self.follow(cx, from);
            }
        } else {
            // A lower id leads: it missed us. Stand.
            self.start_election(cx);
        }
    }
}

impl Node for FloodMax {
    type Msg = FloodMsg;
    type Timer = FloodTimer;
    /// The newest term taken part in, so a restarted node's terms keep growing.
    type Stable = u64;
    type Config = FloodConfig;

    fn new(id: NodeId, _nodes: usize, config: &FloodConfig, stable: Option<u64>) -> Self {
        FloodMax {
            id,
            config: config.clone(),
            term: stable.unwrap_or(0),
            leader: None,
            heard: None,
            restarted: stable.is_some(),
        }
    }

    fn on_start(&mut self, cx: &mut Context<Self>) {
        cx.persist(self.term);
        if self.restarted && !self.config.defer_on_restart {
            // A recovered node stands for election (and, if it is the highest, wins it).
            self.start_election(cx);
        } else {
            self.arm_silence_timer(cx);
        }
    }

    fn on_message(&mut self, cx: &mut Context<Self>, from: NodeId, msg: FloodMsg) {
        match msg {
            FloodMsg::Candidate { term } => self.on_candidate(cx, from, term),
            FloodMsg::Heartbeat { term } => self.on_heartbeat(cx, from, term),
        }
    }

    fn on_timer(&mut self, cx: &mut Context<Self>, timer: FloodTimer) {
        match timer {
            FloodTimer::Decide => self.decide(cx),
            FloodTimer::LeaderSilent if self.heard.is_none() => self.start_election(cx),
            FloodTimer::Heartbeat if self.leader == Some(self.id) => {
                cx.broadcast(FloodMsg::Heartbeat { term: self.term });
                cx.set_timer(FloodTimer::Heartbeat, self.config.detection.heartbeat);
            }
            _ => {}
        }
    }

    fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp) {
        if op == ClientOp::StartElection && self.heard.is_none() {
            self.start_election(cx);
        }
    }
}

impl Algorithm for FloodMax {
    const NAME: &'static str = "flood-max";
    const FAMILY: Family = Family::Election;
    const SUMMARY: &'static str = "every node floods its candidacy; the highest id heard wins; N(N-1) per election";
    const VARIANTS: &'static [(&'static str, &'static str)] =
        &[("bug-defer-on-restart", "teaching mutant: a restarted node follows any leader instead of standing")];
    const DETECTION_KINDS: &'static [&'static str] = &["heartbeat"];
    /// Crash-stop with restarts on timely links, like Bully: a partition splits the candidates.
    const TOLERATES: &'static [FaultClass] = &[FaultClass::Crash, FaultClass::Timing];

    fn termination_bound(config: &FloodConfig, nodes: usize) -> Option<Duration> {
        Some(termination_bound(config, nodes))
    }

    /// One election started by node 0 with every node up: each node floods once.
    fn formula() -> Option<Formula> {
        Some(Formula {
            text: "N(N-1) per election",
            source: "Lynch 1996 §4.1.2 (FloodMax, one round on a complete graph)",
            scenario: |nodes| one_election(nodes, 0, false),
            expected: |nodes, _| (nodes * (nodes - 1)) as u64,
        })
    }

    /// The window is the harness's acknowledgement timeout (max(20 ms, 10 round trips)); the
    /// detection range is the run's shared `detect`.
    fn configure(settings: &mut Settings) -> Result<FloodConfig, SpecError> {
        let variant = settings.variant::<Self>()?;
        let window = settings.params.duration("window", harness::election::ack_timeout(&settings.timing))?;
        if window.is_zero() {
            return Err(SpecError::field("params.window", "must be above zero: no candidacy arrives in no time"));
        }
        Ok(FloodConfig {
            window,
            detection: Detection::of(settings.detect()?),
            defer_on_restart: variant == Some("bug-defer-on-restart"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> FloodConfig {
        FloodConfig { window: Duration::from_millis(20), detection: Detection::default(), defer_on_restart: false }
    }

    fn node(id: u32, nodes: usize, stable: Option<u64>) -> (FloodMax, Context<FloodMax>) {
        let mut n = FloodMax::new(NodeId(id), nodes, &config(), stable);
        let mut cx = Context::for_test(NodeId(id), nodes);
        n.on_start(&mut cx);
        (n, cx)
    }

    fn candidates(cx: &mut Context<FloodMax>) -> Vec<(u32, u64)> {
        cx.take_effects()
            .sends
            .into_iter()
            .filter_map(|(to, m)| match m {
                FloodMsg::Candidate { term } => Some((to.0, term)),
                FloodMsg::Heartbeat { .. } => None,
            })
            .collect()
    }

    fn leaders(cx: &mut Context<FloodMax>) -> Vec<NodeId> {
        cx.take_effects()
            .observations
            .into_iter()
            .filter_map(|o| match o {
                Observation::Leader { leader, .. } => Some(leader),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_node_that_starts_floods_its_candidacy_to_every_other_node() {
        let (mut n, mut cx) = node(1, 4, None);
        cx.take_effects();
        n.on_client(&mut cx, ClientOp::StartElection);
        assert_eq!(candidates(&mut cx), vec![(0, 1), (2, 1), (3, 1)]);
    }

    #[test]
    fn a_newer_term_is_joined_and_the_highest_candidate_heard_wins() {
        let (mut n, mut cx) = node(1, 4, None);
        cx.take_effects();
        n.on_message(&mut cx, NodeId(0), FloodMsg::Candidate { term: 3 });
        assert_eq!(candidates(&mut cx), vec![(0, 3), (2, 3), (3, 3)], "joined term 3");
        n.on_message(&mut cx, NodeId(2), FloodMsg::Candidate { term: 3 });
        n.on_timer(&mut cx, FloodTimer::Decide);
        assert_eq!(leaders(&mut cx), vec![NodeId(2)], "n3 never stood: n2 is the highest heard");
    }

    #[test]
    fn a_candidate_after_the_window_sets_off_a_new_election() {
        let (mut n, mut cx) = node(0, 3, None);
        n.on_client(&mut cx, ClientOp::StartElection);
        n.on_timer(&mut cx, FloodTimer::Decide);
        cx.take_effects();
        n.on_message(&mut cx, NodeId(2), FloodMsg::Candidate { term: 1 });
        assert_eq!(candidates(&mut cx), vec![(1, 2), (2, 2)], "term 2, with n2 in it");
    }

    #[test]
    fn a_restarted_node_stands_and_its_mutant_does_not() {
        let (_, mut cx) = node(2, 3, Some(4));
        assert_eq!(candidates(&mut cx), vec![(0, 5), (1, 5)]);
        let mutant = FloodConfig { defer_on_restart: true, ..config() };
        let mut n = FloodMax::new(NodeId(2), 3, &mutant, Some(4));
        let mut cx = Context::for_test(NodeId(2), 3);
        n.on_start(&mut cx);
        assert!(candidates(&mut cx).is_empty());
        n.on_message(&mut cx, NodeId(1), FloodMsg::Heartbeat { term: 6 });
        assert_eq!(leaders(&mut cx), vec![NodeId(1)], "the mutant follows a lower id");
    }

    #[test]
    fn a_heartbeat_from_a_lower_id_is_challenged_and_a_higher_one_followed() {
        let (mut n, mut cx) = node(1, 3, None);
        cx.take_effects();
        n.on_message(&mut cx, NodeId(0), FloodMsg::Heartbeat { term: 1 });
        assert_eq!(candidates(&mut cx), vec![(0, 2), (2, 2)], "n0 leads term 1 but n1 is higher: stand in term 2");
        n.on_timer(&mut cx, FloodTimer::Decide);
        cx.take_effects();
        n.on_message(&mut cx, NodeId(2), FloodMsg::Heartbeat { term: 1 });
        assert_eq!(leaders(&mut cx), vec![NodeId(2)]);
    }
}
