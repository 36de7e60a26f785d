//! `workbench bench`: the ratios the project guards, measured alternately in one sitting.
//!
//! Criterion (`cargo bench`) gives each figure alone, and on a shared machine its means drift
//! with the load between one benchmark and the next. This command measures each figure beside
//! its baseline, in turn, and prints the ratio of their best rounds, the number to quote in a
//! closing note so that a regression shows up there.

use std::time::Duration;

use serde::Serialize;

use crate::bench::{alternating_minimums, raft_commits, simulator, threads_hop, timed};
use crate::cli::{BenchArgs, Format};
use crate::Failure;

/// The simulator against the bare loop for as many events.
#[derive(Debug, Serialize)]
pub struct SimulatorFigure {
    pub messages: u64,
    pub sim_ms: f64,
    pub bare_ms: f64,
    /// Bare time over simulator time: the share of the loop's event rate the simulator keeps.
    pub ratio: f64,
}

/// A whole `workbench run` process against the bare loop for the messages it delivered.
#[derive(Debug, Serialize)]
pub struct EndToEndFigure {
    pub command: String,
    pub messages: u64,
    pub wall_ms: f64,
    pub bare_ms: f64,
    pub ratio: f64,
}

/// A hop through the threads runtime against raw crossbeam.
#[derive(Debug, Serialize)]
pub struct ThreadsHopFigure {
    pub hops: u64,
    pub runtime_ms: f64,
    pub raw_ms: f64,
    /// Runtime time over raw time: how many times slower a hop is through the runtime.
    pub slowdown: f64,
}

