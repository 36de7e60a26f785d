//! The replication-family driver: closed-loop clients of the replicated key-value store.
//!
//! Each client has one command outstanding, and waits up to `client_think` between commands.
//! Clients stand outside partitions (they reach every node), as in Jepsen. A client sends its
//! command to the node it believes leads and remembers the newest (term, leader) it has heard of:
//!
//! - on `NotLeader { hint, term }` it follows the hint only if it is newer than what it knows (a
//!   higher term, or a first hint), after a client round trip; otherwise it tries the next node in
//!   turn, after a short pause, skipping once the node that last left it without an answer. Terms only
//!   grow, so stale hints cannot send it round in circles;
//! - on silence for `client_timeout` it sends the same command (same client id and sequence
//!   number) to the next node, and suspects the silent one.
//!
//! With `arrival_rate`, the loop is open: commands arrive at exponentially distributed intervals
//! (a Poisson process) whether or not earlier ones were answered; an idle client takes each one,
//! and a new client joins when all are busy (a client is one process of the history: one command
//! outstanding at a time). Newcomers send to the leader the clients know of. Arrivals start once
//! a first command has been answered, so the queue of the first election is not measured.
//!
//! Keys are uniform or Zipf-distributed (`key_skew`); `read_share` sets the share of reads;
//! `value_size` pads each written value to that many bytes.
//!
//! The store's deduplication makes retries take effect once. Each client's commands, with
//! invocation and completion times, form the history the linearizability checker reads; a
//! command still unanswered at the end has an unknown outcome.

use std::collections::HashMap;
use std::time::Duration;

use rand::Rng;
use rand_distr::{Distribution, Exp, Zipf};

use crate::kv::{Command, Key, KvOp};
use crate::{ClientOp, ClientOperation, ClientReply, Driver, DriverContext, Event, NodeId, ReplyOutcome, Workload};

/// How long a client waits before trying the next node when nobody knows a newer leader, in
/// round trips (at least [`MIN_NO_LEADER_DELAY`]).
const NO_LEADER_ROUND_TRIPS: u32 = 5;
const MIN_NO_LEADER_DELAY: Duration = Duration::from_millis(10);

/// How a run's clients pace their retries: derived from the network (see [`crate::Timing`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientTiming {
    /// Silence this long means the node is not serving the command: send it elsewhere.
    pub timeout: Duration,
    /// A client's round trip to follow a hint.
    pub redirect: Duration,
    /// The pause before trying the next node when nobody named a newer leader.
    pub no_leader: Duration,
}

impl ClientTiming {
    /// Client pacing for `timing`, with the resend timeout `timeout`.
    pub fn new(timing: &crate::Timing, timeout: Duration) -> Self {
        ClientTiming {
            timeout,
            redirect: timing.round_trip,
            no_leader: MIN_NO_LEADER_DELAY.max(timing.round_trip * NO_LEADER_ROUND_TRIPS),
        }
    }
}

const WAKE_TIMEOUT: u64 = 0;
const WAKE_RESEND: u64 = 1;
/// The client's think time after `command` is over: its next command starts.
const WAKE_NEXT: u64 = 2;
/// Open loop: the next command arrives.
const WAKE_ARRIVAL: u64 = 3;

impl Client {
    fn new(target: NodeId, known: Option<(u64, NodeId)>) -> Self {
        Client { target, known, suspect: None, outstanding: None, next_seq: 1 }
    }
}

#[derive(Debug)]
struct Client {
    /// The node it sends to.
    target: NodeId,
    /// The newest (term, leader) it has heard of.
    known: Option<(u64, NodeId)>,
    /// The node that last left a command unanswered: skipped when trying nodes in turn.
    suspect: Option<NodeId>,
    /// Its outstanding command: index into the history, and the attempt number.
    outstanding: Option<(usize, u32)>,
    next_seq: u64,
}

