//! What a run is asked to do: one serde type, validated before anything runs.
//!
//! A scenario file is a [`RunSpec`] in TOML; command-line flags overlay it key by key; `run`,
//! `compare`, `check` and `experiment` all read it the same way. Every key is optional in a file
//! (the defaults below fill in the rest) and unknown keys are errors:
//!
//! ```toml
//! algorithm = "raft"          # the registry name (`workbench list`)
//! variant = "prevote"         # an algorithm variant, if any
//! nodes = 5
//! spare = 2                   # nodes 5 and 6 start outside the configuration (Raft: `add:5@1s`)
//! runtime = "sim"             # or "threads"
//! seed = 7
//! ops = 400                   # and/or duration = "3s": whichever comes first ends the run
//! faults = ["crash:leader@1s", "partition:0,1|2,3,4@2s..3s"]
//!
//! [network]
//! latency = "uniform:1ms-5ms" # const:D, uniform:LOW-HIGH, exp:MEAN, lognormal:MEDIAN,SIGMA; ,floor=D
//! drop = 0.01
//! duplicate = 0.0
//! reorder = false
//! latency_profile = "global-5" # a built-in region layout (see `harness::geo`), or per pair:
//! links = { "0-1" = "40ms" }  # both directions; over the profile and `latency`
//! service = "paxi"            # simulator: recv=25us,send=1us per message (see `harness::service`)
//! bandwidth = "1gbit"         # each directed link, one message at a time
//!
//! [workload]
//! clients = 4                 # replication; see `Workload` for every knob
//!
//! [params]                    # the algorithm's own knobs (`--param key=value`)
//! detect = "150ms-300ms"
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{excerpt, format_duration, FaultPlan, NetworkConfig, SpecError};

/// Which runtime drives the nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuntimeKind {
    /// The deterministic discrete-event simulator (virtual time).
    #[default]
    Sim,
    /// One OS thread per node, crossbeam channels, wall-clock time.
    Threads,
}

impl fmt::Display for RuntimeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RuntimeKind::Sim => "sim",
            RuntimeKind::Threads => "threads",
        })
    }
}

impl FromStr for RuntimeKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "sim" => Ok(RuntimeKind::Sim),
            "threads" => Ok(RuntimeKind::Threads),
            other => Err(format!("`{}` is not a runtime (use sim or threads)", excerpt(other))),
        }
    }
}

/// An algorithm family: fixes client operations, the driver, what an op is and the checkers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Raft, Paxos, Multi-Paxos, Zab: one op is a committed, applied, answered command.
    Replication,
    /// Bully, Ring: one op is an election that ends with agreement on one leader.
    Election,
    /// Centralized, Token Ring, Lamport, Ricart-Agrawala, Suzuki-Kasami, Maekawa:
    /// one op is one critical-section entry.
    Mutex,
}

impl Family {
    /// Every family, in report order.
    pub const ALL: [Family; 3] = [Family::Replication, Family::Election, Family::Mutex];

    /// What one op of the family is, in a word.
    pub fn op(self) -> &'static str {
        match self {
            Family::Replication => "command",
            Family::Election => "election",
            Family::Mutex => "entry",
        }
    }

    /// The plural of [`Family::op`].
    pub fn ops(self) -> &'static str {
        match self {
            Family::Replication => "commands",
            Family::Election => "elections",
            Family::Mutex => "entries",
        }
    }

    /// Whether the family's algorithms have a leader that faults can aim at.
    pub fn has_leaders(self) -> bool {
        self != Family::Mutex
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::Replication => "replication",
            Family::Election => "election",
            Family::Mutex => "mutex",
        })
    }
}

impl FromStr for Family {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "replication" => Ok(Family::Replication),
            "election" => Ok(Family::Election),
            "mutex" => Ok(Family::Mutex),
            other => Err(format!("`{}` is not a family (use replication, election or mutex)", excerpt(other))),
        }
    }
}

/// How mutex requests are offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MutexLoad {
    /// At most one request in the system at a time; requesters take turns round-robin.
    /// This is the load textbook message counts assume.
    Light,
    /// Every node loops: think, acquire, hold, release. Requests contend.
    #[default]
    Heavy,
}

impl FromStr for MutexLoad {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "light" => Ok(MutexLoad::Light),
            "heavy" => Ok(MutexLoad::Heavy),
            other => Err(format!("`{}` is not a load (use light or heavy)", excerpt(other))),
        }
    }
}

impl fmt::Display for MutexLoad {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MutexLoad::Light => "light",
            MutexLoad::Heavy => "heavy",
        })
    }
}

