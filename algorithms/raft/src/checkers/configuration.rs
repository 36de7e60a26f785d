//! Membership change (dissertation chapter 4), checked from `Configuration` observations:
//!
//! - **Commit quorum**: when a leader moves its commit index to an entry, a majority of the
//!   configuration in force at the leader (the newest its log holds, appended or committed; of
//!   both sides while joint) holds that entry. This is what "a majority" means once the cluster
//!   can grow and shrink, and what a server that waits for a configuration to commit before using
//!   it breaks.
//! - **Election quorum**: a candidate becomes leader only with the votes of a majority of its
//!   configuration in force (its own vote counts only if it is a member).
//! - **One change at a time**: a leader appends a configuration entry only once the previous one
//!   in its log is committed, and once it has committed an entry of its own term (the fix for
//!   the bug of single-server changes across leader changes). Breaking either rule loses
//!   committed entries only in rare interleavings (two disjoint majorities); these checks catch
//!   the break itself, every time.
//!
//! The initial configuration is nodes `0..nodes`.

use harness::checkers::log_replay::{Change, LogReplay};
use harness::checkers::Checker;
use harness::{EventKind, History, NodeId, Observation};

use crate::membership::Configuration;

/// Each node's configuration in force, (index of its entry, it), from its observations; the
/// initial configuration is nodes `0..nodes`.
struct InForce(Vec<(u64, Configuration)>);

impl InForce {
    fn new(nodes: usize, hosts: usize) -> Self {
        InForce(vec![(0, Configuration::initial(nodes)); hosts])
    }

    /// If `event` is a node's note of a configuration its log now holds: the configuration it
    /// replaces, and the note. (Committed notes change nothing here.)
    fn update<'e>(
        &mut self,
        event: &'e harness::Event,
    ) -> Option<((u64, Configuration), &'e harness::ConfigurationNote)> {
        let EventKind::Observed(Observation::Configuration(note)) = &event.kind else { return None };
        let slot = self.0.get_mut(event.node.index()).filter(|_| !note.committed)?;
        let now = Configuration { members: note.members.clone(), joint_with: note.joint_with.clone() };
        Some((std::mem::replace(slot, (note.index, now)), note))
    }

    fn of(&self, node: NodeId) -> &(u64, Configuration) {
        &self.0[node.index()]
    }
}

/// A leader commits only what a majority of its configuration in force holds.
pub struct CommitQuorum {
    /// The initial configuration's size.
    pub nodes: usize,
    /// Every node, spares included.
    pub hosts: usize,
}

impl Checker for CommitQuorum {
    fn name(&self) -> &'static str {
        "commit-quorum"
    }

    fn check(&self, history: &History) -> Vec<String> {
        let mut replay = LogReplay::new(self.hosts);
        let mut in_force = InForce::new(self.nodes, self.hosts);
        let mut violations = Vec::new();
        for event in &history.events {
            if event.node.index() >= self.hosts || in_force.update(event).is_some() {
                continue;
            }
            let Change::Committed { from, to } = replay.apply(event) else { continue };
            let leader = &replay.logs[event.node.index()];
            let (Some(term), Some(entry)) = (leader.leading, leader.at(to)) else { continue };
            if to <= from {
                continue;
            }
            let holds = |node: NodeId| {
                let log = &replay.logs[node.index()];
                log.compacted(to) || log.at(to) == Some(entry)
            };
            let (at, configuration) = in_force.of(event.node);
            if !configuration.is_quorum(holds) {
                let holders: Vec<String> =
                    configuration.voters().into_iter().filter(|n| holds(*n)).map(|n| n.to_string()).collect();
                violations.push(format!(
                    "at {} {}, leader of term {term}, committed index {to} held only by {{{}}}: no majority of its \
                     configuration {} (index {at})",
                    event.time,
                    event.node,
                    holders.join(", "),
                    describe(configuration)
                ));
            }
        }
        violations
    }
}

/// A candidate becomes leader only with the votes of a majority of its configuration in force.
pub struct ElectionQuorum {
    pub nodes: usize,
    pub hosts: usize,
}

