//! # Ring election: Chang-Roberts and the collecting variant
//!
//! Chang and Roberts, "An Improved Algorithm for Decentralized Extrema-Finding in Circular
//! Configurations of Processes", CACM 22(5), 1979; and the variant in Tanenbaum & van Steen,
//! *Distributed Systems* (3rd ed., §6.4.2).
//!
//! Nodes form a logical ring by id, ascending (0 → 1 → … → N-1 → 0) or, with `descending`,
//! the other way round.
//!
//! - **Chang-Roberts** (default). An initiator marks itself a participant and sends
//!   ELECTION(its id) to its successor. A node forwards a larger id; replaces a smaller one with
//!   its own if it is not yet a participant (and swallows it if it is). The node that receives its
//!   own id is the largest: it sends ELECTED around the ring to every other node.
//! - **Collect** (`--variant collect`). The initiator sends ELECTION([its id]); every node appends
//!   its id and forwards; back at the initiator the list holds every live id, and the initiator
//!   sends ELECTED(max of the list) around.
//!
//! Every ring message is acknowledged (ACK). A sender that gets no ACK within `ack_timeout`
//! sends it again under the same number (a receiver ACKs a copy it already has and does not act
//! on it twice, so a slow successor does not multiply messages), and after [`ATTEMPTS`] silent attempts presumes its successor dead and sends
//! the message to the next node instead, so dead nodes are skipped. A live node can still be
//! skipped when every attempt is lost; it then hears a lower id announced (ELECTED or a
//! heartbeat), knows the election missed it, and calls a new one rather than adopt that leader.
//! A node that skips a dead successor whose id the election carries as its candidate (or, when
//! collecting, as its initiator) puts its own in its place, or the message would circle for ever.
//! Failure detection: the leader sends HEARTBEAT to all every 50 ms; a node that hears none for
//! 150–300 ms starts an election; so does a restarted node, and so does a participant that hears
//! no outcome for as long plus the time the election needs to go round, 3N one-way delays (ACKs
//! are hop by hop: a node that crashes after ACKing an election message and before forwarding it
//! loses it). Without that allowance a large ring restarts its election every 300 ms while the
//! first is still on its way: 4.1M messages for one election at N = 10,000, against 40,085 with it.
//!
//! **Guarantees.** With accurate failure detection: agreement on the highest live id, and
//! termination, within [`termination_bound`] of a trigger on a network losing at most 10% of
//! messages: twice the detection timeout, then every one of the at most 3N hops waiting half an
//! ACK timeout (a retry now and then), and never under 2 s.
//!
//! **Messages** (counting convention: ELECTION and ELECTED hops, each with its ACK, so messages =
//! 2 × hops; ELECTED stops at the node before its sender, N-1 hops; heartbeats are detection
//! traffic, reported apart). With d the ring distance from the initiator to the highest id:
//!
//! | case | hops |
//! |---|---|
//! | Chang-Roberts, one initiator | d + N (ELECTION) + N-1 (ELECTED) |
//! | — best (the highest initiates, d = 0) | 2N - 1 |
//! | — worst (its ring successor initiates, d = N-1) | 3N - 2 |
//! | Chang-Roberts, all initiate, ascending ring | (2N-1) + (N-1) = 3N - 2 |
//! | Chang-Roberts, all initiate, descending ring (worst layout) | N(N+1)/2 + N-1 |
//! | Collect, one initiator | N + (N-1) = 2N - 1 |
//!
//! See [`hops`]. With every node initiating, the collecting variant sends N circulations of each
//! kind, and agreement can come before they all finish, so it has no exact count at agreement.
//!
//! **Variants.** `collect`, `descending`, `collect-descending`.

use std::collections::BTreeMap;
use std::time::Duration;

use harness::election::Detection;
use harness::{Algorithm, ClientOp, Context, Family, Message, Node, NodeId, Observation, Settings, SpecError};

/// From a trigger to agreement, on a network losing at most 10% of messages: max(2 s, twice the
/// detection timeout + a participant's wait for the outcome ([`circulation`]) + 3N hops of half
/// an ACK timeout each). It grows with N and, through the timeouts, with the network's latency.
pub fn termination_bound(config: &RingConfig, nodes: usize) -> Duration {
    let detection = config.detection.leader_timeout.1 * 2;
    let hops = (config.ack_timeout / 2).saturating_mul(3 * nodes as u32);
    Duration::from_secs(2).max(detection + circulation(config, nodes) + hops)
}

