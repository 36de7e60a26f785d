//! Simulator speed: messages delivered per second for Ricart-Agrawala at N = 16 on a reliable,
//! zero-jitter network, beside a bare binary-heap event loop doing the same number of events
//! (the workloads are `consensus_workbench::bench::simulator`).
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

use std::hint::black_box;

use consensus_workbench::bench::simulator::{bare_loop, simulate};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// The allocator the `workbench` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ENTRIES: u64 = 1_000;

fn bench(c: &mut Criterion) {
    let delivered = simulate(ENTRIES, false);
    let mut group = c.benchmark_group(format!("sim_ricart_agrawala_n{}", consensus_workbench::bench::simulator::NODES));
    group.throughput(Throughput::Elements(delivered));
    group.bench_function("simulator", |b| b.iter(|| black_box(simulate(ENTRIES, false))));
    // What recording the trace costs (every send serialized to JSON): off, it costs a branch.
    group.bench_function("simulator_traced", |b| b.iter(|| black_box(simulate(ENTRIES, true))));
    group.bench_function("bare_heap_loop", |b| b.iter(|| black_box(bare_loop(delivered))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
