//! The mutex family's measures beyond latency: synchronization delay and fairness.

use serde::{Deserialize, Serialize};

use super::LatencySummary;
use crate::{ClientOp, EventKind, History, Observation, Time};

/// What the mutex family measures beyond latency (which is the response time, request to entry).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MutexMetrics {
    /// Synchronization delay: from one node's exit to the next node's entry, sampled only when
    /// some request was waiting at the exit (that is, under contention).
    pub sync_delay_ms: LatencySummary,
    /// Entries of the node that entered least and most often, among nodes that requested.
    pub entries_per_node_min: u64,
    pub entries_per_node_max: u64,
    /// Jain's fairness index of entries over the nodes that requested: 1 is perfectly even,
    /// 1/n is one node taking everything.
    pub jain_fairness: f64,
}

/// Synchronization delay and fairness from a mutex history.
pub fn mutex_metrics(history: &History) -> MutexMetrics {
    let nodes = history.events.iter().map(|e| e.node.index() + 1).max().unwrap_or(0);
    let mut waiting = vec![false; nodes];
    let mut requested = vec![false; nodes];
    let mut entries = vec![0u64; nodes];
    let mut exit_with_waiters: Option<Time> = None;
    let mut sync_delays = Vec::new();
    for event in &history.events {
        let node = event.node.index();
        match event.kind {
            EventKind::Invoke(ClientOp::Acquire) => {
                waiting[node] = true;
                requested[node] = true;
            }
            EventKind::Observed(Observation::Entered) => {
                waiting[node] = false;
                entries[node] += 1;
                if let Some(exit) = exit_with_waiters.take() {
                    sync_delays.push(event.time.0.saturating_sub(exit.0));
                }
            }
            EventKind::Observed(Observation::Exited) => {
                exit_with_waiters = waiting.iter().any(|w| *w).then_some(event.time);
            }
            EventKind::Crashed => waiting[node] = false,
            _ => {}
        }
    }
    let counts: Vec<f64> = (0..nodes).filter(|n| requested[*n]).map(|n| entries[n] as f64).collect();
    let sum: f64 = counts.iter().sum();
    let sum_sq: f64 = counts.iter().map(|x| x * x).sum();
    let jain = if sum_sq == 0.0 { 0.0 } else { sum * sum / (counts.len() as f64 * sum_sq) };
    MutexMetrics {
        sync_delay_ms: LatencySummary::from_nanos(sync_delays),
        entries_per_node_min: counts.iter().map(|x| *x as u64).min().unwrap_or(0),
        entries_per_node_max: counts.iter().map(|x| *x as u64).max().unwrap_or(0),
        jain_fairness: (jain * 1e4).round() / 1e4,
    }
}

#[cfg(test)]
mod mutex_metric_tests {
    use super::*;
    use EventKind::*;

    #[test]
    fn sync_delay_counts_only_handovers_with_waiters() {
        let history = History::from_millis([
            (0, 0, Invoke(ClientOp::Acquire)),
            (1, 0, Observed(Observation::Entered)),
            (2, 1, Invoke(ClientOp::Acquire)),
            (3, 0, Observed(Observation::Exited)),
            (5, 1, Observed(Observation::Entered)),
            (6, 1, Observed(Observation::Exited)),
            (9, 0, Invoke(ClientOp::Acquire)),
            (10, 0, Observed(Observation::Entered)),
        ]);
        let metrics = mutex_metrics(&history);
        assert!((metrics.sync_delay_ms.max - 2.0).abs() < 0.01, "{metrics:?}");
        assert!((metrics.sync_delay_ms.mean - 2.0).abs() < 0.01, "only the contended handover counts");
        assert_eq!((metrics.entries_per_node_min, metrics.entries_per_node_max), (1, 2));
        assert!((metrics.jain_fairness - 0.9).abs() < 1e-9, "(1+2)^2 / (2 * (1+4)) = 0.9");
    }
}
