//! Raft commit throughput in the threads runtime: 3 nodes in one process, in-memory log, empty
//! commands, closed-loop clients writing to the leader. Timed from the first command (once a
//! leader is known) to the leader's answer to the last one, which it sends after applying it.
//!
//! `cargo bench --bench raft_throughput`

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use harness::kv::{Command, KvOp};
use harness::{
    ClientOp, ClientReply, Driver, DriverContext, Event, EventKind, FaultPlan, Latency, NetworkConfig, NodeId,
    Observation, ReplyOutcome, RunSetup, Time,
};
use raft::config::RaftConfig;
use raft::Raft;

/// The allocator the `workbench` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Where the measured interval is reported.
    report: std::sync::mpsc::Sender<Duration>,
}

impl NoopClients {
    fn send(&mut self, dx: &mut DriverContext, client: u32) {
        if self.issued >= self.target {
            return;
        }
        self.issued += 1;
        let seq = self.next_seq[client as usize];
        self.next_seq[client as usize] += 1;
        let leader = self.leader.expect("clients start once a leader is known");
        dx.submit(leader, ClientOp::Submit(Command { client, seq, op: KvOp::Noop }));
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
                    self.finished = Some(dx.now());
                    let took = self.finished.unwrap() - self.started.unwrap();
                    let _ = self.report.send(took);
                } else {
                    self.send(dx, reply.client);
                }
            }
            ReplyOutcome::NotLeader { .. } => panic!("the leader changed during the benchmark"),
        }
    }

    fn on_wake(&mut self, _dx: &mut DriverContext, _token: u64) {}

    fn finished(&self) -> bool {
        self.finished.is_some()
    }
}

fn config(batch: bool) -> RaftConfig {
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

/// One cluster run; returns the time from the first command to the last answer.
fn run(batch: bool, clients: u32, ops: u64) -> Duration {
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
    };
    let setup = RunSetup::<Raft> {
        config: config(batch),
        nodes: 3,
        seed: 1,
        network: NetworkConfig::reliable(Latency::constant(Duration::ZERO)),
        faults: FaultPlan::default(),
        driver: Box::new(driver),
        time_limit: Duration::from_secs(120),
        monitor: None,
        max_events: None,
        trace: false,
    };
    harness::threads::run(setup).expect("no node panics");
    measured.recv().expect("the run completed its commands")
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("raft_threads_commit");
    group.sample_size(10);
    for (batch, name) in [(false, "plain"), (true, "batch")] {
        for clients in [1u32, 64, 256] {
            let ops: u64 = if clients == 1 { 2_000 } else { 100_000 };
            group.throughput(Throughput::Elements(ops));
            group.bench_with_input(BenchmarkId::new(name, clients), &clients, |b, &clients| {
                b.iter_custom(|iters| (0..iters).map(|_| run(batch, clients, ops)).sum())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
