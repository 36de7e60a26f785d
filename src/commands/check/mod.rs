//! `workbench check`: random fault campaigns.
//!
//! For each seed a fault plan is drawn (from the classes asked for that the algorithm is built to
//! survive, see `Algorithm::TOLERATES`), healed by 2 s, with client think times that spread the
//! ops over those 2 s (and never so long that the ops cannot all be issued in the run); the run
//! must keep every safety invariant and finish its ops within a family bound after the heal
//! (replication 10 s, elections 10 s, mutex 5 s): a run its time limit cut short with work
//! pending fails the campaign, since the bound is the promise. Seeds run in parallel, one
//! simulation per core. The first failing seed is printed with the command that replays it,
//! written as a scenario file, shrunk (faults removed one by one, then ops halved, while it
//! still fails) and written again.

mod probe;
mod shrink;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use harness::campaign::{random_plan, HEALED_BY};
use harness::{seeded_rng, Family, FaultClass, RunSpec};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::cli::CheckArgs;
use crate::registry::{Entry, Registry};
use crate::shard::Shard;
use crate::{scenario, Failure};

/// The RNG stream fault plans are drawn from (apart from the run's own streams).
pub(crate) const PLAN_STREAM: u64 = u64::MAX - 2;

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
/// than one that finished in the first 100 ms: each of `workers` waits uniformly up to `think`
/// before each of its `ops / workers` ops, about `HEALED_BY` in all. Never more than
/// `HEALED_BY`: a worker with one op still issues it well inside the run.
fn paced(workers: u64, ops: u64) -> Duration {
    let per_worker = ops.div_ceil(workers.max(1)).max(1);
    (HEALED_BY * 2 / per_worker as u32).min(HEALED_BY)
}

/// A campaign's settings: the base description, the fault classes, the seeds.
pub(crate) struct Campaign {
    base: RunSpec,
    wanted: Vec<FaultClass>,
    seeds: Vec<u64>,
    out: PathBuf,
    /// Whether ops and think times came from the user (else per family).
    ops_given: bool,
    think_given: bool,
}

impl Campaign {
    /// The run of `entry` for `seed`.
    pub(crate) fn spec_for(&self, entry: &Entry, classes: &[FaultClass], seed: u64) -> RunSpec {
        let mut rng = seeded_rng(seed, PLAN_STREAM);
        let mut spec = self.base.clone();
        let ops =
            if self.ops_given { spec.ops.unwrap_or(default_ops(entry.family)) } else { default_ops(entry.family) };
        if !self.think_given {
            match entry.family {
                Family::Replication => spec.workload.client_think = paced(u64::from(spec.workload.clients), ops),
                Family::Mutex => spec.workload.think = paced(spec.nodes as u64, ops),
                Family::Election => {}
            }
        }
        spec.algorithm = Some(entry.name.to_string());
        spec.seed = seed;
        spec.ops = Some(ops);
        spec.duration = Some(HEALED_BY + bound(entry.family));
        spec.max_events = spec.max_events.or(Some(MAX_EVENTS));
        let down = (entry.crash_budget)(&spec);
        spec.faults = random_plan(&mut rng, spec.nodes, classes, entry.family.has_leaders(), down);
        if entry.transfers_leadership {
            // Drawn after the plan, so the plan's other faults are what they would be without.
            spec.faults.faults.extend(harness::campaign::transfers(&mut rng, spec.nodes));
        }
        for (key, values) in entry.campaign_params {
            // Drawn last, so the rest of the run is what it would be without.
            let value = values[harness::rand::Rng::random_range(&mut rng, 0..values.len())];
            spec.params.entry((*key).to_string()).or_insert_with(|| value.to_string());
        }
        if entry.changes_membership && wants_membership(classes) {
            // Drawn after everything else, so the rest of the run is what it would be without.
            let (spare, changes) = harness::campaign::membership_changes(&mut rng, spec.nodes, spec.spare);
            spec.spare = spare;
            spec.faults.faults.extend(changes);
        }
        if entry.family == Family::Election {
            // Elections are provoked by the driver as well as by the plan.
            spec.workload.crash_leader = Some(true);
        }
        spec
    }
}

/// Membership changes go into a campaign's plans when it draws crashes or partitions (the
/// classes a change's quorum shift interacts with).
fn wants_membership(classes: &[FaultClass]) -> bool {
    classes.iter().any(|c| matches!(c, FaultClass::Crash | FaultClass::Partition))
}

