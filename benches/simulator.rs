//! Simulator speed: messages delivered per second for Ricart-Agrawala at N = 16 on a reliable,
//! zero-jitter network, beside a bare binary-heap event loop doing the same number of events.
//!
//! The bare loop is the floor a binary-heap discrete-event simulator pays: pop the earliest event,
//! push the next one. Target: the simulator keeps at least 0.7 of its event rate (it was 0.32
//! before the queue became a radix heap of small keys and the hot path stopped allocating).
//! `simulator_traced` records the event trace as well (`run --trace`).
//!
//! Criterion's means move with the machine's load; `workbench bench` measures the same two
//! loops alternately and prints their ratio, which is what to quote.
//!
//! `cargo bench --bench simulator`

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use harness::{sim::Simulation, Latency, NetworkConfig, RunSetup, RunSpec, Workload};
use ricart_agrawala::{RaConfig, RaMsg, RicartAgrawala};

/// The allocator the `workbench` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NODES: usize = 16;
const ENTRIES: u64 = 1_000;

fn spec() -> RunSpec {
    RunSpec {
        nodes: NODES,
        ops: Some(ENTRIES),
        network: NetworkConfig::reliable(Latency::constant(Duration::from_millis(1))),
        workload: Workload { think: Duration::ZERO, ..Workload::default() },
        ..RunSpec::default()
    }
}

/// One simulation, traced or not; returns the messages it delivered.
fn simulate(trace: bool) -> u64 {
    let spec = spec();
    let resolved = harness::Resolved::of(&spec, harness::Timing::of(&spec.network, spec.runtime));
    let kit = harness::family_kit(harness::Family::Mutex, &spec, &resolved, None).expect("mutex family");
    let setup = RunSetup::<RicartAgrawala> {
        config: RaConfig::default(),
        nodes: spec.nodes,
        seed: spec.seed,
        network: spec.network.clone(),
        faults: spec.faults.clone(),
        driver: kit.driver,
        time_limit: spec.time_limit(),
        monitor: None,
        max_events: None,
        trace,
    };
    Simulation::new(setup).run().delivered
}

/// A bare event: ordered by (time, seq), carrying a message like the simulator's deliveries.
struct BareEvent {
    time: u64,
    seq: u64,
    from: u32,
    to: u32,
    msg: RaMsg,
}

impl PartialEq for BareEvent {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl Eq for BareEvent {}
impl PartialOrd for BareEvent {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for BareEvent {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

/// The bare loop: `events` pops and pushes on a binary heap of (time, seq, message) entries,
/// with the same constant latency and about as many events in flight as the simulation keeps.
fn bare_loop(events: u64) -> u64 {
    let mut heap: BinaryHeap<Reverse<BareEvent>> = BinaryHeap::new();
    let mut seq = 0;
    for node in 0..(NODES * NODES) as u32 {
        let (from, to) = (node % NODES as u32, node / NODES as u32);
        heap.push(Reverse(BareEvent { time: 0, seq, from, to, msg: RaMsg::Request { timestamp: 0 } }));
        seq += 1;
    }
    let mut handled = 0;
    while handled < events {
        let Reverse(event) = heap.pop().expect("the loop never drains");
        black_box(&event.msg);
        heap.push(Reverse(BareEvent {
            time: event.time + 1_000_000,
            seq,
            from: event.to,
            to: event.from,
            msg: event.msg,
        }));
        seq += 1;
        handled += 1;
    }
    handled
}

fn bench(c: &mut Criterion) {
    let delivered = simulate(false);
    let mut group = c.benchmark_group(format!("sim_ricart_agrawala_n{NODES}"));
    group.throughput(Throughput::Elements(delivered));
    group.bench_function("simulator", |b| b.iter(|| black_box(simulate(false))));
    // What recording the trace costs (every send serialized to JSON): off, it costs a branch.
    group.bench_function("simulator_traced", |b| b.iter(|| black_box(simulate(true))));
    group.bench_function("bare_heap_loop", |b| b.iter(|| black_box(bare_loop(delivered))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
