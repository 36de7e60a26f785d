//! `workbench check`: random fault campaigns.
//!
//! For each seed a fault plan is drawn (from the classes asked for that the algorithm is built to
//! survive, see `Algorithm::TOLERATES`), healed by 2 s, with client think times that spread the
//! ops over those 2 s; the run must keep every safety invariant
//! and finish its ops within a family bound after the heal (replication 10 s, elections 10 s,
//! mutex 5 s). Seeds run in parallel, one simulation per core. The first failing seed is printed
//! with the command that replays it, written as a scenario file, shrunk (faults removed one by one,
//! then ops halved, while the violation persists) and written again.

use std::time::{Duration, Instant};

use harness::campaign::{random_plan, HEALED_BY};
use harness::{seeded_rng, Family, FaultClass, RunSpec};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::cli::CheckArgs;
use crate::registry::{self, Entry};
use crate::{scenario, Failure};

/// The RNG stream fault plans are drawn from (apart from the run's own streams).
const PLAN_STREAM: u64 = u64::MAX - 2;

/// A run that needs more events than this is in a message storm: reported, not waited for.
const MAX_EVENTS: u64 = 20_000_000;

fn bound(family: Family) -> Duration {
    match family {
        Family::Replication | Family::Election => Duration::from_secs(10),
        Family::Mutex => Duration::from_secs(5),
    }
}

fn default_ops(family: Family) -> u64 {
    match family {
        Family::Replication => 200,
        Family::Election => 6,
        Family::Mutex => 100,
    }
}

/// Think times that spread the ops over the fault window, so faults hit a busy system rather
/// than one that finished in the first 100 ms: each of `workers` waits uniformly up to `think`,
/// `ops / workers` times, about `HEALED_BY` in all.
fn paced(workers: u64, ops: u64) -> Duration {
    HEALED_BY * 2 * workers as u32 / ops.max(1) as u32
}

/// The run of `entry` for `seed`.
fn spec_for(entry: &Entry, args: &CheckArgs, classes: &[FaultClass], seed: u64) -> RunSpec {
    let mut rng = seeded_rng(seed, PLAN_STREAM);
    let ops = args.ops.unwrap_or(default_ops(entry.family));
    let mut workload = harness::Workload::default();
    match entry.family {
        Family::Replication => workload.client_think = paced(u64::from(workload.clients), ops),
        Family::Mutex => workload.think = paced(args.nodes as u64, ops),
        Family::Election => {}
    }
    RunSpec {
        nodes: args.nodes,
        seed,
        ops: Some(ops),
        duration: Some(HEALED_BY + bound(entry.family)),
        variant: args.variant.clone(),
        faults: random_plan(&mut rng, args.nodes, classes),
        workload,
        max_events: Some(MAX_EVENTS),
        ..RunSpec::default()
    }
}

fn violations(entry: &Entry, spec: &RunSpec) -> Result<Vec<String>, Failure> {
    (entry.run_with_history)(spec).map(|(record, _)| record.violations).map_err(|e| match e {
        harness::RunError::Spec(e) => Failure::Usage(e.to_string()),
        other => Failure::Run(other.to_string()),
    })
}

/// Removes faults one at a time, then halves the ops, while the run still fails.
fn shrink(entry: &Entry, failing: &RunSpec) -> Result<RunSpec, Failure> {
    let mut best = failing.clone();
    'faults: loop {
        for i in 0..best.faults.faults.len() {
            let mut candidate = best.clone();
            candidate.faults.faults.remove(i);
            if !violations(entry, &candidate)?.is_empty() {
                best = candidate;
                continue 'faults;
            }
        }
        break;
    }
    while let Some(ops) = best.ops.filter(|o| *o > 1) {
        let candidate = RunSpec { ops: Some(ops / 2), ..best.clone() };
        if violations(entry, &candidate)?.is_empty() {
            break;
        }
        best = candidate;
    }
    Ok(best)
}

/// What one algorithm's campaign found.
struct Outcome {
    passed: u64,
    failed: Vec<(u64, Vec<String>)>,
}

