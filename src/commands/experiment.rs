//! `workbench experiment election-timeouts`: the Raft paper's study of how long it takes to
//! elect a new leader after the old one crashes, for several randomized timeout ranges (Ongaro &
//! Ousterhout 2014, §9.3 and Figure 16).
//!
//! Set up as the paper did: 5 servers; a network delay so that a broadcast (a message to every
//! server and the answers) takes about 15 ms (one-way 7.5 ms); heartbeats every half minimum
//! timeout; logs such that some servers cannot win (two followers are down while commands
//! commit, then rejoin just before the crash, too late to catch up); and the leader crashed at a
//! uniformly random moment within a heartbeat interval. Each trial is one seeded simulation; the
//! time measured runs from the crash to the first moment a new leader knows it is leader. A
//! trial with no new leader within 60 s of simulated time counts as failed (with no randomness at
//! all, 150-150, split votes repeat forever: the paper saw over 10 s).

use std::path::Path;
use std::time::Duration;

use harness::kv::{Command, KvOp};
use harness::sim::Simulation;
use harness::{
    ClientOp, Driver, DriverContext, Event, EventKind, FaultPlan, Latency, NetworkConfig, NodeId, Observation,
    RunSetup, Time,
};
use raft::config::RaftConfig;
use raft::Raft;
use rand::Rng;
use rayon::prelude::*;
use reports::plots::{cdf_chart_log, cdf_points, Labels, Series};

use crate::cli::ExperimentArgs;
use crate::Failure;

const ONE_WAY: Duration = Duration::from_micros(7_500);
const COMMANDS: u64 = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    WaitForLeader,
    Commit { left: u64 },
    Rejoin,
    WaitToCrash,
    Crashed { at: Time },
    Done,
}

/// Makes the log shapes, then crashes the leader and waits for the next one.
struct Trial {
    heartbeat: Duration,
    phase: Phase,
    leader: Option<NodeId>,
    behind: Vec<NodeId>,
    seq: u64,
    took: Option<Duration>,
}

const WAKE_REJOIN: u64 = 1;
const WAKE_CRASH: u64 = 2;

impl Trial {
    fn submit(&mut self, dx: &mut DriverContext) {
        self.seq += 1;
        let command = Command { client: 0, seq: self.seq, op: KvOp::Put { key: 0, value: self.seq.to_string() } };
        dx.submit(self.leader.expect("known"), ClientOp::Submit(command));
    }
}

impl Driver for Trial {
    fn start(&mut self, _dx: &mut DriverContext) {}

    fn on_event(&mut self, dx: &mut DriverContext, event: &Event) {
        let EventKind::Observed(Observation::Leader { leader, .. }) = event.kind else { return };
        if leader != event.node {
            return;
        }
        match self.phase {
            Phase::WaitForLeader => {
                self.leader = Some(leader);
                // Two followers go down while commands commit: their logs fall behind.
                self.behind = (0..5u32).map(NodeId).filter(|n| *n != leader).take(2).collect();
                for node in self.behind.clone() {
                    dx.crash(node);
                }
                self.phase = Phase::Commit { left: COMMANDS };
                self.submit(dx);
            }
            Phase::Crashed { at } if Some(leader) != self.leader => {
                self.took = Some(event.time - at);
                self.phase = Phase::Done;
            }
            _ => {}
        }
    }

    fn on_reply(&mut self, dx: &mut DriverContext, _node: NodeId, reply: &harness::ClientReply) {
        if let (Phase::Commit { left }, harness::ReplyOutcome::Ok(_)) = (self.phase, &reply.outcome) {
            if left > 1 {
                self.phase = Phase::Commit { left: left - 1 };
                self.submit(dx);
            } else {
                self.phase = Phase::Rejoin;
                dx.wake_after(Duration::ZERO, WAKE_REJOIN);
            }
        }
    }

    fn on_wake(&mut self, dx: &mut DriverContext, token: u64) {
        match (token, self.phase) {
            (WAKE_REJOIN, Phase::Rejoin) => {
                for node in self.behind.clone() {
                    dx.restart(node);
                }
                let delay = Duration::from_nanos(dx.rng().random_range(0..self.heartbeat.as_nanos() as u64));
                self.phase = Phase::WaitToCrash;
                dx.wake_after(delay, WAKE_CRASH);
            }
            (WAKE_CRASH, Phase::WaitToCrash) => {
                dx.crash(self.leader.expect("known"));
                self.phase = Phase::Crashed { at: dx.now() };
            }
            _ => {}
        }
    }