/// The probe matrix of `entries` over seeds `1..=seeds`, on the default run description: what
/// `compare` puts in its report.
pub fn probe_matrix(entries: &[Entry], seeds: u64) -> Result<Vec<reports::ProbeCell>, Failure> {
    let campaign = Campaign {
        base: RunSpec::default(),
        wanted: Vec::new(),
        seeds: (1..=seeds).collect(),
        out: PathBuf::new(),
        ops_given: false,
        think_given: false,
    };
    probe::probe(entries, &campaign, &ProgressBar::hidden())
}

/// Why a run fails a campaign: its violations, or work its time limit left unfinished (the
/// campaign's limit is the family's bound after the heal).
pub(crate) fn failures(entry: &Entry, spec: &RunSpec) -> Result<Vec<String>, Failure> {
    Ok(judge(entry, spec)?.0)
}

/// The failures of a run, and whether a checker left part of it undecided.
fn judge(entry: &Entry, spec: &RunSpec) -> Result<(Vec<String>, bool), Failure> {
    let (record, _) = entry.run(spec).map_err(|e| match e {
        harness::RunError::Spec(e) => Failure::Usage(e.to_string()),
        other => Failure::Run(other.to_string()),
    })?;
    let mut found = record.violations;
    if let Some(unfinished) = record.unfinished {
        let pending = unfinished.pending.first().map(|p| format!(": {p}")).unwrap_or_default();
        found.push(format!(
            "progress: {} of {} ops done when {} ended the run{pending}",
            unfinished.ops_done,
            unfinished.ops_target.unwrap_or(0),
            unfinished.ended_by
        ));
    }
    Ok((found, !record.undecided.is_empty()))
}

/// What one algorithm's campaign found.
struct Outcome {
    passed: u64,
    /// Passed seeds on which a checker could not decide everything.
    undecided: u64,
    failed: Vec<(u64, Vec<String>)>,
}

fn run_campaign(
    entry: &Entry,
    campaign: &Campaign,
    classes: &[FaultClass],
    bar: &ProgressBar,
) -> Result<Outcome, Failure> {
    let results: Vec<(u64, Vec<String>, bool)> = campaign
        .seeds
        .par_iter()
        .map(|seed| {
            let found = judge(entry, &campaign.spec_for(entry, classes, *seed));
            bar.inc(1);
            found.map(|(v, undecided)| (*seed, v, undecided))
        })
        .collect::<Result<_, _>>()?;
    let (failed, passed): (Vec<_>, Vec<_>) = results.into_iter().partition(|(_, v, _)| !v.is_empty());
    Ok(Outcome {
        passed: passed.len() as u64,
        undecided: passed.iter().filter(|(_, _, undecided)| *undecided).count() as u64,
        failed: failed.into_iter().map(|(seed, v, _)| (seed, v)).collect(),
    })
}

/// A progress bar on a terminal, nothing elsewhere.
pub fn progress_bar(len: u64, unit: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {unit} {{elapsed}} {{msg}}"))
            .expect("a valid template"),
    );
    bar
}

fn fault_classes(text: &str) -> Result<Vec<FaultClass>, Failure> {
    Ok(match text {
        "chaos" => FaultClass::ALL.to_vec(),
        "crash" => vec![FaultClass::Crash],
        "partition" => vec![FaultClass::Partition],
        "network" => vec![FaultClass::Partition, FaultClass::Timing, FaultClass::Loss, FaultClass::Duplication],
        other => {
            return Err(Failure::Usage(format!(
                "faults: `{}` is not one of chaos, crash, partition, network",
                harness::excerpt(other)
            )))
        }
    })
}

/// Creates the output folder before anything runs (exit 2 if it cannot be).
fn prepare_out(out: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(out).map_err(|e| Failure::Usage(format!("out: cannot create {}: {e}", out.display())))?;
    if !out.is_dir() {
        return Err(Failure::Usage(format!("out: {} is not a folder", out.display())));
    }
    Ok(())
}

