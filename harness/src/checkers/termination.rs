//! Election termination: every election ends in agreement within a bound the algorithm states.

use std::time::Duration;

use crate::election::ElectionTracker;
use crate::{format_duration, History, Time};

use super::Checker;

/// Each election ends within `bound` of its trigger; one still open at the end of the run fails
/// if it has been open longer than `bound`.
pub struct Termination {
    pub nodes: usize,
    pub bound: Duration,
}

impl Checker for Termination {
    fn name(&self) -> &'static str {
        "termination"
    }

    fn check(&self, history: &History) -> Vec<String> {
        let end_of_run = history.events.last().map_or(Time::ZERO, |e| e.time);
        ElectionTracker::over(self.nodes, &history.events)
            .elections()
            .into_iter()
            .filter_map(|e| {
                let took = e.ended.unwrap_or(end_of_run) - e.started;
                (took > self.bound).then(|| match e.ended {
                    Some(ended) => format!(
                        "the election started at {} took until {ended}, longer than the bound {}",
                        e.started,
                        format_duration(self.bound)
                    ),
                    None => format!("the election started at {} never ended", e.started),
                })
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
    fn accepts_a_prompt_election() {
        let history = History::from_millis([(3, 0, leader(1)), (4, 1, leader(1))]);
        assert!(Termination { nodes: 2, bound: Duration::from_millis(10) }.check(&history).is_empty());
    }

    #[test]
    fn catches_a_slow_election_and_one_that_never_ends() {
        let slow = History::from_millis([(3, 0, leader(1)), (40, 1, leader(1))]);
        assert_eq!(Termination { nodes: 2, bound: Duration::from_millis(10) }.check(&slow).len(), 1);
        let stuck = History::from_millis([(3, 0, leader(1)), (40, 1, leader(0))]);
        let violations = Termination { nodes: 2, bound: Duration::from_millis(10) }.check(&stuck);
        assert_eq!(violations, vec!["the election started at 0.000ms never ended".to_string()]);
    }
}
