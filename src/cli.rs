//! Command-line arguments (clap derive).
//!
//! The run description has one set of flags, [`RunFlags`], shared by `run`, `compare` and
//! `check`: each flag is named after the key of [`harness::RunSpec`] it sets (`--client-timeout`
//! sets `workload.client_timeout`) and overlays a scenario file key by key (see [`crate::flags`]).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use harness::service::{Bandwidth, ServiceTime};
use harness::{Family, Initiator, Latency, MutexLoad, RuntimeKind, TimedFault};
use serde::Serialize;

use crate::shard::Shard;

/// Run distributed agreement algorithms side by side on one harness and measure them.
#[derive(Debug, Parser)]
#[command(name = "workbench", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the algorithms with their family, variants and a one-line description.
    List,
    /// Run one algorithm and print its record.
    Run(Box<RunArgs>),
    /// Measured message counts against the textbook formulas (exit 1 if any disagrees).
    Formulas(FormulasArgs),
    /// Run algorithms head to head, under built-in or given scenarios; write a report folder.
    Compare(Box<CompareArgs>),
    /// Named studies.
    #[command(subcommand)]
    Experiment(Experiment),
    /// Random fault campaigns: safety in every run, progress after the faults heal.
    Check(Box<CheckArgs>),
    /// Check a Jepsen EDN history of key-value operations for linearizability (exit 0 yes, 1 no,
    /// 2 unreadable, 3 undecided).
    Lincheck(LincheckArgs),
    /// Draw a run's trace (`run --trace`) as a space-time diagram page, or write it as a ShiViz log.
    Diagram(DiagramArgs),
    /// Combine the shard files of `check --shard` or `compare --shard` jobs: the same lines, or
    /// the same report, one unsharded run gives.
    Merge(MergeArgs),
    /// Measure the guarded ratios alternately in one sitting: simulator and a whole `run` against
    /// a bare event loop, a threads-runtime hop against raw crossbeam, Raft commits/s.
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Rounds of each pair, alternating; each side keeps its best.
    #[arg(long, default_value_t = 5)]
    pub rounds: u32,
    /// A tenth of the work: checks that the measurements run, too small to quote.
    #[arg(long)]
    pub quick: bool,
    /// Output format (table or json).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Folders holding the shard files (`check-shard-K-of-N.json`, `compare-shard-K-of-N.json`).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Report folder for merged `compare` shards.
    #[arg(long, default_value = "workbench-report")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct DiagramArgs {
    /// The trace: JSON lines, as `workbench run --trace FILE` writes them.
    pub trace: PathBuf,
    /// Write the space-time diagram here (one self-contained HTML page).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write the trace as a ShiViz log here (vector clocks; open it at ShiViz's site).
    #[arg(long)]
    pub shiviz: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LincheckArgs {
    /// The history: one EDN map per line, `:value [key v]` (what `run --history` writes).
    pub file: PathBuf,
}

