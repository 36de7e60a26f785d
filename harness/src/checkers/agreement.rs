//! Election agreement: when the run ends, every live node names the same live leader.
//!
//! (During a run, agreement is what ends an election, see [`crate::election`]; what can go
//! wrong is that it never comes, which this checker reports with each node's view.) It judges the
//! end state: when a time limit cut the run short, an election still open is unfinished work
//! (the record's `unfinished`), not a violation.

use crate::election::ElectionTracker;
use crate::History;

use super::Checker;

/// Views listed in a violation at most.
const SHOWN: usize = 12;

/// All live nodes agree on one live leader at the end of the run.
pub struct Agreement {
    pub nodes: usize,
}

impl Checker for Agreement {
    fn name(&self) -> &'static str {
        "agreement"
    }

    fn at_end(&self) -> bool {
        true
    }

    fn check(&self, history: &History) -> Vec<String> {
        let tracker = ElectionTracker::over(self.nodes, &history.events);
        if tracker.agreement().is_some() {
            return Vec::new();
        }
        let all = tracker.views();
        let mut views: Vec<String> = all
            .iter()
            .take(SHOWN)
            .map(|(node, named)| match named {
                Some(leader) => format!("{node}→{leader}"),
                None => format!("{node}→none"),
            })
            .collect();
        if all.len() > SHOWN {
            views.push(format!("… ({} live nodes)", all.len()));
        }
        vec![format!("at the end of the run the live nodes disagree: {}", views.join(", "))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventKind, NodeId, Observation};

    fn leader(id: u32) -> EventKind {
        EventKind::Observed(Observation::Leader { leader: NodeId(id), term: 1 })
    }

    #[test]
    fn accepts_a_common_leader() {
        let history = History::from_millis([(1, 0, leader(2)), (1, 1, leader(2)), (1, 2, leader(2))]);
        assert!(Agreement { nodes: 3 }.check(&history).is_empty());
    }

    #[test]
    fn catches_split_views() {
        let history = History::from_millis([(1, 0, leader(2)), (1, 1, leader(1)), (1, 2, leader(2))]);
        let violations = Agreement { nodes: 3 }.check(&history);
        assert_eq!(violations, vec!["at the end of the run the live nodes disagree: n0→n2, n1→n1, n2→n2".to_string()]);
    }

    #[test]
    fn a_dead_leader_is_no_agreement() {
        let history = History::from_millis([(1, 0, leader(1)), (1, 1, leader(1)), (2, 1, EventKind::Crashed)]);
        assert_eq!(Agreement { nodes: 2 }.check(&history).len(), 1);
    }
}
