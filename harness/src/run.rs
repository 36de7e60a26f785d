//! One run, end to end: validate, configure the algorithm, build the family's driver and
//! checkers, run the chosen runtime, check the history and fill in the record.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::checkers::{
    capped, Agreement, Checker, ElectionSafety, EveryRequestGranted, HighestIdWins, Linearizability, MutualExclusion,
    StateMachineSafety, Termination,
};
use crate::drivers::{ClientTiming, ElectionDriver, MutexDriver, ReplicationDriver};
use crate::metrics::{
    failure_metrics, leader_changes, mutex_metrics, work, ElectionMetrics, FailureInput, ReplicationMetrics,
    WorkSummary,
};
use crate::record::Unfinished;
use crate::{
    sim, threads, Algorithm, Driver, Family, LatencySummary, LiveMonitor, MutexOccupancy, RunError, RunOutcome,
    RunRecord, RunSetup, RunSpec, RuntimeKind, Settings, SpecError, StopReason, Timing, Workload,
};

/// The driver, post-run checkers and live monitor of a family, for a runtime.
pub struct FamilyKit {
    pub driver: Box<dyn Driver>,
    pub checkers: Vec<Box<dyn Checker>>,
    pub monitor: Option<Arc<dyn LiveMonitor>>,
}

/// A run's spec with everything the harness derives resolved: the workload as the clients run
/// it, and the network's timing.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub workload: Workload,
    pub timing: Timing,
}

impl Resolved {
    /// Resolves `spec` (the clients' resend timeout defaults to the low end of the detection range).
    pub fn of(spec: &RunSpec, timing: Timing) -> Self {
        let mut workload = spec.workload.clone();
        workload.client_timeout = Some(workload.client_timeout.unwrap_or(timing.detect.0));
        Resolved { workload, timing }
    }
}

/// What a family needs to run and be checked. `termination_bound` is the election bound the
/// algorithm states ([`Algorithm::termination_bound`]); `clients_to_all` is its
/// [`Algorithm::CLIENTS_SEND_TO_ALL`].
pub fn family_kit(
    family: Family,
    spec: &RunSpec,
    resolved: &Resolved,
    termination_bound: Option<Duration>,
    clients_to_all: bool,
) -> Result<FamilyKit, SpecError> {
    let (nodes, workload, target) = (spec.nodes, resolved.workload.clone(), spec.op_target());
    // Replication checkers read every node's observations, spares included.
    let hosts = spec.hosts();
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
            let driver = ElectionDriver::new(nodes, workload, target, spec.crashes_leaders());
            Ok(FamilyKit { driver: Box::new(driver), checkers, monitor: None })
        }
        Family::Replication => {
            let timeout = workload.client_timeout.expect("resolved");
            let timing = ClientTiming::new(&resolved.timing, timeout);
            // Clients go round every node, spares included: one may lead after it joins.
            let mut driver = ReplicationDriver::new(hosts, workload, timing, target);
            if clients_to_all {
                driver = driver.sending_to_all(spec.network.latency);
            }
            Ok(FamilyKit {
                driver: Box::new(driver),
                checkers: vec![
                    Box::new(ElectionSafety),
                    Box::new(StateMachineSafety { nodes: hosts }),
                    Box::new(Linearizability),
                ],
                monitor: None,
            })
        }
    }
}

/// Runs algorithm `A` as `spec` says and returns its record (with any violations found).
pub fn run<A: Algorithm>(spec: &RunSpec) -> Result<RunRecord, RunError> {
    let (record, _) = run_with_outcome::<A>(spec)?;
    Ok(record)
}

/// Everything checked before a run starts: the spec, the algorithm's configuration and
/// parameters, the family's rules.
pub struct Prepared<A: Algorithm> {
    pub config: A::Config,
    /// The parameters as used (given or default).
    pub params: BTreeMap<String, String>,
    pub resolved: Resolved,
}

