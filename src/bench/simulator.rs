//! The simulator against a bare event loop: Ricart-Agrawala at N = 16 on a reliable, zero-jitter
//! network, and a binary-heap loop doing as many events.
//!
//! The bare loop is the floor a binary-heap discrete-event simulator pays: pop the earliest event,
//! push the next one, nothing else. The simulator's rate as a share of the loop's is the figure
//! to guard (target: at least 0.7).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Duration;

use harness::{sim::Simulation, Latency, NetworkConfig, RunSetup, RunSpec, Workload};
use ricart_agrawala::{RaConfig, RaMsg, RicartAgrawala};

/// Nodes in the measured run.
pub const NODES: usize = 16;

/// The measured run: `entries` critical-section entries, no think time, 1 ms constant latency.
pub fn spec(entries: u64) -> RunSpec {
    RunSpec {
        nodes: NODES,
        ops: Some(entries),
        network: NetworkConfig::reliable(Latency::constant(Duration::from_millis(1))),
        workload: Workload { think: Duration::ZERO, ..Workload::default() },
        ..RunSpec::default()
    }
}

/// One simulation of `entries` entries, traced (`run --trace`) or not; returns the messages it
/// delivered.
pub fn simulate(entries: u64, trace: bool) -> u64 {
    let spec = spec(entries);
    let resolved = harness::Resolved::of(&spec, harness::Timing::of(&spec.network, spec.runtime));
    let kit =
        harness::family_kit(harness::Family::Mutex, &spec, &resolved, None, false).expect("the mutex family's kit");
    let setup = RunSetup::<RicartAgrawala> {
        config: RaConfig::default(),
        nodes: spec.nodes,
        spare: 0,
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
pub fn bare_loop(events: u64) -> u64 {
    let mut heap: BinaryHeap<Reverse<BareEvent>> = BinaryHeap::new();
    let mut seq = 0;
    for pair in 0..(NODES * NODES) as u32 {
        let (from, to) = (pair % NODES as u32, pair / NODES as u32);
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