impl Checker for ElectionQuorum {
    fn name(&self) -> &'static str {
        "election-quorum"
    }

    fn check(&self, history: &History) -> Vec<String> {
        let mut in_force = InForce::new(self.nodes, self.hosts);
        let mut votes: std::collections::HashMap<(NodeId, u64), Vec<NodeId>> = Default::default();
        let mut violations = Vec::new();
        for event in &history.events {
            let node = event.node;
            if node.index() >= self.hosts || in_force.update(event).is_some() {
                continue;
            }
            let EventKind::Observed(observation) = &event.kind else { continue };
            match observation {
                Observation::Voted { term, candidate } => votes.entry((*candidate, *term)).or_default().push(node),
                Observation::Leader { leader, term } if *leader == node => {
                    let voters = votes.get(&(node, *term)).map(Vec::as_slice).unwrap_or_default();
                    let (at, configuration) = in_force.of(node);
                    if !configuration.is_quorum(|n| voters.contains(&n)) {
                        let named: Vec<String> = voters.iter().map(|n| n.to_string()).collect();
                        violations.push(format!(
                            "at {} {} became leader of term {term} with the votes of {{{}}}: no majority of its \
                             configuration {} (index {at})",
                            event.time,
                            node,
                            named.join(", "),
                            describe(configuration)
                        ));
                    }
                }
                _ => {}
            }
        }
        violations
    }
}

fn describe(configuration: &Configuration) -> String {
    let ids = |nodes: &[NodeId]| nodes.iter().map(|n| n.0.to_string()).collect::<Vec<_>>().join(", ");
    if configuration.is_joint() {
        format!("{{{}}} joint with {{{}}}", ids(&configuration.members), ids(&configuration.joint_with))
    } else {
        format!("{{{}}}", ids(&configuration.members))
    }
}

/// A leader starts a change only after the previous one committed and after committing an
/// entry of its own term.
pub struct OneChangeAtATime {
    pub nodes: usize,
    pub hosts: usize,
}

