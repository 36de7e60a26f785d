//! Raft commit throughput in the threads runtime: 3 nodes in one process, in-memory log, empty
//! commands, closed-loop clients writing to the leader (the workload is
//! `consensus_workbench::bench::raft_commits`). Timed from the first command (once a leader is
//! known) to the leader's answer to the last one, which it sends after applying it.
//!
//! `cargo bench --bench raft_throughput`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use consensus_workbench::bench::raft_commits::commit_run;

/// The allocator the `workbench` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("raft_threads_commit");
    group.sample_size(10);
    for (batch, name) in [(false, "plain"), (true, "batch")] {
        for clients in [1u32, 64, 256] {
            let ops: u64 = if clients == 1 { 2_000 } else { 100_000 };
            group.throughput(Throughput::Elements(ops));
            group.bench_with_input(BenchmarkId::new(name, clients), &clients, |b, &clients| {
                b.iter_custom(|iters| {
                    (0..iters).map(|_| commit_run(batch, clients, ops).expect("the leader held through the run")).sum()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
