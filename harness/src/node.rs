//! The Node contract: every algorithm is a deterministic, sans-I/O state machine.
//!
//! A node never sleeps, spawns, reads the clock or touches a socket. It reacts to one input at a
//! time (start, a message, a timer, a client operation) and writes what it wants done into its
//! [`Context`]; after the inputs due at one instant, [`Node::on_step_end`] closes the step. The
//! runtime (simulator or threads) carries the effects out.

use std::fmt::Debug;

use crate::{ClientOp, Context, Family, Message, NodeId, RunSpec, Settings, SpecError};

/// A deterministic state machine driven by a runtime.
pub trait Node: Send + Sized + 'static {
    /// The messages nodes of this algorithm exchange.
    type Msg: Message;
    /// The names of this algorithm's timers. Setting a timer that is already set replaces it.
    type Timer: Copy + Eq + Ord + Debug + Send + 'static;
    /// What survives a crash. [`Context::persist`] replaces it; a restart hands the last
    /// persisted value to [`Node::new`]. Algorithms with no durable state use `()`.
    type Stable: Clone + Debug + Send + 'static;
    /// Parameters fixed for a run (variant, timeouts, ...), built by [`Algorithm::configure`].
    type Config: Clone + Debug + Send + Sync + 'static;

    /// Builds node `id` of a cluster of `nodes` nodes. `stable` is `None` on a first start and
    /// the last persisted value on a restart after a crash; nothing else carries over.
    fn new(id: NodeId, nodes: usize, config: &Self::Config, stable: Option<Self::Stable>) -> Self;

    /// Called once when the node starts (and again after each restart).
    fn on_start(&mut self, cx: &mut Context<Self>);

    /// A message from a peer has arrived.
    fn on_message(&mut self, cx: &mut Context<Self>, from: NodeId, msg: Self::Msg);

    /// A timer set with [`Context::set_timer`] has fired and was not cancelled or replaced.
    fn on_timer(&mut self, cx: &mut Context<Self>, timer: Self::Timer);

    /// The workload driver submits a client operation to this node.
    fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp);

    /// The end of a step: every input due at this instant has been handed over, one call each.
    /// A node that accumulates work across inputs flushes it here (Raft appends each command as it
    /// arrives and sends one AppendEntries per follower for all of them). Both runtimes call it
    /// once after each step in which the node took an input; the default does nothing.
    fn on_step_end(&mut self, cx: &mut Context<Self>) {
        let _ = cx;
    }
}

/// A named, registered algorithm: a [`Node`] plus what the CLI and reports need to know of it.
pub trait Algorithm: Node {
    /// The name used on the command line (`workbench run <NAME>`).
    const NAME: &'static str;
    /// The family, which fixes the client operations, the driver and the checkers.
    const FAMILY: Family;
    /// One line for `workbench list`.
    const SUMMARY: &'static str;
    /// Selectable variants: `(name, one-line description)`. The default variant is unnamed.
    const VARIANTS: &'static [(&'static str, &'static str)] = &[];

    /// Checkers for what this algorithm promises beyond its family's invariants (entry in
    /// timestamp order, one value chosen per slot, ...). They run after every run.
    fn extra_checkers(spec: &RunSpec) -> Vec<Box<dyn crate::checkers::Checker>> {
        let _ = spec;
        Vec::new()
    }

    /// The textbook message count, the scenario it holds in, and the count it predicts.
    fn formula() -> Option<crate::formula::Formula> {
        None
    }

    /// What the textbook says of the size of one message kind (the Suzuki-Kasami token holds N
    /// request numbers): `formulas` measures that kind's bytes in the formula scenario at every N
    /// and checks the order of growth.
    fn size_law() -> Option<crate::formula::SizeLaw> {
        None
    }

    /// Election family: the bound the algorithm states from a trigger (start, leader crash,
    /// restart) to agreement, for a run of `nodes` nodes configured as `config` (so it grows with
    /// N and with the network's latency, which the timeouts derive from). The family's termination
    /// checker holds it to that bound; `None` states none and leaves termination unchecked.
    fn termination_bound(config: &Self::Config, nodes: usize) -> Option<std::time::Duration> {
        let _ = (config, nodes);
        None
    }

    /// How many nodes may be down at once in a fault campaign for `spec` and the algorithm still
    /// make progress: a minority by default; less where quorums are larger than a majority (the
    /// Flexible Paxos variant), so a campaign's stall is never mistaken for a bug.
    fn crash_budget(spec: &RunSpec) -> usize {
        spec.nodes.saturating_sub(1) / 2
    }

    /// The fault classes this algorithm is designed to survive, for fault campaigns
    /// (`workbench check`): a campaign draws only these, so every failure it finds is a bug.
    const TOLERATES: &'static [crate::FaultClass] = &[crate::FaultClass::Timing];

    /// Message kinds that are failure-detection traffic (heartbeats, pings), reported apart from
    /// the algorithm's own messages.
    const DETECTION_KINDS: &'static [&'static str] = &[];

    /// Replication only: clients send each command to every node at once, each copy taking one
    /// network delay drawn from the run's latency model (Fast Paxos's clients talk to the
    /// acceptors directly), instead of to the one node they think leads. Nodes that are not
    /// meant to answer a copy stay silent; the first `Ok` answers the command.
    const CLIENTS_SEND_TO_ALL: bool = false;

    /// Replication only: message kinds spent on reads alone, when reads can skip the log
    /// (Raft's ReadIndex confirmation round). The record's `reads.messages_per_read` counts
    /// these per read; in a run that sent none of them reads went through the log and cost
    /// what any command costs.
    const READ_KINDS: &'static [&'static str] = &[];

    /// Replication only: the algorithm hands leadership over on [`ClientOp::TransferLeadership`],
    /// so run descriptions may plan `transfer:` faults for it (others refuse them).
    const TRANSFERS_LEADERSHIP: bool = false;

    /// Replication only: the algorithm changes its configuration on
    /// [`ClientOp::ChangeMembership`], so run descriptions may start `spare` nodes and plan
    /// `add:` / `remove:` faults for it (others refuse them). Nodes `nodes..nodes + spare` are
    /// built like the others (`Node::new(id, nodes, ..)`) and must stay out of the
    /// configuration until a change brings them in.
    const CHANGES_MEMBERSHIP: bool = false;

    /// Parameters a campaign varies from run to run, each with the values it draws from
    /// (uniformly; one the user gave with `--param` is kept): Raft's `snapshot_every`, so
    /// snapshot points fall at random places in campaign runs.
    const CAMPAIGN_PARAMS: &'static [(&'static str, &'static [&'static str])] = &[];

    /// Builds the run configuration from what the algorithm may know of the run: its variant
    /// ([`Settings::variant`]), cluster size, the network's timing bounds (every timeout derives
    /// from them, by a rule the crate doc states) and its parameters ([`Settings::params`], each
    /// read with its default). An unknown variant or parameter is an error naming it.
    fn configure(settings: &mut Settings) -> Result<Self::Config, SpecError>;
}
