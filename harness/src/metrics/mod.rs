//! Metrics computed from a history: latency percentiles, ops, leader changes, and what faults
//! cost ([`failure`]).

mod failure;
mod mutex;
mod timeline;

pub use failure::{failure_metrics, unavailable, FailureInput, FailureMetrics, FaultRecord, Startup, Steady};
pub use mutex::{mutex_metrics, MutexMetrics};
pub use timeline::SendTimeline;

use std::collections::BTreeSet;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::{ClientOp, EventKind, Family, History, Observation, Time};

/// Latency percentiles in milliseconds, from an HDR histogram (3 significant digits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
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

/// One op that completed: when it was asked for and when it was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completion {
    pub invoked: Time,
    pub completed: Time,
}

impl Completion {
    /// Its latency in nanoseconds.
    pub fn latency(&self) -> u64 {
        self.completed.0.saturating_sub(self.invoked.0)
    }
}

/// What one family's history says about the work done.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkSummary {
    /// Completed ops (critical-section entries, elections, committed commands).
    pub ops: u64,
    /// Each op's request and completion, in history order: a granted entry (request to entry),
    /// an election (trigger to agreement), a command (first send to a definite answer).
    pub completions: Vec<Completion>,
}

impl WorkSummary {
    /// Per-op latency samples in nanoseconds.
    pub fn latencies(&self) -> Vec<u64> {
        self.completions.iter().map(Completion::latency).collect()
    }
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
                if let Some(invoked) = slot.take() {
                    work.completions.push(Completion { invoked, completed: event.time });
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
    let completions: Vec<Completion> = elections
        .iter()
        .filter_map(|e| e.ended.map(|completed| Completion { invoked: e.started, completed }))
        .collect();
    WorkSummary { ops: completions.len() as u64, completions }
}

/// Replication: one op is one command the client got an answer for; its latency runs from the
/// client's first send to the answer, retries and redirects included.
pub fn replication_work(history: &History) -> WorkSummary {
    let completions: Vec<Completion> = history
        .clients
        .iter()
        .filter_map(|op| {
            op.completed.as_ref().map(|(completed, _)| Completion { invoked: op.invoked, completed: *completed })
        })
        .collect();
    WorkSummary { ops: completions.len() as u64, completions }
}

/// What the replication clients went through.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplicationMetrics {
    /// Commands sent again after a timeout.
    pub retries: u64,
    /// Answers that sent a client to another node.
    pub redirects: u64,
    /// Commands never answered by the end of the run (outcome unknown).
    pub unanswered: u64,
    /// Algorithms with a fast path (Fast Paxos): the share of log slots a leader saw chosen on
    /// it, against those chosen by a classic round. `None` for an algorithm without one.
    #[serde(default)]
    pub fast_path_ratio: Option<f64>,
    /// Algorithms with a fast path: slots whose fast round collided (no value could reach a
    /// fast quorum) and went to recovery. `None` for an algorithm without one.
    #[serde(default)]
    pub collisions: Option<u64>,
}

/// Reads (`Get` commands) apart: how many were answered, what each cost in messages, and
/// their latency.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadMetrics {
    pub count: u64,
    /// When reads went off the log (a node noted [`READ_INDEX_NOTE`] or [`READ_LEASE_NOTE`]):
    /// messages of the algorithm's read-only kinds ([`crate::Algorithm::READ_KINDS`]) per read,
    /// 0 if every one was served under a lease. When they went through the log: messages per
    /// op, detection apart (a read costs what a write does).
    pub messages_per_read: f64,
    /// Of the reads invoked after the run's first answer (start-up left out, as in `steady`).
    pub latency_ms: ReadLatency,
    /// How the reads were served: through the log, after a ReadIndex round, under a lease.
    #[serde(default)]
    pub served: ReadsServed,
}

/// Reads answered each way (answers to retries included, so they may add up to more than
/// `count`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadsServed {
    pub log: u64,
    pub read_index: u64,
    pub lease: u64,
}

