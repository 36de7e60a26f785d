//! The threads runtime: one OS thread per node, crossbeam-channel inboxes, wall-clock time.
//!
//! Senders stamp each message with its delivery time and push it straight into the receiver's
//! inbox: there is no router thread. The calling thread coordinates: it runs the driver, applies
//! the fault plan at its wall-clock times, and stops and joins every node thread at the end,
//! also when one of them panics. It takes the reports that are already queued together and hands
//! each node what the driver submitted to it meanwhile in one envelope, as node threads do with
//! their sends.

mod links;
mod node_thread;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use crossbeam_channel::{unbounded, RecvTimeoutError, Sender};

use crate::context::seeded_rng;
use crate::host::Tally;
use crate::trace::{Trace, Tracer};
use crate::{
    ClientOp, DriverCommand, DriverContext, Event, EventKind, Fault, FaultAction, FaultSchedule, History, LeaderView,
    MessageCounts, Node, NodeId, RunError, RunOutcome, RunSetup, StopReason, Time, Transmitter,
};

use links::SharedLinks;
use node_thread::{Envelope, NodeThread, NodeTotals, Report, Wiring};

const DRIVER_STREAM: u64 = u64::MAX - 1;
/// At most this many queued reports are taken before the driver's commands go out.
const REPORT_BURST: usize = 256;
/// Node `id` samples its outgoing network decisions from this stream plus `id`.
const NETWORK_STREAM_BASE: u64 = 1 << 40;
/// The messages a run may send before it is stopped as a storm (by default): each one queued
/// costs memory, and an overloaded machine can make an algorithm's timeouts fire in a cascade.
pub const MAX_MESSAGES: u64 = 2_000_000;
/// The coordinator looks at the message count at least this often.
const STORM_CHECK: std::time::Duration = std::time::Duration::from_millis(20);

/// Carries out one fault action: crashes and restarts go to the node's inbox, the rest change
/// the shared links.
fn apply_fault<M>(inboxes: &[Sender<Envelope<M>>], links: &SharedLinks, action: FaultAction) {
    match action {
        FaultAction::Crash(node) => {
            let _ = inboxes[node.index()].send(Envelope::Crash);
        }
        FaultAction::Restart(node) => {
            let _ = inboxes[node.index()].send(Envelope::Restart);
        }
        link_action => links.apply(&link_action),
    }
}

