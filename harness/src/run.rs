//! One run, end to end: validate, build the family's driver and checkers, run the chosen
//! runtime, check the history and fill in the record.

use std::sync::Arc;

use crate::checkers::{capped, run_checkers, Checker, EveryRequestGranted, MutualExclusion};
use crate::drivers::MutexDriver;
use crate::metrics::{leader_changes, mutex_metrics, work};
use crate::{
    sim, threads, Algorithm, Driver, Family, LatencySummary, LiveMonitor, MutexOccupancy, RunError,
    RunOutcome, RunRecord, RunSetup, RunSpec, RuntimeKind, SpecError, StopReason,
};

/// The driver, post-run checkers and live monitor of a family, for a runtime.
pub struct FamilyKit {
    pub driver: Box<dyn Driver>,
    pub checkers: Vec<Box<dyn Checker>>,
    pub monitor: Option<Arc<dyn LiveMonitor>>,
}

/// What a family needs to run and be checked.
pub fn family_kit(family: Family, spec: &RunSpec) -> Result<FamilyKit, SpecError> {
    match family {
        Family::Mutex => {
            let driver = Box::new(MutexDriver::new(
                spec.nodes,
                spec.workload.clone(),
                spec.op_target(),
            ));
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
            Ok(FamilyKit {
                driver,
                checkers,
                monitor,
            })
        }
        Family::Election | Family::Replication => Err(SpecError::field(
            "algorithm",
            format!("the {family} family has no driver yet"),
        )),
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
    let FamilyKit {
        driver,
        mut checkers,
        monitor,
    } = family_kit(A::FAMILY, spec)?;
    checkers.extend(A::extra_checkers());
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
        RuntimeKind::Sim => sim::Simulation::new(setup).run(),
        RuntimeKind::Threads => threads::run(setup)?,
    };
    let record = record_of::<A>(spec, &outcome, &checkers);
    Ok((record, outcome))
}

fn record_of<A: Algorithm>(
    spec: &RunSpec,
    outcome: &RunOutcome,
    checkers: &[Box<dyn Checker>],
) -> RunRecord {
    let done = work(A::FAMILY, &outcome.history);
    let mut violations = capped("live monitor", outcome.live_violations.clone());
    violations.extend(run_checkers(checkers, &outcome.history));
    if let Some(target) = spec.op_target() {
        if done.ops < target {
            let why = match outcome.stop {
                StopReason::TimeLimit => {
                    format!("the time limit ({:?}) was reached", spec.time_limit())
                }
                StopReason::Quiescent => "nothing was left to happen (stuck)".to_string(),
                StopReason::EventLimit => {
                    format!("the event limit ({}) was reached", sim::MAX_EVENTS)
                }
                StopReason::Finished => "the run stopped".to_string(),
            };
            violations.push(format!(
                "progress: {} of {target} ops completed: {why} at {}",
                done.ops, outcome.elapsed
            ));
        }
    }
    let elapsed_s = outcome.elapsed.0 as f64 / 1e9;
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
        messages_per_op: if done.ops == 0 {
            0.0
        } else {
            messages_total as f64 / done.ops as f64
        },
        latency_ms: LatencySummary::from_nanos(done.latencies),
        throughput_ops_per_s: if elapsed_s > 0.0 {
            (done.ops as f64 / elapsed_s * 1000.0).round() / 1000.0
        } else {
            0.0
        },
        elapsed_ms: (outcome.elapsed.0 as f64 / 1e3).round() / 1e3,
        leader_changes: leader_changes(&outcome.history),
        mutex: (A::FAMILY == Family::Mutex).then(|| mutex_metrics(&outcome.history)),
        violations,
    }
}