    fn finished(&self) -> bool {
        self.phase == Phase::Done
    }
}

/// One trial: the time from the leader's crash to the next leader, or `None` if none came.
fn trial(range: (Duration, Duration), seed: u64) -> Option<Duration> {
    let heartbeat = range.0 / 2;
    let config = RaftConfig { election_timeout: range, heartbeat, ..RaftConfig::default() };
    let driver = Trial { heartbeat, phase: Phase::WaitForLeader, leader: None, behind: Vec::new(), seq: 0, took: None };
    let setup = RunSetup::<Raft> {
        config,
        nodes: 5,
        seed,
        network: NetworkConfig::reliable(Latency::constant(ONE_WAY)),
        faults: FaultPlan::default(),
        driver: Box::new(driver),
        time_limit: Duration::from_secs(60),
        monitor: None,
    };
    let outcome = Simulation::new(setup).run();
    // The driver is gone with the simulation; read the answer back from the history.
    let crash = outcome.history.events.iter().rev().find(|e| e.kind == EventKind::Crashed)?;
    let next = outcome.history.events.iter().find(|e| {
        e.time > crash.time
            && matches!(e.kind, EventKind::Observed(Observation::Leader { leader, .. }) if leader == e.node && leader != crash.node)
    })?;
    Some(next.time - crash.time)
}

fn parse_range(text: &str) -> Result<(Duration, Duration), String> {
    let (low, high) = text.split_once('-').ok_or_else(|| format!("`{text}` is not a range like 150-300"))?;
    let ms = |s: &str| s.trim().parse::<u64>().map_err(|_| format!("`{s}` is not a number of milliseconds"));
    let (low, high) = (ms(low)?, ms(high)?);
    if low == 0 || high < low {
        return Err(format!("`{text}`: need 0 < low <= high (milliseconds)"));
    }
    Ok((Duration::from_millis(low), Duration::from_millis(high)))
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Runs the study and writes the CDF plot; returns the table.
pub fn election_timeouts(args: &ExperimentArgs) -> Result<String, Failure> {
    if args.trials == 0 {
        return Err(Failure::Usage("trials: must be at least 1 (got 0)".into()));
    }
    let ranges: Vec<(String, (Duration, Duration))> = args
        .ranges
        .iter()
        .map(|r| parse_range(r).map(|d| (r.clone(), d)).map_err(|e| Failure::Usage(format!("ranges: {e}"))))
        .collect::<Result<_, _>>()?;
    let mut table = format!(
        "{:>10} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7}\n",
        "timeout", "trials", "min", "median", "mean", "p95", "p99", "max", "failed"
    );
    let mut series = Vec::new();
    for (i, (name, range)) in ranges.iter().enumerate() {
        let results: Vec<Option<Duration>> =
            (1..=args.trials).into_par_iter().map(|seed| trial(*range, seed)).collect();
        let mut ms: Vec<f64> = results.iter().flatten().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(|a, b| a.total_cmp(b));
        let failed = results.len() - ms.len();
        if ms.is_empty() {
            table.push_str(&format!(
                "{name:>10} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7}\n",
                0, "-", "-", "-", "-", "-", "-", failed
            ));
            continue;
        }
        let mean = ms.iter().sum::<f64>() / ms.len() as f64;
        table.push_str(&format!(
            "{name:>10} {:>7} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>7}\n",
            ms.len(),
            ms[0],
            percentile(&ms, 0.5),
            mean,
            percentile(&ms, 0.95),
            percentile(&ms, 0.99),
            ms[ms.len() - 1],
            failed
        ));
        series.push(Series { name: format!("{name} ms"), points: cdf_points(&ms), dashed: false, color: i });
    }
    std::fs::create_dir_all(&args.out).map_err(|e| Failure::Run(format!("{}: {e}", args.out.display())))?;
    let labels = Labels {
        title: "Raft: time to elect a new leader after a crash (5 servers, 15 ms broadcast)",
        x: "milliseconds without a leader (log scale)",
        y: "cumulative fraction of trials",
    };
    let files =
        cdf_chart_log(&Path::new(&args.out).join("election_timeouts"), &labels, &series).map_err(Failure::Run)?;
    table.push_str(&format!("plot: {}\n", files[0].display()));
    Ok(table)
}