/// Runs the setup with one thread per node and returns when the driver is done or time is up.
pub fn run<N: Node>(setup: RunSetup<N>) -> Result<RunOutcome, RunError> {
    let RunSetup { config, nodes, seed, network, faults, mut driver, time_limit, monitor, max_events, trace } = setup;
    let max_messages = max_events.unwrap_or(MAX_MESSAGES);
    let messages_sent = std::sync::atomic::AtomicU64::new(0);
    // Set when the run ends: node threads stop at once rather than work through their queues.
    let stopping = std::sync::atomic::AtomicBool::new(false);
    let may_slow = faults.faults.iter().any(|f| matches!(f.fault, Fault::Slow { .. } | Fault::Lossy(_)));
    let links = SharedLinks::default();
    let (report_tx, report_rx) = unbounded::<Report>();
    let (inboxes, receivers): (Vec<Sender<Envelope<N::Msg>>>, Vec<_>) = (0..nodes).map(|_| unbounded()).unzip();
    let start = Instant::now();
    let deadline = start + time_limit;

    std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(nodes);
        for (index, inbox) in receivers.into_iter().enumerate() {
            let id = NodeId(index as u32);
            let wiring = Wiring::<N> {
                id,
                nodes,
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
            let transmitter =
                Transmitter::new(network.clone(), seeded_rng(seed, NETWORK_STREAM_BASE + id.0 as u64), may_slow);
            let handle = std::thread::Builder::new()
                .name(format!("node-{index}"))
                .spawn_scoped(scope, move || {
                    let reports = wiring.reports.clone();
                    let thread = NodeThread::new(wiring, rng, transmitter, trace);
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
                .expect("spawning a node thread");
            handles.push(handle);
        }
        drop(report_tx);

        // ---- coordinate ----
        let mut history = History::default();
        let mut dx = DriverContext::new(seeded_rng(seed, DRIVER_STREAM));
        let mut wakes: BinaryHeap<Reverse<(Instant, u64, u64)>> = BinaryHeap::new();
        let mut wake_seq = 0u64;
        let mut schedule = FaultSchedule::new(&faults, nodes);
        // Steps by due time; a triggered fault's end step joins when it strikes.
        let mut steps: BinaryHeap<Reverse<(Instant, usize)>> =
            schedule.steps().iter().enumerate().map(|(i, step)| Reverse((start + step.at, i))).collect();
        let mut leaders = LeaderView::new(nodes);
        let mut strikes = Vec::new();
        // The coordinator's own trace lines: the faults.
        let mut tracer = if trace { Tracer::on() } else { Tracer::off() };
        let mut panicked: Option<(NodeId, String)> = None;
        let time_of = |at: Instant| Time(at.saturating_duration_since(start).as_nanos() as u64);

        // Submissions wait in `bursts` (one per node) until the commands are applied, so a node
        // gets everything submitted to it meanwhile in one envelope. A crash or restart sends the
        // node's waiting burst first, keeping the driver's order.
        let mut bursts: Vec<Vec<ClientOp>> = vec![Vec::new(); nodes];
        let mut apply_commands =
            |dx: &mut DriverContext, wakes: &mut BinaryHeap<_>, history: &mut History, now: Instant| {
                let send_burst = |bursts: &mut Vec<Vec<ClientOp>>, node: NodeId| {
                    if !bursts[node.index()].is_empty() {
                        let ops = std::mem::take(&mut bursts[node.index()]);
                        let _ = inboxes[node.index()].send(Envelope::Clients(ops));
                    }
                };
                for command in dx.take_commands() {
                    match command {
                        DriverCommand::Submit { node, op } => {
                            if let ClientOp::Submit(_) = op {
                                // A replication command is invoked when the client sends it; recording
                                // it here spares the node thread a report per command. (Mutex and
                                // election requests are recorded by the node, which knows whether it
                                // is up to take them.)
                                history.events.push(Event {
                                    time: time_of(now),
                                    node,
                                    kind: EventKind::Invoke(op.clone()),
                                });
                            }
                            bursts[node.index()].push(op);
                        }
                        DriverCommand::Wake { after, token } => {
                            wakes.push(Reverse((now + after, wake_seq, token)));
                            wake_seq += 1;
                        }
                        DriverCommand::Crash(node) => {
                            send_burst(&mut bursts, node);
                            let _ = inboxes[node.index()].send(Envelope::Crash);
                        }
                        DriverCommand::Restart(node) => {
                            send_burst(&mut bursts, node);
                            let _ = inboxes[node.index()].send(Envelope::Restart);
                        }
                    }
                }
                for node in NodeId::all(nodes) {
                    send_burst(&mut bursts, node);
                }
            };

        let now = Instant::now();
        dx.set_now(time_of(now));
        driver.start(&mut dx);
        apply_commands(&mut dx, &mut wakes, &mut history, now);

        let stop = loop {
            if driver.finished() {
                break StopReason::Finished;
            }
            let now = Instant::now();
            if now >= deadline {
                break StopReason::TimeLimit;
            }
            if messages_sent.load(std::sync::atomic::Ordering::Relaxed) > max_messages {
                break StopReason::EventLimit;
            }
            while steps.peek().is_some_and(|Reverse((at, _))| *at <= now) {
                let Reverse((_, step)) = steps.pop().expect("peeked");
                let (actions, strike) = schedule.strike(step, &leaders, time_of(now));
                tracer.record(time_of(now), None, || schedule.trace_event(&strike));
                strikes.push(strike);
                for action in actions {
                    apply_fault(&inboxes, &links, action);
                }
            }
            while wakes.peek().is_some_and(|Reverse((at, _, _))| *at <= now) {
                let Reverse((_, _, token)) = wakes.pop().expect("checked");
                dx.set_now(time_of(now));
                driver.on_wake(&mut dx, token);
                apply_commands(&mut dx, &mut wakes, &mut history, now);
            }
            let mut next = deadline.min(now + STORM_CHECK);
            if let Some(Reverse((at, _, _))) = wakes.peek() {
                next = next.min(*at);
            }
            if let Some(Reverse((at, _))) = steps.peek() {
                next = next.min(*at);
            }
            let first = match report_rx.recv_deadline(next) {
                Ok(report) => report,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break StopReason::Finished,
            };
            // Take what else is queued before sending anything, so the clients' next commands
            // leave as one burst per node.
            let mut report = Some(first);
            let mut taken = 0;
            while let Some(current) = report.take() {
                match current {
                    Report::Event(event) => {
                        dx.set_now(event.time);
                        leaders.observe(&event);
                        driver.on_event(&mut dx, &event);
                        if schedule.has_armed() {
                            // Triggered faults strike as soon as the coordinator hears of the event.
                            let known = schedule.steps().len();
                            let now = Instant::now();
                            for (actions, strike) in schedule.on_event(&event, &leaders, time_of(now)) {
                                tracer.record(time_of(now), None, || schedule.trace_event(&strike));
                                strikes.push(strike);
                                for action in actions {
                                    apply_fault(&inboxes, &links, action);
                                }
                            }
                            for step in known..schedule.steps().len() {
                                steps.push(Reverse((start + schedule.steps()[step].at, step)));
                            }
                        }
                        history.events.push(event);
                    }
                    Report::Replies { node, replies } => {
                        dx.set_now(time_of(Instant::now()));
                        for reply in &replies {
                            driver.on_reply(&mut dx, node, reply);
                        }
                    }
                    Report::Panicked { node, message } => {
                        panicked = Some((node, message));
                        break;
                    }
                }
                taken += 1;
                if taken < REPORT_BURST && !driver.finished() {
                    report = report_rx.try_recv().ok();
                }
            }
            apply_commands(&mut dx, &mut wakes, &mut history, Instant::now());
            if panicked.is_some() {
                break StopReason::Finished;
            }
        };
        let elapsed = time_of(Instant::now());

        // ---- shut down: every thread is told to stop and joined ----
        stopping.store(true, std::sync::atomic::Ordering::Relaxed);
        for inbox in &inboxes {
            let _ = inbox.send(Envelope::Stop);
        }
        let mut sent = MessageCounts::default();
        let mut tally = Tally::default();
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

#[cfg(test)]
mod tests;