/// Clients issuing a mix of puts, gets, appends and compare-and-sets, in a closed loop or at
/// open-loop arrivals.
pub struct ReplicationDriver {
    nodes: usize,
    workload: Workload,
    /// Key popularity, when skewed.
    zipf: Option<Zipf<f64>>,
    /// Open loop: clients with nothing outstanding, and arrivals waiting for one (only when the
    /// client limit is reached).
    idle: Vec<usize>,
    backlog: u64,
    /// Open loop: whether arrivals have started (after the first answer).
    arriving: bool,
    /// The newest (term, leader) any client has heard of: where a newcomer sends first.
    latest: Option<(u64, NodeId)>,
    timing: ClientTiming,
    target: Option<u64>,
    clients: Vec<Client>,
    history: Vec<ClientOperation>,
    /// Per key, the values puts have issued so far, in issue order (what a CAS may expect).
    put_values: HashMap<Key, Vec<String>>,
    issued: u64,
    completed: u64,
    /// Send every command to every node, each copy delayed by a draw from this latency
    /// ([`crate::Algorithm::CLIENTS_SEND_TO_ALL`]).
    to_all: Option<crate::Latency>,
}

/// A wake-up names the command (its index in the history), the attempt and what to do, so a
/// stale wake-up of an earlier command or attempt is recognised.
fn token(command: usize, attempt: u32, what: u64) -> u64 {
    (command as u64) << 24 | (attempt as u64 & 0x3F_FFFF) << 2 | what
}

impl ReplicationDriver {
    /// `clients` clients for a cluster of `nodes`, completing `target` commands.
    pub fn new(nodes: usize, workload: Workload, timing: ClientTiming, target: Option<u64>) -> Self {
        let clients = (0..workload.clients).map(|c| Client::new(NodeId(c % nodes as u32), None)).collect();
        let zipf = (workload.key_skew > 0.0)
            .then(|| Zipf::new(f64::from(workload.keys), workload.key_skew).expect("validated skew"));
        ReplicationDriver {
            nodes,
            idle: if workload.arrival_rate.is_some() {
                (0..workload.clients as usize).rev().collect()
            } else {
                Vec::new()
            },
            backlog: 0,
            arriving: false,
            latest: None,
            zipf,
            workload,
            timing,
            target,
            clients,
            history: Vec::new(),
            put_values: HashMap::new(),
            issued: 0,
            completed: 0,
            to_all: None,
        }
    }

    /// Clients send every command to every node, each copy after a draw from `latency`.
    pub fn sending_to_all(mut self, latency: crate::Latency) -> Self {
        self.to_all = Some(latency);
        self
    }

    fn generate(&self, dx: &mut DriverContext, client: usize, seq: u64) -> KvOp {
        let key = match &self.zipf {
            Some(zipf) => (zipf.sample(dx.rng()) as u32).clamp(1, self.workload.keys) - 1,
            None => dx.rng().random_range(0..self.workload.keys),
        };
        let mut value = format!("{client}.{seq}");
        let size = self.workload.value_size as usize;
        if value.len() < size {
            value.extend(std::iter::repeat_n('.', size - value.len()));
        }
        // 0-3 put, 4-6 get, 7-8 append, 9 compare-and-set; with a read share, reads at that
        // rate and writes 4:2:1 otherwise.
        let kind = match self.workload.read_share {
            None => dx.rng().random_range(0..10),
            Some(share) if dx.rng().random_bool(share) => 4,
            Some(_) => [0, 1, 2, 3, 7, 8, 9][dx.rng().random_range(0..7)],
        };
        match kind {
            0..=3 => KvOp::Put { key, value },
            4..=6 => KvOp::Get { key },
            7..=8 => KvOp::Append { key, value },
            _ => {
                // Expect the value some earlier put of this key wrote, or nothing.
                let earlier = self.put_values.get(&key).map_or(&[][..], Vec::as_slice);
                let expected = if earlier.is_empty() || dx.rng().random_bool(0.2) {
                    None
                } else {
                    Some(earlier[dx.rng().random_range(0..earlier.len())].clone())
                };
                KvOp::Cas { key, expected, new: value }
            }
        }
    }

