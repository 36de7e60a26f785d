//! `workbench compare`: algorithms head to head under one or more scenarios, every algorithm of
//! a family on the same description, seeds and duration; writes a report folder.

mod scenarios;

use std::collections::BTreeSet;

use harness::metrics::work;
use harness::{Family, RunSpec, RuntimeKind};
use rayon::prelude::*;
use reports::{Comparison, RunResult, ScenarioInfo};

use crate::cli::CompareArgs;
use crate::commands::check::progress_bar;
use crate::registry::{Entry, Registry};
use crate::shard::Shard;
use crate::Failure;

pub use scenarios::{Scenario, FAULT_NODES, STEADY_NODES};

/// Seeds per cell unless `--seeds` says otherwise: enough for a 95% interval worth reading.
const DEFAULT_SEEDS: u64 = 10;
/// The most seeds per cell.
const MAX_SEEDS: u64 = 100_000;

/// An algorithm as `compare` runs it: with a variant or not.
#[derive(Clone, Debug)]
pub struct Contender {
    pub entry: Entry,
    pub variant: Option<String>,
}

impl Contender {
    /// `raft` or `raft:prevote`.
    pub fn label(&self) -> String {
        match &self.variant {
            Some(variant) => format!("{}:{variant}", self.entry.name),
            None => self.entry.name.to_string(),
        }
    }
}

/// One run of the grid.
struct Cell {
    scenario: usize,
    contender: usize,
    spec: RunSpec,
}

fn contenders(args: &CompareArgs, scenarios: &[Scenario], registry: &Registry) -> Result<Vec<Contender>, Failure> {
    let mut chosen: Vec<Contender> = if args.algorithms.is_empty() {
        let families: BTreeSet<Family> = scenarios.iter().flat_map(|s| s.families.iter().copied()).collect();
        registry
            .all()
            .into_iter()
            .filter(|e| families.contains(&e.family))
            .map(|entry| Contender { entry, variant: None })
            .collect()
    } else {
        args.algorithms
            .iter()
            .map(|text| {
                let (name, variant) = match text.split_once(':') {
                    Some((name, variant)) => (name, Some(variant.to_string())),
                    None => (text.as_str(), None),
                };
                let entry = registry.find(name).map_err(Failure::Usage)?;
                Ok(Contender { entry, variant: variant.filter(|v| v != "default") })
            })
            .collect::<Result<_, Failure>>()?
    };
    if let Some(family) = args.family {
        chosen.retain(|c| c.entry.family == family);
        if chosen.is_empty() {
            return Err(Failure::Usage(format!("family: no selected algorithm is in the {family} family")));
        }
    }
    let mut seen = BTreeSet::new();
    for contender in &chosen {
        if !seen.insert(contender.label()) {
            return Err(Failure::Usage(format!("algorithms: {} is named twice", contender.label())));
        }
    }
    Ok(chosen)
}

/// The grid: every scenario × the contenders of its families × runtimes × cluster sizes ×
/// client counts × seeds.
fn grid(args: &CompareArgs, scenarios: &[Scenario], contenders: &[Contender], seeds: u64) -> Vec<Cell> {
    let axes = args.run.axes();
    let runtimes = if axes.runtime.is_empty() { vec![RuntimeKind::Sim] } else { axes.runtime.clone() };
    let mut cells = Vec::new();
    for (s, scenario) in scenarios.iter().enumerate() {
        let nodes: Vec<usize> = match (&axes.nodes[..], scenario.sweeps_nodes) {
            ([], true) => STEADY_NODES.to_vec(),
            ([], false) => vec![FAULT_NODES],
            (given, _) => given.to_vec(),
        };
        for (c, contender) in contenders.iter().enumerate() {
            if !scenario.families.contains(&contender.entry.family) {
                continue;
            }
            let clients = loads(&axes.clients, scenario, contender.entry.family, Family::Replication);
            let thinks = loads(&axes.think, scenario, contender.entry.family, Family::Mutex);
            for &runtime in &runtimes {
                for &n in &nodes {
                    for (&client_count, &think) in clients.iter().flat_map(|c| thinks.iter().map(move |t| (c, t))) {
                        for seed in 1..=seeds {
                            let mut spec = scenario.spec.clone();
                            spec.algorithm = Some(contender.entry.name.to_string());
                            spec.variant = contender.variant.clone();
                            spec.runtime = runtime;
                            spec.nodes = n;
                            spec.seed = seed;
                            spec.workload.clients = client_count;
                            spec.workload.think = think;
                            if args.run.keys.is_none() && contender.entry.family == Family::Replication {
                                // As many keys as clients: contention per key stays as light as
                                // at the default load, and so does checking linearizability.
                                spec.workload.keys = spec.workload.keys.max(client_count);
                            }
                            if scenario.sweeps_nodes && args.run.ops.is_none() {
                                if let Some(ops) = spec.op_target() {
                                    spec.ops = Some(ops.max(SWEPT_OPS_PER_CLIENT * u64::from(client_count)));
                                }
                            }
                            cells.push(Cell { scenario: s, contender: c, spec });
                        }
                    }
                }
            }
        }
    }
    cells
}