/// How long one election takes to go round a ring of `nodes` when no hop is lost: at most 3N
/// hops (ELECTION to the highest id, round once more, then ELECTED) of one one-way delay each.
/// A participant waits this much longer than the detection timeout before it calls the election
/// lost.
pub fn circulation(config: &RingConfig, nodes: usize) -> Duration {
    config.hop.saturating_mul(3u32.saturating_mul(nodes as u32))
}

/// Sends of one hop to the same successor before it is presumed dead.
pub const ATTEMPTS: u32 = 3;

/// What travels around the ring.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Circulating {
    /// Chang-Roberts: the largest id seen so far.
    Election { candidate: u32 },
    /// Collect: the live ids so far and who started it.
    Collect { ids: Vec<u32>, initiator: u32 },
    /// The result, sent around by `origin`.
    Elected { leader: u32, origin: u32, epoch: u64 },
}

/// Messages of the ring election.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum RingMsg {
    /// A ring hop, numbered by its sender for the ACK.
    Hop {
        seq: u64,
        body: Circulating,
    },
    Ack {
        seq: u64,
    },
    Heartbeat {
        epoch: u64,
    },
}

impl Message for RingMsg {
    fn kind(&self) -> &'static str {
        match self {
            RingMsg::Hop { body: Circulating::Election { .. } | Circulating::Collect { .. }, .. } => "election",
            RingMsg::Hop { body: Circulating::Elected { .. }, .. } => "elected",
            RingMsg::Ack { .. } => "ack",
            RingMsg::Heartbeat { .. } => "heartbeat",
        }
    }
}

/// Timers of a ring node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RingTimer {
    /// The hop with this number was not acknowledged.
    Ack(u64),
    LeaderSilent,
    Heartbeat,
}

/// Which election runs on the ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    ChangRoberts,
    Collect,
}

/// Run configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RingConfig {
    pub method: Method,
    /// Successor of i is i-1 rather than i+1.
    pub descending: bool,
    pub ack_timeout: Duration,
    /// A one-way delay most hops beat (the network's p99): what [`circulation`] counts per hop.
    pub hop: Duration,
    pub detection: Detection,
}

impl Default for RingConfig {
    fn default() -> Self {
        RingConfig {
            method: Method::ChangRoberts,
            descending: false,
            ack_timeout: Duration::from_millis(20),
            hop: Duration::from_millis(1),
            detection: Detection::default(),
        }
    }
}

/// What survives a crash: the highest epoch seen, and how many times the node has started (hop
/// numbers of a new incarnation never repeat an old one's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingStable {
    pub epoch: u64,
    pub incarnation: u64,
}

/// Hop numbers remembered per sender, for recognising copies.
const REMEMBERED_HOPS: usize = 64;

/// One ring process.
#[derive(Debug)]
pub struct Ring {
    id: NodeId,
    nodes: usize,
    config: RingConfig,
    participant: bool,
    /// The largest candidate this node has passed on in the election it takes part in.
    highest_seen: u32,
    leader: Option<NodeId>,
    epoch: u64,
    next_seq: u64,
    /// Hops awaiting their ACK: destination, message, sends so far.
    unacknowledged: BTreeMap<u64, (NodeId, Circulating, u32)>,
    /// Per sender, the latest hop numbers received.
    received: BTreeMap<NodeId, std::collections::BTreeSet<u64>>,
    incarnation: u64,
    restarted: bool,
}

impl Ring {
    fn successor(&self, of: NodeId) -> NodeId {
        let n = self.nodes as u32;
        NodeId(if self.config.descending { (of.0 + n - 1) % n } else { (of.0 + 1) % n })
    }

    fn pass(&mut self, cx: &mut Context<Self>, body: Circulating) {
        let successor = self.successor(self.id);
        self.send_to(cx, successor, body);
    }

    fn send_to(&mut self, cx: &mut Context<Self>, to: NodeId, body: Circulating) {
        if let Circulating::Elected { origin, .. } = body {
            if to.0 == origin {
                return; // everyone else has heard
            }
        }
        if to == self.id {
            // Every other node is silent: the message comes straight back.
            return self.receive(cx, body);
        }
        let seq = self.incarnation << 32 | self.next_seq;
        self.next_seq += 1;
        self.send_attempt(cx, to, seq, body, 1);
    }