/// Validates `spec` for `A` and configures it, without running anything.
pub fn prepare<A: Algorithm>(spec: &RunSpec) -> Result<Prepared<A>, SpecError> {
    spec.validate()?;
    if let Some(name) = spec.algorithm.as_deref().filter(|name| *name != A::NAME) {
        return Err(SpecError::field(
            "algorithm",
            format!("this run description names `{}`, not {}", crate::excerpt(name), A::NAME),
        ));
    }
    if !A::TRANSFERS_LEADERSHIP {
        let transfer = spec.faults.faults.iter().position(|f| matches!(f.fault, crate::Fault::Transfer { .. }));
        if let Some(index) = transfer {
            return Err(SpecError::field(
                format!("faults[{index}]"),
                format!("`{}`: {} has no leadership transfer", spec.faults.faults[index], A::NAME),
            ));
        }
    }
    if !A::CHANGES_MEMBERSHIP {
        if spec.spare > 0 {
            return Err(SpecError::field(
                "spare",
                format!("{} does not change its membership: no spare nodes", A::NAME),
            ));
        }
        if let Some(index) = spec.faults.faults.iter().position(|f| f.fault.changes_membership()) {
            return Err(SpecError::field(
                format!("faults[{index}]"),
                format!("`{}`: {} does not change its membership", spec.faults.faults[index], A::NAME),
            ));
        }
    }
    if !A::FAMILY.has_leaders() {
        if let Some(index) = spec.faults.faults.iter().position(|f| f.fault.aims_at_a_role()) {
            return Err(SpecError::field(
                format!("faults[{index}]"),
                format!(
                    "`{}` aims at the leader, and no algorithm of the {} family has one",
                    spec.faults.faults[index],
                    A::FAMILY
                ),
            ));
        }
    }
    let mut settings = Settings::of(spec)?;
    let config = A::configure(&mut settings)?;
    // Replication clients wait as long as the quickest failure detector (the algorithm's own).
    let mut timing = settings.timing;
    if A::FAMILY == Family::Replication {
        timing.detect = settings.detect()?;
    }
    let params = settings.params.finish(A::NAME)?;
    Ok(Prepared { config, params, resolved: Resolved::of(spec, timing) })
}

/// Like [`run`], also handing back the runtime's outcome (history and counters) for tests and
/// tools that look closer.
pub fn run_with_outcome<A: Algorithm>(spec: &RunSpec) -> Result<(RunRecord, RunOutcome), RunError> {
    run_inner::<A>(spec, false)
}

/// Like [`run_with_outcome`], with the run's event trace in [`RunOutcome::trace`] (its first line
/// says what ran).
pub fn run_traced<A: Algorithm>(spec: &RunSpec) -> Result<(RunRecord, RunOutcome), RunError> {
    let (record, mut outcome) = run_inner::<A>(spec, true)?;
    let header = crate::trace::TraceEvent::Run {
        algorithm: A::NAME.to_string(),
        variant: spec.variant.clone(),
        nodes: spec.nodes,
        seed: spec.seed,
        runtime: spec.runtime.to_string(),
        command: String::new(),
    };
    outcome.trace = outcome.trace.take().map(|trace| trace.with_header(header));
    Ok((record, outcome))
}

fn run_inner<A: Algorithm>(spec: &RunSpec, trace: bool) -> Result<(RunRecord, RunOutcome), RunError> {
    let Prepared { config, params, resolved } = prepare::<A>(spec)?;
    let bound = A::termination_bound(&config, spec.nodes);
    let FamilyKit { driver, mut checkers, monitor } =
        family_kit(A::FAMILY, spec, &resolved, bound, A::CLIENTS_SEND_TO_ALL)?;
    checkers.extend(A::extra_checkers(spec));
    let setup = RunSetup::<A> {
        config,
        nodes: spec.nodes,
        spare: spec.spare,
        seed: spec.seed,
        network: spec.network.clone(),
        faults: spec.faults.clone(),
        driver,
        time_limit: spec.time_limit(),
        monitor,
        max_events: spec.max_events,
        trace,
    };
    let outcome = match spec.runtime {
        RuntimeKind::Sim => sim::Simulation::new(setup).run(),
        RuntimeKind::Threads => threads::run(setup)?,
    };
    let record = record_of::<A>(spec, &outcome, &checkers, params, resolved.workload);
    Ok((record, outcome))
}

fn ratio(numerator: f64, denominator: f64, decimals: i32) -> f64 {
    if denominator == 0.0 {
        return 0.0;
    }
    let scale = 10f64.powi(decimals);
    (numerator / denominator * scale).round() / scale
}

