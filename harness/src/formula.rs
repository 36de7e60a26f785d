//! Textbook message-count formulas, checked against measured runs.
//!
//! An algorithm states its formula, the canonical scenario it holds in (reliable network, light
//! load, a named initiator where it matters) and the count it predicts for a run of that scenario.
//! The prediction may read the run's history where the textbook count depends on who did what
//! (the centralized coordinator's own entries are free; Maekawa's quorum sizes differ by node).

use serde::{Deserialize, Serialize};

use crate::{Algorithm, History, RunError, RunSpec};

/// A textbook message count and the scenario it holds in.
#[derive(Clone, Copy)]
pub struct Formula {
    /// The count as a reader would write it: "2(N-1) per entry".
    pub text: &'static str,
    /// Where it comes from.
    pub source: &'static str,
    /// The canonical run at `nodes` nodes.
    pub scenario: fn(nodes: usize) -> RunSpec,
    /// The messages the formula predicts for that run (failure-detection kinds excluded).
    pub expected: fn(nodes: usize, history: &History) -> u64,
}

/// How a message's size grows with the cluster size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Growth {
    /// The same size at every N.
    Constant,
    /// Growing in proportion to N.
    Linear,
}

impl Growth {
    /// Whether (N, mean bytes per message) points follow this growth: constant within a fifth
    /// of the mean; linear with a least-squares line that explains at least 95% of the variation
    /// (varint encodings make small steps) and a size that grows at least as the square root of N
    /// from the smallest N to the largest (a constant with a few extra bytes is not linear).
    pub fn holds(self, points: &[(usize, f64)]) -> bool {
        if points.len() < 2 {
            return true;
        }
        let n = points.len() as f64;
        let mean_x = points.iter().map(|p| p.0 as f64).sum::<f64>() / n;
        let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
        match self {
            Growth::Constant => points.iter().all(|p| (p.1 - mean_y).abs() <= 0.2 * mean_y.max(1.0)),
            Growth::Linear => {
                let sxy: f64 = points.iter().map(|p| (p.0 as f64 - mean_x) * (p.1 - mean_y)).sum();
                let sxx: f64 = points.iter().map(|p| (p.0 as f64 - mean_x).powi(2)).sum();
                let syy: f64 = points.iter().map(|p| (p.1 - mean_y).powi(2)).sum();
                if sxx == 0.0 || syy == 0.0 {
                    return false;
                }
                let (first, last) = (points[0], points[points.len() - 1]);
                let grew = last.1 / first.1.max(1e-9) >= (last.0 as f64 / first.0 as f64).sqrt();
                sxy > 0.0 && sxy * sxy / (sxx * syy) >= 0.95 && grew
            }
        }
    }
}

/// What a textbook says of one message kind's size.
#[derive(Clone, Debug)]
pub struct SizeLaw {
    /// The message kind it speaks of.
    pub kind: &'static str,
    /// As a reader would write it: "N request numbers and a queue of up to N ids".
    pub text: &'static str,
    pub source: &'static str,
    pub growth: Growth,
}

/// The measured size of one kind at one N, beside its stated growth.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SizeRow {
    pub kind: String,
    pub text: String,
    pub growth: Growth,
    /// Mean bytes per message of the kind in the formula scenario.
    pub bytes_per_message: f64,
}

/// Measured against expected for one algorithm at one N.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormulaRow {
    pub algorithm: String,
    pub nodes: usize,
    pub ops: u64,
    pub measured: u64,
    pub expected: u64,
    pub measured_per_op: f64,
    pub expected_per_op: f64,
    pub formula: String,
    pub source: String,
    /// Measured equals expected and the run had no violations.
    pub ok: bool,
    pub violations: Vec<String>,
    /// The size of the message kind the algorithm states a size law for, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<SizeRow>,
}

fn per_op(messages: u64, ops: u64) -> f64 {
    if ops == 0 {
        0.0
    } else {
        (messages as f64 / ops as f64 * 1e4).round() / 1e4
    }
}

/// Runs `A`'s formula scenario at `nodes` and compares; `None` if `A` states no formula.
pub fn check<A: Algorithm>(nodes: usize) -> Option<Result<FormulaRow, RunError>> {
    let formula = A::formula()?;
    Some(check_with::<A>(&formula, nodes))
}