/// Who starts the first election.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Initiator {
    /// Nobody is told to: the nodes' own failure detection notices there is no leader.
    #[default]
    Detection,
    /// The lowest live id.
    Lowest,
    /// The highest live id.
    Highest,
    /// A live node drawn with the driver's seeded RNG.
    Random,
    /// Every live node at once.
    All,
    /// This node.
    Node(u32),
}

impl FromStr for Initiator {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "detection" => Ok(Initiator::Detection),
            "lowest" => Ok(Initiator::Lowest),
            "highest" => Ok(Initiator::Highest),
            "random" => Ok(Initiator::Random),
            "all" => Ok(Initiator::All),
            id => id.parse().map(Initiator::Node).map_err(|_| {
                format!(
                    "`{}` is not an initiator (use lowest, highest, random, all, detection or a node id)",
                    excerpt(id)
                )
            }),
        }
    }
}

impl fmt::Display for Initiator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Initiator::Detection => f.write_str("detection"),
            Initiator::Lowest => f.write_str("lowest"),
            Initiator::Highest => f.write_str("highest"),
            Initiator::Random => f.write_str("random"),
            Initiator::All => f.write_str("all"),
            Initiator::Node(id) => write!(f, "{id}"),
        }
    }
}

/// Workload parameters; each family reads the ones that concern it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Workload {
    /// Mutex: light (one request at a time) or heavy (everyone contends).
    #[serde(with = "crate::text")]
    pub load: MutexLoad,
    /// Mutex: how long a node stays in the critical section.
    #[serde(with = "crate::text::duration")]
    pub hold: Duration,
    /// Mutex: a node waits a uniformly random time in `[0, think]` before each request.
    #[serde(with = "crate::text::duration")]
    pub think: Duration,
    /// Election: who starts the first election (later ones follow a leader's crash or restart).
    #[serde(with = "crate::text")]
    pub initiator: Initiator,
    /// Election: how long the driver waits after an agreement before it crashes the leader (or
    /// restarts the node it crashed), so leaders serve a while and heartbeats show.
    #[serde(with = "crate::text::duration")]
    pub pause: Duration,
    /// Election: whether the driver crashes each agreed leader (after `pause`) to provoke the
    /// next election. `None`: only when the run's plan has no faults (with faults, the elections
    /// counted are the ones the faults cause).
    pub crash_leader: Option<bool>,
    /// Replication: closed-loop clients, each with one command outstanding at a time.
    pub clients: u32,
    /// Replication: commands touch keys `0..keys`.
    pub keys: u32,
    /// Replication: a client that hears nothing for this long sends the command again (same
    /// client id and sequence number) to another node. `None`: the low end of the failure
    /// detection range ([`crate::Timing::detect`]): a client gives up on a silent node when the
    /// quickest failure detector among the nodes would.
    #[serde(with = "crate::text::duration::option")]
    pub client_timeout: Option<Duration>,
    /// Replication: after each answer a client waits a uniformly random time in
    /// `[0, client_think]` before its next command (0: at once, a closed loop at full speed).
    #[serde(with = "crate::text::duration")]
    pub client_think: Duration,
    /// Replication: the share of commands that are reads, in [0, 1]; the rest are writes (puts,
    /// appends and compare-and-sets, 4:2:1). `None`: the default mix of 30% reads, 40% puts, 20%
    /// appends and 10% compare-and-sets.
    pub read_share: Option<f64>,
    /// Replication: key popularity is Zipf with this exponent (0: every key alike; 0.99 is
    /// YCSB's skew).
    pub key_skew: f64,
    /// Replication: bytes of each written value (0: a short id like `3.17`). Values are still
    /// unique; the byte counts see the size.
    pub value_size: u32,
    /// Replication: open-loop arrivals, commands per second (Poisson): a command arrives whether
    /// or not earlier ones were answered, and is taken by an idle client (a new one if all are
    /// busy, up to the client limit). `None`: closed loop, `clients` clients.
    pub arrival_rate: Option<f64>,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            load: MutexLoad::Heavy,
            hold: Duration::from_millis(1),
            think: Duration::from_millis(2),
            initiator: Initiator::Detection,
            pause: Duration::from_millis(100),
            crash_leader: None,
            clients: 3,
            keys: 5,
            client_timeout: None,
            client_think: Duration::ZERO,
            read_share: None,
            key_skew: 0.0,
            value_size: 0,
            arrival_rate: None,
        }
    }
}

