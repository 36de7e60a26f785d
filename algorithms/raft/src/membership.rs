//! Membership change (dissertation chapter 4; paper §6): configurations, the quorums they make,
//! and the configurations a server's log holds.
//!
//! A configuration is an entry of the log. A server uses the newest configuration its log holds
//! as soon as it is appended, committed or not (dissertation §4.1), and falls back to the one
//! before when a conflicting suffix is truncated. The initial configuration, nodes `0..nodes`,
//! stands at index 0; a snapshot carries the configuration in force at its last index.
//!
//! Single-server changes (the default): one server in or out at a time, so any majority of the
//! old configuration and any majority of the new one overlap. Joint consensus (`joint`): the
//! leader first commits C_old,new, in force while it needs a majority of both, then C_new.

use std::collections::BTreeSet;

use harness::{ConfigurationNote, MembershipChange, NodeId};

/// The servers whose majorities count.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Configuration {
    /// Sorted.
    pub members: Vec<NodeId>,
    /// Joint consensus: the old configuration, whose majority is needed too (empty otherwise).
    pub joint_with: Vec<NodeId>,
}

impl Configuration {
    /// Nodes `0..nodes`.
    pub fn initial(nodes: usize) -> Self {
        Configuration { members: NodeId::all(nodes).collect(), joint_with: Vec::new() }
    }

    /// A simple (not joint) configuration of `members`.
    pub fn of(members: impl IntoIterator<Item = NodeId>) -> Self {
        let members: BTreeSet<NodeId> = members.into_iter().collect();
        Configuration { members: members.into_iter().collect(), joint_with: Vec::new() }
    }

    pub fn is_joint(&self) -> bool {
        !self.joint_with.is_empty()
    }

    /// Whether `node` votes: a member of either side.
    pub fn contains(&self, node: NodeId) -> bool {
        self.members.binary_search(&node).is_ok() || self.joint_with.binary_search(&node).is_ok()
    }

    /// Every voter, each once, sorted.
    pub fn voters(&self) -> Vec<NodeId> {
        let mut all: Vec<NodeId> = self.members.iter().chain(&self.joint_with).copied().collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// Whether the nodes `holds` accepts make a quorum: a majority of the members, and of the
    /// old configuration too while joint.
    pub fn is_quorum(&self, holds: impl Fn(NodeId) -> bool) -> bool {
        let majority = |side: &[NodeId]| side.iter().filter(|n| holds(**n)).count() > side.len() / 2;
        majority(&self.members) && (self.joint_with.is_empty() || majority(&self.joint_with))
    }

    /// The highest value a quorum reaches, given each voter's value (a match index: what a
    /// quorum holds; a stamp: since when a quorum has answered). 0 with no members.
    pub fn quorum_value(&self, value: impl Fn(NodeId) -> u64) -> u64 {
        let side_value = |side: &[NodeId]| {
            let mut values: Vec<u64> = side.iter().map(|n| value(*n)).collect();
            values.sort_unstable_by(|a, b| b.cmp(a));
            values.get(side.len() / 2).copied().unwrap_or(0)
        };
        let value_of_members = side_value(&self.members);
        if self.joint_with.is_empty() {
            value_of_members
        } else {
            value_of_members.min(side_value(&self.joint_with))
        }
    }

    /// The configuration after `change`, or `None` if it changes nothing (adding a member,
    /// removing a non-member) or would leave nobody.
    pub fn after(&self, change: MembershipChange) -> Option<Configuration> {
        let mut members = self.members.clone();
        let changed = match (change, members.binary_search(&change.node())) {
            (MembershipChange::Add(node), Err(at)) => {
                members.insert(at, node);
                true
            }
            (MembershipChange::Remove(_), Ok(at)) => {
                members.remove(at);
                true
            }
            _ => false,
        };
        (changed && !members.is_empty()).then_some(Configuration { members, joint_with: Vec::new() })
    }

    /// The joint configuration on the way from this one to `new`.
    pub fn joint_to(&self, new: &Configuration) -> Configuration {
        Configuration { members: new.members.clone(), joint_with: self.members.clone() }
    }

    /// The observation of this configuration at `index`.
    pub fn note(&self, index: u64, committed: bool) -> Box<ConfigurationNote> {
        Box::new(ConfigurationNote {
            index,
            members: self.members.clone(),
            joint_with: self.joint_with.clone(),
            committed,
        })
    }
}

/// The configurations a server's log holds: the one in force at the snapshot's last index (or
/// the initial one), then each configuration entry after it, by index.
#[derive(Clone, Debug)]
pub struct Configurations {
    base: (u64, Configuration),
    entries: Vec<(u64, Configuration)>,
}

impl Configurations {
    /// Starting from `base`, in force at its index.
    pub fn new(base: (u64, Configuration)) -> Self {
        Configurations { base, entries: Vec::new() }
    }