fn check_with<A: Algorithm>(formula: &Formula, nodes: usize) -> Result<FormulaRow, RunError> {
    let spec = (formula.scenario)(nodes);
    let (record, outcome) = crate::run_with_outcome::<A>(&spec)?;
    let detection: u64 = A::DETECTION_KINDS.iter().map(|k| outcome.sent.get(k)).sum();
    let measured = record.messages_total - detection;
    let expected = (formula.expected)(nodes, &outcome.history);
    Ok(FormulaRow {
        algorithm: A::NAME.to_string(),
        nodes,
        ops: record.ops,
        measured,
        expected,
        measured_per_op: per_op(measured, record.ops),
        expected_per_op: per_op(expected, record.ops),
        formula: formula.text.to_string(),
        source: formula.source.to_string(),
        ok: measured == expected && record.violations.is_empty(),
        violations: record.violations,
        size: A::size_law().map(|law| {
            let count = outcome.sent.get(law.kind);
            SizeRow {
                kind: law.kind.to_string(),
                text: law.text.to_string(),
                growth: law.growth,
                bytes_per_message: if count == 0 { 0.0 } else { outcome.sent.bytes(law.kind) as f64 / count as f64 },
            }
        }),
    })
}

/// The mutex formula scenario: light load (one request at a time, nodes taking turns from node
/// 0, no think time), reliable 1 ms links, `entries` entries.
pub fn light_mutex(nodes: usize, entries: u64) -> RunSpec {
    RunSpec {
        nodes,
        ops: Some(entries),
        workload: crate::Workload {
            load: crate::MutexLoad::Light,
            think: std::time::Duration::ZERO,
            ..crate::Workload::default()
        },
        ..RunSpec::default()
    }
}

/// The entries of a mutex history, by node, in order.
pub fn entries(history: &History) -> impl Iterator<Item = crate::NodeId> + '_ {
    history.events.iter().filter(|e| e.kind == crate::EventKind::Observed(crate::Observation::Exited)).map(|e| e.node)
}

/// The replication formula scenario: one closed-loop client, one command at a time, 20 commands,
/// reliable 1 ms links.
pub fn one_client(nodes: usize) -> RunSpec {
    RunSpec {
        nodes,
        ops: Some(20),
        workload: crate::Workload { clients: 1, ..crate::Workload::default() },
        ..RunSpec::default()
    }
}

/// The client commands of a run that got an answer.
pub fn answered(history: &History) -> u64 {
    history.clients.iter().filter(|o| o.completed.is_some()).count() as u64
}

/// The election formula scenario: one election started by `initiator`, optionally with the
/// highest id crashed at time zero, on reliable 1 ms links.
pub fn one_election(nodes: usize, initiator: u32, highest_crashed: bool) -> RunSpec {
    let faults = if highest_crashed {
        vec![crate::TimedFault::timed(
            crate::Fault::Crash { node: crate::NodeRef::Id(crate::NodeId(nodes as u32 - 1)) },
            std::time::Duration::ZERO,
            None,
        )]
    } else {
        Vec::new()
    };
    RunSpec {
        nodes,
        ops: Some(1),
        faults: crate::FaultPlan { faults },
        workload: crate::Workload { initiator: crate::Initiator::Node(initiator), ..crate::Workload::default() },
        ..RunSpec::default()
    }
}

#[cfg(test)]
mod tests {
    use super::Growth;

    #[test]
    fn growth_laws_can_fail() {
        let linear = [(4, 8.5), (16, 31.4), (64, 108.7)];
        let flat = [(4, 6.0), (16, 6.0), (64, 7.0)];
        assert!(Growth::Linear.holds(&linear));
        assert!(!Growth::Constant.holds(&linear));
        assert!(Growth::Constant.holds(&flat));
        assert!(!Growth::Linear.holds(&flat), "a few extra bytes are not linear growth");
        assert!(!Growth::Linear.holds(&[(4, 30.0), (16, 20.0), (64, 10.0)]), "shrinking is not growing");
    }
}
