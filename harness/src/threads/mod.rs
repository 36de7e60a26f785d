//! The threads runtime: one OS thread per node, crossbeam-channel inboxes, wall-clock time.
//!
//! Senders stamp each message with its delivery time and push it straight into the receiver's
//! inbox: there is no router thread. Each node thread hosts its node in a
//! [`crate::host::NodeHost`], as the simulator does. The calling thread coordinates
//! ([`coordinator`]): it runs the driver, applies the fault plan at its wall-clock times, and
//! stops and joins every node thread at the end, also when one of them panics.

mod coordinator;
mod links;
mod node_thread;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use crossbeam_channel::{unbounded, Sender};

use crate::context::seeded_rng;
use crate::host::Tally;
use crate::trace::{Trace, Tracer};
use crate::{Fault, MessageCounts, Node, NodeId, RunError, RunOutcome, RunSetup, StopReason, Transmitter};

use coordinator::{Coordinator, Heard};
use links::SharedLinks;
use node_thread::{Envelope, NodeThread, NodeTotals, Report, Wiring};

const DRIVER_STREAM: u64 = u64::MAX - 1;
/// Node `id` samples its outgoing network decisions from this stream plus `id`.
const NETWORK_STREAM_BASE: u64 = 1 << 40;
/// The messages a run may send before it is stopped as a storm (by default): each one queued
/// costs memory, and an overloaded machine can make an algorithm's timeouts fire in a cascade.
pub const MAX_MESSAGES: u64 = 2_000_000;
/// The coordinator looks at the message count at least this often.
const STORM_CHECK: std::time::Duration = std::time::Duration::from_millis(20);

/// Runs the setup with one thread per node and returns when the driver is done or time is up.
pub fn run<N: Node>(setup: RunSetup<N>) -> Result<RunOutcome, RunError> {
    let RunSetup { config, nodes, spare, seed, network, faults, driver, time_limit, monitor, max_events, trace } =
        setup;
    let (members, nodes) = (nodes, nodes + spare);
    let max_messages = max_events.unwrap_or(MAX_MESSAGES);
    let messages_sent = AtomicU64::new(0);
    // Set when the run ends: node threads stop at once rather than work through their queues.
    let stopping = AtomicBool::new(false);
    let may_slow = faults.faults.iter().any(|f| matches!(f.fault, Fault::Slow { .. } | Fault::Lossy(_)));
    let links = SharedLinks::default();
    let (report_tx, report_rx) = unbounded::<Report>();
    let (inboxes, receivers): (Vec<Sender<Envelope<N::Msg>>>, Vec<_>) = (0..nodes).map(|_| unbounded()).unzip();
    let start = Instant::now();
    let deadline = start + time_limit;

    std::thread::scope(|scope| {
        let handles: Vec<_> = receivers
            .into_iter()
            .enumerate()
            .map(|(index, inbox)| {
                let id = NodeId(index as u32);
                let wiring = Wiring::<N> {
                    id,
                    nodes: members,
                    config: &config,
                    start,
                    inbox,
                    peers: inboxes.clone(),
                    reports: report_tx.clone(),
                    links: &links,
                    monitor: monitor.as_deref(),
                    messages_sent: &messages_sent,
                    stopping: &stopping,
                };
                let rng = seeded_rng(seed, 1 + id.0 as u64);
                let network_rng = seeded_rng(seed, NETWORK_STREAM_BASE + id.0 as u64);
                let transmitter = Transmitter::new(network.clone(), network_rng, may_slow);
                spawn_node(scope, NodeThread::new(wiring, rng, transmitter, trace), report_tx.clone())
            })
            .collect();
        drop(report_tx);

        let mut coordinator = Coordinator::new(
            start,
            &inboxes,
            &links,
            driver,
            seeded_rng(seed, DRIVER_STREAM),
            &faults,
            Tracer::new(trace),
        );
        coordinator.start();
        let mut panicked: Option<(NodeId, String)> = None;
        let stop = loop {
            if coordinator.driver.finished() {
                break StopReason::Finished;
            }
            let now = Instant::now();
            if now >= deadline {
                break StopReason::TimeLimit;
            }
            if messages_sent.load(Ordering::Relaxed) > max_messages {
                break StopReason::EventLimit;
            }
            coordinator.run_due(now);
            match coordinator.hear(&report_rx, coordinator.next_due(deadline.min(now + STORM_CHECK))) {
                Heard::Reports => {}
                Heard::Disconnected => break StopReason::Finished,
                Heard::Panicked(node, message) => {
                    panicked = Some((node, message));
                    break StopReason::Finished;
                }
            }
        };
        let elapsed = coordinator.time_of(Instant::now());

        // ---- shut down: every thread is told to stop and joined ----
        stopping.store(true, Ordering::Relaxed);
        for inbox in &inboxes {
            let _ = inbox.send(Envelope::Stop);
        }
        let mut sent = MessageCounts::default();
        let mut tally = Tally::default();
        let Coordinator { driver, strikes, mut history, tracer, .. } = coordinator;
        let mut lines = tracer.finish();
        for handle in handles {
            let totals = handle.join().expect("node threads catch their panics");
            sent.merge(&totals.sent);
            tally.merge(&totals.tally);
            if let (Some(lines), Some(more)) = (lines.as_mut(), totals.trace) {
                lines.extend(more);
            }
        }
        // Events reported before the threads stopped still belong to the run.
        for report in report_rx.try_iter() {
            match report {
                Report::Event(event) if event.time <= elapsed => history.events.push(event),
                // Late events and answers arrive after the clients stopped listening.
                Report::Event(_) | Report::Replies { .. } => {}
                Report::Panicked { node, message } => {
                    panicked.get_or_insert((node, message));
                }
            }
        }
        if let Some((node, message)) = panicked {
            return Err(RunError::NodePanicked { node: node.0, message });
        }
        // Stable: one node's events keep their order (its stamps are monotone anyway).
        history.events.sort_by_key(|e| e.time);
        history.clients = driver.client_history();
        Ok(RunOutcome {
            history,
            sent,
            dropped: tally.dropped,
            duplicated: tally.duplicated,
            delivered: tally.delivered,
            elapsed,
            stop,
            live_violations: monitor.as_ref().map(|m| m.violations()).unwrap_or_default(),
            strikes,
            sends_over_time: tally.sends_over_time,
            // All of it, also what the threads did while being stopped: every counted send is in it.
            trace: lines.map(Trace::from_runtime),
        })
    })
}

/// Starts a node thread; a panic in the node is caught and reported, never lost.
fn spawn_node<'scope, 'env, N: Node>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    thread: NodeThread<'env, N>,
    reports: Sender<Report>,
) -> std::thread::ScopedJoinHandle<'scope, NodeTotals> {
    let id = thread.id();
    std::thread::Builder::new()
        .name(format!("node-{}", id.0))
        .spawn_scoped(scope, move || {
            catch_unwind(AssertUnwindSafe(|| thread.run())).unwrap_or_else(|panic| {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_string());
                let _ = reports.send(Report::Panicked { node: id, message });
                NodeTotals::default()
            })
        })
        .expect("spawning a node thread")
}

#[cfg(test)]
mod tests;