/// Everything a run needs, in one value. See the module doc for its TOML form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunSpec {
    /// The algorithm's registry name. [`crate::run`] runs its type parameter and checks that this,
    /// if given, names it.
    pub algorithm: Option<String>,
    /// An algorithm variant (`workbench list` shows them); `None` runs it as published.
    pub variant: Option<String>,
    pub nodes: usize,
    /// Spare nodes started outside the configuration, ids `nodes..nodes + spare`: they wait
    /// until a membership change (`add:5@1s` in the fault plan) brings them in. Only algorithms
    /// that change membership ([`crate::Algorithm::CHANGES_MEMBERSHIP`]) take them.
    pub spare: usize,
    pub runtime: RuntimeKind,
    pub seed: u64,
    /// Ops to complete; the run ends when they are done. `None` with a `duration` runs for that
    /// long; with neither, [`RunSpec::DEFAULT_OPS`] ops.
    pub ops: Option<u64>,
    /// A time limit (virtual in sim, wall-clock in threads). With `ops` too, whichever comes
    /// first ends the run.
    #[serde(with = "crate::text::duration::option")]
    pub duration: Option<Duration>,
    /// Stop after this many simulator events, or messages sent in the threads runtime (a message
    /// storm is a finding, not a hang). `None`: the runtime's own limit ([`RunSpec::event_limit`]).
    pub max_events: Option<u64>,
    /// The timed fault plan, one text per fault.
    pub faults: FaultPlan,
    pub network: NetworkConfig,
    pub workload: Workload,
    /// The algorithm's own parameters, as text (`detect = "150ms-300ms"`); the algorithm's
    /// `configure` reads and checks them, and rejects keys it does not know.
    #[serde(deserialize_with = "params_as_text")]
    pub params: BTreeMap<String, String>,
}

/// Reads `[params]` values of any scalar TOML/JSON type as text.
fn params_as_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Integer(i64),
        Float(f64),
        Bool(bool),
    }
    let map = BTreeMap::<String, Scalar>::deserialize(deserializer)?;
    Ok(map
        .into_iter()
        .map(|(key, value)| {
            let text = match value {
                Scalar::Text(text) => text,
                Scalar::Integer(n) => n.to_string(),
                Scalar::Float(x) => x.to_string(),
                Scalar::Bool(b) => b.to_string(),
            };
            (key, text)
        })
        .collect())
}

impl Default for RunSpec {
    fn default() -> Self {
        RunSpec {
            algorithm: None,
            variant: None,
            nodes: 5,
            spare: 0,
            seed: 1,
            runtime: RuntimeKind::Sim,
            ops: None,
            duration: None,
            max_events: None,
            faults: FaultPlan::default(),
            network: NetworkConfig::default(),
            workload: Workload::default(),
            params: BTreeMap::new(),
        }
    }
}

/// The documented upper bounds of a run's numbers: beyond them a run is refused before it
/// starts (exit 2), so no input can make it eat the machine.
pub mod limits {
    use std::time::Duration;

    /// Nodes in the simulator.
    pub const SIM_NODES: usize = 200_000;
    /// Nodes in the threads runtime (one OS thread each).
    pub const THREAD_NODES: usize = 1024;
    /// Ops a run may ask for.
    pub const OPS: u64 = 10_000_000;
    /// A run's `duration`, and any workload wait (hold, think, pause, client timeout and think).
    pub const DURATION: Duration = Duration::from_secs(3600);
    /// Replication clients.
    pub const CLIENTS: u32 = 100_000;
    /// Replication keys.
    pub const KEYS: u32 = 10_000_000;
    /// Bytes of a written value.
    pub const VALUE_SIZE: u32 = 1 << 20;
    /// Open-loop arrivals per second.
    pub const ARRIVAL_RATE: f64 = 10_000_000.0;
    /// The Zipf exponent of key popularity.
    pub const KEY_SKEW: f64 = 10.0;
    /// Faults in a plan.
    pub const FAULTS: usize = 10_000;
    /// Simulator events (`max_events`).
    pub const EVENTS: u64 = 10_000_000_000;
}

impl RunSpec {
    /// Ops when neither `ops` nor `duration` is given.
    pub const DEFAULT_OPS: u64 = 100;
    /// The time limit of a run asked for ops only: long enough that only a stuck algorithm hits it.
    pub const SIM_TIME_LIMIT: Duration = Duration::from_secs(3600);
    /// The same for the threads runtime, in wall-clock time.
    pub const THREADS_TIME_LIMIT: Duration = Duration::from_secs(120);

