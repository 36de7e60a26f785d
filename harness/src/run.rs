//! One run, end to end: validate, build the family's driver and checkers, run the chosen
//! runtime, check the history and fill in the record.

use std::sync::Arc;
use std::time::Duration;

use crate::checkers::{
    capped, run_checkers, Agreement, Checker, ElectionSafety, EveryRequestGranted, HighestIdWins, Linearizability,
    MutualExclusion, StateMachineSafety, Termination,
};
use crate::drivers::{ElectionDriver, MutexDriver, ReplicationDriver};
use crate::metrics::{leader_changes, mutex_metrics, work, ElectionMetrics, ReplicationMetrics};
use crate::{
    sim, threads, Algorithm, Driver, Family, LatencySummary, LiveMonitor, MutexOccupancy, RunError, RunOutcome,
    RunRecord, RunSetup, RunSpec, RuntimeKind, SpecError, StopReason,
};

/// The driver, post-run checkers and live monitor of a family, for a runtime.
pub struct FamilyKit {
    pub driver: Box<dyn Driver>,
    pub checkers: Vec<Box<dyn Checker>>,
    pub monitor: Option<Arc<dyn LiveMonitor>>,
}

/// What a family needs to run and be checked. `termination_bound` is the election bound the
/// algorithm states ([`Algorithm::TERMINATION_BOUND`]).
pub fn family_kit(family: Family, spec: &RunSpec, termination_bound: Option<Duration>) -> Result<FamilyKit, SpecError> {
    let (nodes, workload, target) = (spec.nodes, spec.workload.clone(), spec.op_target());
    match family {
        Family::Mutex => {
            let mut checkers: Vec<Box<dyn Checker>> = vec![Box::new(EveryRequestGranted)];
            let monitor: Option<Arc<dyn LiveMonitor>> = match spec.runtime {
                // Exact over the simulator's single order of events.
                RuntimeKind::Sim => {
                    checkers.insert(0, Box::new(MutualExclusion));
                    None
                }
                // Checked at the moment of entry: thread stamps cannot order exit against entry.
                RuntimeKind::Threads => Some(Arc::new(MutexOccupancy::default())),
            };
            let driver = Box::new(MutexDriver::new(nodes, workload, target));
            Ok(FamilyKit { driver, checkers, monitor })
        }
        Family::Election => {
            if nodes < 2 {
                // The driver crashes each elected leader: a lone node leaves nobody to elect.
                return Err(SpecError::field(
                    "nodes",
                    format!("an election needs at least 2 nodes: the workload crashes each leader (got {nodes})"),
                ));
            }
            let mut checkers: Vec<Box<dyn Checker>> =
                vec![Box::new(Agreement { nodes }), Box::new(HighestIdWins { nodes })];
            if let Some(bound) = termination_bound {
                checkers.push(Box::new(Termination { nodes, bound }));
            }
            Ok(FamilyKit { driver: Box::new(ElectionDriver::new(nodes, workload, target)), checkers, monitor: None })
        }
        Family::Replication => Ok(FamilyKit {
            driver: Box::new(ReplicationDriver::new(nodes, workload, target)),
            checkers: vec![Box::new(ElectionSafety), Box::new(StateMachineSafety { nodes }), Box::new(Linearizability)],
            monitor: None,
        }),
    }
}

/// Runs algorithm `A` as `spec` says and returns its record (with any violations found).
pub fn run<A: Algorithm>(spec: &RunSpec) -> Result<RunRecord, RunError> {
    let (record, _) = run_with_outcome::<A>(spec)?;
    Ok(record)
}