/// In a load sweep, a steady run completes at least this many ops per client (unless `--ops`
/// says otherwise), so that most of it comes after the first election at every load.
pub const SWEPT_OPS_PER_CLIENT: u64 = 25;

/// A load axis's values for a contender under a scenario: the replication clients, or the
/// mutex think time (`owner` says whose axis it is); other families and an axis not given keep
/// the scenario's value. A built-in fault or reordering scenario runs at the lightest load of a
/// sweep (the sweep is a steady-state measure; a scenario the user gave runs at every load).
fn loads<T: LoadValue>(given: &[T], scenario: &Scenario, family: Family, owner: Family) -> Vec<T> {
    if given.is_empty() || family != owner {
        return vec![T::of(&scenario.spec)];
    }
    if scenario.builtin && !scenario.sweeps_nodes {
        return vec![T::lightest(given)];
    }
    given.to_vec()
}

/// A value on a load axis.
trait LoadValue: Copy {
    fn of(spec: &RunSpec) -> Self;
    fn lightest(given: &[Self]) -> Self;
}

impl LoadValue for u32 {
    fn of(spec: &RunSpec) -> Self {
        spec.workload.clients
    }
    fn lightest(given: &[Self]) -> Self {
        *given.iter().min().expect("non-empty")
    }
}

impl LoadValue for std::time::Duration {
    fn of(spec: &RunSpec) -> Self {
        spec.workload.think
    }
    fn lightest(given: &[Self]) -> Self {
        *given.iter().max().expect("non-empty")
    }
}

/// Runs the grid and writes the report; returns what to print.
pub fn compare(args: &CompareArgs, registry: &Registry) -> Result<String, Failure> {
    if args.run.variant.is_some() {
        return Err(Failure::Usage("variant: name variants per algorithm in compare (raft:prevote)".into()));
    }
    let seeds = args.seeds.unwrap_or(DEFAULT_SEEDS);
    if seeds == 0 || seeds > MAX_SEEDS {
        return Err(Failure::Usage(format!("seeds: must be in 1..={MAX_SEEDS} (got {seeds})")));
    }
    let scenarios = scenarios::selected(args, registry)?;
    let contenders = contenders(args, &scenarios, registry)?;
    let cells = grid(args, &scenarios, &contenders, seeds);
    if cells.is_empty() {
        return Err(Failure::Usage("no selected algorithm belongs to a family these scenarios apply to".into()));
    }
    // Everything is checked before the first run starts (seeds do not change validity).
    for cell in cells.iter().filter(|c| c.spec.seed == 1) {
        (contenders[cell.contender].entry.prepare)(&cell.spec).map_err(|e| {
            Failure::Usage(format!("{} in {}: {e}", contenders[cell.contender].label(), scenarios[cell.scenario].name))
        })?;
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Failure::Usage(format!("out: cannot create {}: {e}", args.out.display())))?;

    // The order runs are reported in: the simulated ones, then the threaded ones (which run one
    // at a time); a shard takes every N-th of them.
    let (sim, threads): (Vec<&Cell>, Vec<&Cell>) = cells.iter().partition(|c| c.spec.runtime == RuntimeKind::Sim);
    let ordered: Vec<(usize, &Cell)> = sim.into_iter().chain(threads).enumerate().collect();
    let total_runs = ordered.len();
    let mine: Vec<(usize, &Cell)> = match args.shard {
        Some(shard) => ordered.into_iter().filter(|(position, _)| shard.takes(*position)).collect(),
        None => ordered,
    };

    let started = std::time::Instant::now();
    let bar = progress_bar(mine.len() as u64, "runs");
    let run_one = |cell: &Cell| {
        let contender = &contenders[cell.contender];
        let result = contender
            .entry
            .run(&cell.spec)
            .map(|(record, outcome)| RunResult {
                scenario: scenarios[cell.scenario].name.clone(),
                label: contender.label(),
                completions: work(contender.entry.family, cell.spec.nodes, &outcome.history).completions,
                record,
            })
            .map_err(|e| {
                Failure::Run(format!("{} N={} seed {}: {e}", contender.label(), cell.spec.nodes, cell.spec.seed))
            });
        bar.inc(1);
        result
    };
    // The simulator is single-threaded and deterministic: one simulation per core. The threads
    // runtime already uses a thread per node, so its runs go one at a time.
    let (sim, threads): (Vec<&Cell>, Vec<&Cell>) =
        mine.iter().map(|(_, c)| *c).partition(|c| c.spec.runtime == RuntimeKind::Sim);
    let mut runs: Vec<RunResult> = sim.par_iter().map(|c| run_one(c)).collect::<Result<_, _>>()?;
    for cell in threads {
        runs.push(run_one(cell)?);
    }
    bar.finish_and_clear();

    // The formula checks and the probe matrix are the first shard's share of the work.
    let first = args.shard.is_none_or(|s| s.index == 1);
    let comparison = Comparison {
        command: reproduce(args),
        version: env!("CARGO_PKG_VERSION").to_string(),
        seeds: (1..=seeds).collect(),
        scenarios: scenarios.iter().map(|s| info(s, &contenders)).collect(),
        runs,
        formulas: if first { formulas(args, &scenarios, &contenders)? } else { Vec::new() },
        probe: if first { probe(&contenders, seeds)? } else { Vec::new() },
    };
    if let Some(shard) = args.shard {
        let file = CompareShard {
            command: reproduce_without_out(args),
            shard,
            total_runs,
            positions: mine.iter().map(|(position, _)| *position).collect(),
            contenders: contenders.len(),
            comparison: ShardedComparison::of(comparison),
        };
        let path = shard.write(&args.out, "compare", &file).map_err(Failure::Run)?;
        return Ok(format!(
            "shard {shard}: {} of {total_runs} runs in {:.1}s\nshard file: {} (workbench merge makes the report)\n",
            file.positions.len(),
            started.elapsed().as_secs_f64(),
            path.display()
        ));
    }
    summary(&comparison, contenders.len(), scenarios.len(), started, &args.out)
}