    /// The op target of the run, if it has one.
    pub fn op_target(&self) -> Option<u64> {
        match (self.ops, self.duration) {
            (Some(ops), _) => Some(ops),
            (None, Some(_)) => None,
            (None, None) => Some(Self::DEFAULT_OPS),
        }
    }

    /// The time at which the run stops whatever happens.
    pub fn time_limit(&self) -> Duration {
        self.duration.unwrap_or(match self.runtime {
            RuntimeKind::Sim => Self::SIM_TIME_LIMIT,
            RuntimeKind::Threads => Self::THREADS_TIME_LIMIT,
        })
    }

    /// The event limit in force: `max_events`, or the runtime's default.
    pub fn event_limit(&self) -> u64 {
        self.max_events.unwrap_or(match self.runtime {
            RuntimeKind::Sim => crate::sim::MAX_EVENTS,
            RuntimeKind::Threads => crate::threads::MAX_MESSAGES,
        })
    }

    /// Whether the election driver crashes each agreed leader (see [`Workload::crash_leader`]).
    pub fn crashes_leaders(&self) -> bool {
        self.workload.crash_leader.unwrap_or(self.faults.is_empty())
    }

    /// Every node the run starts: the configuration's `nodes`, then the `spare` ones.
    pub fn hosts(&self) -> usize {
        self.nodes + self.spare
    }

