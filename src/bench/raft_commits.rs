//! Raft commit throughput in the threads runtime: 3 nodes in one process, in-memory log, empty
//! commands, closed-loop clients writing to the leader. Timed from the first command (once a
//! leader is known) to the leader's answer to the last one, which it sends after applying it.

use std::time::Duration;

use harness::kv::{Command, KvOp};
use harness::{
    ClientOp, ClientReply, Driver, DriverContext, Event, EventKind, FaultPlan, Latency, NetworkConfig, NodeId,
    Observation, ReplyOutcome, RunSetup, Time,
};
use raft::config::RaftConfig;
use raft::Raft;

/// Closed-loop clients sending empty commands to the leader once one is known.
struct NoopClients {
    clients: u32,
    target: u64,
    leader: Option<NodeId>,
    next_seq: Vec<u64>,
    issued: u64,
    completed: u64,
    started: Option<Time>,
    finished: Option<Time>,
    /// Where the measured interval (or why there is none) is reported.
    report: std::sync::mpsc::Sender<Result<Duration, String>>,
    gave_up: bool,
}

impl NoopClients {
    fn send(&mut self, dx: &mut DriverContext, client: u32) {
        if self.issued >= self.target {
            return;
        }
        self.issued += 1;
        let seq = self.next_seq[client as usize];
        self.next_seq[client as usize] += 1;
        let Some(leader) = self.leader else { return };
        dx.submit(leader, ClientOp::submit(Command { client, seq, op: KvOp::Noop }));
    }
}

impl Driver for NoopClients {
    fn start(&mut self, _dx: &mut DriverContext) {}

    fn on_event(&mut self, dx: &mut DriverContext, event: &Event) {
        if let EventKind::Observed(Observation::Leader { leader, .. }) = event.kind {
            if leader == event.node && self.leader.is_none() {
                self.leader = Some(leader);
                self.started = Some(dx.now());
                for client in 0..self.clients {
                    self.send(dx, client);
                }
            }
        }
    }

    fn on_reply(&mut self, dx: &mut DriverContext, _node: NodeId, reply: &ClientReply) {
        match reply.outcome {
            ReplyOutcome::Ok(_) => {
                self.completed += 1;
                if self.completed == self.target {
                    let (started, finished) = (self.started.unwrap_or(Time::ZERO), dx.now());
                    self.finished = Some(finished);
                    let _ = self.report.send(Ok(finished - started));
                } else {
                    self.send(dx, reply.client);
                }
            }
            ReplyOutcome::NotLeader { .. } => {
                // A follower thread descheduled past its election timeout on a busy machine.
                self.gave_up = true;
                let _ = self.report.send(Err("the leader changed during the run".into()));
            }
        }
    }

    fn on_wake(&mut self, _dx: &mut DriverContext, _token: u64) {}

    /// An invocation and an answer per command, and the election's few: reserved once, so the
    /// history is never regrown (and copied) mid-run.
    fn expected_events(&self) -> usize {
        usize::try_from(self.target.saturating_mul(2).saturating_add(64)).unwrap_or(usize::MAX)
    }

    fn finished(&self) -> bool {
        self.finished.is_some() || self.gave_up
    }
}

/// The benchmark's Raft: the paper's timeouts, no per-entry observations; `batch` pipelines up
/// to 16 AppendEntries of up to 1024 entries each.
pub fn config(batch: bool) -> RaftConfig {
    let mut config = RaftConfig {
        // The paper's defaults: a shorter timeout lets a follower thread that the OS deschedules
        // for a few tens of milliseconds on a busy 2-core machine depose the leader mid-run.
        election_timeout: (Duration::from_millis(150), Duration::from_millis(300)),
        heartbeat: Duration::from_millis(50),
        observe_entries: false,
        ..RaftConfig::default()
    };
    if batch {
        config.max_in_flight = 16;
        config.max_batch = 1024;
    }
    config
}

/// One 3-node cluster run of `ops` empty commands from `clients` closed-loop clients; returns
/// the time from the first command to the last answer.
pub fn commit_run(batch: bool, clients: u32, ops: u64) -> Result<Duration, String> {
    let (report, measured) = std::sync::mpsc::channel();
    let driver = NoopClients {
        clients,
        target: ops,
        leader: None,
        next_seq: vec![1; clients as usize],
        issued: 0,
        completed: 0,
        started: None,
        finished: None,
        report,
        gave_up: false,
    };
    let setup = RunSetup::<Raft> {
        config: config(batch),
        nodes: 3,
        spare: 0,
        seed: 1,
        network: NetworkConfig::reliable(Latency::constant(Duration::ZERO)),
        faults: FaultPlan::default(),
        driver: Box::new(driver),
        time_limit: Duration::from_secs(120),
        monitor: None,
        max_events: None,
        trace: false,
    };
    harness::threads::run(setup).map_err(|panic| format!("a node panicked: {panic}"))?;
    measured.try_recv().unwrap_or_else(|_| Err("the run ended before its last command was answered".into()))
}
