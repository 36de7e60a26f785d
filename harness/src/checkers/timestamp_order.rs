//! Timestamp order: among requests that overlap, entries follow (timestamp, node id) order.
//!
//! Lamport (1978) and Ricart-Agrawala (1981) promise that a request with a smaller
//! (timestamp, id) enters first, *if it was issued before the other one entered*: a request made
//! after another node is already inside may carry a smaller timestamp (its clock had not heard of
//! the other) and rightly waits. So the check is: when a request r2 enters, no request r1 < r2
//! that was issued earlier is still waiting.

use crate::{EventKind, History, NodeId, Observation, Time};

use super::Checker;

/// Entries follow (timestamp, id) order among overlapping requests.
pub struct TimestampOrder;

impl Checker for TimestampOrder {
    fn name(&self) -> &'static str {
        "timestamp-order"
    }

    fn check(&self, history: &History) -> Vec<String> {
        // Waiting requests: (timestamp, node, issued at).
        let mut waiting: Vec<(u64, NodeId, Time)> = Vec::new();
        let mut violations = Vec::new();
        for event in &history.events {
            match &event.kind {
                EventKind::Observed(Observation::Requested { timestamp: Some(ts) }) => {
                    waiting.retain(|(_, n, _)| *n != event.node);
                    waiting.push((*ts, event.node, event.time));
                }
                EventKind::Observed(Observation::Entered) => {
                    let Some(pos) = waiting.iter().position(|(_, n, _)| *n == event.node) else {
                        continue;
                    };
                    let (ts, node, _) = waiting.swap_remove(pos);
                    if let Some((earlier_ts, earlier, issued)) =
                        waiting.iter().filter(|(t, n, _)| (*t, *n) < (ts, node)).min_by_key(|(t, n, _)| (*t, *n))
                    {
                        violations.push(format!(
                            "at {} {node} entered with ({ts}, {node}) while {earlier}'s earlier request \
                             ({earlier_ts}, {earlier}), issued at {issued}, was still waiting",
                            event.time
                        ));
                    }
                }
                EventKind::Crashed => waiting.retain(|(_, n, _)| *n != event.node),
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

    fn requested(ts: u64) -> EventKind {
        Observed(Requested { timestamp: Some(ts) })
    }

    #[test]
    fn accepts_entries_in_timestamp_order() {
        let history = History::from_millis([
            (0, 1, requested(2)),
            (0, 0, requested(3)),
            (1, 1, Observed(Entered)),
            (2, 1, Observed(Exited)),
            (3, 0, Observed(Entered)),
        ]);
        assert!(TimestampOrder.check(&history).is_empty());
    }

    #[test]
    fn accepts_a_smaller_stamp_issued_after_the_other_entered() {
        let history = History::from_millis([
            (0, 0, requested(5)),
            (1, 0, Observed(Entered)),
            (2, 1, requested(1)),
            (3, 0, Observed(Exited)),
            (4, 1, Observed(Entered)),
        ]);
        assert!(TimestampOrder.check(&history).is_empty());
    }

    #[test]
    fn catches_an_overtaking_entry() {
        let history = History::from_millis([(0, 1, requested(2)), (0, 0, requested(3)), (1, 0, Observed(Entered))]);
        let violations = TimestampOrder.check(&history);
        assert_eq!(violations.len(), 1);
        assert!(violations[0].contains("n0 entered with (3, n0) while n1's earlier request (2, n1)"), "{violations:?}");
    }

    #[test]
    fn ties_break_by_node_id() {
        let history = History::from_millis([(0, 2, requested(4)), (0, 1, requested(4)), (1, 2, Observed(Entered))]);
        assert_eq!(TimestampOrder.check(&history).len(), 1);
    }
}
