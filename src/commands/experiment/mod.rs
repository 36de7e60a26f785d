//! `workbench experiment election-timeouts`: the Raft paper's study of how long it takes to
//! elect a new leader after the old one crashes, for several randomized timeout ranges (Ongaro &
//! Ousterhout 2014, §9.3 and Figure 16).
//!
//! Set up as the paper did: 5 servers; a network delay so that a broadcast (a message to every
//! server and the answers) takes about 15 ms (one-way 7.5 ms); heartbeats every half minimum
//! timeout; logs such that some servers cannot win (two followers are down while commands
//! commit, then rejoin just before the crash, too late to catch up); and the leader crashed at a
//! uniformly random moment within a heartbeat interval. The paper's network had jitter (its
//! broadcast, a round trip and a disk write, took about 15 ms), so each one-way delay is drawn
//! uniformly from 7-8 ms (wider jitter makes 5 ms of timeout randomness split votes far more
//! often than the paper saw; 7-8 ms comes closest to its medians). Each trial is
//! one seeded simulation; the time measured runs from the crash to the first moment every live
//! server names the new leader (the paper: until the others received its first heartbeat). A
//! trial with no new leader within 60 s of simulated time is censored, not dropped: it counts in
//! every statistic as "longer than 60 s", and the CDF ends at the fraction that succeeded.

use std::path::Path;
use std::time::Duration;

use harness::kv::{Command, KvOp};
use harness::sim::Simulation;
use harness::{
    ClientOp, Driver, DriverContext, Event, EventKind, FaultPlan, Latency, LeaderView, NetworkConfig, NodeId,
    Observation, RunSetup, Time,
};
use raft::config::RaftConfig;
use raft::Raft;
use rand::Rng;
use rayon::prelude::*;
use reports::plots::{cdf_chart_log, cdf_points, Labels, Series};

use crate::cli::{ExperimentArgs, Format};
use crate::Failure;

mod stats;

use stats::{paper, RangeRow};

/// The one-way delay: uniform, averaging the paper's 7.5 ms (a 15 ms broadcast).
const ONE_WAY: &str = "uniform:7ms-8ms";
/// A trial with no new leader by then is censored.
const TRIAL_LIMIT: Duration = Duration::from_secs(60);
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
    view: LeaderView,
}

const WAKE_REJOIN: u64 = 1;
const WAKE_CRASH: u64 = 2;

impl Trial {
    /// Whether a server other than the crashed leader leads and every live server names it.
    fn new_leader_followed(&self) -> bool {
        let Some(leader) = self.view.leader().filter(|l| Some(*l) != self.leader) else { return false };
        (0..5u32)
            .map(NodeId)
            .filter(|n| self.view.is_alive(*n))
            .all(|n| self.view.named_by(n).map(|(_, l)| l) == Some(leader))
    }

    fn submit(&mut self, dx: &mut DriverContext) {
        self.seq += 1;
        let command = Command { client: 0, seq: self.seq, op: KvOp::Put { key: 0, value: self.seq.to_string() } };
        dx.submit(self.leader.expect("known"), ClientOp::submit(command));
    }
}

impl Driver for Trial {
    fn start(&mut self, _dx: &mut DriverContext) {}

    fn on_event(&mut self, dx: &mut DriverContext, event: &Event) {
        self.view.observe(event);
        if let Phase::Crashed { at } = self.phase {
            if self.new_leader_followed() {
                self.took = Some(event.time - at);
                self.phase = Phase::Done;
            }
            return;
        }
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
            Phase::Crashed { .. } => {}
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

/// One trial: the time from the leader's crash to the next followed leader, or `None` if none
/// came within the limit.
fn trial(range: (Duration, Duration), seed: u64) -> Option<Duration> {
    let heartbeat = range.0 / 2;
    let config = RaftConfig { election_timeout: range, heartbeat, ..RaftConfig::default() };
    let driver = Trial {
        heartbeat,
        phase: Phase::WaitForLeader,
        leader: None,
        behind: Vec::new(),
        seq: 0,
        took: None,
        view: LeaderView::new(5),
    };
    let setup = RunSetup::<Raft> {
        config,
        nodes: 5,
        spare: 0,
        seed,
        network: NetworkConfig::reliable(ONE_WAY.parse::<Latency>().expect("a valid latency")),
        faults: FaultPlan::default(),
        driver: Box::new(driver),
        time_limit: TRIAL_LIMIT,
        monitor: None,
        max_events: None,
        trace: false,
    };
    let outcome = Simulation::new(setup).run();
    // The driver is gone with the simulation; replay the history to read the answer back.
    let crash = outcome.history.events.iter().rposition(|e| e.kind == EventKind::Crashed)?;
    let crashed = outcome.history.events[crash].node;
    let at = outcome.history.events[crash].time;
    let mut replay = Trial {
        heartbeat,
        phase: Phase::Crashed { at },
        leader: Some(crashed),
        behind: Vec::new(),
        seq: 0,
        took: None,
        view: LeaderView::new(5),
    };
    for event in &outcome.history.events[..crash] {
        replay.view.observe(event);
    }
    let mut dx = DriverContext::new(harness::seeded_rng(seed, 0));
    for event in &outcome.history.events[crash..] {
        replay.on_event(&mut dx, event);
        if replay.took.is_some() {
            break;
        }
    }
    replay.took
}

/// Runs the study and writes the CDF plot; returns the table, JSON or CSV.
pub fn election_timeouts(args: &ExperimentArgs) -> Result<String, Failure> {
    if args.trials == 0 || args.trials > 100_000 {
        return Err(Failure::Usage(format!("trials: must be in 1..=100000 (got {})", args.trials)));
    }
    let ranges: Vec<(String, (Duration, Duration))> = args
        .ranges
        .iter()
        .map(|text| {
            harness::parse_range(&text.split('-').map(|ms| format!("{}ms", ms.trim())).collect::<Vec<_>>().join("-"))
                .map(|range| (text.clone(), range))
                .map_err(|e| {
                    Failure::Usage(format!("ranges: `{}`: {e} (milliseconds, LOW-HIGH)", harness::excerpt(text)))
                })
        })
        .collect::<Result<_, _>>()?;
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Failure::Usage(format!("out: cannot create {}: {e}", args.out.display())))?;
    let mut rows = Vec::new();
    let mut series = Vec::new();
    for (i, (name, range)) in ranges.iter().enumerate() {
        let results: Vec<Option<Duration>> =
            (1..=args.trials).into_par_iter().map(|seed| trial(*range, seed)).collect();
        let ms: Vec<f64> = results.iter().flatten().map(|d| d.as_secs_f64() * 1e3).collect();
        rows.push(RangeRow::of(name, &results, TRIAL_LIMIT));
        series.push(Series::plain(format!("{name} ms"), cdf_points(&ms, results.len()), false, i));
    }
    let labels = Labels {
        title: "Raft: time to elect a new leader after a crash (5 servers, 7-8 ms links; censored trials end each curve below 1)",
        x: "milliseconds without a leader (log scale)",
        y: "cumulative fraction of all trials",
    };
    let files =
        cdf_chart_log(&Path::new(&args.out).join("election_timeouts"), &labels, &series).map_err(Failure::Run)?;
    Ok(match args.format {
        Format::Json => serde_json::to_string(&rows).expect("rows serialize") + "\n",
        Format::Csv => stats::csv(&rows),
        Format::Table => stats::table(&rows) + &paper() + &format!("plot: {}\n", files[0].display()),
    })
}
