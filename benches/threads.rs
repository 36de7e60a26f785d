//! Threads runtime: the cost of one message hop at zero latency, beside raw crossbeam (the
//! workloads are `consensus_workbench::bench::threads_hop`).
//!
//! Two nodes bounce a counter back and forth `HOPS` times through the runtime (stamping,
//! inbox, step, effects); the baseline bounces a `u64` between two threads over two crossbeam
//! channels. Both spawn and join their two threads each iteration. Target: at most 3x raw.
//! `workbench bench` measures the two alternately and prints the ratio.
//!
//! `cargo bench --bench threads`

use std::hint::black_box;

use consensus_workbench::bench::threads_hop::{raw_ping_pong, runtime_ping_pong};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// The allocator the `workbench` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const HOPS: u64 = 20_000;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("threads_hop_zero_latency");
    group.throughput(Throughput::Elements(HOPS));
    group.sample_size(20);
    group.bench_function("runtime_ping_pong", |b| b.iter(|| black_box(runtime_ping_pong(HOPS))));
    group.bench_function("raw_crossbeam_ping_pong", |b| b.iter(|| black_box(raw_ping_pong(HOPS))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