    fn send_attempt(&mut self, cx: &mut Context<Self>, to: NodeId, seq: u64, body: Circulating, attempt: u32) {
        cx.send(to, RingMsg::Hop { seq, body: body.clone() });
        self.unacknowledged.insert(seq, (to, body, attempt));
        cx.set_timer(RingTimer::Ack(seq), self.config.ack_timeout);
    }

    /// Marks us a participant of a running election and arms its timeout: a hop is acknowledged
    /// hop by hop, so a node that crashes after ACKing and before forwarding loses the election
    /// message; a participant that hears no outcome in time starts over.
    fn participate(&mut self, cx: &mut Context<Self>, candidate: u32) {
        self.highest_seen = if self.participant { self.highest_seen.max(candidate) } else { candidate };
        self.participant = true;
        self.arm_silence_timer(cx);
    }

    /// `body` as it goes on past `dead`, a successor presumed dead: an election carrying `dead` as
    /// candidate (or started by it, when collecting) would circulate for ever, since only `dead`
    /// could end it, so we take its place.
    fn without(&self, dead: NodeId, body: Circulating) -> Circulating {
        match body {
            Circulating::Election { candidate } if candidate == dead.0 => {
                Circulating::Election { candidate: self.id.0 }
            }
            Circulating::Collect { mut ids, initiator } if initiator == dead.0 => {
                ids.retain(|id| *id != dead.0);
                Circulating::Collect { ids, initiator: self.id.0 }
            }
            other => other,
        }
    }

    fn start_election(&mut self, cx: &mut Context<Self>) {
        self.participate(cx, self.id.0);
        let me = self.id.0;
        match self.config.method {
            Method::ChangRoberts => self.pass(cx, Circulating::Election { candidate: me }),
            Method::Collect => self.pass(cx, Circulating::Collect { ids: vec![me], initiator: me }),
        }
    }

    fn receive(&mut self, cx: &mut Context<Self>, body: Circulating) {
        let me = self.id.0;
        match body {
            Circulating::Election { candidate } if candidate > me => {
                self.participate(cx, candidate);
                self.pass(cx, Circulating::Election { candidate });
            }
            Circulating::Election { candidate } if candidate < me => {
                if !self.participant {
                    self.participate(cx, me);
                    self.pass(cx, Circulating::Election { candidate: me });
                }
            }
            // Our own id came back: we are the largest. (A copy of it after we have announced
            // ourselves, when we are no longer a participant, is swallowed.)
            Circulating::Election { .. } if self.participant => {
                let epoch = self.epoch + 1;
                self.adopt(cx, self.id, epoch);
                self.pass(cx, Circulating::Elected { leader: me, origin: me, epoch });
            }
            Circulating::Election { .. } => {}
            Circulating::Collect { mut ids, initiator } => {
                if initiator == me {
                    let leader = ids.iter().copied().max().unwrap_or(me);
                    let epoch = self.epoch + 1;
                    self.adopt(cx, NodeId(leader), epoch);
                    self.pass(cx, Circulating::Elected { leader, origin: me, epoch });
                } else {
                    ids.push(me);
                    self.pass(cx, Circulating::Collect { ids, initiator });
                }
            }
            Circulating::Elected { leader, .. } if leader < me => {
                // The election never reached us (every attempt to us was lost): call another.
                if !self.participant {
                    self.start_election(cx);
                }
            }
            Circulating::Elected { leader, origin, epoch } => {
                if origin != me {
                    self.adopt(cx, NodeId(leader), epoch);
                    self.pass(cx, Circulating::Elected { leader, origin, epoch });
                }
            }
        }
    }

    fn adopt(&mut self, cx: &mut Context<Self>, leader: NodeId, epoch: u64) {
        self.participant = false;
        self.epoch = self.epoch.max(epoch);
        cx.persist(RingStable { epoch: self.epoch, incarnation: self.incarnation });
        if self.leader != Some(leader) {
            self.leader = Some(leader);
            cx.observe(Observation::Leader { leader, term: self.epoch });
        }
        if leader == self.id {
            cx.cancel_timer(RingTimer::LeaderSilent);
            cx.set_timer(RingTimer::Heartbeat, self.config.detection.heartbeat);
        } else {
            cx.cancel_timer(RingTimer::Heartbeat);
            self.arm_silence_timer(cx);
        }
    }

