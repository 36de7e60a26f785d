//! Command-line arguments (clap derive).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use harness::{Family, Initiator, Latency, MutexLoad, RuntimeKind, TimedFault};

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
    /// Run algorithms head to head over cluster sizes and seeds; write a report folder.
    Compare(CompareArgs),
    /// Named studies.
    #[command(subcommand)]
    Experiment(Experiment),
    /// Random fault campaigns: safety in every run, progress after the faults heal.
    Check(CheckArgs),
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
    /// Cluster size.
    #[arg(long, default_value_t = 5)]
    pub nodes: usize,
    /// Ops per run (default: replication 200, mutex 100, election 6).
    #[arg(long)]
    pub ops: Option<u64>,
    /// Fault classes: chaos (all), crash, partition, network (partitions, cuts, slow nodes, bursts of
    /// loss, duplication and reordering).
    /// Each algorithm gets only the classes it is built to survive.
    #[arg(long, default_value = "chaos")]
    pub faults: String,
    /// An algorithm variant (a teaching mutant, say).
    #[arg(long)]
    pub variant: Option<String>,
    /// Folder for the failing (and shrunk) scenario files.
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
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
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Algorithms to compare (default: every algorithm in `workbench list`).
    pub algorithms: Vec<String>,
    /// Only algorithms of this family (replication, election, mutex).
    #[arg(long, value_parser = parse_family)]
    pub family: Option<Family>,
    /// Cluster sizes, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "3,5,7,9")]
    pub nodes: Vec<usize>,
    /// Seeds per (algorithm, N): 1..=K.
    #[arg(long, default_value_t = 3)]
    pub seeds: u64,
    /// Runtime: sim runs one simulation per core in parallel; threads runs one at a time.
    #[arg(long, default_value = "sim", value_parser = parse_runtime)]
    pub runtime: RuntimeKind,
    /// Ops per run (default 100).
    #[arg(long)]
    pub ops: Option<u64>,
    /// Report folder.
    #[arg(long, default_value = "workbench-report")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct FormulasArgs {
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

/// Arguments of `workbench run`. Every setting is optional: a flag overrides the scenario file,
/// which overrides the built-in default shown in brackets.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The algorithm (see `workbench list`); may come from --scenario instead.
    pub algorithm: Option<String>,
    /// A scenario file (TOML; see scenarios/ for commented examples).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Cluster size [5].
    #[arg(long)]
    pub nodes: Option<usize>,
    /// Which runtime drives the nodes: sim (deterministic simulator) or threads [sim].
    #[arg(long, value_parser = parse_runtime)]
    pub runtime: Option<RuntimeKind>,
    /// Run seed: the same seed gives the same simulated run [1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Ops to complete [100 unless --duration is given].
    #[arg(long)]
    pub ops: Option<u64>,
    /// Time limit, e.g. 500ms, 2s (virtual in sim, wall-clock in threads).
    #[arg(long, value_parser = harness::parse_duration)]
    pub duration: Option<Duration>,
    /// One-way latency: 1ms, uniform:1ms-5ms, exp:2ms, lognormal:2ms,0.5; optional ,floor=D [1ms].
    #[arg(long, value_parser = parse_latency)]
    pub latency: Option<Latency>,
    /// Probability in [0, 1] that a message is lost [0].
    #[arg(long)]
    pub drop: Option<f64>,
    /// Probability in [0, 1] that a message is delivered twice [0].
    #[arg(long)]
    pub duplicate: Option<f64>,
    /// Let messages on one link overtake each other (links are FIFO otherwise).
    #[arg(long)]
    pub reorder: bool,
    /// A fault, repeatable (replaces the scenario's faults): crash:2@100ms[..300ms],
    /// restart:2@1s, partition:0,1|2,3@1s..2s, cut:0->1@1s, slow:3+5ms@0ms..1s, heal@2s.
    #[arg(long = "fault", value_parser = parse_fault)]
    pub faults: Vec<TimedFault>,
    /// An algorithm variant (see `workbench list`); `default` runs the algorithm as published,
    /// overriding a scenario file's variant.
    #[arg(long)]
    pub variant: Option<String>,
    /// Mutex: light (one request at a time, round-robin) or heavy (everyone contends) [heavy].
    #[arg(long, value_parser = parse_load)]
    pub load: Option<MutexLoad>,
    /// Mutex: time spent inside the critical section [1ms].
    #[arg(long, value_parser = harness::parse_duration)]
    pub hold: Option<Duration>,
    /// Mutex: each wait before a request is uniform in [0, THINK] [2ms].
    #[arg(long, value_parser = harness::parse_duration)]
    pub think: Option<Duration>,
    /// Election: who starts the first election: lowest, highest, random (live ids), all, a node
    /// id, or detection (the nodes notice there is no leader by themselves) [detection].
    #[arg(long, value_parser = parse_initiator)]
    pub initiator: Option<Initiator>,
    /// Election: time between an agreement and the next crash (or restart) of the leader [100ms].
    #[arg(long, value_parser = harness::parse_duration)]
    pub pause: Option<Duration>,
    /// Replication: closed-loop clients [3].
    #[arg(long)]
    pub clients: Option<u32>,
    /// Replication: commands touch keys 0..KEYS [5].
    #[arg(long)]
    pub keys: Option<u32>,
    /// Replication: a client resends a command unanswered for this long [300ms].
    #[arg(long, value_parser = harness::parse_duration)]
    pub client_timeout: Option<Duration>,
    /// Replication: each client waits uniform [0, CLIENT_THINK] between commands [0ms].
    #[arg(long, value_parser = harness::parse_duration)]
    pub client_think: Option<Duration>,
    /// Replication: also write the client history to FILE in Jepsen's EDN format (for Knossos or
    /// Elle as a second opinion).
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn parse_runtime(s: &str) -> Result<RuntimeKind, String> {
    s.parse()
}

fn parse_latency(s: &str) -> Result<Latency, String> {
    s.parse()
}

fn parse_fault(s: &str) -> Result<TimedFault, String> {
    s.parse()
}

fn parse_initiator(s: &str) -> Result<Initiator, String> {
    s.parse()
}

fn parse_family(s: &str) -> Result<Family, String> {
    s.parse()
}

fn parse_load(s: &str) -> Result<MutexLoad, String> {
    s.parse()
}
