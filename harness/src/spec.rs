//! What a run is asked to do, validated before anything runs.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;

use crate::{FaultPlan, NetworkConfig, SpecError};

/// Which runtime drives the nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize)]
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
            other => Err(format!("`{other}` is not a runtime (use sim or threads)")),
        }
    }
}

/// An algorithm family: fixes client operations, the driver, what an op is and the checkers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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
            other => Err(format!("`{other}` is not a family (use replication, election or mutex)")),
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
            other => Err(format!("`{other}` is not a load (use light or heavy)")),
        }
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
                format!("`{id}` is not an initiator (use lowest, highest, random, all, detection or a node id)")
            }),
        }
    }
}

/// Workload parameters; each family reads the ones that concern it.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// Mutex: how long a node stays in the critical section.
    pub hold: Duration,
    /// Mutex: a node waits a uniformly random time in `[0, think]` before each request.
    pub think: Duration,
    /// Mutex: light (one request at a time) or heavy (everyone contends).
    pub load: MutexLoad,
    /// Election: who starts the first election (later ones follow a leader's crash or restart).
    pub initiator: Initiator,
    /// Election: how long the driver waits after an agreement before it crashes the leader (or
    /// restarts the node it crashed), so leaders serve a while and heartbeats show.
    pub pause: Duration,
    /// Replication: closed-loop clients, each with one command outstanding at a time.
    pub clients: u32,
    /// Replication: commands touch keys `0..keys`.
    pub keys: u32,
    /// Replication: a client that hears nothing for this long sends the command again (same
    /// client id and sequence number) to another node.
    pub client_timeout: Duration,
    /// Replication: after each answer a client waits a uniformly random time in
    /// `[0, client_think]` before its next command (0: at once, a closed loop at full speed).
    pub client_think: Duration,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            hold: Duration::from_millis(1),
            think: Duration::from_millis(2),
            load: MutexLoad::Heavy,
            initiator: Initiator::Detection,
            pause: Duration::from_millis(100),
            clients: 3,
            keys: 5,
            client_timeout: Duration::from_millis(300),
            client_think: Duration::ZERO,
        }
    }
}

/// Everything a run needs besides the algorithm.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSpec {
    pub nodes: usize,
    pub seed: u64,
    pub runtime: RuntimeKind,
    /// Ops to complete; the run ends when they are done. `None` with a `duration` runs for that
    /// long; with neither, [`RunSpec::DEFAULT_OPS`] ops.
    pub ops: Option<u64>,
    /// A time limit (virtual in sim, wall-clock in threads).
    pub duration: Option<Duration>,
    pub variant: Option<String>,
    pub network: NetworkConfig,
    pub faults: FaultPlan,
    pub workload: Workload,
    /// Simulator only: stop after this many events (a message storm is a finding, not a hang).
    /// `None`: the simulator's own limit, [`crate::sim::MAX_EVENTS`].
    pub max_events: Option<u64>,
}

impl Default for RunSpec {
    fn default() -> Self {
        RunSpec {
            nodes: 5,
            seed: 1,
            runtime: RuntimeKind::Sim,
            ops: None,
            duration: None,
            variant: None,
            network: NetworkConfig::default(),
            faults: FaultPlan::default(),
            workload: Workload::default(),
            max_events: None,
        }
    }
}

impl RunSpec {
    /// Ops when neither `ops` nor `duration` is given.
    pub const DEFAULT_OPS: u64 = 100;
    /// The most nodes the threads runtime accepts (one OS thread each).
    pub const MAX_THREAD_NODES: usize = 512;
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

    /// Rejects impossible parameters, naming the field.
    pub fn validate(&self) -> Result<(), SpecError> {
        if self.nodes == 0 {
            return Err(SpecError::field("nodes", "must be at least 1 (got 0)"));
        }
        if self.nodes > u32::MAX as usize / 2 {
            return Err(SpecError::field("nodes", format!("{} is too many", self.nodes)));
        }
        if self.runtime == RuntimeKind::Threads && self.nodes > Self::MAX_THREAD_NODES {
            return Err(SpecError::field(
                "nodes",
                format!(
                    "the threads runtime runs at most {} nodes (got {}); use --runtime sim",
                    Self::MAX_THREAD_NODES,
                    self.nodes
                ),
            ));
        }
        if self.ops == Some(0) {
            return Err(SpecError::field("ops", "must be at least 1 (got 0)"));
        }
        if self.duration == Some(Duration::ZERO) {
            return Err(SpecError::field("duration", "must be longer than 0"));
        }
        if let Initiator::Node(id) = self.workload.initiator {
            if id as usize >= self.nodes {
                return Err(SpecError::field(
                    "initiator",
                    format!("node {id} does not exist (nodes are 0..{})", self.nodes - 1),
                ));
            }
        }
        if self.workload.clients == 0 && self.op_target().is_some() {
            return Err(SpecError::field("clients", "0 clients cannot complete ops (give --duration for a quiet run)"));
        }
        if self.workload.keys == 0 {
            return Err(SpecError::field("keys", "must be at least 1 (got 0)"));
        }
        if self.workload.client_timeout.is_zero() {
            return Err(SpecError::field("client_timeout", "must be longer than 0"));
        }
        self.network.validate()?;
        self.faults.validate(self.nodes)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_impossible_parameters_naming_the_field() {
        let cases: Vec<(RunSpec, &str)> = vec![
            (RunSpec { nodes: 0, ..Default::default() }, "nodes"),
            (RunSpec { ops: Some(0), ..Default::default() }, "ops"),
            (RunSpec { duration: Some(Duration::ZERO), ..Default::default() }, "duration"),
            (RunSpec { nodes: 600, runtime: RuntimeKind::Threads, ..Default::default() }, "nodes"),
            (RunSpec { network: NetworkConfig { drop: 1.5, ..Default::default() }, ..Default::default() }, "drop"),
        ];
        for (spec, field) in cases {
            assert_eq!(spec.validate().unwrap_err().field, field);
        }
        assert!(RunSpec::default().validate().is_ok());
    }

    #[test]
    fn op_target_defaults_only_without_a_duration() {
        assert_eq!(RunSpec::default().op_target(), Some(RunSpec::DEFAULT_OPS));
        let timed = RunSpec { duration: Some(Duration::from_secs(1)), ..Default::default() };
        assert_eq!(timed.op_target(), None);
    }
}