/// Raft commits per second, the best round, for one configuration.
#[derive(Debug, Serialize)]
pub struct RaftFigure {
    pub variant: &'static str,
    pub clients: u32,
    pub ops: u64,
    /// `None` when no round completed (each lost its leader on a starved machine).
    pub commits_per_s: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct BenchReport {
    pub rounds: u32,
    pub simulator: SimulatorFigure,
    pub end_to_end: EndToEndFigure,
    pub threads_hop: ThreadsHopFigure,
    pub raft: Vec<RaftFigure>,
}

/// How much work each figure does; `--quick` divides it by ten (for a smoke test, not a quote).
struct Sizes {
    sim_entries: u64,
    sim_repeats: u32,
    e2e_ops: u64,
    hops: u64,
    raft_ops: u64,
}

impl Sizes {
    fn of(quick: bool) -> Sizes {
        if quick {
            Sizes { sim_entries: 100, sim_repeats: 2, e2e_ops: 2_000, hops: 2_000, raft_ops: 2_000 }
        } else {
            Sizes { sim_entries: 1_000, sim_repeats: 10, e2e_ops: 100_000, hops: 20_000, raft_ops: 100_000 }
        }
    }
}

const MAX_ROUNDS: u32 = 1_000;

pub fn bench(args: &BenchArgs) -> Result<String, Failure> {
    if args.rounds == 0 || args.rounds > MAX_ROUNDS {
        return Err(Failure::Usage(format!("--rounds must be between 1 and {MAX_ROUNDS}, not {}", args.rounds)));
    }
    if args.format == Format::Csv {
        return Err(Failure::Usage("bench prints --format table or json, not csv".into()));
    }
    let sizes = Sizes::of(args.quick);
    let rounds = args.rounds;
    let raft_cells = [("batch", 64u32), ("batch", 256), ("plain", 64), ("plain", 256)];
    let bar = super::check::progress_bar(u64::from(rounds) * (3 + raft_cells.len() as u64), "rounds");

    let sim_messages = simulator::simulate(sizes.sim_entries, false);
    let repeats = sizes.sim_repeats;
    let (sim, bare) = alternating_minimums(
        rounds,
        || timed(|| (0..repeats).map(|_| simulator::simulate(sizes.sim_entries, false)).sum::<u64>()).0 / repeats,
        || timed(|| simulator::bare_loop(sim_messages)).0,
        || bar.inc(1),
    );
    let simulator =
        SimulatorFigure { messages: sim_messages, sim_ms: ms(sim), bare_ms: ms(bare), ratio: ratio(bare, sim) };

    let end_to_end = end_to_end(rounds, sizes.e2e_ops, || bar.inc(1))?;

    let (runtime, raw) = alternating_minimums(
        rounds,
        || timed(|| threads_hop::runtime_ping_pong(sizes.hops)).0,
        || timed(|| threads_hop::raw_ping_pong(sizes.hops)).0,
        || bar.inc(1),
    );
    let threads_hop =
        ThreadsHopFigure { hops: sizes.hops, runtime_ms: ms(runtime), raw_ms: ms(raw), slowdown: ratio(runtime, raw) };

    let mut raft = Vec::new();
    for (variant, clients) in raft_cells {
        let mut best: Option<Duration> = None;
        for _ in 0..rounds {
            if let Ok(took) = raft_commits::commit_run(variant == "batch", clients, sizes.raft_ops) {
                best = Some(best.map_or(took, |b| b.min(took)));
            }
            bar.inc(1);
        }
        let commits_per_s = best.map(|took| sizes.raft_ops as f64 / took.as_secs_f64().max(1e-9));
        raft.push(RaftFigure { variant, clients, ops: sizes.raft_ops, commits_per_s });
    }
    bar.finish_and_clear();

    let report = BenchReport { rounds, simulator, end_to_end, threads_hop, raft };
    Ok(match args.format {
        Format::Json => serde_json::to_string_pretty(&report).expect("the report serializes") + "\n",
        _ => table(&report),
    })
}

/// Alternates a `workbench run` child process (this same executable) with the bare loop.
fn end_to_end(rounds: u32, ops: u64, mut after_round: impl FnMut()) -> Result<EndToEndFigure, Failure> {
    let exe = std::env::current_exe().map_err(|e| Failure::Run(format!("cannot find this executable: {e}")))?;
    let nodes = simulator::NODES.to_string();
    let ops_text = ops.to_string();
    let args = ["run", "ricart-agrawala", "--nodes", &nodes, "--ops", &ops_text, "--format", "json"];
    let run_once = || -> Result<(Duration, u64), Failure> {
        let (took, output) = timed(|| std::process::Command::new(&exe).args(args).output());
        let output = output.map_err(|e| Failure::Run(format!("cannot start {}: {e}", exe.display())))?;
        if !output.status.success() {
            return Err(Failure::Run(format!(
                "`{} {}` failed: {}",
                crate::program(),
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        let record: serde_json::Value = serde_json::from_slice(&output.stdout)
            .map_err(|e| Failure::Run(format!("the run's record is not JSON: {e}")))?;
        let delivered = ["messages_total", "messages_duplicated"]
            .iter()
            .map(|k| record[k].as_u64().unwrap_or(0))
            .sum::<u64>()
            .saturating_sub(record["messages_dropped"].as_u64().unwrap_or(0));
        Ok((took, delivered))
    };
    let (mut best_wall, mut best_bare, mut messages) = (Duration::MAX, Duration::MAX, 0);
    for _ in 0..rounds {
        let (wall, delivered) = run_once()?;
        messages = delivered;
        best_wall = best_wall.min(wall);
        best_bare = best_bare.min(timed(|| simulator::bare_loop(delivered)).0);
        after_round();
    }
    Ok(EndToEndFigure {
        command: format!("{} {}", crate::program(), args.join(" ")),
        messages,
        wall_ms: ms(best_wall),
        bare_ms: ms(best_bare),
        ratio: ratio(best_bare, best_wall),
    })
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

fn ratio(numerator: Duration, denominator: Duration) -> f64 {
    let r = numerator.as_secs_f64() / denominator.as_secs_f64().max(1e-12);
    (r * 1000.0).round() / 1000.0
}

fn table(report: &BenchReport) -> String {
    let mut out = String::new();
    let s = &report.simulator;
    out += &format!(
        "simulator / bare loop      {:.2}   (RA N=16, {} messages: sim {:.3} ms, bare {:.3} ms; target >= 0.7)\n",
        s.ratio, s.messages, s.sim_ms, s.bare_ms
    );
    let e = &report.end_to_end;
    out += &format!(
        "end to end / bare loop     {:.2}   (`{}`: {} messages, process {:.1} ms, bare {:.1} ms; target >= 0.5)\n",
        e.ratio, e.command, e.messages, e.wall_ms, e.bare_ms
    );
    let t = &report.threads_hop;
    out += &format!(
        "threads hop / crossbeam    {:.2}x  ({} hops: runtime {:.1} ms, raw {:.1} ms; target <= 3x)\n",
        t.slowdown, t.hops, t.runtime_ms, t.raw_ms
    );
    for r in &report.raft {
        let rate = r.commits_per_s.map_or("no round completed".to_string(), |c| format!("{:.0} commits/s", c));
        out += &format!(
            "raft {:<5} {:>3} clients     {rate}  (3 nodes, threads, {} empty commands)\n",
            r.variant, r.clients, r.ops
        );
    }
    out += &format!("best of {} alternating rounds each\n", report.rounds);
    out
}
