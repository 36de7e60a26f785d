//! The replication-family driver: closed-loop clients of the replicated key-value store.
//!
//! Each client has one command outstanding, and waits up to `client_think` between commands.
//! Clients stand outside partitions (they reach every node), as in Jepsen. A client sends its
//! command to the node it believes leads and remembers the newest (term, leader) it has heard of:
//!
//! - on `NotLeader { hint, term }` it follows the hint only if it is newer than what it knows (a
//!   higher term, or a first hint), after a client round trip; otherwise it tries the next node in
//!   turn, after a short pause, skipping the node that last left it without an answer. Terms only
//!   grow, so stale hints cannot send it round in circles;
//! - on silence for `client_timeout` it sends the same command (same client id and sequence
//!   number) to the next node, and suspects the silent one.
//!
//! The store's deduplication makes retries take effect once. Each client's commands, with
//! invocation and completion times, form the history the linearizability checker reads; a
//! command still unanswered at the end has an unknown outcome.

use std::collections::HashMap;
use std::time::Duration;

use rand::Rng;

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

/// Closed-loop clients issuing a mix of puts, gets, appends and compare-and-sets.
pub struct ReplicationDriver {
    nodes: usize,
    workload: Workload,
    timing: ClientTiming,
    target: Option<u64>,
    clients: Vec<Client>,
    history: Vec<ClientOperation>,
    /// Per key, the values puts have issued so far, in issue order (what a CAS may expect).
    put_values: HashMap<Key, Vec<String>>,
    issued: u64,
    completed: u64,
}

/// A wake-up names the command (its index in the history), the attempt and what to do, so a
/// stale wake-up of an earlier command or attempt is recognised.
fn token(command: usize, attempt: u32, what: u64) -> u64 {
    (command as u64) << 24 | (attempt as u64 & 0x3F_FFFF) << 2 | what
}

impl ReplicationDriver {
    /// `clients` clients for a cluster of `nodes`, completing `target` commands.
    pub fn new(nodes: usize, workload: Workload, timing: ClientTiming, target: Option<u64>) -> Self {
        let clients = (0..workload.clients)
            .map(|c| Client {
                target: NodeId(c % nodes as u32),
                known: None,
                suspect: None,
                outstanding: None,
                next_seq: 1,
            })
            .collect();
        ReplicationDriver {
            nodes,
            workload,
            timing,
            target,
            clients,
            history: Vec::new(),
            put_values: HashMap::new(),
            issued: 0,
            completed: 0,
        }
    }

    fn generate(&self, dx: &mut DriverContext, client: usize, seq: u64) -> KvOp {
        let key = dx.rng().random_range(0..self.workload.keys);
        let value = format!("{client}.{seq}");
        match dx.rng().random_range(0..10) {
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
        dx.submit(self.clients[client].target, ClientOp::Submit(command));
        dx.wake_after(self.timing.timeout, token(index, attempt, WAKE_TIMEOUT));
    }

    /// The node after `node` in turn, skipping the client's suspect (unless it is the only other).
    fn next_node(&self, client: usize, node: NodeId) -> NodeId {
        let step = |n: NodeId| NodeId((n.0 + 1) % self.nodes as u32);
        let next = step(node);
        match self.clients[client].suspect {
            Some(suspect) if suspect == next && step(next) != node => step(next),
            _ => next,
        }
    }
}

impl Driver for ReplicationDriver {
    fn start(&mut self, dx: &mut DriverContext) {
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
                self.completed += 1;
                if self.workload.client_think.is_zero() {
                    self.next_command(dx, client);
                } else {
                    let think = dx.rng().random_range(Duration::ZERO..=self.workload.client_think);
                    dx.wake_after(think, token(index, 0, WAKE_NEXT));
                }
            }
            ReplyOutcome::NotLeader { hint, term } => {
                self.history[index].redirects += 1;
                let known = self.clients[client].known;
                let newer = known.is_none_or(|(known_term, _)| *term > known_term);
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
