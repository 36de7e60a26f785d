//! Election validity: the agreed leader is the highest live id (the Bully and ring algorithms'
//! promise: Garcia-Molina 1982; Chang & Roberts 1979).

use crate::election::ElectionTracker;
use crate::History;

use super::Checker;

/// Every election ends on the highest id alive at that moment.
pub struct HighestIdWins {
    pub nodes: usize,
}

impl Checker for HighestIdWins {
    fn name(&self) -> &'static str {
        "validity"
    }

    fn check(&self, history: &History) -> Vec<String> {
        ElectionTracker::over(self.nodes, &history.events)
            .elections()
            .into_iter()
            .filter_map(|e| match (e.ended, e.leader, e.highest_live) {
                (Some(ended), Some(leader), Some(highest)) if leader != highest => {
                    Some(format!("the election that ended at {ended} chose {leader}, but {highest} was alive"))
                }
                _ => None,
            })
            .collect()
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
    fn accepts_the_highest_live_id() {
        let history = History::from_millis([(0, 2, EventKind::Crashed), (1, 0, leader(1)), (1, 1, leader(1))]);
        assert!(HighestIdWins { nodes: 3 }.check(&history).is_empty());
    }

    #[test]
    fn catches_a_lower_winner() {
        let history = History::from_millis([(1, 0, leader(1)), (1, 1, leader(1)), (1, 2, leader(1))]);
        let violations = HighestIdWins { nodes: 3 }.check(&history);
        assert_eq!(violations, vec!["the election that ended at 1.000ms chose n1, but n2 was alive".to_string()]);
    }
}
