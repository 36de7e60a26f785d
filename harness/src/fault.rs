//! Fault plans: a timed list of crashes, restarts, partitions, bridges, one-way cuts and slow
//! nodes.
//!
//! On the command line a fault is written `KIND@AT[..UNTIL]`:
//!
//! | text | meaning |
//! |---|---|
//! | `crash:2@100ms` | node 2 crashes at 100 ms and stays down |
//! | `crash:2@100ms..300ms` | node 2 crashes at 100 ms and restarts from stable storage at 300 ms |
//! | `restart:2@1s` | node 2 restarts at 1 s |
//! | `partition:0,1\|2,3,4@1s..2s` | two-way partition into {0,1} and {2,3,4}; nodes in no group form one more group |
//! | `bridge:0,1\|2\|3,4@1s..2s` | {0,1} and {3,4} cannot talk; node 2 still talks to both (Jepsen's "bridge") |
//! | `cut:0->1@1s..2s` | messages from 0 to 1 are lost (one-way) |
//! | `slow:3+5ms@0ms..1s` | messages to and from node 3 take 5 ms longer |
//! | `lossy:drop=0.2,dup=0.1,reorder@1s..2s` | a burst: every link loses, duplicates and reorders |
//! | `heal@2s` | every partition and cut ends |

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::duration::{format_duration, parse_duration};
use crate::{NodeId, SpecError};

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
            other => Err(format!("`{other}` is not a fault class (use crash, partition, timing, loss or duplication)")),
        }
    }
}

/// One kind of fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The node stops; its volatile state is lost, its stable storage kept.
    Crash { node: NodeId },
    /// A crashed node comes back, rebuilt from its stable storage.
    Restart { node: NodeId },
    /// Two-way partition: nodes in different groups cannot exchange messages.
    Partition { groups: Vec<Vec<NodeId>> },
    /// Partial partition: `left` and `right` cannot talk to each other, while `via` (and any node
    /// in neither side) still talks to both, so each side sees a different majority. This is
    /// Jepsen's "bridge" nemesis; it is how a real switch fault can leave one node as the only
    /// link between two halves.
    Bridge { left: Vec<NodeId>, via: NodeId, right: Vec<NodeId> },
    /// One-way cut: messages from `from` to `to` are lost.
    Cut { from: NodeId, to: NodeId },
    /// Messages to and from `node` take `extra` longer.
    Slow { node: NodeId, extra: Duration },
    /// Every link loses, duplicates and maybe reorders messages (on top of the network's own
    /// settings).
    Lossy(Lossiness),
    /// Every partition and cut in force ends.
    Heal,
}

/// How lossy a burst makes the links. Probabilities are kept in thousandths so plans compare
/// and print exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lossiness {
    pub drop_per_mille: u16,
    pub duplicate_per_mille: u16,
    pub reorder: bool,
}

impl Lossiness {
    /// The loss probability.
    pub fn drop(&self) -> f64 {
        f64::from(self.drop_per_mille) / 1000.0
    }

    /// The duplication probability.
    pub fn duplicate(&self) -> f64 {
        f64::from(self.duplicate_per_mille) / 1000.0
    }
}

/// Parses a probability in [0, 1] with at most three decimals into thousandths.
pub fn parse_per_mille(text: &str) -> Result<u16, String> {
    let p: f64 = text.trim().parse().map_err(|_| format!("`{}` is not a probability", text.trim()))?;
    if !(0.0..=1.0).contains(&p) {
        return Err(format!("`{}` is not a probability in [0, 1]", text.trim()));
    }
    Ok((p * 1000.0).round() as u16)
}

/// A fault that starts at `at` and, if `until` is given, is undone then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimedFault {
    pub at: Duration,
    pub until: Option<Duration>,
    pub fault: Fault,
}

/// The faults of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultPlan {
    pub faults: Vec<TimedFault>,
}

/// A blocking rule on links: which directed links it cuts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkBlock {
    /// `group_of[node]` names the node's side; links between sides are cut.
    Partition {
        group_of: Vec<u32>,
    },
    /// `side_of[node]` is 1 or 2 for the two sides of a bridge, 0 for the rest; links between
    /// side 1 and side 2 are cut.
    Sides {
        side_of: Vec<u8>,
    },
    Cut {
        from: NodeId,
        to: NodeId,
    },
}