    /// Starts the client's next command, if the budget allows.
    fn next_command(&mut self, dx: &mut DriverContext, client: usize) {
        if self.target.is_some_and(|t| self.issued >= t) {
            return;
        }
        self.issued += 1;
        let seq = self.clients[client].next_seq;
        self.clients[client].next_seq += 1;
        let op = self.generate(dx, client, seq);
        if let KvOp::Put { key, value } = &op {
            self.put_values.entry(*key).or_default().push(value.clone());
        }
        self.history.push(ClientOperation {
            client: client as u32,
            seq,
            op,
            invoked: dx.now(),
            completed: None,
            retries: 0,
            redirects: 0,
        });
        self.clients[client].outstanding = Some((self.history.len() - 1, 0));
        self.send(dx, client);
    }

    fn send(&mut self, dx: &mut DriverContext, client: usize) {
        let Some((index, attempt)) = self.clients[client].outstanding else { return };
        let operation = &self.history[index];
        let command = Command { client: operation.client, seq: operation.seq, op: operation.op.clone() };
        if let Some(latency) = &self.to_all {
            for node in NodeId::all(self.nodes) {
                let after = latency.sample(dx.rng());
                dx.submit_after(node, ClientOp::submit(command.clone()), after);
            }
        } else {
            dx.submit(self.clients[client].target, ClientOp::submit(command));
        }
        dx.wake_after(self.timing.timeout, token(index, attempt, WAKE_TIMEOUT));
    }

    /// Open loop: schedules the next arrival, if the budget allows one.
    fn schedule_arrival(&mut self, dx: &mut DriverContext) {
        let Some(rate) = self.workload.arrival_rate else { return };
        if self.target.is_some_and(|t| self.issued + self.backlog >= t) {
            return;
        }
        let gap: f64 = Exp::new(rate).expect("validated rate").sample(dx.rng());
        dx.wake_after(Duration::from_secs_f64(gap), WAKE_ARRIVAL);
    }

    /// Open loop: a command arrives; an idle client (or a new one) takes it.
    fn arrive(&mut self, dx: &mut DriverContext) {
        let client = match self.idle.pop() {
            Some(client) => Some(client),
            None if self.clients.len() < crate::limits::CLIENTS as usize => {
                let first = self.latest.map_or(NodeId(self.clients.len() as u32 % self.nodes as u32), |(_, n)| n);
                self.clients.push(Client::new(first, self.latest));
                Some(self.clients.len() - 1)
            }
            None => None,
        };
        match client {
            Some(client) => self.next_command(dx, client),
            None => self.backlog += 1,
        }
        self.schedule_arrival(dx);
    }

    /// A client is done with its command: in the open loop it takes a waiting arrival or idles;
    /// in the closed loop it starts the next command, after its think time.
    fn done(&mut self, dx: &mut DriverContext, client: usize, index: usize) {
        if self.workload.arrival_rate.is_some() {
            if !self.arriving {
                self.arriving = true;
                self.schedule_arrival(dx);
            }
            if self.backlog > 0 {
                self.backlog -= 1;
                self.next_command(dx, client);
            } else {
                self.idle.push(client);
            }
        } else if self.workload.client_think.is_zero() {
            self.next_command(dx, client);
        } else {
            let think = dx.rng().random_range(Duration::ZERO..=self.workload.client_think);
            dx.wake_after(think, token(index, 0, WAKE_NEXT));
        }
    }

    /// The node after `node` in turn, skipping the client's suspect (unless it is the only other)
    /// once: the next lap tries it again, since it may lead with nobody left to say so (the
    /// other nodes were removed from the configuration, say).
    fn next_node(&mut self, client: usize, node: NodeId) -> NodeId {
        let step = |n: NodeId| NodeId((n.0 + 1) % self.nodes as u32);
        let next = step(node);
        match self.clients[client].suspect {
            Some(suspect) if suspect == next && step(next) != node => {
                self.clients[client].suspect = None;
                step(next)
            }
            _ => next,
        }
    }
}