/// Writes the failing and shrunk scenarios of `seed`; returns the report lines.
fn write_failure(
    entry: &Entry,
    campaign: &Campaign,
    classes: &[FaultClass],
    seed: u64,
    found: &[String],
) -> Result<String, Failure> {
    let spec = campaign.spec_for(entry, classes, seed);
    let stem = match &spec.variant {
        Some(variant) => format!("failing-{}-{variant}-seed{seed}", entry.name),
        None => format!("failing-{}-seed{seed}", entry.name),
    };
    let path = campaign.out.join(format!("{stem}.toml"));
    let comment = format!("{} check {}: seed {seed} failed with\n{}", crate::program(), entry.name, found.join("\n"));
    let written = std::fs::write(&path, scenario::to_toml(&spec, &comment));
    let shrunk = shrink::shrink(entry, &spec)?;
    let shrunk_found = failures(entry, &shrunk)?;
    let shrunk_path = campaign.out.join(format!("{stem}-shrunk.toml"));
    let comment = format!(
        "shrunk from {}: {} faults, {} ops\n{}",
        path.display(),
        shrunk.faults.faults.len(),
        shrunk.ops.unwrap_or(0),
        shrunk_found.join("\n")
    );
    let shrunk_written = std::fs::write(&shrunk_path, scenario::to_toml(&shrunk, &comment));
    let picture = write_picture(entry, &shrunk, &shrunk_found, &campaign.out, &format!("{stem}-shrunk"));
    let mut lines = format!("  first failing seed {seed}: {}\n", found.first().cloned().unwrap_or_default());
    let program = crate::program();
    match (written, shrunk_written) {
        (Ok(()), Ok(())) => lines.push_str(&format!(
            "  replay: {program} run --scenario {}\n  shrunk ({} faults, {} ops): {program} run --scenario {}\n",
            path.display(),
            shrunk.faults.faults.len(),
            shrunk.ops.unwrap_or(0),
            shrunk_path.display()
        )),
        (Err(e), _) | (_, Err(e)) => lines.push_str(&format!(
            "  could not write the scenario files to {} ({e}); replay: {}\n",
            campaign.out.display(),
            crate::flags::run_command(entry.name, &spec)
        )),
    }
    match picture {
        Ok(page) => lines.push_str(&format!("  diagram of the shrunk run: {}\n", page.display())),
        Err(e) => lines.push_str(&format!("  could not write the shrunk run's trace and diagram: {e}\n")),
    }
    Ok(lines)
}

/// Runs `spec` again with its trace, marks the violations in it and writes `{stem}.trace.jsonl`
/// and the diagram `{stem}.html` to `out`; returns the diagram's path.
fn write_picture(entry: &Entry, spec: &RunSpec, found: &[String], out: &Path, stem: &str) -> Result<PathBuf, String> {
    let (_, outcome) = entry.run_traced(spec).map_err(|e| e.to_string())?;
    let mut trace = outcome.trace.ok_or("the run kept no trace")?;
    for message in found {
        trace.insert(harness::trace::violation_line(message, outcome.elapsed, spec.nodes));
    }
    let jsonl = out.join(format!("{stem}.trace.jsonl"));
    let page = out.join(format!("{stem}.html"));
    crate::commands::run::write_trace(&trace, Some(&jsonl), Some(&page)).map_err(|e| match e {
        Failure::Usage(e) | Failure::Run(e) => e,
    })?;
    Ok(page)
}

