//! What a report found, in a few sentences per family: who sent the fewest messages and answered
//! fastest in steady state, who recovered fastest from each fault, and any violation.

use harness::Family;

use crate::comparison::Comparison;
use crate::failure_table::FailureRow;
use crate::summary::SummaryRow;

/// One finding per line, per family.
pub fn findings(
    comparison: &Comparison,
    summary: &[SummaryRow],
    failures: &[FailureRow],
) -> Vec<(Family, Vec<String>)> {
    let mut out = Vec::new();
    for family in comparison.families() {
        let mut lines = Vec::new();
        let name = family.to_string();
        let op = family.op();
        // Steady state at the largest N of each fault-free scenario.
        for scenario in comparison.scenarios.iter().filter(|s| !s.has_faults() && s.families.contains(&family)) {
            let rows: Vec<&SummaryRow> =
                summary.iter().filter(|r| r.scenario == scenario.name && r.family == name).collect();
            let Some(nodes) = rows.iter().map(|r| r.nodes).max() else { continue };
            let at_n: Vec<&&SummaryRow> = rows.iter().filter(|r| r.nodes == nodes && r.ops.mean > 0.0).collect();
            let best = |key: &dyn Fn(&SummaryRow) -> f64| {
                at_n.iter()
                    .min_by(|a, b| key(a).total_cmp(&key(b)))
                    .map(|r| (r.algorithm.clone(), key(r), r.runtime.clone()))
            };
            if let Some((who, value, runtime)) = best(&|r| r.messages_per_op.mean) {
                lines.push(format!(
                    "{}: fewest messages per {op} at N = {nodes}: {who} ({value:.2}, mean over seeds, {runtime}).",
                    scenario.name
                ));
            }
            if let Some((who, value, runtime)) = best(&|r| r.latency_p50_ms.mean) {
                lines.push(format!(
                    "{}: lowest median latency at N = {nodes}: {who} ({value:.3} ms, steady state, {runtime}).",
                    scenario.name
                ));
            }
        }
        for scenario in comparison.scenarios.iter().filter(|s| s.has_faults() && s.families.contains(&family)) {
            let all: Vec<&FailureRow> =
                failures.iter().filter(|r| r.scenario == scenario.name && r.family == name).collect();
            let spared: Vec<String> = all.iter().filter(|r| r.hit == 0).map(|r| r.algorithm.clone()).collect();
            if !spared.is_empty() {
                lines.push(format!(
                    "{}: the fault hit nothing in {} (no node held the role it aims at), so it is left out below.",
                    scenario.name,
                    spared.join(", ")
                ));
            }
            let rows: Vec<&FailureRow> = all.into_iter().filter(|r| r.hit > 0).collect();
            let recovered = rows
                .iter()
                .filter(|r| r.recovered_ms.n > 0)
                .min_by(|a, b| a.recovered_ms.mean.total_cmp(&b.recovered_ms.mean));
            if let Some(row) = recovered {
                lines.push(format!(
                    "{}: fastest recovery: {} ({} ms from the fault to the first completed {op} requested after it, mean over {} runs).",
                    scenario.name, row.algorithm, row.recovered_ms.mean, row.recovered_ms.n
                ));
            }
            // A leader that kept its followers (no leaderless time) needed no recovery.
            let undisturbed = |r: &&&FailureRow| r.new_leader_ms.n > 0 && r.new_leader_ms.mean == 0.0;
            let never: Vec<String> = rows
                .iter()
                .filter(|r| r.recovered_never > 0 && !undisturbed(r))
                .map(|r| format!("{} ({} of {})", r.algorithm, r.recovered_never, r.struck))
                .collect();
            if !never.is_empty() {
                lines.push(format!(
                    "{}: no {op} invoked after the fault completed before the run ended: {}.",
                    scenario.name,
                    never.join(", ")
                ));
            }
            let calm: Vec<String> =
                rows.iter().filter(|r| r.recovered_never > 0 && undisturbed(r)).map(|r| r.algorithm.clone()).collect();
            if !calm.is_empty() {
                lines.push(format!(
                    "{}: the leader kept its followers throughout in {}, so no {op} was needed afterwards.",
                    scenario.name,
                    calm.join(", ")
                ));
            }
        }
        let mut violated: Vec<String> = Vec::new();
        for run in comparison.runs.iter().filter(|r| r.record.family == family && !r.record.violations.is_empty()) {
            let what = format!("{} under {}", run.label, run.scenario);
            if !violated.contains(&what) {
                violated.push(what);
            }
        }
        if violated.is_empty() {
            lines.push("No violations.".into());
        } else {
            lines.push(format!("Violations: {} (see below).", violated.join("; ")));
        }
        out.push((family, lines));
    }
    out
}