/// Like [`run`], also handing back the runtime's outcome (history and counters) for tests and
/// tools that look closer.
pub fn run_with_outcome<A: Algorithm>(spec: &RunSpec) -> Result<(RunRecord, RunOutcome), RunError> {
    spec.validate()?;
    let config = A::configure(spec)?;
    let FamilyKit { driver, mut checkers, monitor } = family_kit(A::FAMILY, spec, A::TERMINATION_BOUND)?;
    checkers.extend(A::extra_checkers(spec));
    let setup = RunSetup::<A> {
        config,
        nodes: spec.nodes,
        seed: spec.seed,
        network: spec.network.clone(),
        faults: spec.faults.clone(),
        driver,
        time_limit: spec.time_limit(),
        monitor,
    };
    let outcome = match spec.runtime {
        RuntimeKind::Sim => {
            sim::Simulation::new(setup).with_max_events(spec.max_events.unwrap_or(sim::MAX_EVENTS)).run()
        }
        RuntimeKind::Threads => threads::run(setup)?,
    };
    let record = record_of::<A>(spec, &outcome, &checkers);
    Ok((record, outcome))
}

fn progress_violation(spec: &RunSpec, outcome: &RunOutcome, done: u64) -> Option<String> {
    let target = spec.op_target()?;
    if done >= target {
        return None;
    }
    let why = match outcome.stop {
        StopReason::TimeLimit => format!("the time limit ({:?}) was reached", spec.time_limit()),
        StopReason::Quiescent => "nothing was left to happen (stuck)".to_string(),
        StopReason::EventLimit => {
            format!("the event limit ({}) was reached", spec.max_events.unwrap_or(sim::MAX_EVENTS))
        }
        StopReason::Finished => "the run stopped".to_string(),
    };
    Some(format!("progress: {done} of {target} ops completed: {why} at {}", outcome.elapsed))
}

fn ratio(numerator: f64, denominator: f64, decimals: i32) -> f64 {
    if denominator == 0.0 {
        return 0.0;
    }
    let scale = 10f64.powi(decimals);
    (numerator / denominator * scale).round() / scale
}

fn record_of<A: Algorithm>(spec: &RunSpec, outcome: &RunOutcome, checkers: &[Box<dyn Checker>]) -> RunRecord {
    let done = work(A::FAMILY, spec.nodes, &outcome.history);
    let mut violations = capped("live monitor", outcome.live_violations.clone());
    violations.extend(run_checkers(checkers, &outcome.history));
    violations.extend(progress_violation(spec, outcome, done.ops));
    let messages_total = outcome.sent.total();
    RunRecord {
        algorithm: A::NAME.to_string(),
        family: A::FAMILY,
        variant: spec.variant.clone(),
        runtime: spec.runtime,
        nodes: spec.nodes,
        seed: spec.seed,
        ops: done.ops,
        messages_total,
        messages_by_kind: outcome.sent.to_map(),
        messages_dropped: outcome.dropped,
        messages_duplicated: outcome.duplicated,
        messages_per_op: ratio(messages_total as f64, done.ops as f64, 4),
        latency_ms: LatencySummary::from_nanos(done.latencies),
        throughput_ops_per_s: ratio(done.ops as f64 * 1e9, outcome.elapsed.0 as f64, 3),
        elapsed_ms: ratio(outcome.elapsed.0 as f64, 1e6, 3),
        leader_changes: leader_changes(&outcome.history),
        mutex: (A::FAMILY == Family::Mutex).then(|| mutex_metrics(&outcome.history)),
        election: (A::FAMILY == Family::Election)
            .then(|| ElectionMetrics::split(&outcome.sent, A::DETECTION_KINDS, done.ops)),
        replication: (A::FAMILY == Family::Replication).then(|| ReplicationMetrics::of(&outcome.history)),
        violations,
    }
}

/// Like [`run`], also handing back each op's latency in nanoseconds (for distributions).
pub fn run_with_samples<A: Algorithm>(spec: &RunSpec) -> Result<(RunRecord, Vec<u64>), RunError> {
    let (record, outcome) = run_with_outcome::<A>(spec)?;
    let samples = work(A::FAMILY, spec.nodes, &outcome.history).latencies;
    Ok((record, samples))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_election_kit_checks_termination_when_the_algorithm_states_a_bound() {
        let names = |bound| {
            family_kit(Family::Election, &RunSpec::default(), bound)
                .unwrap()
                .checkers
                .iter()
                .map(|c| c.name())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(Some(Duration::from_secs(2))), ["agreement", "validity", "termination"]);
        assert_eq!(names(None), ["agreement", "validity"]);
    }
}
