//! Threads runtime: the cost of one message hop at zero latency, beside raw crossbeam.
//!
//! Two nodes bounce a counter back and forth `HOPS` times through the runtime (stamping,
//! inbox, step, effects); the baseline bounces a `u64` between two threads over two crossbeam
//! channels. Both spawn and join their two threads each iteration. Target: at most 3x raw.
//!
//! `cargo bench --bench threads`

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use crossbeam_channel::unbounded;
use harness::{
    ClientOp, Context, Driver, DriverContext, Event, EventKind, FaultPlan, Latency, Message, NetworkConfig, Node,
    NodeId, Observation, RunSetup,
};

/// The allocator the `workbench` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const HOPS: u64 = 20_000;

#[derive(Clone, Debug, serde::Serialize)]
struct Ball(u64);

impl Message for Ball {
    fn kind(&self) -> &'static str {
        "ball"
    }
}

/// Node 0 serves; each receiver returns the ball until it has made `HOPS` hops.
struct PingPong {
    id: NodeId,
}

impl Node for PingPong {
    type Msg = Ball;
    type Timer = ();
    type Stable = ();
    type Config = ();

    fn new(id: NodeId, _: usize, _: &(), _: Option<()>) -> Self {
        PingPong { id }
    }
    fn on_start(&mut self, cx: &mut Context<Self>) {
        if self.id == NodeId(0) {
            cx.send(NodeId(1), Ball(1));
        }
    }
    fn on_message(&mut self, cx: &mut Context<Self>, from: NodeId, Ball(hops): Ball) {
        if hops == HOPS {
            cx.observe(Observation::Note { label: "done", value: hops });
        } else {
            cx.send(from, Ball(hops + 1));
        }
    }
    fn on_timer(&mut self, _: &mut Context<Self>, _: ()) {}
    fn on_client(&mut self, _: &mut Context<Self>, _: ClientOp) {}
}

#[derive(Default)]
struct UntilDone {
    done: bool,
}

impl Driver for UntilDone {
    fn start(&mut self, _: &mut DriverContext) {}
    fn on_event(&mut self, _: &mut DriverContext, event: &Event) {
        self.done |= matches!(event.kind, EventKind::Observed(Observation::Note { label: "done", .. }));
    }
    fn on_wake(&mut self, _: &mut DriverContext, _: u64) {}
    fn finished(&self) -> bool {
        self.done
    }
}

fn runtime_ping_pong() -> u64 {
    let setup = RunSetup::<PingPong> {
        config: (),
        nodes: 2,
        seed: 1,
        network: NetworkConfig::reliable(Latency::constant(Duration::ZERO)),
        faults: FaultPlan::default(),
        driver: Box::new(UntilDone::default()),
        time_limit: Duration::from_secs(60),
        monitor: None,
        max_events: None,
        trace: false,
    };
    let outcome = harness::threads::run(setup).expect("no node panics");
    assert_eq!(outcome.sent.total(), HOPS, "every hop happened");
    outcome.delivered
}

fn raw_ping_pong() -> u64 {
    let (to_b, b_inbox) = unbounded::<u64>();
    let (to_a, a_inbox) = unbounded::<u64>();
    std::thread::scope(|s| {
        s.spawn(move || {
            while let Ok(hops) = b_inbox.recv() {
                if hops == HOPS {
                    break;
                }
                to_a.send(hops + 1).unwrap();
            }
        });
        s.spawn(move || {
            to_b.send(1).unwrap();
            while let Ok(hops) = a_inbox.recv() {
                if hops == HOPS {
                    break;
                }
                to_b.send(hops + 1).unwrap();
            }
        });
    });
    HOPS
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("threads_hop_zero_latency");
    group.throughput(Throughput::Elements(HOPS));
    group.sample_size(20);
    group.bench_function("runtime_ping_pong", |b| b.iter(|| black_box(runtime_ping_pong())));
    group.bench_function("raw_crossbeam_ping_pong", |b| b.iter(|| black_box(raw_ping_pong())));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