impl LinkBlock {
    fn blocks(&self, from: NodeId, to: NodeId) -> bool {
        match self {
            LinkBlock::Partition { group_of } => group_of[from.index()] != group_of[to.index()],
            LinkBlock::Sides { side_of } => side_of[from.index()] * side_of[to.index()] == 2,
            LinkBlock::Cut { from: f, to: t } => *f == from && *t == to,
        }
    }
}

/// What a runtime does at one instant of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultAction {
    Crash(NodeId),
    Restart(NodeId),
    /// Start blocking links; `id` names the block so it can be lifted.
    Block {
        id: usize,
        block: LinkBlock,
    },
    Unblock {
        id: usize,
    },
    SlowStart {
        node: NodeId,
        extra: Duration,
    },
    SlowEnd {
        node: NodeId,
    },
    LossyStart {
        id: usize,
        lossiness: Lossiness,
    },
    LossyEnd {
        id: usize,
    },
    Heal,
}

impl FaultPlan {
    /// Checks every fault against a cluster of `nodes` nodes, naming the offending entry.
    pub fn validate(&self, nodes: usize) -> Result<(), SpecError> {
        for (i, timed) in self.faults.iter().enumerate() {
            let field = |name: &str| format!("fault[{i}].{name}");
            if let Some(until) = timed.until {
                if until <= timed.at {
                    return Err(SpecError::field(field("until"), "must be later than `at`"));
                }
            }
            let check = |node: NodeId, name: &str| {
                if node.index() >= nodes {
                    Err(SpecError::field(
                        field(name),
                        format!("node {} does not exist (nodes are 0..{})", node.0, nodes.saturating_sub(1)),
                    ))
                } else {
                    Ok(())
                }
            };
            // Every node listed exists and is listed once; `twice` says what a repeat means.
            let named_once = |listed: &mut dyn Iterator<Item = &NodeId>, twice: &str| {
                let mut seen = vec![false; nodes];
                for node in listed {
                    check(*node, "groups")?;
                    if std::mem::replace(&mut seen[node.index()], true) {
                        return Err(SpecError::field(field("groups"), format!("node {} {twice}", node.0)));
                    }
                }
                Ok(())
            };
            match &timed.fault {
                Fault::Crash { node } | Fault::Restart { node } | Fault::Slow { node, .. } => check(*node, "node")?,
                Fault::Cut { from, to } => {
                    check(*from, "from")?;
                    check(*to, "to")?;
                    if from == to {
                        return Err(SpecError::field(field("to"), "a cut needs two different nodes"));
                    }
                }
                Fault::Partition { groups } => {
                    if groups.iter().all(|g| g.is_empty()) {
                        return Err(SpecError::field(
                            field("groups"),
                            "a partition needs at least one non-empty group",
                        ));
                    }
                    named_once(&mut groups.iter().flatten(), "is in two groups")?;
                }
                Fault::Bridge { left, via, right } => {
                    check(*via, "via")?;
                    if left.is_empty() || right.is_empty() {
                        return Err(SpecError::field(field("groups"), "a bridge needs a node on each side"));
                    }
                    named_once(&mut std::iter::once(via).chain(left).chain(right), "is named twice in the bridge")?;
                }
                Fault::Lossy(l) => {
                    if l.drop_per_mille > 1000 || l.duplicate_per_mille > 1000 {
                        return Err(SpecError::field(field("lossy"), "probabilities must be in [0, 1]"));
                    }
                }
                Fault::Heal => {}
            }
        }
        Ok(())
    }

