//! What the faults in force do to the links: which are cut, which nodes are slow, how lossy every
//! link is. Both runtimes keep one [`LinkState`] and change it with [`FaultAction`]s.

use std::time::Duration;

use super::Lossiness;
use crate::trace::DropReason;
use crate::NodeId;

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

/// What a runtime does at one instant of the plan, with every node resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultAction {
    Crash(NodeId),
    Restart(NodeId),
    /// Start blocking links; `id` (the fault's index in the plan) names the block so it can be
    /// lifted.
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
    /// Hand `from` a [`crate::ClientOp::TransferLeadership`] to `to`.
    Transfer {
        from: NodeId,
        to: NodeId,
    },
    /// `node`'s clock runs `drift_ppm` parts per million fast from now on (0: true again).
    Drift {
        node: NodeId,
        drift_ppm: i64,
    },
    /// Hand `leader` a [`crate::ClientOp::ChangeMembership`].
    Membership {
        leader: NodeId,
        change: crate::MembershipChange,
    },
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
            FaultAction::Crash(_)
            | FaultAction::Restart(_)
            | FaultAction::Transfer { .. }
            | FaultAction::Drift { .. }
            | FaultAction::Membership { .. } => {}
        }
    }

    /// Whether a message from `from` to `to` is lost to a partition or cut.
    #[inline]
    pub fn blocked(&self, from: NodeId, to: NodeId) -> bool {
        self.blocked_by(from, to).is_some()
    }

    /// What loses a message from `from` to `to`, if a partition, bridge or cut does.
    #[inline]
    pub fn blocked_by(&self, from: NodeId, to: NodeId) -> Option<DropReason> {
        if self.blocks.is_empty() {
            return None;
        }
        self.blocks.iter().find(|(_, b)| b.blocks(from, to)).map(|(_, b)| match b {
            LinkBlock::Cut { .. } => DropReason::Cut,
            LinkBlock::Partition { .. } | LinkBlock::Sides { .. } => DropReason::Partition,
        })
    }

    /// Whether no fault touches the links: nothing blocked, slowed or lossy.
    #[inline]
    pub fn is_quiet(&self) -> bool {
        self.blocks.is_empty() && self.slow.is_empty() && self.lossy.is_empty()
    }

    /// Whether any partition, bridge or cut is in force.
    pub fn any_block(&self) -> bool {
        !self.blocks.is_empty()
    }

    /// The lossiness of the bursts in force, combined (the worst of each), if any.
    #[inline]
    pub fn lossiness(&self) -> Option<Lossiness> {
        self.lossy.iter().map(|(_, l)| *l).reduce(|a, b| Lossiness {
            drop: a.drop.max(b.drop),
            duplicate: a.duplicate.max(b.duplicate),
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
