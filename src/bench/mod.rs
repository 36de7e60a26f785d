//! What `workbench bench` measures, and what `cargo bench` runs: the workloads behind the figures
//! the project guards, each beside its baseline.
//!
//! - [`simulator`]: the simulator against a bare binary-heap event loop doing as many events
//!   (target: at least 0.7 of the loop's rate).
//! - End to end: a whole `workbench run ricart-agrawala --nodes 16` process, every checker and
//!   metric on, against the same loop for the messages it delivered (target: at least 0.5).
//! - [`threads_hop`]: a message hop through the threads runtime against raw crossbeam (target: at
//!   most 3×).
//! - [`raft_commits`]: Raft commits per second in the threads runtime at 64 and 256 clients.
//!
//! Machines here are shared and noisy, so each pair is measured alternately in one process and
//! each side keeps its best round: a ratio of two minimums taken in the same minutes, which load
//! moves far less than either figure.

pub mod raft_commits;
pub mod simulator;
pub mod threads_hop;

use std::time::{Duration, Instant};

/// How long `f` takes.
pub fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let start = Instant::now();
    let value = f();
    (start.elapsed(), value)
}

/// Runs `a` and `b` in turn `rounds` times and keeps each one's shortest time.
pub fn alternating_minimums(
    rounds: u32,
    mut a: impl FnMut() -> Duration,
    mut b: impl FnMut() -> Duration,
    mut after_round: impl FnMut(),
) -> (Duration, Duration) {
    let (mut best_a, mut best_b) = (Duration::MAX, Duration::MAX);
    for _ in 0..rounds.max(1) {
        best_a = best_a.min(a());
        best_b = best_b.min(b());
        after_round();
    }
    (best_a, best_b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_each_sides_shortest_round() {
        let mut a = [5, 3, 4].into_iter().map(Duration::from_millis);
        let mut b = [7, 9, 6].into_iter().map(Duration::from_millis);
        let mut rounds = 0;
        let (best_a, best_b) = alternating_minimums(3, || a.next().unwrap(), || b.next().unwrap(), || rounds += 1);
        assert_eq!((best_a, best_b, rounds), (Duration::from_millis(3), Duration::from_millis(6), 3));
    }

    #[test]
    fn the_workloads_do_what_they_count() {
        let delivered = simulator::simulate(20, false);
        assert!(delivered > 20 * 2 * (simulator::NODES as u64 - 1) - 1, "{delivered}");
        assert_eq!(simulator::bare_loop(1_000), 1_000);
        assert_eq!(threads_hop::runtime_ping_pong(100), 100);
        assert_eq!(threads_hop::raw_ping_pong(100), 100);
    }
}