/// Writes the report and says what it holds.
fn summary(
    comparison: &Comparison,
    contenders: usize,
    scenarios: usize,
    started: std::time::Instant,
    out: &std::path::Path,
) -> Result<String, Failure> {
    let files = reports::write_report(out, comparison).map_err(Failure::Run)?;
    let violations = comparison.runs.iter().filter(|r| !r.record.violations.is_empty()).count();
    let undecided = match comparison.runs.iter().filter(|r| !r.record.undecided.is_empty()).count() {
        0 => String::new(),
        n => format!(", {n} with a check undecided (see the report)"),
    };
    Ok(format!(
        "{} runs of {} algorithms under {} scenarios in {:.1}s, {} with violations{undecided}\nreport: {}\n",
        comparison.runs.len(),
        contenders,
        scenarios,
        started.elapsed().as_secs_f64(),
        violations,
        files.index.display()
    ))
}

fn info(scenario: &Scenario, contenders: &[Contender]) -> ScenarioInfo {
    ScenarioInfo {
        name: scenario.name.clone(),
        about: scenario.about.clone(),
        families: scenario
            .families
            .iter()
            .copied()
            .filter(|f| contenders.iter().any(|c| c.entry.family == *f))
            .collect(),
        spec: scenario.spec.clone(),
    }
}

/// Each algorithm's formula scenario at the steady sizes (its own canonical run, whatever the
/// scenarios).
fn formulas(
    args: &CompareArgs,
    scenarios: &[Scenario],
    contenders: &[Contender],
) -> Result<Vec<harness::formula::FormulaRow>, Failure> {
    let given = args.run.axes().nodes;
    let sizes: BTreeSet<usize> = if !given.is_empty() {
        given.into_iter().collect()
    } else if scenarios.iter().any(|s| s.sweeps_nodes) {
        STEADY_NODES.into_iter().collect()
    } else {
        [FAULT_NODES].into_iter().collect()
    };
    let mut names = BTreeSet::new();
    let mut rows = Vec::new();
    for contender in contenders {
        if !names.insert(contender.entry.name) {
            continue;
        }
        for &nodes in sizes.iter().filter(|n| **n >= 2) {
            if let Some(row) = (contender.entry.formula)(nodes) {
                rows.push(
                    row.map_err(|e| Failure::Run(format!("{} formula at N={nodes}: {e}", contender.entry.name)))?,
                );
            }
        }
    }
    Ok(rows)
}

/// The probe matrix of the compared algorithms (each once, as published).
fn probe(contenders: &[Contender], seeds: u64) -> Result<Vec<reports::ProbeCell>, Failure> {
    let mut entries: Vec<Entry> = Vec::new();
    for contender in contenders {
        if !entries.iter().any(|e| e.name == contender.entry.name) {
            entries.push(contender.entry);
        }
    }
    crate::commands::check::probe_matrix(&entries, seeds)
}

