//! Liveness: every request is eventually granted (no deadlock, no starvation), by the end of
//! the run. It judges the end state: when a time limit cut the run short, a request still waiting
//! is unfinished work (the record's `unfinished`), not a violation; when the run ended because
//! nothing was left to happen, it is a deadlock.
//!
//! A request is an `Acquire` invocation; it is granted by the node's next `Entered`. Requests of
//! a node that crashed before being granted are excused: the node is gone.

use crate::{ClientOp, EventKind, History, NodeId, Observation, Time};

use super::Checker;

/// Every `Acquire` is followed by an `Entered` of the same node, unless the node crashed first.
pub struct EveryRequestGranted;

impl Checker for EveryRequestGranted {
    fn name(&self) -> &'static str {
        "every-request-granted"
    }

    fn at_end(&self) -> bool {
        true
    }

    fn check(&self, history: &History) -> Vec<String> {
        let nodes = history.events.iter().map(|e| e.node.index() + 1).max().unwrap_or(0);
        let mut waiting: Vec<Option<Time>> = vec![None; nodes];
        let mut violations = Vec::new();
        for event in &history.events {
            let slot = &mut waiting[event.node.index()];
            match event.kind {
                EventKind::Invoke(ClientOp::Acquire) => *slot = Some(event.time),
                EventKind::Observed(Observation::Entered) => *slot = None,
                EventKind::Crashed => *slot = None,
                _ => {}
            }
        }
        for (node, since) in waiting.iter().enumerate() {
            if let Some(since) = since {
                violations
                    .push(format!("{} requested at {since} and was still waiting at the end", NodeId(node as u32)));
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
    fn accepts_granted_requests() {
        let history = History::from_millis([
            (0, 0, Invoke(ClientOp::Acquire)),
            (1, 1, Invoke(ClientOp::Acquire)),
            (2, 0, Observed(Entered)),
            (3, 1, Observed(Entered)),
        ]);
        assert!(EveryRequestGranted.check(&history).is_empty());
    }

    #[test]
    fn catches_a_request_never_granted() {
        let history = History::from_millis([
            (0, 0, Invoke(ClientOp::Acquire)),
            (1, 1, Invoke(ClientOp::Acquire)),
            (2, 0, Observed(Entered)),
        ]);
        let violations = EveryRequestGranted.check(&history);
        assert_eq!(violations, vec!["n1 requested at 1.000ms and was still waiting at the end".to_string()]);
    }

    #[test]
    fn excuses_a_node_that_crashed_while_waiting() {
        let history = History::from_millis([(0, 2, Invoke(ClientOp::Acquire)), (1, 2, Crashed)]);
        assert!(EveryRequestGranted.check(&history).is_empty());
    }
}
