//! The run record: one per run, the same for both runtimes, and the one source of field names
//! for the JSON object, the CSV row and the table.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::metrics::{ElectionMetrics, MutexMetrics, ReplicationMetrics};
use crate::{Family, LatencySummary, RuntimeKind};

/// What one run measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunRecord {
    pub algorithm: String,
    pub family: Family,
    pub variant: Option<String>,
    pub runtime: RuntimeKind,
    pub nodes: usize,
    pub seed: u64,
    /// Completed ops (entries, elections, committed commands).
    pub ops: u64,
    /// Every message the algorithm sent, counted at the send.
    pub messages_total: u64,
    pub messages_by_kind: BTreeMap<String, u64>,
    /// Sent but lost: random loss, partitions, cuts, or a crashed destination.
    pub messages_dropped: u64,
    /// Extra copies the network delivered.
    pub messages_duplicated: u64,
    pub messages_per_op: f64,
    pub latency_ms: LatencySummary,
    pub throughput_ops_per_s: f64,
    /// Virtual time in sim, wall-clock time in threads.
    pub elapsed_ms: f64,
    pub leader_changes: u64,
    /// Mutex family only: synchronization delay and fairness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutex: Option<MutexMetrics>,
    /// Election family only: election traffic apart from failure detection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub election: Option<ElectionMetrics>,
    /// Replication family only: retries, redirects, unanswered commands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replication: Option<ReplicationMetrics>,
    /// Invariant violations, one sentence each; empty when none.
    pub violations: Vec<String>,
}