    /// Silence this long means the leader is gone or, for a participant, that the election was
    /// lost on the way (which it cannot tell before the election could have gone round).
    fn arm_silence_timer(&mut self, cx: &mut Context<Self>) {
        let (low, high) = self.config.detection.leader_timeout;
        let round = if self.participant { circulation(&self.config, self.nodes) } else { Duration::ZERO };
        cx.set_timer_between(RingTimer::LeaderSilent, low + round, high + round);
    }
}

impl Node for Ring {
    type Msg = RingMsg;
    type Timer = RingTimer;
    type Stable = RingStable;
    type Config = RingConfig;

    fn new(id: NodeId, nodes: usize, config: &RingConfig, stable: Option<RingStable>) -> Self {
        Ring {
            id,
            nodes,
            config: config.clone(),
            participant: false,
            highest_seen: 0,
            leader: None,
            epoch: stable.map_or(0, |s| s.epoch),
            next_seq: 0,
            unacknowledged: BTreeMap::new(),
            received: BTreeMap::new(),
            incarnation: stable.map_or(0, |s| s.incarnation + 1),
            restarted: stable.is_some(),
        }
    }

    fn on_start(&mut self, cx: &mut Context<Self>) {
        cx.persist(RingStable { epoch: self.epoch, incarnation: self.incarnation });
        if self.restarted {
            self.start_election(cx);
        }
        self.arm_silence_timer(cx);
    }

    fn on_message(&mut self, cx: &mut Context<Self>, from: NodeId, msg: RingMsg) {
        match msg {
            RingMsg::Hop { seq, body } => {
                cx.send(from, RingMsg::Ack { seq });
                let seen = self.received.entry(from).or_default();
                if !seen.insert(seq) {
                    return; // a retransmission of a hop we already acted on
                }
                if seen.len() > REMEMBERED_HOPS {
                    seen.pop_first();
                }
                self.receive(cx, body);
            }
            RingMsg::Ack { seq } => {
                if self.unacknowledged.get(&seq).is_some_and(|(to, _, _)| *to == from) {
                    self.unacknowledged.remove(&seq);
                    cx.cancel_timer(RingTimer::Ack(seq));
                }
            }
            RingMsg::Heartbeat { epoch } => {
                // A participant adopts a heartbeat only from at least the largest candidate it
                // has passed on: the election it saw cannot elect anyone lower (a node that
                // forwarded a restarted highest id must not side with the lower leader that id
                // is about to replace). Without this a participant waits for ELECTED to come
                // round, N hops, with the leader heartbeating all the while: N²/50 heartbeats.
                let known = self.leader == Some(from);
                let beyond_election =
                    if self.participant { from.0 >= self.highest_seen } else { self.leader.is_none_or(|l| from > l) };
                if from < self.id {
                    // A lower leader means an election missed us.
                    if !self.participant {
                        self.start_election(cx);
                    }
                } else if known || beyond_election {
                    self.epoch = self.epoch.max(epoch);
                    self.adopt(cx, from, self.epoch);
                }
            }
        }
    }

    fn on_timer(&mut self, cx: &mut Context<Self>, timer: RingTimer) {
        match timer {
            RingTimer::Ack(seq) => {
                if let Some((silent, body, attempt)) = self.unacknowledged.remove(&seq) {
                    if attempt < ATTEMPTS {
                        self.send_attempt(cx, silent, seq, body, attempt + 1);
                    } else {
                        let next = self.successor(silent);
                        let body = self.without(silent, body);
                        self.send_to(cx, next, body);
                    }
                }
            }
            RingTimer::LeaderSilent => {
                if self.leader != Some(self.id) || self.participant {
                    self.start_election(cx);
                    self.arm_silence_timer(cx);
                }
            }
            RingTimer::Heartbeat => {
                if self.leader == Some(self.id) {
                    cx.broadcast(RingMsg::Heartbeat { epoch: self.epoch });
                    cx.set_timer(RingTimer::Heartbeat, self.config.detection.heartbeat);
                }
            }
        }
    }

    fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp) {
        if op == ClientOp::StartElection {
            self.start_election(cx);
        }
    }
}

