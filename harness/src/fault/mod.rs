//! Fault plans: a timed list of crashes, restarts, partitions, bridges, one-way cuts, slow nodes
//! and lossy bursts.
//!
//! A fault has one text form, used on the command line (`--fault`), in scenario files
//! (`faults = ["crash:leader@1s"]`), in records and in messages; [`TimedFault`]'s `FromStr` and
//! `Display` round-trip:
//!
//! | text | meaning |
//! |---|---|
//! | `crash:2@100ms` | node 2 crashes at 100 ms and stays down |
//! | `crash:2@100ms..300ms` | node 2 crashes at 100 ms and restarts from stable storage at 300 ms |
//! | `crash:leader@1s` | the node that leads when the fault strikes crashes |
//! | `restart:2@1s` | node 2 restarts at 1 s (`restart:leader`: the node `crash:leader` took) |
//! | `partition:0,1\|2,3,4@1s..2s` | two-way partition into {0,1} and {2,3,4}; nodes in no group form one more group |
//! | `partition:leader\|rest@1s..2s` | the current leader is cut off from every other node |
//! | `bridge:0,1\|2\|3,4@1s..2s` | {0,1} and {3,4} cannot talk; node 2 still talks to both (Jepsen's "bridge") |
//! | `cut:0->1@1s..2s` | messages from 0 to 1 are lost (one-way); `cut:leader->3` too |
//! | `slow:3+5ms@0ms..1s` | messages to and from node 3 take 5 ms longer; `slow:leader+20ms` too |
//! | `lossy:drop=0.2,dup=0.1,reorder@1s..2s` | a burst: every link loses, duplicates and reorders |
//! | `heal@2s` | every partition and cut in force ends |
//! | `transfer:leader->3@1s` | the leader is asked to hand leadership to node 3 (algorithms that transfer) |
//! | `drift:2+10%@1s..3s` | node 2's clock runs 10% fast from 1 s to 3 s (`-10%`: slow; `drift:leader-50%` too) |
//! | `add:5@1s` | the leader is asked to bring node 5 (a spare, `--spare`) into the configuration (algorithms that change membership) |
//! | `remove:3@2s` | the leader is asked to take node 3 out of the configuration (`remove:leader`: itself) |
//!
//! `leader` is resolved when the fault strikes, from what the nodes have observed: the live node
//! that announced itself leader of the highest term. With no leader known at that moment (or in
//! an algorithm that has none) the fault hits nobody and the run goes on; the record says so.
//!
//! A fault can also wait for an event instead of a time: `crash:voter@vote>1s..+10ms` crashes
//! the first node that votes at or after 1 s, at that very step (what it would have sent in the
//! step is lost, what it persisted is kept), and restarts it 10 ms later;
//! `partition:leader|rest@leader>1s..+300ms` isolates the first node to become leader after 1 s
//! the instant it does. The end of a triggered fault is counted from its strike (`+D`). Events: `vote` (a node casts a vote, its own candidacy included; `voter`
//! names it), `leader` (a node announces itself leader) and `commit` (a leader's commit index
//! advances). In the simulator the fault strikes within the step that emitted the event; in the
//! threads runtime as soon as the coordinator hears of it.

mod grammar;
mod links;
mod schedule;
mod validate;

use std::time::Duration;

pub use links::{FaultAction, LinkBlock, LinkState};
pub use schedule::{FaultSchedule, FaultStrike, LeaderView, Phase, Step};

use crate::NodeId;

/// Classes of fault a campaign can draw from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum FaultClass {
    /// Crash, then restart from stable storage.
    Crash,
    /// Two-way partitions, bridges (a partial partition that one node spans) and one-way cuts
    /// (messages across them are lost), healed later.
    Partition,
    /// Slow nodes: messages to and from them take longer (links stay FIFO).
    Timing,
    /// Lossy bursts: for a while every link loses, duplicates and (maybe) reorders messages.
    Loss,
    /// Duplication bursts: for a while every link delivers some messages twice (FIFO, nothing
    /// lost), the fault a protocol with stamps or sequence numbers is built to absorb.
    Duplication,
}

impl FaultClass {
    /// Every class: what a protocol built for crash-recovery on an unreliable asynchronous
    /// network (Raft, Paxos) is meant to survive.
    pub const ALL: &'static [FaultClass] =
        &[FaultClass::Crash, FaultClass::Partition, FaultClass::Timing, FaultClass::Loss, FaultClass::Duplication];
}

impl std::str::FromStr for FaultClass {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "crash" => Ok(FaultClass::Crash),
            "partition" => Ok(FaultClass::Partition),
            "timing" => Ok(FaultClass::Timing),
            "loss" => Ok(FaultClass::Loss),
            "duplication" => Ok(FaultClass::Duplication),
            other => Err(format!(
                "`{}` is not a fault class (use crash, partition, timing, loss or duplication)",
                crate::excerpt(other)
            )),
        }
    }
}

/// A node a fault names: by id, or by its role when the fault strikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeRef {
    Id(NodeId),
    /// The live node that leads when the fault strikes.
    Leader,
    /// The node whose vote triggered the fault (with the `vote` trigger only).
    Voter,
}

/// An event a fault can wait for instead of a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// A node casts a vote (Raft's `Voted` observation, a candidate's vote for itself included).
    Vote,
    /// A node announces itself leader.
    Leader,
    /// A leader's commit index advances (followers learning of it do not count).
    Commit,
}

