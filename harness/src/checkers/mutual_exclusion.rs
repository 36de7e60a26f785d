//! Mutual exclusion: never two nodes in the critical section at once.
//!
//! The safety property of every mutex algorithm (Raynal, *Algorithms for Mutual Exclusion*,
//! ch. 1). A node is inside from its `Entered` to its `Exited` (or its crash).

use crate::{EventKind, History, NodeId, Observation};

use super::Checker;

/// Exact over a simulator history; the threads runtime checks the same property live, at the
/// moment of entry ([`crate::monitor::MutexOccupancy`]), because wall-clock stamps from
/// different threads cannot order an exit against an entry.
pub struct MutualExclusion;

impl Checker for MutualExclusion {
    fn name(&self) -> &'static str {
        "mutual-exclusion"
    }

    fn check(&self, history: &History) -> Vec<String> {
        let mut inside: Vec<NodeId> = Vec::new();
        let mut violations = Vec::new();
        for event in &history.events {
            match event.kind {
                EventKind::Observed(Observation::Entered) => {
                    if !inside.is_empty() {
                        let others: Vec<String> = inside.iter().map(|n| n.to_string()).collect();
                        violations.push(format!(
                            "at {} {} entered while {} inside",
                            event.time,
                            event.node,
                            others.join(", ") + if others.len() == 1 { " was" } else { " were" }
                        ));
                    }
                    if !inside.contains(&event.node) {
                        inside.push(event.node);
                    }
                }
                EventKind::Observed(Observation::Exited) | EventKind::Crashed => {
                    inside.retain(|n| *n != event.node);
                }
                _ => {}
            }
        }
        violations
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventKind::*;
    use Observation::*;

    #[test]
    fn accepts_entries_one_after_another() {
        let history = History::from_millis([
            (1, 0, Observed(Entered)),
            (2, 0, Observed(Exited)),
            (2, 1, Observed(Entered)),
            (3, 1, Observed(Exited)),
        ]);
        assert!(MutualExclusion.check(&history).is_empty());
    }

    #[test]
    fn catches_overlapping_entries() {
        let history = History::from_millis([
            (1, 0, Observed(Entered)),
            (2, 1, Observed(Entered)),
            (3, 0, Observed(Exited)),
            (4, 1, Observed(Exited)),
        ]);
        let violations = MutualExclusion.check(&history);
        assert_eq!(violations.len(), 1);
        assert!(violations[0].contains("n1 entered while n0 was inside"), "{violations:?}");
    }

    #[test]
    fn a_crash_inside_ends_the_stay() {
        let history = History::from_millis([(1, 0, Observed(Entered)), (2, 0, Crashed), (3, 1, Observed(Entered))]);
        assert!(MutualExclusion.check(&history).is_empty());
    }
}