impl Algorithm for Ring {
    const NAME: &'static str = "ring";
    const FAMILY: Family = Family::Election;
    const SUMMARY: &'static str = "Chang-Roberts on a ring (or --variant collect); skips dead successors";
    const VARIANTS: &'static [(&'static str, &'static str)] = &[
        ("collect", "the message collects every live id; the initiator announces the largest (Tanenbaum)"),
        ("descending", "Chang-Roberts on a ring ordered N-1 → … → 0 (the all-initiate worst case)"),
        ("collect-descending", "the collecting variant on the descending ring"),
    ];
    const DETECTION_KINDS: &'static [&'static str] = &["heartbeat"];

    /// Crash-stop with restarts, the model these algorithms are written for (no partitions).
    const TOLERATES: &'static [harness::FaultClass] = &[harness::FaultClass::Crash, harness::FaultClass::Timing];

    fn termination_bound(config: &RingConfig, nodes: usize) -> Option<Duration> {
        Some(termination_bound(config, nodes))
    }

    /// Chang-Roberts started by node 0, the worst single initiator on the ascending ring.
    fn formula() -> Option<harness::formula::Formula> {
        Some(harness::formula::Formula {
            text: "2 × hops, hops = d + N + (N-1); from node 0: 2(3N-2)",
            source: "Chang & Roberts 1979",
            scenario: |nodes| harness::formula::one_election(nodes, 0, false),
            expected: |nodes, _| 2 * hops(nodes as u64, Method::ChangRoberts, false, Start::One(0)).unwrap_or(0),
        })
    }

    /// Heartbeats and the leader timeout from the run's shared detection range; a hop waits
    /// max(20 ms, 10 round trips) for its ACK before skipping the silent successor.
    fn configure(settings: &mut Settings) -> Result<RingConfig, SpecError> {
        let variant = settings.variant::<Self>()?.unwrap_or("");
        let timing = settings.timing;
        Ok(RingConfig {
            method: if variant.starts_with("collect") { Method::Collect } else { Method::ChangRoberts },
            descending: variant.ends_with("descending"),
            ack_timeout: settings.params.duration("ack_timeout", harness::election::ack_timeout(&timing))?,
            hop: timing.one_way,
            detection: Detection::of(settings.detect()?),
        })
    }
}

/// Who starts the election whose hops [`hops`] counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    One(u32),
    All,
}