    /// The newest: the one the server uses.
    pub fn current(&self) -> &(u64, Configuration) {
        self.entries.last().unwrap_or(&self.base)
    }

    /// The newest at or before `index` (the configuration in force once `index` is committed).
    pub fn at(&self, index: u64) -> &(u64, Configuration) {
        self.entries.iter().rev().find(|(i, _)| *i <= index).unwrap_or(&self.base)
    }

    /// Entries of the log after `after` up to `to`, for a commit that passes them.
    pub fn between(&self, after: u64, to: u64) -> impl Iterator<Item = &(u64, Configuration)> {
        self.entries.iter().filter(move |(i, _)| *i > after && *i <= to)
    }

    /// A configuration entry was appended at `index`.
    pub fn appended(&mut self, index: u64, configuration: Configuration) {
        self.entries.retain(|(i, _)| *i < index);
        self.entries.push((index, configuration));
    }

    /// Entries after `index` were removed; whether the current configuration changed.
    pub fn truncated_after(&mut self, index: u64) -> bool {
        let before = self.entries.len();
        self.entries.retain(|(i, _)| *i <= index);
        before != self.entries.len()
    }

    /// The log up to `index` was compacted: the configuration in force there becomes the base.
    pub fn compacted(&mut self, index: u64) {
        if let Some(last) = self.entries.iter().rposition(|(i, _)| *i <= index) {
            self.base = self.entries[last].clone();
            self.entries.drain(..=last);
        }
    }

    /// A snapshot whose configuration is `base` replaced the log up to its last index; entries
    /// after `kept_after` stay (those the server kept past the snapshot).
    pub fn installed(&mut self, base: (u64, Configuration), kept_after: Option<u64>) {
        match kept_after {
            Some(index) => self.entries.retain(|(i, _)| *i > index),
            None => self.entries.clear(),
        }
        self.base = base;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(ids: &[u32]) -> Vec<NodeId> {
        ids.iter().map(|i| NodeId(*i)).collect()
    }

    #[test]
    fn a_quorum_is_a_majority_of_each_side_while_joint() {
        let old = Configuration::of(ids(&[0, 1, 2]));
        let new = Configuration::of(ids(&[2, 3, 4]));
        let joint = old.joint_to(&new);
        fn set(nodes: &[u32]) -> impl Fn(NodeId) -> bool + '_ {
            move |n: NodeId| nodes.contains(&n.0)
        }
        assert!(old.is_quorum(set(&[0, 1])));
        assert!(!joint.is_quorum(set(&[0, 1])), "no majority of the new side");
        assert!(!joint.is_quorum(set(&[2, 3, 4])), "no majority of the old side");
        assert!(joint.is_quorum(set(&[1, 2, 3])));
        assert_eq!(joint.voters(), ids(&[0, 1, 2, 3, 4]));
    }

    #[test]
    fn the_quorum_value_is_what_a_majority_reaches() {
        let four = Configuration::of(ids(&[0, 1, 2, 3]));
        let matched = |n: NodeId| [10, 8, 6, 4][n.index()];
        assert_eq!(four.quorum_value(matched), 6, "three of four hold 6");
        let joint = Configuration::of(ids(&[0, 1])).joint_to(&Configuration::of(ids(&[2, 3])));
        assert_eq!(joint.quorum_value(matched), 4, "both of {{2, 3}} hold only 4");
    }

    #[test]
    fn changes_that_change_nothing_are_none() {
        let c = Configuration::of(ids(&[0, 1, 2]));
        assert_eq!(c.after(MembershipChange::Add(NodeId(3))), Some(Configuration::of(ids(&[0, 1, 2, 3]))));
        assert_eq!(c.after(MembershipChange::Add(NodeId(1))), None);
        assert_eq!(c.after(MembershipChange::Remove(NodeId(7))), None);
        assert_eq!(Configuration::of(ids(&[4])).after(MembershipChange::Remove(NodeId(4))), None);
    }

    #[test]
    fn the_newest_entry_rules_and_truncation_and_compaction_fall_back() {
        let mut configs = Configurations::new((0, Configuration::initial(3)));
        configs.appended(5, Configuration::of(ids(&[0, 1, 2, 3])));
        configs.appended(9, Configuration::of(ids(&[0, 1, 2, 3, 4])));
        assert_eq!(configs.current().0, 9);
        assert_eq!(configs.at(7).0, 5);
        assert!(configs.truncated_after(8));
        assert_eq!(configs.current().0, 5);
        assert!(!configs.truncated_after(8));
        configs.compacted(6);
        assert_eq!(configs.current().0, 5, "the base now");
        assert_eq!(configs.at(1).0, 5, "older configurations are gone with the log");
    }
}