fn campaign(entry: &Entry, args: &CheckArgs, classes: &[FaultClass], bar: &ProgressBar) -> Result<Outcome, Failure> {
    let seeds: Vec<u64> = (args.first_seed..args.first_seed + args.seeds).collect();
    let results: Vec<(u64, Vec<String>)> = seeds
        .par_iter()
        .map(|seed| {
            let found = violations(entry, &spec_for(entry, args, classes, *seed));
            bar.inc(1);
            found.map(|v| (*seed, v))
        })
        .collect::<Result<_, _>>()?;
    let (failed, passed): (Vec<_>, Vec<_>) = results.into_iter().partition(|(_, v)| !v.is_empty());
    Ok(Outcome { passed: passed.len() as u64, failed })
}

/// Runs the campaigns; returns the report and whether every seed passed.
pub fn check(args: &CheckArgs) -> Result<(String, bool), Failure> {
    if args.seeds == 0 {
        return Err(Failure::Usage("seeds: must be at least 1 (got 0)".into()));
    }
    if args.nodes == 0 {
        return Err(Failure::Usage("nodes: must be at least 1 (got 0)".into()));
    }
    let entries = if args.target == "all" {
        registry::all()
    } else {
        vec![registry::find(&args.target).map_err(Failure::Usage)?]
    };
    let wanted: Vec<FaultClass> = match args.faults.as_str() {
        "chaos" => FaultClass::ALL.to_vec(),
        "crash" => vec![FaultClass::Crash],
        "partition" => vec![FaultClass::Partition],
        "network" => vec![FaultClass::Partition, FaultClass::Timing, FaultClass::Loss, FaultClass::Duplication],
        other => {
            return Err(Failure::Usage(format!("faults: `{other}` is not one of chaos, crash, partition, network")))
        }
    };
    let started = Instant::now();
    let bar = ProgressBar::new(args.seeds * entries.len() as u64);
    bar.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} seeds {elapsed} {msg}").expect("valid template"));
    let mut report = String::new();
    let (mut passed, mut failed) = (0u64, 0u64);
    for entry in &entries {
        let classes: Vec<FaultClass> = wanted.iter().copied().filter(|c| entry.tolerates.contains(c)).collect();
        bar.set_message(entry.name);
        let outcome = campaign(entry, args, &classes, &bar)?;
        passed += outcome.passed;
        failed += outcome.failed.len() as u64;
        let faults: Vec<String> = classes.iter().map(|c| format!("{c:?}").to_lowercase()).collect();
        report.push_str(&format!(
            "{}: {} passed, {} failed (faults: {})\n",
            entry.name,
            outcome.passed,
            outcome.failed.len(),
            if faults.is_empty() { "none it tolerates".to_string() } else { faults.join(", ") }
        ));
        if let Some((seed, found)) = outcome.failed.first() {
            let spec = spec_for(entry, args, &classes, *seed);
            std::fs::create_dir_all(&args.out)
                .map_err(|e| Failure::Run(format!("creating {}: {e}", args.out.display())))?;
            let path = args.out.join(format!("failing-{}-seed{seed}.toml", entry.name));
            let comment = format!("workbench check {}: seed {seed} failed with\n{}", entry.name, found.join("\n"));
            std::fs::write(&path, scenario::to_toml(entry.name, &spec, &comment))
                .map_err(|e| Failure::Run(format!("writing {}: {e}", path.display())))?;
            let shrunk = shrink(entry, &spec)?;
            let shrunk_found = violations(entry, &shrunk)?;
            let shrunk_path = args.out.join(format!("failing-{}-seed{seed}-shrunk.toml", entry.name));
            let comment = format!(
                "shrunk from {}: {} faults, {} ops\n{}",
                path.display(),
                shrunk.faults.faults.len(),
                shrunk.ops.unwrap_or(0),
                shrunk_found.join("\n")
            );
            std::fs::write(&shrunk_path, scenario::to_toml(entry.name, &shrunk, &comment))
                .map_err(|e| Failure::Run(format!("writing {}: {e}", shrunk_path.display())))?;
            report.push_str(&format!(
                "  first failing seed {seed}: {}\n  replay: workbench run --scenario {}\n  shrunk ({} faults, {} ops): workbench run --scenario {}\n",
                found.first().cloned().unwrap_or_default(),
                path.display(),
                shrunk.faults.faults.len(),
                shrunk.ops.unwrap_or(0),
                shrunk_path.display()
            ));
        }
    }
    bar.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    let total = passed + failed;
    report.push_str(&format!(
        "{total} seeds in {elapsed:.1}s ({:.0} seeds/s)\n{passed} passed, {failed} failed\n",
        total as f64 / elapsed.max(1e-9)
    ));
    Ok((report, failed == 0))
}
