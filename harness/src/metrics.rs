//! Metrics computed from a history: latency percentiles, ops, leader changes.

use std::collections::BTreeSet;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::{ClientOp, EventKind, Family, History, Observation, Time};

/// Latency percentiles in milliseconds, from an HDR histogram (3 significant digits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

fn millis(nanos: f64) -> f64 {
    (nanos / 1e3).round() / 1e3
}

impl LatencySummary {
    /// Summarises latencies given in nanoseconds.
    pub fn from_nanos(samples: impl IntoIterator<Item = u64>) -> Self {
        // 1 ns to ~2.8 hours at 3 significant digits; longer samples saturate at the top.
        let mut histogram = Histogram::<u64>::new_with_bounds(1, 10_000_000_000_000, 3).expect("valid bounds");
        for sample in samples {
            histogram.saturating_record(sample);
        }
        if histogram.is_empty() {
            return LatencySummary::default();
        }
        LatencySummary {
            p50: millis(histogram.value_at_quantile(0.50) as f64),
            p90: millis(histogram.value_at_quantile(0.90) as f64),
            p99: millis(histogram.value_at_quantile(0.99) as f64),
            max: millis(histogram.max() as f64),
            mean: millis(histogram.mean()),
        }
    }
}

/// What one family's history says about the work done.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkSummary {
    /// Completed ops (critical-section entries, elections, committed commands).
    pub ops: u64,
    /// Per-op latency samples in nanoseconds.
    pub latencies: Vec<u64>,
}

/// Mutex: one op is one completed entry (entered, then exited; an entry cut short by a crash
/// does not count). Its latency is the response time, from `Acquire` to `Entered`.
pub fn mutex_work(history: &History) -> WorkSummary {
    let nodes = history.events.iter().map(|e| e.node.index() + 1).max().unwrap_or(0);
    let mut requested: Vec<Option<Time>> = vec![None; nodes];
    let mut work = WorkSummary::default();
    for event in &history.events {
        let slot = &mut requested[event.node.index()];
        match event.kind {
            EventKind::Invoke(ClientOp::Acquire) => *slot = Some(event.time),
            EventKind::Observed(Observation::Entered) => {
                if let Some(since) = slot.take() {
                    work.latencies.push(event.time.0.saturating_sub(since.0));
                }
            }
            EventKind::Observed(Observation::Exited) => work.ops += 1,
            EventKind::Crashed => *slot = None,
            _ => {}
        }
    }
    work
}

/// Election: one op is one election that ended in agreement; its latency is the time from the
/// trigger (start, explicit start, the leader's crash, a restart) to agreement.
pub fn election_work(nodes: usize, history: &History) -> WorkSummary {
    let elections = crate::election::ElectionTracker::over(nodes, &history.events).elections();
    let latencies: Vec<u64> =
        elections.iter().filter_map(|e| e.ended.map(|end| end.0.saturating_sub(e.started.0))).collect();
    WorkSummary { ops: latencies.len() as u64, latencies }
}

/// Replication: one op is one command the client got an answer for; its latency runs from the
/// client's first send to the answer, retries and redirects included.
pub fn replication_work(history: &History) -> WorkSummary {
    let latencies: Vec<u64> = history
        .clients
        .iter()
        .filter_map(|op| op.completed.as_ref().map(|(t, _)| t.0.saturating_sub(op.invoked.0)))
        .collect();
    WorkSummary { ops: latencies.len() as u64, latencies }
}

/// What the replication clients went through.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ReplicationMetrics {
    /// Commands sent again after a timeout.
    pub retries: u64,
    /// Answers that sent a client to another node.
    pub redirects: u64,
    /// Commands never answered by the end of the run (outcome unknown).
    pub unanswered: u64,
}

impl ReplicationMetrics {
    pub fn of(history: &History) -> Self {
        let clients = &history.clients;
        ReplicationMetrics {
            retries: clients.iter().map(|o| o.retries as u64).sum(),
            redirects: clients.iter().map(|o| o.redirects as u64).sum(),
            unanswered: clients.iter().filter(|o| o.completed.is_none()).count() as u64,
        }
    }
}

/// The work summary for `family` in a cluster of `nodes`.
pub fn work(family: Family, nodes: usize, history: &History) -> WorkSummary {
    match family {
        Family::Mutex => mutex_work(history),
        Family::Election => election_work(nodes, history),
        Family::Replication => replication_work(history),
    }
}

/// Election traffic apart from failure-detection traffic.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ElectionMetrics {
    /// Messages of the elections themselves (every kind not listed as detection).
    pub election_messages: u64,
    /// Heartbeats, pings and the like.
    pub detection_messages: u64,
    pub election_messages_per_op: f64,
}

impl ElectionMetrics {
    /// Splits the sends by kind into election and detection traffic.
    pub fn split(sent: &crate::MessageCounts, detection_kinds: &[&str], ops: u64) -> Self {
        let detection: u64 = detection_kinds.iter().map(|k| sent.get(k)).sum();
        let election = sent.total() - detection;
        let per_op = if ops == 0 { 0.0 } else { (election as f64 / ops as f64 * 1e4).round() / 1e4 };
        ElectionMetrics { election_messages: election, detection_messages: detection, election_messages_per_op: per_op }
    }
}

/// How many distinct (term, leader) pairs were announced, minus the first: leadership changes.
pub fn leader_changes(history: &History) -> u64 {
    let leaders: BTreeSet<(u64, u32)> = history
        .observations()
        .filter_map(|(_, _, o)| match o {
            Observation::Leader { leader, term } => Some((*term, leader.0)),
            _ => None,
        })
        .collect();
    leaders.len().saturating_sub(1) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventKind::*;

    #[test]
    fn mutex_latency_is_request_to_entry() {
        let history = History::from_millis([
            (0, 0, Invoke(ClientOp::Acquire)),
            (2, 1, Invoke(ClientOp::Acquire)),
            (3, 0, Observed(Observation::Entered)),
            (4, 0, Observed(Observation::Exited)),
            (7, 1, Observed(Observation::Entered)),
            (8, 1, Crashed),
        ]);
        let work = mutex_work(&history);
        assert_eq!(work.ops, 1, "n1's entry was cut short by its crash");
        assert_eq!(work.latencies, vec![3_000_000, 5_000_000]);
        let summary = LatencySummary::from_nanos(work.latencies);
        // HDR keeps 3 significant digits.
        assert!((summary.max - 5.0).abs() < 0.01, "{summary:?}");
        assert!((summary.mean - 4.0).abs() < 0.01, "{summary:?}");
        assert!((summary.p50 - 3.0).abs() < 0.01, "{summary:?}");
    }

    #[test]
    fn empty_latencies_summarise_to_zero() {
        assert_eq!(LatencySummary::from_nanos([]), LatencySummary::default());
    }
}

/// What the mutex family measures beyond latency (which is the response time, request to entry).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
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