/// Ring hops (ELECTION + ELECTED) of one election on a fault-free ring of `nodes` nodes; messages
/// are twice this (each hop is acknowledged). `None` where there is no exact count at agreement.
pub fn hops(nodes: u64, method: Method, descending: bool, start: Start) -> Option<u64> {
    let n = nodes;
    let highest = n - 1;
    match (method, start) {
        (Method::ChangRoberts, Start::One(initiator)) => {
            let i = initiator as u64;
            let distance = if descending { (i + n - highest) % n } else { (highest + n - i) % n };
            Some(distance + n + (n - 1))
        }
        (Method::ChangRoberts, Start::All) if descending => Some(n * (n + 1) / 2 + (n - 1)),
        (Method::ChangRoberts, Start::All) => Some(2 * n - 1 + (n - 1)),
        (Method::Collect, Start::One(_)) => Some(n + (n - 1)),
        (Method::Collect, Start::All) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: u32, nodes: usize) -> (Ring, Context<Ring>) {
        (Ring::new(NodeId(id), nodes, &RingConfig::default(), None), Context::for_test(NodeId(id), nodes))
    }

    fn hop(body: Circulating) -> RingMsg {
        RingMsg::Hop { seq: 0, body }
    }

    fn silence_timeouts(effects: harness::Effects<Ring>) -> Vec<Duration> {
        effects
            .timers
            .into_iter()
            .filter_map(|t| match t {
                harness::TimerCommand::Set(RingTimer::LeaderSilent, after) => Some(after),
                _ => None,
            })
            .collect()
    }

    /// A participant allows the election time to go round (3N hops) before calling it lost; a
    /// node outside an election waits the plain detection timeout.
    #[test]
    fn a_participant_waits_for_the_election_to_go_round() {
        let (mut n, mut cx) = node(3, 1000);
        n.on_start(&mut cx);
        let idle = silence_timeouts(cx.take_effects());
        assert!(idle.iter().all(|after| *after <= Duration::from_millis(300)), "{idle:?}");
        n.on_message(&mut cx, NodeId(2), hop(Circulating::Election { candidate: 7 }));
        let waiting = silence_timeouts(cx.take_effects());
        assert!(!waiting.is_empty());
        assert!(waiting.iter().all(|after| *after >= Duration::from_millis(150 + 3000)), "{waiting:?}");
    }

    /// A participant takes a heartbeat from at least the largest candidate it passed on (the
    /// election cannot elect anyone lower), and not from below it.
    #[test]
    fn a_participant_adopts_a_heartbeat_only_from_at_least_its_candidate() {
        let (mut n, mut cx) = node(3, 10);
        n.on_message(&mut cx, NodeId(2), hop(Circulating::Election { candidate: 7 }));
        n.on_message(&mut cx, NodeId(5), RingMsg::Heartbeat { epoch: 1 });
        assert_eq!(n.leader, None, "5 is below the candidate 7 this node forwarded");
        n.on_message(&mut cx, NodeId(8), RingMsg::Heartbeat { epoch: 1 });
        assert_eq!(n.leader, Some(NodeId(8)));
        assert!(!n.participant);
    }

    // Chang & Roberts: forward larger, replace smaller once, swallow smaller after that.
    #[test]
    fn forwards_larger_replaces_smaller_once() {
        let (mut n, mut cx) = node(3, 6);
        for (seq, candidate) in [1, 2, 5].into_iter().enumerate() {
            n.on_message(
                &mut cx,
                NodeId(2),
                RingMsg::Hop { seq: seq as u64, body: Circulating::Election { candidate } },
            );
        }
        let forwarded: Vec<RingMsg> =
            cx.take_effects().sends.into_iter().filter(|(to, _)| *to == NodeId(4)).map(|(_, m)| m).collect();
        assert_eq!(
            forwarded,
            vec![
                RingMsg::Hop { seq: 0, body: Circulating::Election { candidate: 3 } },
                RingMsg::Hop { seq: 1, body: Circulating::Election { candidate: 5 } },
            ]
        );
    }

    #[test]
    fn an_unacknowledged_hop_skips_the_silent_successor() {
        let (mut n, mut cx) = node(1, 4);
        n.on_client(&mut cx, ClientOp::StartElection);
        cx.take_effects();
        let election = Circulating::Election { candidate: 1 };
        for _ in 0..ATTEMPTS - 1 {
            n.on_timer(&mut cx, RingTimer::Ack(0));
        }
        let retries = cx.take_effects().sends;
        let first = RingMsg::Hop { seq: 0, body: election.clone() };
        assert_eq!(retries, vec![(NodeId(2), first); ATTEMPTS as usize - 1], "the same hop to the same successor");
        n.on_timer(&mut cx, RingTimer::Ack(0));
        assert_eq!(cx.take_effects().sends, vec![(NodeId(3), RingMsg::Hop { seq: 1, body: election })]);
    }

    // A retransmitted hop is acknowledged again but acted on once: a slow successor does not
    // multiply the circulating messages (a storm found by `workbench check ring`, seed 7).
    #[test]
    fn a_retransmitted_hop_is_acted_on_once() {
        let (mut n, mut cx) = node(3, 6);
        let copy = hop(Circulating::Election { candidate: 5 });
        n.on_message(&mut cx, NodeId(2), copy.clone());
        n.on_message(&mut cx, NodeId(2), copy);
        let sends = cx.take_effects().sends;
        let acks = sends.iter().filter(|(to, m)| *to == NodeId(2) && matches!(m, RingMsg::Ack { seq: 0 })).count();
        let forwarded = sends.iter().filter(|(to, _)| *to == NodeId(4)).count();
        assert_eq!((acks, forwarded), (2, 1));
    }

    // Found by `workbench check ring` (seed 830): the highest id crashed with its own election
    // in flight, and its id went round the ring for ever. The node that skips it takes over.
    #[test]
    fn an_election_for_a_dead_candidate_is_taken_over_by_the_node_that_skips_it() {
        let (mut n, mut cx) = node(3, 5);
        n.on_message(&mut cx, NodeId(2), hop(Circulating::Election { candidate: 4 }));
        for _ in 0..ATTEMPTS {
            n.on_timer(&mut cx, RingTimer::Ack(0));
        }
        let last = cx.take_effects().sends.pop();
        assert_eq!(last, Some((NodeId(0), RingMsg::Hop { seq: 1, body: Circulating::Election { candidate: 3 } })));
    }

    #[test]
    fn formula_table() {
        assert_eq!(hops(8, Method::ChangRoberts, false, Start::One(7)), Some(15), "best: 2N-1");
        assert_eq!(hops(8, Method::ChangRoberts, false, Start::One(0)), Some(22), "worst: 3N-2");
        assert_eq!(hops(8, Method::ChangRoberts, true, Start::All), Some(43), "N(N+1)/2 + N-1");
        assert_eq!(hops(8, Method::Collect, false, Start::One(3)), Some(15));
    }
}