/// Noted (value: the client) by a leader that answers a read after a ReadIndex round.
pub const READ_INDEX_NOTE: &str = "replication.read-index";
/// Noted (value: the client) by a leader that answers a read under its lease, sending nothing.
pub const READ_LEASE_NOTE: &str = "replication.read-lease";

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadLatency {
    pub p50: f64,
    pub p99: f64,
}

impl ReadMetrics {
    /// From the client history and the sends of a run that completed `ops` ops.
    pub fn of(
        history: &History,
        sent: &crate::counts::MessageCounts,
        read_kinds: &[&str],
        detection_kinds: &[&str],
        ops: u64,
    ) -> Self {
        let answered: Vec<(Time, u64)> = history
            .clients
            .iter()
            .filter(|o| matches!(o.op, crate::kv::KvOp::Get { .. }))
            .filter_map(|o| o.completed.as_ref().map(|(done, _)| (o.invoked, done.0.saturating_sub(o.invoked.0))))
            .collect();
        let count = answered.len() as u64;
        // Latency as the steady-state figures take it: reads invoked after the first answer of
        // the run (those before waited for the first election).
        let first_answer = history.clients.iter().filter_map(|o| o.completed.as_ref().map(|(t, _)| *t)).min();
        let reads: Vec<u64> = answered
            .iter()
            .filter(|(invoked, _)| first_answer.is_some_and(|f| *invoked >= f))
            .map(|(_, l)| *l)
            .collect();
        let by_kind = sent.to_map();
        let of_kinds = |kinds: &[&str]| kinds.iter().map(|k| by_kind.get(*k).copied().unwrap_or(0)).sum::<u64>();
        let read_only = of_kinds(read_kinds);
        let (mut read_index, mut lease) = (0, 0);
        for event in &history.events {
            if let EventKind::Observed(Observation::Note { label, .. }) = &event.kind {
                match *label {
                    READ_INDEX_NOTE => read_index += 1,
                    READ_LEASE_NOTE => lease += 1,
                    _ => {}
                }
            }
        }
        let off_log = read_index + lease;
        let messages_per_read = if read_only > 0 || off_log > 0 {
            read_only as f64 / count.max(1) as f64
        } else {
            (sent.total() - of_kinds(detection_kinds)) as f64 / ops.max(1) as f64
        };
        let summary = LatencySummary::from_nanos(reads);
        ReadMetrics {
            count,
            messages_per_read: (messages_per_read * 1000.0).round() / 1000.0,
            latency_ms: ReadLatency { p50: summary.p50, p99: summary.p99 },
            served: ReadsServed { log: count.saturating_sub(off_log), read_index, lease },
        }
    }
}

/// Observation labels an algorithm with a fast path emits, with the slot as value: a slot
/// chosen on the fast path, one chosen by a classic round, a fast round that collided.
pub const FAST_PATH_NOTE: &str = "replication.fast-path";
pub const CLASSIC_PATH_NOTE: &str = "replication.classic-path";
pub const COLLISION_NOTE: &str = "replication.collision";

impl ReplicationMetrics {
    pub fn of(history: &History) -> Self {
        let clients = &history.clients;
        let (mut fast, mut classic, mut collisions) = (0u64, 0u64, 0u64);
        for event in &history.events {
            if let crate::EventKind::Observed(crate::Observation::Note { label, .. }) = &event.kind {
                match *label {
                    FAST_PATH_NOTE => fast += 1,
                    CLASSIC_PATH_NOTE => classic += 1,
                    COLLISION_NOTE => collisions += 1,
                    _ => {}
                }
            }
        }
        let has_fast_path = fast + classic + collisions > 0;
        ReplicationMetrics {
            retries: clients.iter().map(|o| o.retries as u64).sum(),
            redirects: clients.iter().map(|o| o.redirects as u64).sum(),
            unanswered: clients.iter().filter(|o| o.completed.is_none()).count() as u64,
            fast_path_ratio: (fast + classic > 0)
                .then(|| (fast as f64 / (fast + classic) as f64 * 10_000.0).round() / 10_000.0),
            collisions: has_fast_path.then_some(collisions),
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
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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
        assert_eq!(work.latencies(), vec![3_000_000, 5_000_000]);
        let summary = LatencySummary::from_nanos(work.latencies());
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