impl Checker for OneChangeAtATime {
    fn name(&self) -> &'static str {
        "one-change-at-a-time"
    }

    fn check(&self, history: &History) -> Vec<String> {
        let mut replay = LogReplay::new(self.hosts);
        let mut in_force = InForce::new(self.nodes, self.hosts);
        let mut violations = Vec::new();
        for event in &history.events {
            if event.node.index() >= self.hosts {
                continue;
            }
            let Some((previous, note)) = in_force.update(event) else {
                replay.apply(event);
                continue;
            };
            let appended = &in_force.of(event.node).1;
            let log = &replay.logs[event.node.index()];
            let Some(term) = log.leading else { continue };
            if log.at(note.index).map(|(t, _)| t) != Some(term) {
                continue; // not an entry this leader just appended
            }
            let whom = format!("at {} {}, leader of term {term}", event.time, event.node);
            if previous.0 > log.commit {
                violations.push(format!(
                    "{whom}, appended configuration {} at index {} while its previous one (index {}) was \
                     uncommitted (commit index {})",
                    describe(appended),
                    note.index,
                    previous.0,
                    log.commit
                ));
            } else if log.at(log.commit).map(|(t, _)| t) != Some(term) && !previous.1.is_joint() {
                violations.push(format!(
                    "{whom}, appended configuration {} at index {} before committing an entry of its term \
                     (commit index {})",
                    describe(appended),
                    note.index,
                    log.commit
                ));
            }
        }
        violations
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::{ConfigurationNote, Event, Time};

    fn event(node: u32, kind: EventKind) -> Event {
        Event { time: Time::ZERO, node: NodeId(node), kind }
    }

    fn appended(node: u32, index: u64, term: u64) -> Event {
        event(node, EventKind::Observed(Observation::Appended { index, term, chain: index * 100 + term }))
    }

    fn leader(node: u32, term: u64) -> Event {
        event(node, EventKind::Observed(Observation::Leader { leader: NodeId(node), term }))
    }

    fn committed(node: u32, index: u64) -> Event {
        event(node, EventKind::Observed(Observation::Committed { index }))
    }

    fn configuration(node: u32, index: u64, members: &[u32]) -> Event {
        let note = ConfigurationNote {
            index,
            members: members.iter().map(|m| NodeId(*m)).collect(),
            joint_with: Vec::new(),
            committed: false,
        };
        event(node, EventKind::Observed(Observation::Configuration(Box::new(note))))
    }

    fn history(events: Vec<Event>) -> History {
        History { events, ..History::default() }
    }

    /// Leader 0 of {0, 1, 2} commits index 1, an entry of its term, and adds 3 at index 2.
    fn start() -> Vec<Event> {
        vec![leader(0, 1), appended(0, 1, 1), appended(1, 1, 1), committed(0, 1), appended(0, 2, 1)]
    }

    #[test]
    fn a_commit_needs_a_majority_of_the_newest_configuration() {
        let mut fine = start();
        fine.extend([
            configuration(0, 2, &[0, 1, 2, 3]),
            appended(1, 2, 1),
            appended(3, 1, 1),
            appended(3, 2, 1),
            committed(0, 2),
        ]);
        let checker = CommitQuorum { nodes: 3, hosts: 4 };
        let found = checker.check(&history(fine));
        assert!(found.is_empty(), "{found:?}");
        // Only {0, 1} hold the entry: a majority of the old {0, 1, 2}, not of {0, 1, 2, 3}.
        let mut early = start();
        early.extend([configuration(0, 2, &[0, 1, 2, 3]), appended(1, 2, 1), committed(0, 2)]);
        let violations = checker.check(&history(early));
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert!(violations[0].contains("no majority of its configuration {0, 1, 2, 3}"), "{}", violations[0]);
    }

    fn voted(node: u32, term: u64, candidate: u32) -> Event {
        event(node, EventKind::Observed(Observation::Voted { term, candidate: NodeId(candidate) }))
    }

    #[test]
    fn a_leader_needs_the_votes_of_a_majority_of_its_configuration() {
        let checker = ElectionQuorum { nodes: 3, hosts: 4 };
        let fine = vec![voted(0, 1, 0), voted(1, 1, 0), leader(0, 1)];
        assert!(checker.check(&history(fine)).is_empty());
        // Two votes are a majority of {0, 1, 2} but not of {0, 1, 2, 3}, which node 0 uses.
        let short = vec![configuration(0, 1, &[0, 1, 2, 3]), voted(0, 2, 0), voted(1, 2, 0), leader(0, 2)];
        let violations = checker.check(&history(short));
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert!(violations[0].contains("with the votes of {n0, n1}"), "{}", violations[0]);
        // A leader outside its configuration does not count its own vote.
        let outside = vec![configuration(0, 1, &[1, 2, 3]), voted(0, 2, 0), voted(1, 2, 0), leader(0, 2)];
        assert_eq!(checker.check(&history(outside)).len(), 1);
    }

    #[test]
    fn a_second_change_waits_for_the_first_to_commit() {
        let checker = OneChangeAtATime { nodes: 3, hosts: 5 };
        let mut fine = start();
        fine.extend([
            configuration(0, 2, &[0, 1, 2, 3]),
            appended(1, 2, 1),
            appended(3, 1, 1),
            appended(3, 2, 1),
            committed(0, 2),
            appended(0, 3, 1),
            configuration(0, 3, &[0, 1, 2, 3, 4]),
        ]);
        assert!(checker.check(&history(fine)).is_empty());
        let mut hasty = start();
        hasty.extend([configuration(0, 2, &[0, 1, 2, 3]), appended(0, 3, 1), configuration(0, 3, &[0, 1, 2, 3, 4])]);
        let violations = checker.check(&history(hasty));
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert!(violations[0].contains("while its previous one (index 2) was uncommitted"), "{}", violations[0]);
    }

    #[test]
    fn a_change_waits_for_an_entry_of_the_leaders_term() {
        let checker = OneChangeAtATime { nodes: 3, hosts: 4 };
        // Leader 1 of term 2 holds index 1 of term 1, committed, and adds a server at once.
        let events = vec![
            leader(0, 1),
            appended(0, 1, 1),
            appended(1, 1, 1),
            committed(0, 1),
            committed(1, 1),
            leader(1, 2),
            appended(1, 2, 2),
            configuration(1, 2, &[0, 1, 2, 3]),
        ];
        let violations = checker.check(&history(events));
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert!(violations[0].contains("before committing an entry of its term"), "{}", violations[0]);
        // A follower that appends the same configuration from its leader breaks nothing.
        let events = vec![leader(0, 1), appended(2, 1, 1), configuration(2, 1, &[0, 1, 2, 3])];
        assert!(checker.check(&history(events)).is_empty());
    }
}