    /// The plan as instantaneous actions sorted by time (ties keep the plan's order), for a
    /// cluster of `nodes` nodes. Call after [`FaultPlan::validate`].
    pub fn actions(&self, nodes: usize) -> Vec<(Duration, FaultAction)> {
        let mut actions = Vec::new();
        for (id, timed) in self.faults.iter().enumerate() {
            let (start, end) = match &timed.fault {
                Fault::Crash { node } => (FaultAction::Crash(*node), Some(FaultAction::Restart(*node))),
                Fault::Restart { node } => (FaultAction::Restart(*node), None),
                Fault::Partition { groups } => {
                    let extra = groups.len() as u32;
                    let mut group_of = vec![extra; nodes];
                    for (g, group) in groups.iter().enumerate() {
                        for node in group {
                            group_of[node.index()] = g as u32;
                        }
                    }
                    (
                        FaultAction::Block { id, block: LinkBlock::Partition { group_of } },
                        Some(FaultAction::Unblock { id }),
                    )
                }
                Fault::Bridge { left, right, .. } => {
                    let mut side_of = vec![0u8; nodes];
                    for node in left {
                        side_of[node.index()] = 1;
                    }
                    for node in right {
                        side_of[node.index()] = 2;
                    }
                    (FaultAction::Block { id, block: LinkBlock::Sides { side_of } }, Some(FaultAction::Unblock { id }))
                }
                Fault::Cut { from, to } => (
                    FaultAction::Block { id, block: LinkBlock::Cut { from: *from, to: *to } },
                    Some(FaultAction::Unblock { id }),
                ),
                Fault::Slow { node, extra } => {
                    (FaultAction::SlowStart { node: *node, extra: *extra }, Some(FaultAction::SlowEnd { node: *node }))
                }
                Fault::Lossy(lossiness) => {
                    (FaultAction::LossyStart { id, lossiness: *lossiness }, Some(FaultAction::LossyEnd { id }))
                }
                Fault::Heal => (FaultAction::Heal, None),
            };
            actions.push((timed.at, start));
            if let (Some(until), Some(end)) = (timed.until, end) {
                actions.push((until, end));
            }
        }
        actions.sort_by_key(|(at, _)| *at);
        actions
    }
}

/// The link state a fault plan produces over time: which links are cut and which nodes are slow.
#[derive(Clone, Debug, Default)]
pub struct LinkState {
    blocks: Vec<(usize, LinkBlock)>,
    slow: Vec<(NodeId, Duration)>,
    lossy: Vec<(usize, Lossiness)>,
}

impl LinkState {
    /// Applies a link action; crash and restart are the runtime's business and ignored here.
    pub fn apply(&mut self, action: &FaultAction) {
        match action {
            FaultAction::Block { id, block } => self.blocks.push((*id, block.clone())),
            FaultAction::Unblock { id } => self.blocks.retain(|(b, _)| b != id),
            FaultAction::Heal => self.blocks.clear(),
            FaultAction::SlowStart { node, extra } => {
                self.slow.retain(|(n, _)| n != node);
                self.slow.push((*node, *extra));
            }
            FaultAction::SlowEnd { node } => self.slow.retain(|(n, _)| n != node),
            FaultAction::LossyStart { id, lossiness } => self.lossy.push((*id, *lossiness)),
            FaultAction::LossyEnd { id } => self.lossy.retain(|(l, _)| l != id),
            FaultAction::Crash(_) | FaultAction::Restart(_) => {}
        }
    }

    /// Whether a message from `from` to `to` is lost to a partition or cut.
    #[inline]
    pub fn blocked(&self, from: NodeId, to: NodeId) -> bool {
        !self.blocks.is_empty() && self.blocks.iter().any(|(_, b)| b.blocks(from, to))
    }

    /// The lossiness of the bursts in force, combined (the worst of each), if any.
    #[inline]
    pub fn lossiness(&self) -> Option<Lossiness> {
        self.lossy.iter().map(|(_, l)| *l).reduce(|a, b| Lossiness {
            drop_per_mille: a.drop_per_mille.max(b.drop_per_mille),
            duplicate_per_mille: a.duplicate_per_mille.max(b.duplicate_per_mille),
            reorder: a.reorder || b.reorder,
        })
    }

    /// The extra latency slow nodes add to a message from `from` to `to`.
    #[inline]
    pub fn extra_latency(&self, from: NodeId, to: NodeId) -> Duration {
        if self.slow.is_empty() {
            return Duration::ZERO;
        }
        self.slow.iter().filter(|(n, _)| *n == from || *n == to).map(|(_, d)| *d).sum()
    }
}

fn parse_node(text: &str) -> Result<NodeId, String> {
    text.trim().parse::<u32>().map(NodeId).map_err(|_| format!("`{}` is not a node id", text.trim()))
}