/// Runs the campaigns; returns the report and whether every seed passed.
pub fn check(args: &CheckArgs, registry: &Registry) -> Result<(String, bool), Failure> {
    if args.seeds == 0 {
        return Err(Failure::Usage("seeds: must be at least 1 (got 0)".into()));
    }
    if !args.run.faults.is_empty() {
        return Err(Failure::Usage(
            "fault: check draws its own fault plans; choose their classes with --faults".into(),
        ));
    }
    let entries = if args.target == "all" {
        if args.run.variant.is_some() {
            return Err(Failure::Usage("variant: name one algorithm to check a variant of".into()));
        }
        registry.all()
    } else {
        vec![registry.find(&args.target).map_err(Failure::Usage)?]
    };
    let wanted = fault_classes(&args.faults)?;
    let mut base = match args.run.scenario.as_slice() {
        [] => RunSpec::default(),
        [path] => scenario::load(path).map_err(Failure::Usage)?,
        _ => return Err(Failure::Usage("scenario: `check` takes one scenario file as its base".into())),
    };
    args.run.apply(&mut base)?;
    let seeds_end = args
        .first_seed
        .checked_add(args.seeds)
        .ok_or_else(|| Failure::Usage("seeds: first seed + seeds overflows".into()))?;
    let shard = args.shard.unwrap_or(Shard { index: 1, count: 1 });
    let campaign = Campaign {
        ops_given: base.ops.is_some(),
        think_given: !args.run.think.is_empty() || args.run.client_think.is_some(),
        base,
        wanted,
        seeds: (args.first_seed..seeds_end)
            .enumerate()
            .filter(|(position, _)| shard.takes(*position))
            .map(|(_, seed)| seed)
            .collect(),
        out: args.out.clone(),
    };
    if let [entry] = entries.as_slice() {
        if let Some(knob) = args.run.foreign_knobs(entry.family).first() {
            return Err(Failure::Usage(format!(
                "{knob}: --{knob} is a workload knob of another family; {} is in the {} family",
                entry.name, entry.family
            )));
        }
    }
    for entry in &entries {
        // Everything the runs will use is checked before the first one starts.
        (entry.prepare)(&campaign.spec_for(entry, &[], args.first_seed)).map_err(|e| Failure::Usage(e.to_string()))?;
    }
    if args.probe {
        if args.shard.is_some() {
            return Err(Failure::Usage("shard: --probe runs as one job; shard the campaign instead".into()));
        }
        let bar = progress_bar(args.seeds * entries.len() as u64 * 9, "runs");
        let cells = probe::probe(&entries, &campaign, &bar)?;
        bar.finish_and_clear();
        // Probing is meant to find what breaks; only a kind the algorithm claims is a bug.
        let clean = !cells.iter().any(|c| c.claimed && c.verdict == reports::ProbeVerdict::Violated);
        let text = match args.format {
            crate::cli::Format::Json => serde_json::to_string(&cells).expect("cells serialize") + "\n",
            crate::cli::Format::Csv => reports::to_csv_rows(&cells),
            crate::cli::Format::Table => reports::matrix_text(&cells),
        };
        return Ok((text, clean));
    }
    prepare_out(&campaign.out)?;
    let started = Instant::now();
    let bar = progress_bar(campaign.seeds.len() as u64 * entries.len() as u64, "seeds");
    let mut results = Vec::new();
    for entry in &entries {
        let classes: Vec<FaultClass> =
            campaign.wanted.iter().copied().filter(|c| entry.tolerates.contains(c)).collect();
        bar.set_message(entry.name);
        let outcome = run_campaign(entry, &campaign, &classes, &bar)?;
        let first_failure = match outcome.failed.first() {
            Some((seed, found)) => Some(write_failure(entry, &campaign, &classes, *seed, found)?),
            None => None,
        };
        results.push(AlgorithmResult {
            name: entry.name.to_string(),
            faults: classes.iter().map(|c| format!("{c:?}").to_lowercase()).collect(),
            passed: outcome.passed,
            undecided: outcome.undecided,
            failed: outcome.failed,
            first_failure,
        });
    }
    bar.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    let (passed, failed) = totals(&results);
    let mut report = report_lines(&results);
    report.push_str(&format!(
        "{} seeds in {elapsed:.1}s ({:.0} seeds/s)\n",
        passed + failed,
        (passed + failed) as f64 / elapsed.max(1e-9)
    ));
    if let Some(shard) = args.shard {
        let file = CheckShard { campaign: campaign_command(args), shard, algorithms: results };
        let path = shard.write(&args.out, "check", &file).map_err(Failure::Run)?;
        report.push_str(&format!("shard {shard}: {}\n", path.display()));
    }
    report.push_str(&format!("{passed} passed, {failed} failed\n"));
    Ok((report, failed == 0))
}

/// What one algorithm's campaign (or one shard of it) found, as a shard file keeps it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct AlgorithmResult {
    pub name: String,
    /// The fault classes drawn (those asked for that it tolerates).
    pub faults: Vec<String>,
    pub passed: u64,
    /// Passed seeds on which a checker could not decide everything.
    pub undecided: u64,
    /// Failing seeds in order, with what each broke.
    pub failed: Vec<(u64, Vec<String>)>,
    /// The report lines of the first failing seed (replay, shrunk scenario, diagram).
    pub first_failure: Option<String>,
}

/// A `check --shard K/N` job's findings: `check-shard-K-of-N.json`.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct CheckShard {
    /// The campaign, as a command without `--shard` and `--out`: every shard of one campaign has
    /// the same.
    pub campaign: String,
    pub shard: Shard,
    pub algorithms: Vec<AlgorithmResult>,
}

/// The campaign's command, without what differs between its shards.
fn campaign_command(args: &CheckArgs) -> String {
    let mut words = vec![format!("{} check {}", crate::program(), crate::flags::shell_word(&args.target))];
    words.push(format!("--seeds {} --first-seed {} --faults {}", args.seeds, args.first_seed, args.faults));
    words.extend(args.run.to_args());
    words.join(" ")
}

/// Seeds passed and failed over all algorithms.
pub(crate) fn totals(results: &[AlgorithmResult]) -> (u64, u64) {
    results.iter().fold((0, 0), |(p, f), r| (p + r.passed, f + r.failed.len() as u64))
}

/// One line per algorithm, each followed by its first failure's lines.
pub(crate) fn report_lines(results: &[AlgorithmResult]) -> String {
    let mut report = String::new();
    for result in results {
        let undecided = match result.undecided {
            0 => String::new(),
            n => format!(" ({n} of them with a key the linearizability search could not decide)"),
        };
        report.push_str(&format!(
            "{}: {} passed{undecided}, {} failed (faults: {})\n",
            result.name,
            result.passed,
            result.failed.len(),
            if result.faults.is_empty() { "none it tolerates".to_string() } else { result.faults.join(", ") }
        ));
        if let Some(lines) = &result.first_failure {
            report.push_str(lines);
        }
    }
    report
}