impl From<NodeId> for NodeRef {
    fn from(id: NodeId) -> Self {
        NodeRef::Id(id)
    }
}

/// One side of a partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Group {
    /// These nodes.
    Nodes(Vec<NodeRef>),
    /// Every node no other group lists.
    Rest,
}

/// One kind of fault.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// The node stops; its volatile state is lost, its stable storage kept.
    Crash { node: NodeRef },
    /// A crashed node comes back, rebuilt from its stable storage.
    Restart { node: NodeRef },
    /// Two-way partition: nodes in different groups cannot exchange messages. Nodes no group
    /// lists form one more group.
    Partition { groups: Vec<Group> },
    /// Partial partition: `left` and `right` cannot talk to each other, while `via` (and any node
    /// in neither side) still talks to both, so each side sees a different majority. This is
    /// Jepsen's "bridge" nemesis; it is how a real switch fault can leave one node as the only
    /// link between two halves.
    Bridge { left: Vec<NodeId>, via: NodeId, right: Vec<NodeId> },
    /// One-way cut: messages from `from` to `to` are lost.
    Cut { from: NodeRef, to: NodeRef },
    /// Messages to and from `node` take `extra` longer.
    Slow { node: NodeRef, extra: Duration },
    /// Every link loses, duplicates and maybe reorders messages (on top of the network's own
    /// settings).
    Lossy(Lossiness),
    /// Every partition and cut in force ends.
    Heal,
    /// An operator asks `from` (the leader, usually) to hand leadership to `to`.
    Transfer { from: NodeRef, to: NodeId },
    /// `node`'s clock runs `drift_ppm` parts per million fast (negative: slow): its timers and
    /// its reading of the time ([`crate::clock`]). The offset it gained stays when it ends.
    Drift { node: NodeRef, drift_ppm: i64 },
    /// An operator asks the leader to bring `node` into the configuration.
    Add { node: NodeId },
    /// An operator asks the leader to take `node` out of the configuration.
    Remove { node: NodeRef },
}

impl Fault {
    /// Whether the fault names a node by its role, resolved when it strikes.
    pub fn aims_at_a_role(&self) -> bool {
        let role = |r: &NodeRef| !matches!(r, NodeRef::Id(_));
        match self {
            Fault::Crash { node }
            | Fault::Restart { node }
            | Fault::Slow { node, .. }
            | Fault::Drift { node, .. }
            | Fault::Remove { node } => role(node),
            // The leader is asked: it aims at the leader whoever it adds.
            Fault::Add { .. } => true,
            Fault::Transfer { from, .. } => role(from),
            Fault::Cut { from, to } => role(from) || role(to),
            Fault::Partition { groups } => {
                groups.iter().any(|g| matches!(g, Group::Nodes(nodes) if nodes.iter().any(role)))
            }
            Fault::Bridge { .. } | Fault::Lossy(_) | Fault::Heal => false,
        }
    }

    /// Whether the fault changes the configuration (`add:`, `remove:`).
    pub fn changes_membership(&self) -> bool {
        matches!(self, Fault::Add { .. } | Fault::Remove { .. })
    }

    /// Whether the fault cuts links (partitions, bridges, cuts), which `heal` ends.
    pub fn cuts_links(&self) -> bool {
        matches!(self, Fault::Partition { .. } | Fault::Bridge { .. } | Fault::Cut { .. })
    }
}

/// How lossy a burst makes the links.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lossiness {
    /// Probability in [0, 1] that a message is lost.
    pub drop: f64,
    /// Probability in [0, 1] that a delivered message is delivered twice.
    pub duplicate: f64,
    pub reorder: bool,
}

/// A fault that starts at `at` and, if `until` is given, is undone then. With a trigger it
/// starts at the first such event at or after `at`, and `until` counts from that moment.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedFault {
    pub at: Duration,
    pub trigger: Option<Trigger>,
    pub until: Option<Duration>,
    pub fault: Fault,
}

impl TimedFault {
    /// A fault at a fixed time.
    pub fn timed(fault: Fault, at: Duration, until: Option<Duration>) -> Self {
        TimedFault { at, trigger: None, until, fault }
    }

    /// Whether it names a node by role or waits for an event.
    pub fn needs_leaders(&self) -> bool {
        self.trigger.is_some() || self.fault.aims_at_a_role()
    }
}

/// The faults of one run. In a run description it is a list of fault texts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultPlan {
    pub faults: Vec<TimedFault>,
}

impl FaultPlan {
    /// The plan of fault texts (`crash:2@100ms`, ...), or the first text that is not a fault,
    /// named by its place (`faults[1]: ...`).
    pub fn parse<S: AsRef<str>>(texts: &[S]) -> Result<FaultPlan, String> {
        let faults = texts
            .iter()
            .enumerate()
            .map(|(i, text)| text.as_ref().parse().map_err(|e| format!("faults[{i}]: {e}")))
            .collect::<Result<_, _>>()?;
        Ok(FaultPlan { faults })
    }

    /// Whether any fault names a node by its role or waits for an event.
    pub fn aims_at_roles(&self) -> bool {
        self.faults.iter().any(TimedFault::needs_leaders)
    }

    /// Whether the plan is empty.
    pub fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }
}

impl serde::Serialize for FaultPlan {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.faults.iter().map(|f| f.to_string()))
    }
}

impl<'de> serde::Deserialize<'de> for FaultPlan {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let texts = Vec::<String>::deserialize(deserializer)?;
        FaultPlan::parse(&texts).map_err(serde::de::Error::custom)
    }
}