/// The keys of a run description, as flags. Each one given overlays the scenario file's value
/// (which overlays the built-in default shown in brackets). `--nodes`, `--runtime` and
/// `--clients` take a comma-separated list in `compare`, which sweeps it.
#[derive(Debug, Default, Args, Serialize)]
pub struct RunFlags {
    /// A scenario file (TOML; see scenarios/). `compare` takes several, one report section each.
    #[arg(long)]
    #[serde(skip)]
    pub scenario: Vec<PathBuf>,
    /// Cluster size [5].
    #[arg(long, value_delimiter = ',')]
    #[serde(skip)]
    pub nodes: Vec<usize>,
    /// Spare nodes started outside the configuration, ids after the members', for membership
    /// changes in the fault plan (`--fault add:5@1s`; Raft) [0].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spare: Option<usize>,
    /// Which runtime drives the nodes: sim (deterministic simulator) or threads [sim].
    #[arg(long, value_delimiter = ',', value_parser = parse::<RuntimeKind>)]
    #[serde(skip)]
    pub runtime: Vec<RuntimeKind>,
    /// Run seed: the same seed gives the same simulated run [1].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Ops to complete [100 unless --duration is given]; with --duration, whichever comes first.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ops: Option<u64>,
    /// Time limit, e.g. 500ms, 2s (virtual in sim, wall-clock in threads; at most 1h).
    #[arg(long, value_parser = harness::parse_duration)]
    #[serde(with = "harness::text::duration::option", skip_serializing_if = "Option::is_none")]
    pub duration: Option<Duration>,
    /// Simulator: stop after this many events [500000000].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_events: Option<u64>,
    /// An algorithm variant (see `workbench list`); `default` runs the algorithm as published,
    /// overriding a scenario file's variant.
    #[arg(long)]
    #[serde(skip)]
    pub variant: Option<String>,
    /// One-way latency: 1ms, uniform:1ms-5ms, exp:2ms, lognormal:2ms,0.5; optional ,floor=D [1ms].
    #[arg(long, value_parser = parse::<Latency>)]
    #[serde(serialize_with = "harness::text::option::serialize", skip_serializing_if = "Option::is_none")]
    pub latency: Option<Latency>,
    /// Probability in [0, 1] that a message is lost [0].
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drop: Option<f64>,
    /// Probability in [0, 1] that a message is delivered twice [0].
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate: Option<f64>,
    /// Let messages on one link overtake each other (links are FIFO otherwise).
    #[arg(long)]
    #[serde(skip_serializing_if = "is_false")]
    pub reorder: bool,
    /// Nodes placed round a built-in set of cloud regions, each message half the published
    /// round trip between its regions: lan, us, europe-us, global-3, global-5 (see
    /// docs/network.md). A scenario file may give latencies per pair instead ([network.links]).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_profile: Option<String>,
    /// Simulator: what handling a message costs a node, which then handles one at a time: paxi
    /// (25us to receive, 1us to send) or recv=D,send=D[,per_kib=D] [none].
    #[arg(long, value_parser = parse::<ServiceTime>)]
    #[serde(serialize_with = "harness::text::option::serialize", skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceTime>,
    /// Each directed link carries one message at a time at this rate: 1gbit, 100mbit [unlimited].
    #[arg(long, value_parser = parse::<Bandwidth>)]
    #[serde(serialize_with = "harness::text::option::serialize", skip_serializing_if = "Option::is_none")]
    pub bandwidth: Option<Bandwidth>,
    /// A fault, repeatable (replaces the scenario's faults): crash:2@100ms[..300ms],
    /// crash:leader@1s, restart:2@1s, partition:0,1|2,3@1s..2s, partition:leader|rest@1s..2s,
    /// bridge:0,1|2|3,4@1s..2s, cut:0->1@1s, slow:3+5ms@0ms..1s, lossy:drop=0.2,dup=0.1@1s..2s,
    /// heal@2s.
    #[arg(long = "fault", id = "fault", value_parser = parse::<TimedFault>)]
    #[serde(skip)]
    pub faults: Vec<TimedFault>,
    /// An algorithm parameter KEY=VALUE, repeatable (e.g. detect=150ms-300ms, the failure-detection
    /// range every leader-based and election algorithm shares).
    #[arg(long = "param", value_parser = parse_param)]
    #[serde(skip)]
    pub params: Vec<(String, String)>,
    /// Mutex: light (one request at a time, round-robin) or heavy (everyone contends) [heavy].
    #[arg(long, value_parser = parse::<MutexLoad>)]
    #[serde(serialize_with = "harness::text::option::serialize", skip_serializing_if = "Option::is_none")]
    pub load: Option<MutexLoad>,
    /// Mutex: time spent inside the critical section [1ms].
    #[arg(long, value_parser = harness::parse_duration)]
    #[serde(with = "harness::text::duration::option", skip_serializing_if = "Option::is_none")]
    pub hold: Option<Duration>,
    /// Mutex: each wait before a request is uniform in [0, THINK] [2ms]. `compare` takes a
    /// list (20ms,5ms,1ms,0ms) and sweeps it as the mutex family's load.
    #[arg(long, value_parser = harness::parse_duration, value_delimiter = ',')]
    #[serde(skip)]
    pub think: Vec<Duration>,
    /// Election: who starts the first election: lowest, highest, random (live ids), all, a node
    /// id, or detection (the nodes notice there is no leader by themselves) [detection].
    #[arg(long, value_parser = parse::<Initiator>)]
    #[serde(serialize_with = "harness::text::option::serialize", skip_serializing_if = "Option::is_none")]
    pub initiator: Option<Initiator>,
    /// Election: time between an agreement and the next crash (or restart) of the leader [100ms].
    #[arg(long, value_parser = harness::parse_duration)]
    #[serde(with = "harness::text::duration::option", skip_serializing_if = "Option::is_none")]
    pub pause: Option<Duration>,
    /// Election: whether the driver crashes each agreed leader to provoke the next election
    /// [true without faults, false with].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crash_leader: Option<bool>,
    /// Replication: closed-loop clients [3].
    #[arg(long, value_delimiter = ',')]
    #[serde(skip)]
    pub clients: Vec<u32>,
    /// Replication: commands touch keys 0..KEYS [5].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keys: Option<u32>,
    /// Replication: the share of commands that are reads, in [0, 1] [0.3 reads, 0.4 puts, 0.2
    /// appends, 0.1 compare-and-sets].
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_share: Option<f64>,
    /// Replication: key popularity is Zipf with this exponent (0.99 is YCSB's) [0: uniform].
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_skew: Option<f64>,
    /// Replication: bytes of each written value [0: a short id].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_size: Option<u32>,
    /// Replication: open-loop Poisson arrivals at this many commands per second, each taken by
    /// an idle client [closed loop].
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arrival_rate: Option<f64>,
    /// Replication: a client resends a command unanswered for this long [the low end of the
    /// detection range: 150ms on the default network].
    #[arg(long, value_parser = harness::parse_duration)]
    #[serde(with = "harness::text::duration::option", skip_serializing_if = "Option::is_none")]
    pub client_timeout: Option<Duration>,
    /// Replication: each client waits uniform [0, CLIENT_THINK] between commands [0ms].
    #[arg(long, value_parser = harness::parse_duration)]
    #[serde(with = "harness::text::duration::option", skip_serializing_if = "Option::is_none")]
    pub client_think: Option<Duration>,
}

