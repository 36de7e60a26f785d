//! Textbook message-count formulas, checked against measured runs.
//!
//! An algorithm states its formula, the canonical scenario it holds in (reliable network, light
//! load, a named initiator where it matters) and the count it predicts for a run of that scenario.
//! The prediction may read the run's history where the textbook count depends on who did what
//! (the centralized coordinator's own entries are free; Maekawa's quorum sizes differ by node).

use serde::Serialize;

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

/// Measured against expected for one algorithm at one N.
#[derive(Clone, Debug, PartialEq, Serialize)]
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
