//! Per scenario, algorithm, runtime and N: the steady-state figures, each a mean over seeds with
//! its 95% interval.

use serde::Serialize;

use crate::comparison::{Comparison, RunResult};
use crate::stats::Mean;

/// One line of `summary.csv`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SummaryRow {
    pub scenario: String,
    pub algorithm: String,
    pub family: String,
    pub runtime: String,
    pub nodes: usize,
    /// Replication: the closed-loop clients (the load); 0 for the other families.
    pub clients: u32,
    /// Mutex: the think time before each request (the load: shorter is heavier); empty for the
    /// other families.
    pub think_ms: Option<f64>,
    /// The load as the comparison sweeps it.
    #[serde(skip)]
    pub load: Load,
    pub runs: usize,
    pub ops: Mean,
    /// Failure-detection traffic (heartbeats) is not included: it is in `detection_messages_per_op`.
    pub messages_per_op: Mean,
    pub detection_messages_per_op: Mean,
    /// Bytes on the wire per op (failure detection included).
    pub bytes_per_op: Mean,
    /// Steady state: ops invoked after the first completion (start-up left out).
    pub latency_p50_ms: Mean,
    pub latency_p99_ms: Mean,
    pub throughput_ops_per_s: Mean,
    /// Replication: reads (`Get`) apart, over the runs that answered some (n = 0 otherwise):
    /// messages per read (0 under a lease; a write's cost when reads go through the log), read
    /// latency, and the share of reads a lease answered with no message.
    pub messages_per_read: Mean,
    pub read_latency_p50_ms: Mean,
    pub read_latency_p99_ms: Mean,
    pub reads_by_lease: Mean,
    pub runs_with_violations: usize,
    /// Runs a time limit ended with work pending.
    pub runs_unfinished: usize,
}

fn per_op(count: f64, ops: u64) -> f64 {
    if ops == 0 {
        0.0
    } else {
        count / ops as f64
    }
}

/// Detection messages per op of one run.
fn detection(run: &RunResult) -> f64 {
    per_op(run.record.election.as_ref().map_or(0, |e| e.detection_messages) as f64, run.record.ops)
}

/// The load a run offered, as `compare` sweeps it: a replication run's clients, a mutex run's
/// think time; elections have one load.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Load {
    Clients(u32),
    Think(std::time::Duration),
    #[default]
    Fixed,
}

impl Load {
    /// The load `record` ran under.
    pub fn of(record: &harness::RunRecord) -> Load {
        match record.family {
            harness::Family::Replication => Load::Clients(record.workload.clients),
            harness::Family::Mutex => Load::Think(record.workload.think),
            harness::Family::Election => Load::Fixed,
        }
    }

    /// Orders loads lightest first: fewer clients, a longer think time.
    pub fn heaviness(&self) -> i128 {
        match self {
            Load::Clients(c) => i128::from(*c),
            Load::Think(d) => -(d.as_nanos() as i128),
            Load::Fixed => 0,
        }
    }
}

impl std::fmt::Display for Load {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Load::Clients(1) => f.write_str("1 client"),
            Load::Clients(c) => write!(f, "{c} clients"),
            Load::Think(d) => write!(f, "think {}", harness::format_duration(*d)),
            Load::Fixed => f.write_str("one load"),
        }
    }
}

/// The load a replication run offered: its clients (0 for the other families, whose clients do
/// not apply).
pub fn clients_of(record: &harness::RunRecord) -> u32 {
    if record.family == harness::Family::Replication {
        record.workload.clients
    } else {
        0
    }
}

/// The mean of a read figure over the runs that answered reads.
fn read_values(runs: &[&RunResult], figure: &dyn Fn(&harness::metrics::ReadMetrics) -> f64) -> Mean {
    let values: Vec<f64> =
        runs.iter().filter_map(|r| r.record.reads.as_ref()).filter(|reads| reads.count > 0).map(figure).collect();
    Mean::of(&values)
}

/// The summary row of `runs` (one cell of the grid).
pub fn summary_row(scenario: &str, label: &str, runs: &[&RunResult]) -> SummaryRow {
    let first = &runs[0].record;
    let values = |f: &dyn Fn(&RunResult) -> f64| Mean::of(&runs.iter().map(|r| f(r)).collect::<Vec<f64>>());
    SummaryRow {
        scenario: scenario.to_string(),
        algorithm: label.to_string(),
        family: first.family.to_string(),
        runtime: first.runtime.to_string(),
        nodes: first.nodes,
        clients: clients_of(first),
        think_ms: (first.family == harness::Family::Mutex).then_some(first.workload.think.as_secs_f64() * 1e3),
        load: Load::of(first),
        runs: runs.len(),
        ops: values(&|r| r.record.ops as f64),
        messages_per_op: values(&|r| r.record.messages_per_op - detection(r)),
        detection_messages_per_op: values(&detection),
        bytes_per_op: values(&|r| r.record.bytes_per_op),
        latency_p50_ms: values(&|r| r.record.steady.latency_ms.p50),
        latency_p99_ms: values(&|r| r.record.steady.latency_ms.p99),
        throughput_ops_per_s: values(&|r| r.record.steady.throughput_ops_per_s),
        messages_per_read: read_values(runs, &|r| r.messages_per_read),
        read_latency_p50_ms: read_values(runs, &|r| r.latency_ms.p50),
        read_latency_p99_ms: read_values(runs, &|r| r.latency_ms.p99),
        reads_by_lease: read_values(runs, &|r| r.served.lease.min(r.count) as f64 / r.count as f64),
        runs_with_violations: runs.iter().filter(|r| !r.record.violations.is_empty()).count(),
        runs_unfinished: runs.iter().filter(|r| r.record.unfinished.is_some()).count(),
    }
}

/// The summary rows of every scenario, by family, algorithm, runtime and N.
pub fn summarize(comparison: &Comparison) -> Vec<SummaryRow> {
    let mut rows = Vec::new();
    for scenario in &comparison.scenarios {
        for family in comparison.families() {
            for label in comparison.labels(family) {
                for runtime in comparison.runtimes() {
                    for nodes in comparison.node_counts(&scenario.name) {
                        let in_cell =
                            |r: &&RunResult| r.label == label && r.record.runtime == runtime && r.record.nodes == nodes;
                        let mut loads: Vec<Load> = comparison
                            .runs_in(&scenario.name, family)
                            .filter(in_cell)
                            .map(|r| Load::of(&r.record))
                            .collect();
                        loads.sort_by_key(Load::heaviness);
                        loads.dedup();
                        for load in loads {
                            let runs: Vec<&RunResult> = comparison
                                .runs_in(&scenario.name, family)
                                .filter(in_cell)
                                .filter(|r| Load::of(&r.record) == load)
                                .collect();
                            rows.push(summary_row(&scenario.name, &label, &runs));
                        }
                    }
                }
            }
        }
    }
    rows
}