fn is_false(value: &bool) -> bool {
    !value
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// An algorithm, or `all`.
    pub target: String,
    /// Seeds to run.
    #[arg(long, default_value_t = 100)]
    pub seeds: u64,
    /// The first seed.
    #[arg(long, default_value_t = 1)]
    pub first_seed: u64,
    /// Fault classes: chaos (all), crash, partition, network (partitions, cuts, slow nodes, bursts of
    /// loss, duplication and reordering).
    /// Each algorithm gets only the classes it is built to survive.
    #[arg(long, default_value = "chaos")]
    pub faults: String,
    /// Folder for the failing (and shrunk) scenario files.
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
    /// Probe instead: run each fault kind alone (crash, restart, partition, cut, bridge, slow,
    /// loss, duplication, reordering) and print the matrix of safe, stalled or violated.
    #[arg(long)]
    pub probe: bool,
    /// Output format of the probe matrix.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Run only job K of N (every N-th seed from the K-th) and write `check-shard-K-of-N.json` to
    /// --out for `workbench merge`.
    #[arg(long, value_parser = parse::<Shard>)]
    pub shard: Option<Shard>,
    /// The run description (defaults: 5 nodes; ops: replication 200, mutex 100, election 6).
    #[command(flatten)]
    pub run: RunFlags,
}

#[derive(Debug, Subcommand)]
pub enum Experiment {
    /// Raft's election time after a leader crash for several timeout ranges (the paper's §9.3).
    ElectionTimeouts(ExperimentArgs),
}

#[derive(Debug, Args)]
pub struct ExperimentArgs {
    /// Randomized election timeout ranges in milliseconds, LOW-HIGH, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "150-150,150-151,150-155,150-175,150-200,150-300")]
    pub ranges: Vec<String>,
    /// Trials per range (one seeded simulation each).
    #[arg(long, default_value_t = 200)]
    pub trials: u64,
    /// Folder for the CDF plot.
    #[arg(long, default_value = "workbench-report")]
    pub out: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Algorithms to compare, each optionally with a variant (`raft:prevote`); default: every
    /// algorithm of `workbench list` (or of the scenario's family).
    pub algorithms: Vec<String>,
    /// Only algorithms of this family (replication, election, mutex).
    #[arg(long, value_parser = parse::<Family>)]
    pub family: Option<Family>,
    /// Seeds per cell: 1..=K [10].
    #[arg(long)]
    pub seeds: Option<u64>,
    /// Report folder.
    #[arg(long, default_value = "workbench-report")]
    pub out: PathBuf,
    /// Run only job K of N (every N-th run of the grid from the K-th) and write
    /// `compare-shard-K-of-N.json` to --out instead of a report; `workbench merge` makes the report.
    #[arg(long, value_parser = parse::<Shard>)]
    pub shard: Option<Shard>,
    /// The run description every algorithm runs under. Without a scenario or a fault, compare
    /// runs its built-in scenarios (steady state, then faults per family).
    #[command(flatten)]
    pub run: RunFlags,
}

#[derive(Debug, Args)]
pub struct FormulasArgs {
    /// The algorithms to check [all].
    pub algorithms: Vec<String>,
    /// Cluster sizes, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "3,4,5,8,9,16")]
    pub nodes: Vec<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// How a record is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned `name  value` lines for people.
    Table,
    /// Exactly one JSON object on stdout.
    Json,
    /// A CSV header and one row.
    Csv,
}

/// Arguments of `workbench run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The algorithm (see `workbench list`); may come from --scenario instead.
    pub algorithm: Option<String>,
    /// The run description.
    #[command(flatten)]
    pub run: RunFlags,
    /// Replication: also write the client history to FILE in Jepsen's EDN format (for Knossos or
    /// Elle as a second opinion).
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// Write every event of the run (sends, deliveries, drops, timers, observations, crashes,
    /// faults, client operations) to FILE as JSON lines.
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// Write the run's space-time diagram to FILE (one self-contained HTML page).
    #[arg(long)]
    pub diagram: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn parse<T: std::str::FromStr<Err = String>>(s: &str) -> Result<T, String> {
    s.parse()
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    let (key, value) =
        s.split_once('=').ok_or_else(|| format!("`{}`: a parameter is KEY=VALUE", harness::excerpt(s)))?;
    if key.trim().is_empty() {
        return Err(format!("`{}`: a parameter needs a name", harness::excerpt(s)));
    }
    Ok((key.trim().to_string(), value.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// clap checks its argument definitions only in debug builds, and only for the subcommand
    /// being parsed; this checks all of them at once (a clash such as two arguments with one id
    /// would otherwise panic the first user of that subcommand).
    #[test]
    fn every_subcommand_has_well_formed_arguments() {
        Cli::command().debug_assert();
    }
}
