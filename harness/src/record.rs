//! The run record: one per run, the same for both runtimes, and the one source of field names
//! for the JSON object, the CSV row and the table.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::metrics::{ElectionMetrics, FaultRecord, MutexMetrics, ReplicationMetrics, Startup, Steady};
use crate::{Family, LatencySummary, NetworkConfig, RuntimeKind, Workload};

/// Work a run's time limit cut short: not a violation, since nothing says the algorithm would
/// not have finished it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unfinished {
    /// Why the run ended (`the time limit (3s)`, `the event limit (20000000)`).
    pub ended_by: String,
    /// Ops asked for and done, when the run had an op target.
    pub ops_target: Option<u64>,
    pub ops_done: u64,
    /// What was still pending at the end, one phrase each (`n3 requested at 1999.2ms`).
    pub pending: Vec<String>,
}

/// A configuration a leader committed: when, at which log index, and its members.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommittedConfiguration {
    pub at_ms: f64,
    pub index: u64,
    pub members: Vec<u32>,
    /// Joint consensus: the old configuration this joint one also needs a majority of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joint_with: Vec<u32>,
}

impl CommittedConfiguration {
    /// Every configuration a leader committed in `history`, once each (by log index), in the
    /// order committed.
    pub fn of(history: &crate::History) -> Vec<CommittedConfiguration> {
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for event in &history.events {
            let crate::EventKind::Observed(crate::Observation::Configuration(note)) = &event.kind else { continue };
            if note.committed && seen.insert(note.index) {
                let ids = |nodes: &[crate::NodeId]| nodes.iter().map(|n| n.0).collect();
                out.push(CommittedConfiguration {
                    at_ms: (event.time.0 as f64 / 1e3).round() / 1e3,
                    index: note.index,
                    members: ids(&note.members),
                    joint_with: ids(&note.joint_with),
                });
            }
        }
        out
    }
}

/// What one run measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    /// The bytes of every message sent, each measured as its postcard encoding
    /// ([`crate::counts::wire_size`]), by kind and per op.
    pub bytes_total: u64,
    pub bytes_by_kind: BTreeMap<String, u64>,
    pub bytes_per_op: f64,
    /// Over every op of the run, start-up included.
    pub latency_ms: LatencySummary,
    pub throughput_ops_per_s: f64,
    /// Virtual time in sim, wall-clock time in threads.
    pub elapsed_ms: f64,
    pub leader_changes: u64,
    /// When the first leader was followed and the first op completed.
    pub startup: Startup,
    /// Latency and throughput of the ops invoked after the first completion.
    pub steady: Steady,
    /// The longest stretch without a completed op after the first one (the tail included).
    pub unavailable_ms: f64,
    /// One entry per fault of the plan: whom it hit and what recovering cost.
    pub faults: Vec<FaultRecord>,
    /// Set when the run's time (or event) limit ended it with work pending.
    pub unfinished: Option<Unfinished>,
    /// Mutex family only: synchronization delay and fairness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutex: Option<MutexMetrics>,
    /// Election family only: election traffic apart from failure detection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub election: Option<ElectionMetrics>,
    /// Replication family only: retries, redirects, unanswered commands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replication: Option<ReplicationMetrics>,
    /// Replication family only: reads apart (count, messages per read, latency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reads: Option<crate::metrics::ReadMetrics>,
    /// Algorithms that change membership: one entry per configuration a leader committed, in
    /// the order committed (absent when there is none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub configurations: Vec<CommittedConfiguration>,
    /// Invariant violations, one sentence each; empty when none.
    pub violations: Vec<String>,
    /// What a checker could not decide (a linearizability search that ran out of steps on a
    /// key): neither a violation nor a pass.
    pub undecided: Vec<String>,
    /// The algorithm's parameters as the run used them (given or default; timeouts derived from
    /// the network included).
    pub params: BTreeMap<String, String>,
    /// The network the run described.
    pub network: NetworkConfig,
    /// The workload as the run used it (the clients' resend timeout resolved).
    pub workload: Workload,
    /// The command that reproduces the run (set by the CLI; empty for library runs).
    pub command: String,
    /// The workbench version that ran it.
    pub workbench_version: String,
}
