//! The failure table: per scenario with faults, algorithm, runtime, N and fault, what the fault
//! cost, each a mean over seeds with its 95% interval. A time that never came (no new leader, no
//! recovery before the run ended) is counted apart, not averaged in.

use serde::Serialize;

use crate::comparison::{Comparison, RunResult, ScenarioInfo};
use crate::stats::Mean;

/// One line of `failures.csv`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FailureRow {
    pub scenario: String,
    pub algorithm: String,
    pub family: String,
    pub runtime: String,
    pub nodes: usize,
    /// The fault as written.
    pub fault: String,
    pub runs: usize,
    /// Runs where the fault struck (one that waits for an event may not).
    pub struck: usize,
    /// Runs where it hit something: a node, or for a lossy burst or a heal the links. A fault
    /// aimed at a role nobody held (the leader of a leaderless algorithm) hits nothing.
    pub hit: usize,
    pub runs_with_violations: usize,
    pub ops: Mean,
    pub unavailable_ms: Mean,
    /// Whether the algorithm has a leader at all (none was ever followed in any run: Basic
    /// Paxos, the mutexes); without one, the new-leader columns do not apply.
    pub has_leader: bool,
    /// Over the runs where a followed leader came; `new_leader_never` counts the others.
    pub new_leader_ms: Mean,
    pub new_leader_never: usize,
    /// Over the runs that recovered; `recovered_never` counts the others.
    pub recovered_ms: Mean,
    pub recovered_never: usize,
    /// Messages from the fault to the recovery.
    pub recovery_messages: Mean,
}

fn row(scenario: &ScenarioInfo, label: &str, runs: &[&RunResult], fault: usize) -> FailureRow {
    let hits_links =
        matches!(scenario.spec.faults.faults[fault].fault, harness::Fault::Lossy(_) | harness::Fault::Heal);
    let first = &runs[0].record;
    // The runs where the fault struck (a triggered fault may never have).
    let faults: Vec<_> = runs.iter().filter_map(|r| r.record.faults.get(fault)).filter(|f| f.at_ms.is_some()).collect();
    let present = |values: Vec<Option<f64>>| {
        let known: Vec<f64> = values.iter().flatten().copied().collect();
        (Mean::of(&known), values.len() - known.len())
    };
    let (new_leader_ms, new_leader_never) = present(faults.iter().map(|f| f.new_leader_ms).collect());
    let (recovered_ms, recovered_never) = present(faults.iter().map(|f| f.recovered_ms).collect());
    FailureRow {
        scenario: scenario.name.clone(),
        algorithm: label.to_string(),
        family: first.family.to_string(),
        runtime: first.runtime.to_string(),
        nodes: first.nodes,
        fault: runs[0].record.faults.get(fault).map_or_else(String::new, |f| f.fault.clone()),
        struck: faults.len(),
        hit: faults.iter().filter(|f| hits_links || !f.nodes.is_empty()).count(),
        runs: runs.len(),
        runs_with_violations: runs.iter().filter(|r| !r.record.violations.is_empty()).count(),
        ops: Mean::of(&runs.iter().map(|r| r.record.ops as f64).collect::<Vec<_>>()),
        unavailable_ms: Mean::of(&runs.iter().map(|r| r.record.unavailable_ms).collect::<Vec<_>>()),
        has_leader: runs.iter().any(|r| r.record.startup.first_leader_ms.is_some()),
        new_leader_ms,
        new_leader_never,
        recovered_ms,
        recovered_never,
        recovery_messages: Mean::of(&faults.iter().filter_map(|f| f.messages).map(|m| m as f64).collect::<Vec<_>>()),
    }
}

/// The failure rows of every scenario with faults.
pub fn failure_rows(comparison: &Comparison) -> Vec<FailureRow> {
    let mut rows = Vec::new();
    for scenario in comparison.scenarios.iter().filter(|s| s.has_faults()) {
        for family in comparison.families() {
            for label in comparison.labels(family) {
                for runtime in comparison.runtimes() {
                    for nodes in comparison.node_counts(&scenario.name) {
                        let runs: Vec<&RunResult> = comparison
                            .runs_in(&scenario.name, family)
                            .filter(|r| r.label == label && r.record.runtime == runtime && r.record.nodes == nodes)
                            .collect();
                        if runs.is_empty() {
                            continue;
                        }
                        for fault in 0..scenario.spec.faults.faults.len() {
                            rows.push(row(scenario, &label, &runs, fault));
                        }
                    }
                }
            }
        }
    }
    rows
}
