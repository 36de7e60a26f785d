//! `workbench compare`: a grid of runs (algorithms × N × seeds) and a report folder.

use harness::{RunSpec, RuntimeKind};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use reports::{Comparison, RunResult};

use crate::cli::CompareArgs;
use crate::registry::{self, Entry};
use crate::Failure;

/// Runs the grid and writes the report; returns what to print.
pub fn compare(args: &CompareArgs) -> Result<String, Failure> {
    let entries = selected(args)?;
    if let Some(n) = args.nodes.iter().find(|n| **n == 0) {
        return Err(Failure::Usage(format!("nodes: must be at least 1 (got {n})")));
    }
    if args.seeds == 0 {
        return Err(Failure::Usage("seeds: must be at least 1 (got 0)".into()));
    }
    if args.ops == Some(0) {
        return Err(Failure::Usage("ops: must be at least 1 (got 0)".into()));
    }
    let seeds: Vec<u64> = (1..=args.seeds).collect();
    let mut grid: Vec<(Entry, usize, u64)> = Vec::new();
    for entry in &entries {
        for &nodes in &args.nodes {
            grid.extend(seeds.iter().map(|seed| (*entry, nodes, *seed)));
        }
    }

    let started = std::time::Instant::now();
    let bar = ProgressBar::new(grid.len() as u64);
    bar.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} runs {elapsed} {msg}").expect("a valid template"));
    let run_one = |(entry, nodes, seed): &(Entry, usize, u64)| {
        let spec = RunSpec { nodes: *nodes, seed: *seed, runtime: args.runtime, ops: args.ops, ..RunSpec::default() };
        let result = (entry.run_with_samples)(&spec)
            .map(|(record, samples)| RunResult { record, samples })
            .map_err(|e| Failure::Run(format!("{} N={nodes} seed {seed}: {e}", entry.name)));
        bar.inc(1);
        result
    };
    // The simulator is single-threaded and deterministic: run one simulation per core. The
    // threads runtime already uses a thread per node, so its runs go one at a time.
    let runs: Vec<RunResult> = match args.runtime {
        RuntimeKind::Sim => grid.par_iter().map(run_one).collect::<Result<_, _>>()?,
        RuntimeKind::Threads => grid.iter().map(run_one).collect::<Result<_, _>>()?,
    };
    bar.finish_and_clear();

    let mut formulas = Vec::new();
    for entry in &entries {
        for &nodes in args.nodes.iter().filter(|n| **n >= 2) {
            if let Some(row) = (entry.formula)(nodes) {
                formulas.push(row.map_err(|e| Failure::Run(format!("{} formula at N={nodes}: {e}", entry.name)))?);
            }
        }
    }
    let comparison = Comparison { command: reproduce(args, &entries), seeds, runs, formulas };
    let files = reports::write_report(&args.out, &comparison).map_err(Failure::Run)?;
    let violations = comparison.runs.iter().filter(|r| !r.record.violations.is_empty()).count();
    Ok(format!(
        "{} runs of {} algorithms in {:.1}s, {} with violations\nreport: {}\n",
        comparison.runs.len(),
        entries.len(),
        started.elapsed().as_secs_f64(),
        violations,
        files.index.display()
    ))
}

fn selected(args: &CompareArgs) -> Result<Vec<Entry>, Failure> {
    let mut entries: Vec<Entry> = if args.algorithms.is_empty() {
        registry::all()
    } else {
        args.algorithms.iter().map(|name| registry::find(name)).collect::<Result<_, _>>().map_err(Failure::Usage)?
    };
    if let Some(family) = args.family {
        entries.retain(|e| e.family == family);
        if entries.is_empty() {
            return Err(Failure::Usage(format!("family: no selected algorithm is in the {family} family")));
        }
    }
    Ok(entries)
}

/// The command that reproduces this comparison, every default spelled out.
fn reproduce(args: &CompareArgs, entries: &[Entry]) -> String {
    let names: Vec<&str> = entries.iter().map(|e| e.name).collect();
    let nodes: Vec<String> = args.nodes.iter().map(|n| n.to_string()).collect();
    let ops = args.ops.map(|o| format!(" --ops {o}")).unwrap_or_default();
    format!(
        "workbench compare {} --nodes {} --seeds {} --runtime {}{ops} --out {}",
        names.join(" "),
        nodes.join(","),
        args.seeds,
        args.runtime,
        args.out.display()
    )
}