/// A `compare --shard K/N` job's runs: `compare-shard-K-of-N.json`.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct CompareShard {
    /// The comparison, as a command without `--shard` and `--out`: every shard of one comparison
    /// has the same.
    command: String,
    shard: Shard,
    /// Runs in the whole grid, and the places of this shard's among them.
    total_runs: usize,
    positions: Vec<usize>,
    contenders: usize,
    comparison: ShardedComparison,
}

/// The parts of a [`Comparison`] a shard holds (the formula checks and the probe matrix only in
/// shard 1).
#[derive(serde::Serialize, serde::Deserialize)]
struct ShardedComparison {
    version: String,
    seeds: Vec<u64>,
    scenarios: Vec<ScenarioInfo>,
    runs: Vec<RunResult>,
    formulas: Vec<harness::formula::FormulaRow>,
    probe: Vec<reports::ProbeCell>,
}

impl ShardedComparison {
    fn of(c: Comparison) -> Self {
        ShardedComparison {
            version: c.version,
            seeds: c.seeds,
            scenarios: c.scenarios,
            runs: c.runs,
            formulas: c.formulas,
            probe: c.probe,
        }
    }
}

/// Puts the shards' runs back in the grid's order and writes the report one unsharded
/// `compare --out OUT` would have written.
pub fn write_merged(
    shards: Vec<(std::path::PathBuf, CompareShard)>,
    out: &std::path::Path,
) -> Result<(String, bool), Failure> {
    let started = std::time::Instant::now();
    let count = crate::shard::complete(&shards.iter().map(|(_, s)| s.shard).collect::<Vec<_>>(), "compare")
        .map_err(Failure::Usage)?;
    let first = shards.iter().find(|(_, s)| s.shard.index == 1).map(|(_, s)| s).expect("complete: shard 1 is there");
    for (path, shard) in &shards {
        if shard.command != first.command || shard.total_runs != first.total_runs {
            return Err(Failure::Usage(format!(
                "{} is a shard of another comparison:\n  {}\nnot\n  {}",
                path.display(),
                shard.command,
                first.command
            )));
        }
        if shard.positions.len() != shard.comparison.runs.len() {
            return Err(Failure::Usage(format!(
                "{}: {} places for {} runs",
                path.display(),
                shard.positions.len(),
                shard.comparison.runs.len()
            )));
        }
    }
    let mut slots: Vec<Option<RunResult>> = vec![None; first.total_runs];
    let (command, contenders, total) = (first.command.clone(), first.contenders, first.total_runs);
    let (mut formulas, mut probe, mut head) = (Vec::new(), Vec::new(), None);
    for (path, shard) in shards {
        for (position, run) in shard.positions.into_iter().zip(shard.comparison.runs) {
            match slots.get_mut(position) {
                Some(slot @ None) => *slot = Some(run),
                _ => {
                    return Err(Failure::Usage(format!("{}: run {position} is out of place or twice", path.display())))
                }
            }
        }
        if shard.shard.index == 1 {
            formulas = shard.comparison.formulas;
            probe = shard.comparison.probe;
            head = Some((shard.comparison.version, shard.comparison.seeds, shard.comparison.scenarios));
        }
    }
    let runs: Vec<RunResult> = slots.into_iter().flatten().collect();
    if runs.len() != total {
        return Err(Failure::Usage(format!("the shards hold {} of the {total} runs", runs.len())));
    }
    let (version, seeds, scenarios) = head.expect("shard 1 is there");
    let scenario_count = scenarios.len();
    let comparison = Comparison {
        command: format!("{command} --out {}", crate::flags::shell_word(&out.display().to_string())),
        version,
        seeds,
        scenarios,
        runs,
        formulas,
        probe,
    };
    std::fs::create_dir_all(out).map_err(|e| Failure::Usage(format!("out: cannot create {}: {e}", out.display())))?;
    let text = summary(&comparison, contenders, scenario_count, started, out)?;
    Ok((format!("merged {count} shards\n{text}"), true))
}

/// The command that reproduces this comparison, defaults spelled out.
fn reproduce(args: &CompareArgs) -> String {
    format!("{} --out {}", reproduce_without_out(args), crate::flags::shell_word(&args.out.display().to_string()))
}

/// [`reproduce`] without `--out` (nor `--shard`): what the shards of one comparison share.
fn reproduce_without_out(args: &CompareArgs) -> String {
    let mut words = vec![format!("{} compare", crate::program())];
    words.extend(args.algorithms.iter().map(|a| crate::flags::shell_word(a)));
    if let Some(family) = args.family {
        words.push(format!("--family {family}"));
    }
    words.push(format!("--seeds {}", args.seeds.unwrap_or(DEFAULT_SEEDS)));
    words.extend(args.run.to_args());
    words.join(" ")
}