/// The violations and the unfinished work of a run. Checkers of the state at the end (every
/// request granted, agreement) speak of unfinished work when a limit cut the run short, and of
/// violations when the run ended because nothing was left to happen.
fn verdict(spec: &RunSpec, outcome: &RunOutcome, checkers: &[Box<dyn Checker>], done: &WorkSummary) -> Verdict {
    let mut violations = capped("live monitor", outcome.live_violations.clone());
    let mut undecided = Vec::new();
    let mut pending = Vec::new();
    let cut_short = matches!(outcome.stop, StopReason::TimeLimit | StopReason::EventLimit | StopReason::Backlog);
    for checker in checkers {
        let findings = checker.findings(&outcome.history);
        let named = |found: Vec<String>| found.into_iter().map(|v| format!("{}: {v}", checker.name())).collect();
        undecided.extend(capped(checker.name(), named(findings.undecided)));
        if cut_short && checker.at_end() {
            pending.extend(findings.violations);
        } else {
            violations.extend(capped(checker.name(), named(findings.violations)));
        }
    }
    let target = spec.op_target();
    let short = target.is_some_and(|t| done.ops < t);
    match outcome.stop {
        StopReason::Quiescent if short => violations.push(format!(
            "progress: {} of {} ops completed: nothing was left to happen (stuck) at {}",
            done.ops,
            target.unwrap_or(0),
            outcome.elapsed
        )),
        StopReason::EventLimit => violations.push(format!(
            "progress: the event limit ({}) was reached at {} (a message storm)",
            spec.event_limit(),
            outcome.elapsed
        )),
        _ => {}
    }
    let unfinished = (cut_short && (short || !pending.is_empty())).then(|| Unfinished {
        ended_by: match outcome.stop {
            StopReason::EventLimit => format!("the event limit ({})", spec.event_limit()),
            StopReason::Backlog => format!(
                "the simulator's bound on events pending at once ({}: a message storm it will not hold in memory)",
                crate::sim::MAX_PENDING
            ),
            _ => format!("the time limit ({})", crate::format_duration(spec.time_limit())),
        },
        ops_target: target,
        ops_done: done.ops,
        pending: capped("pending", pending),
    });
    Verdict { violations, undecided, unfinished }
}

/// What the checkers made of a run.
struct Verdict {
    violations: Vec<String>,
    undecided: Vec<String>,
    unfinished: Option<Unfinished>,
}

fn record_of<A: Algorithm>(
    spec: &RunSpec,
    outcome: &RunOutcome,
    checkers: &[Box<dyn Checker>],
    params: BTreeMap<String, String>,
    workload: Workload,
) -> RunRecord {
    let done = work(A::FAMILY, spec.hosts(), &outcome.history);
    let Verdict { violations, undecided, unfinished } = verdict(spec, outcome, checkers, &done);
    let failure = failure_metrics(&FailureInput {
        family: A::FAMILY,
        nodes: spec.nodes,
        history: &outcome.history,
        completions: &done.completions,
        plan: &spec.faults,
        strikes: &outcome.strikes,
        sends: &outcome.sends_over_time,
        elapsed: outcome.elapsed,
    });
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
        bytes_total: outcome.sent.bytes_total(),
        bytes_by_kind: outcome.sent.bytes_map(),
        bytes_per_op: ratio(outcome.sent.bytes_total() as f64, done.ops as f64, 2),
        latency_ms: LatencySummary::from_nanos(done.latencies()),
        throughput_ops_per_s: ratio(done.ops as f64 * 1e9, outcome.elapsed.0 as f64, 3),
        elapsed_ms: ratio(outcome.elapsed.0 as f64, 1e6, 3),
        leader_changes: leader_changes(&outcome.history),
        startup: failure.startup,
        steady: failure.steady,
        unavailable_ms: failure.unavailable_ms,
        faults: failure.faults,
        unfinished,
        mutex: (A::FAMILY == Family::Mutex).then(|| mutex_metrics(&outcome.history)),
        election: (A::FAMILY == Family::Election)
            .then(|| ElectionMetrics::split(&outcome.sent, A::DETECTION_KINDS, done.ops)),
        replication: (A::FAMILY == Family::Replication).then(|| ReplicationMetrics::of(&outcome.history)),
        reads: (A::FAMILY == Family::Replication).then(|| {
            crate::metrics::ReadMetrics::of(
                &outcome.history,
                &outcome.sent,
                A::READ_KINDS,
                A::DETECTION_KINDS,
                done.ops,
            )
        }),
        configurations: crate::record::CommittedConfiguration::of(&outcome.history),
        violations,
        undecided,
        params,
        network: spec.network.clone(),
        workload,
        command: String::new(),
        workbench_version: String::new(),
    }
}

/// Like [`run`], also handing back each op's latency in nanoseconds (for distributions).
pub fn run_with_samples<A: Algorithm>(spec: &RunSpec) -> Result<(RunRecord, Vec<u64>), RunError> {
    let (record, outcome) = run_with_outcome::<A>(spec)?;
    let samples = work(A::FAMILY, spec.nodes, &outcome.history).latencies();
    Ok((record, samples))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_election_kit_checks_termination_when_the_algorithm_states_a_bound() {
        let spec = RunSpec::default();
        let resolved = Resolved::of(&spec, Timing::of(&spec.network, spec.runtime));
        let names = |bound| {
            family_kit(Family::Election, &spec, &resolved, bound, false)
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