impl Driver for ReplicationDriver {
    fn start(&mut self, dx: &mut DriverContext) {
        if self.workload.arrival_rate.is_some() {
            // One command first: arrivals start once the cluster has answered it, so the open
            // loop measures service, not the queue that piled up during the first election.
            let probe = self.idle.pop().unwrap_or_else(|| {
                self.clients.push(Client::new(NodeId(0), None));
                self.clients.len() - 1
            });
            return self.next_command(dx, probe);
        }
        for client in 0..self.clients.len() {
            self.next_command(dx, client);
        }
    }

    fn on_event(&mut self, _dx: &mut DriverContext, _event: &Event) {}

    fn on_reply(&mut self, dx: &mut DriverContext, node: NodeId, reply: &ClientReply) {
        let client = reply.client as usize;
        let Some(state) = self.clients.get(client) else { return };
        let Some((index, attempt)) = state.outstanding else { return };
        if self.history[index].seq != reply.seq {
            return; // an answer to an earlier attempt of a finished command
        }
        match &reply.outcome {
            ReplyOutcome::Ok(result) => {
                self.history[index].completed = Some((dx.now(), result.clone()));
                let state = &mut self.clients[client];
                state.outstanding = None;
                state.target = node;
                // The node that answered leads, in a term no older than the one known.
                state.known = Some((state.known.map_or(0, |(term, _)| term), node));
                if state.suspect == Some(node) {
                    state.suspect = None;
                }
                if self.latest.is_none_or(|(term, _)| state.known.is_some_and(|(t, _)| t >= term)) {
                    self.latest = state.known;
                }
                self.completed += 1;
                self.done(dx, client, index);
            }
            ReplyOutcome::NotLeader { hint, term } => {
                self.history[index].redirects += 1;
                let known = self.clients[client].known;
                let newer = known.is_none_or(|(known_term, _)| *term > known_term);
                // A node vouches, at a term no older than ours, that the node we gave up on
                // leads: it was slow, not gone, so it is back in the rotation (or a client
                // that timed out on the leader once would skip it for good).
                let current = known.is_none_or(|(known_term, _)| *term >= known_term);
                if current && hint.is_some() && *hint == self.clients[client].suspect {
                    self.clients[client].suspect = None;
                }
                let (next, delay) = match hint.filter(|h| *h != node && newer) {
                    Some(leader) => {
                        let state = &mut self.clients[client];
                        state.known = Some((*term, leader));
                        if state.suspect == Some(leader) {
                            state.suspect = None;
                        }
                        (leader, self.timing.redirect)
                    }
                    None => (self.next_node(client, node), self.timing.no_leader),
                };
                self.clients[client].target = next;
                self.clients[client].outstanding = Some((index, attempt + 1));
                dx.wake_after(delay, token(index, attempt + 1, WAKE_RESEND));
            }
        }
    }

    fn on_wake(&mut self, dx: &mut DriverContext, token: u64) {
        if token == WAKE_ARRIVAL {
            return self.arrive(dx);
        }
        let command = (token >> 24) as usize;
        let attempt = ((token >> 2) & 0x3F_FFFF) as u32;
        let Some(operation) = self.history.get(command) else { return };
        let client = operation.client as usize;
        if token & 3 == WAKE_NEXT {
            return self.next_command(dx, client);
        }
        let Some((index, current)) = self.clients[client].outstanding else { return };
        if index != command || current != attempt {
            return; // superseded by a reply or a later attempt
        }
        if token & 3 == WAKE_TIMEOUT {
            self.history[index].retries += 1;
            let silent = self.clients[client].target;
            self.clients[client].suspect = Some(silent);
            let next = self.next_node(client, silent);
            self.clients[client].target = next;
            self.clients[client].outstanding = Some((index, attempt + 1));
        }
        self.send(dx, client);
    }

    fn finished(&self) -> bool {
        self.target.is_some_and(|t| self.completed >= t)
    }

    fn client_history(&self) -> Vec<ClientOperation> {
        self.history.clone()
    }
}