    /// Rejects impossible or unbounded parameters, naming the field.
    pub fn validate(&self) -> Result<(), SpecError> {
        let error = |field: &str, reason: String| Err(SpecError::field(field, reason));
        let node_limit = match self.runtime {
            RuntimeKind::Sim => limits::SIM_NODES,
            RuntimeKind::Threads => limits::THREAD_NODES,
        };
        if self.nodes == 0 {
            return error("nodes", "must be at least 1 (got 0)".into());
        }
        if self.nodes > node_limit {
            let hint = if self.runtime == RuntimeKind::Threads { "; use --runtime sim" } else { "" };
            return error(
                "nodes",
                format!("the {} runtime runs at most {node_limit} nodes (got {}){hint}", self.runtime, self.nodes),
            );
        }
        if self.spare > node_limit - self.nodes {
            return error(
                "spare",
                format!(
                    "the {} runtime runs at most {node_limit} nodes, spares included (got {} + {})",
                    self.runtime, self.nodes, self.spare
                ),
            );
        }
        match self.ops {
            Some(0) => return error("ops", "must be at least 1 (got 0)".into()),
            Some(ops) if ops > limits::OPS => {
                return error("ops", format!("at most {} (got {ops})", limits::OPS));
            }
            _ => {}
        }
        if self.max_events == Some(0) || self.max_events.is_some_and(|e| e > limits::EVENTS) {
            return error("max_events", format!("must be in 1..={}", limits::EVENTS));
        }
        let at_most = |field: &str, value: Duration| {
            if value > limits::DURATION {
                error(field, format!("at most {} (got {})", format_duration(limits::DURATION), format_duration(value)))
            } else {
                Ok(())
            }
        };
        if let Some(duration) = self.duration {
            if duration.is_zero() {
                return error("duration", "must be longer than 0".into());
            }
            at_most("duration", duration)?;
        }
        let w = &self.workload;
        for (field, value) in
            [("hold", w.hold), ("think", w.think), ("pause", w.pause), ("client_think", w.client_think)]
        {
            at_most(field, value)?;
        }
        if let Some(timeout) = w.client_timeout {
            if timeout.is_zero() {
                return error("client_timeout", "must be longer than 0".into());
            }
            at_most("client_timeout", timeout)?;
        }
        if let Initiator::Node(id) = w.initiator {
            if id as usize >= self.nodes {
                return error("initiator", format!("node {id} does not exist (nodes are 0..{})", self.nodes - 1));
            }
        }
        if w.clients == 0 && self.op_target().is_some() && w.arrival_rate.is_none() {
            return error("clients", "0 clients cannot complete ops (give --duration for a quiet run)".into());
        }
        if w.clients > limits::CLIENTS {
            return error("clients", format!("at most {} (got {})", limits::CLIENTS, w.clients));
        }
        if w.keys == 0 || w.keys > limits::KEYS {
            return error("keys", format!("must be in 1..={} (got {})", limits::KEYS, w.keys));
        }
        if let Some(share) = w.read_share {
            if !(0.0..=1.0).contains(&share) {
                return error("read_share", format!("must be a share in [0, 1] (got {share})"));
            }
        }
        if !(0.0..=limits::KEY_SKEW).contains(&w.key_skew) {
            return error("key_skew", format!("must be in [0, {}] (got {})", limits::KEY_SKEW, w.key_skew));
        }
        if w.value_size > limits::VALUE_SIZE {
            return error("value_size", format!("at most {} bytes (got {})", limits::VALUE_SIZE, w.value_size));
        }
        if let Some(rate) = w.arrival_rate {
            if !(rate > 0.0 && rate <= limits::ARRIVAL_RATE) {
                return error(
                    "arrival_rate",
                    format!("must be above 0 and at most {} commands per second (got {rate})", limits::ARRIVAL_RATE),
                );
            }
            if self.op_target().is_none() && self.duration.is_none() {
                return error("arrival_rate", "an open loop needs ops or a duration to end".into());
            }
        }
        if self.faults.faults.len() > limits::FAULTS {
            return error("faults", format!("at most {} faults (got {})", limits::FAULTS, self.faults.faults.len()));
        }
        self.network.validate()?;
        self.network.validate_for(self.hosts())?;
        if self.runtime == RuntimeKind::Threads && self.network.service.is_some() {
            return error(
                "service",
                "the processing model is the simulator's (threads pay their real processing costs)".into(),
            );
        }
        self.faults.validate(self.hosts())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_impossible_and_unbounded_parameters_naming_the_field() {
        let mut workload = Workload { clients: u32::MAX, ..Workload::default() };
        let mut cases: Vec<(RunSpec, &str)> = vec![
            (RunSpec { nodes: 0, ..Default::default() }, "nodes"),
            (RunSpec { nodes: 100_000_000, ..Default::default() }, "nodes"),
            (RunSpec { ops: Some(0), ..Default::default() }, "ops"),
            (RunSpec { ops: Some(u64::MAX), ..Default::default() }, "ops"),
            (RunSpec { duration: Some(Duration::ZERO), ..Default::default() }, "duration"),
            (RunSpec { duration: Some(Duration::from_secs(18_446_744_073)), ..Default::default() }, "duration"),
            (RunSpec { max_events: Some(0), ..Default::default() }, "max_events"),
            (RunSpec { nodes: 2000, runtime: RuntimeKind::Threads, ..Default::default() }, "nodes"),
            (RunSpec { network: NetworkConfig { drop: 1.5, ..Default::default() }, ..Default::default() }, "drop"),
            (RunSpec { workload: workload.clone(), ..Default::default() }, "clients"),
        ];
        workload.clients = 3;
        workload.hold = Duration::from_secs(100_000);
        cases.push((RunSpec { workload, ..Default::default() }, "hold"));
        for (spec, field) in cases {
            assert_eq!(spec.validate().unwrap_err().field, field, "{spec:?}");
        }
        assert!(RunSpec::default().validate().is_ok());
    }

    #[test]
    fn op_target_defaults_only_without_a_duration() {
        assert_eq!(RunSpec::default().op_target(), Some(RunSpec::DEFAULT_OPS));
        let timed = RunSpec { duration: Some(Duration::from_secs(1)), ..Default::default() };
        assert_eq!(timed.op_target(), None);
    }

    #[test]
    fn a_spec_round_trips_through_toml_and_json() {
        let text = r#"
algorithm = "raft"
variant = "prevote"
nodes = 7
seed = 9
ops = 40
duration = "7s"
faults = ["crash:leader@1s..2s", "partition:0,1|rest@3s..4s", "lossy:drop=0.0004,dup=0@0ms..5s"]

[network]
latency = "exp:2ms,floor=1ms"
drop = 0.05

[workload]
clients = 4
client_timeout = "250ms"
initiator = "3"

[params]
detect = "200ms-400ms"
q2 = 2
"#;
        let spec: RunSpec = toml::from_str(text).unwrap();
        assert_eq!(spec.nodes, 7);
        assert_eq!(spec.params["q2"], "2");
        assert_eq!(spec.workload.initiator, Initiator::Node(3));
        assert_eq!(spec.faults.faults[0].to_string(), "crash:leader@1s..2s");
        let written = toml::to_string(&spec).unwrap();
        assert_eq!(toml::from_str::<RunSpec>(&written).unwrap(), spec, "{written}");
        let json = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<RunSpec>(&json).unwrap(), spec, "{json}");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        assert!(toml::from_str::<RunSpec>("nodez = 3").is_err());
        assert!(toml::from_str::<RunSpec>("[network]\nlatencyy = \"1ms\"").is_err());
    }
}