impl FromStr for TimedFault {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (what, when) = text
            .rsplit_once('@')
            .ok_or_else(|| format!("`{text}`: a fault is KIND@AT[..UNTIL], e.g. crash:2@100ms"))?;
        let (at, until) = match when.split_once("..") {
            Some((at, until)) => (parse_duration(at)?, Some(parse_duration(until)?)),
            None => (parse_duration(when)?, None),
        };
        let (kind, args) = what.split_once(':').unwrap_or((what, ""));
        let fault = match kind.trim() {
            "crash" => Fault::Crash { node: parse_node(args)? },
            "restart" => Fault::Restart { node: parse_node(args)? },
            "partition" => Fault::Partition {
                groups: args
                    .split('|')
                    .map(|group| group.split(',').filter(|s| !s.trim().is_empty()).map(parse_node).collect())
                    .collect::<Result<_, _>>()?,
            },
            "bridge" => {
                let parts: Vec<&str> = args.split('|').collect();
                let [left, via, right] = parts[..] else {
                    return Err(format!("`{args}`: a bridge is LEFT|VIA|RIGHT, e.g. bridge:0,1|2|3,4"));
                };
                let side = |text: &str| {
                    text.split(',').filter(|s| !s.trim().is_empty()).map(parse_node).collect::<Result<Vec<_>, _>>()
                };
                Fault::Bridge { left: side(left)?, via: parse_node(via)?, right: side(right)? }
            }
            "cut" => {
                let (from, to) = args.split_once("->").ok_or_else(|| format!("`{args}`: a cut is FROM->TO"))?;
                Fault::Cut { from: parse_node(from)?, to: parse_node(to)? }
            }
            "slow" => {
                let (node, extra) = args.split_once('+').ok_or_else(|| format!("`{args}`: slow is NODE+DELAY"))?;
                Fault::Slow { node: parse_node(node)?, extra: parse_duration(extra)? }
            }
            "lossy" => {
                let mut lossiness = Lossiness { drop_per_mille: 0, duplicate_per_mille: 0, reorder: false };
                for part in args.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    match part.split_once('=') {
                        Some(("drop", p)) => lossiness.drop_per_mille = parse_per_mille(p)?,
                        Some(("dup", p)) => lossiness.duplicate_per_mille = parse_per_mille(p)?,
                        None if part == "reorder" => lossiness.reorder = true,
                        _ => return Err(format!("`{part}`: lossy takes drop=P, dup=P and reorder")),
                    }
                }
                Fault::Lossy(lossiness)
            }
            "heal" => Fault::Heal,
            other => {
                return Err(format!(
                    "`{other}` is not a fault (use crash, restart, partition, bridge, cut, slow, lossy or heal)"
                ))
            }
        };
        Ok(TimedFault { at, until, fault })
    }
}

impl fmt::Display for TimedFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids = |nodes: &[NodeId]| nodes.iter().map(|n| n.0.to_string()).collect::<Vec<_>>().join(",");
        match &self.fault {
            Fault::Crash { node } => write!(f, "crash:{}", node.0)?,
            Fault::Restart { node } => write!(f, "restart:{}", node.0)?,
            Fault::Partition { groups } => {
                write!(f, "partition:{}", groups.iter().map(|g| ids(g)).collect::<Vec<_>>().join("|"))?
            }
            Fault::Bridge { left, via, right } => write!(f, "bridge:{}|{}|{}", ids(left), via.0, ids(right))?,
            Fault::Cut { from, to } => write!(f, "cut:{}->{}", from.0, to.0)?,
            Fault::Slow { node, extra } => write!(f, "slow:{}+{}", node.0, format_duration(*extra))?,
            Fault::Lossy(l) => {
                write!(f, "lossy:drop={},dup={}", l.drop(), l.duplicate())?;
                if l.reorder {
                    write!(f, ",reorder")?;
                }
            }
            Fault::Heal => write!(f, "heal")?,
        }
        write!(f, "@{}", format_duration(self.at))?;
        if let Some(until) = self.until {
            write!(f, "..{}", format_duration(until))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(texts: &[&str]) -> FaultPlan {
        FaultPlan { faults: texts.iter().map(|t| t.parse().unwrap()).collect() }
    }

    #[test]
    fn parses_and_prints_every_kind() {
        for text in [
            "crash:2@100ms",
            "crash:2@100ms..300ms",
            "restart:1@1s",
            "partition:0,1|2,3,4@1s..2s",
            "bridge:0,1|2|3,4@1s..2s",
            "cut:0->1@1s",
            "slow:3+5ms@0ms..1s",
            "lossy:drop=0.2,dup=0.05,reorder@1s..2s",
            "lossy:drop=0,dup=0.1@1s..2s",
            "heal@2s",
        ] {
            let fault: TimedFault = text.parse().unwrap();
            assert_eq!(fault.to_string(), text);
        }
    }

    #[test]
    fn rejects_malformed_and_impossible_faults() {
        for text in ["crash:2", "crash:x@1ms", "explode:1@1ms", "cut:1@1ms", "slow:1@1ms", "crash:1@soon"] {
            assert!(text.parse::<TimedFault>().is_err(), "{text}");
        }
        let cases = [
            ("crash:5@1ms", "fault[0].node"),
            ("partition:0,1|1,2@1ms", "fault[0].groups"),
            ("partition:0,9@1ms", "fault[0].groups"),
            ("cut:1->1@1ms", "fault[0].to"),
            ("bridge:0|1|0@1ms", "fault[0].groups"),
            ("bridge:0|1|@1ms", "fault[0].groups"),
            ("bridge:0|7|2@1ms", "fault[0].via"),
            ("crash:1@5ms..2ms", "fault[0].until"),
        ];
        for (text, field) in cases {
            assert_eq!(plan(&[text]).validate(3).unwrap_err().field, field, "{text}");
        }
    }

    #[test]
    fn partition_blocks_across_groups_and_unlisted_nodes_form_a_group() {
        let plan = plan(&["partition:0,1|2@1ms..5ms"]);
        let actions = plan.actions(5);
        let mut links = LinkState::default();
        links.apply(&actions[0].1);
        assert!(!links.blocked(NodeId(0), NodeId(1)));
        assert!(links.blocked(NodeId(0), NodeId(2)));
        assert!(links.blocked(NodeId(2), NodeId(3)));
        assert!(!links.blocked(NodeId(3), NodeId(4)), "unlisted nodes share a side");
        links.apply(&actions[1].1);
        assert!(!links.blocked(NodeId(0), NodeId(2)));
    }

    #[test]
    fn a_bridge_cuts_its_two_sides_apart_and_nothing_else() {
        let plan = plan(&["bridge:0,1|2|3,4@1ms..5ms"]);
        let actions = plan.actions(6);
        let mut links = LinkState::default();
        links.apply(&actions[0].1);
        for (a, b) in [(0, 3), (0, 4), (1, 3), (1, 4)] {
            assert!(links.blocked(NodeId(a), NodeId(b)), "{a}->{b}");
            assert!(links.blocked(NodeId(b), NodeId(a)), "{b}->{a}");
        }
        for (a, b) in [(0, 1), (3, 4), (0, 2), (2, 3), (2, 4), (5, 0), (5, 3), (2, 5)] {
            assert!(!links.blocked(NodeId(a), NodeId(b)), "{a}->{b}");
            assert!(!links.blocked(NodeId(b), NodeId(a)), "{b}->{a}");
        }
        links.apply(&actions[1].1);
        assert!(!links.blocked(NodeId(0), NodeId(3)));
    }

    #[test]
    fn cut_is_one_way_and_heal_lifts_everything() {
        let plan = plan(&["cut:0->1@1ms", "slow:2+3ms@1ms", "heal@2ms"]);
        let mut links = LinkState::default();
        for (_, action) in plan.actions(3) {
            links.apply(&action);
            if action == FaultAction::Heal {
                break;
            }
            assert!(links.blocked(NodeId(0), NodeId(1)));
            assert!(!links.blocked(NodeId(1), NodeId(0)));
        }
        assert!(!links.blocked(NodeId(0), NodeId(1)));
        assert_eq!(links.extra_latency(NodeId(0), NodeId(2)), Duration::from_millis(3));
        assert_eq!(links.extra_latency(NodeId(0), NodeId(1)), Duration::ZERO);
    }
}
