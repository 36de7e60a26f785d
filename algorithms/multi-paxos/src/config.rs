//! Multi-Paxos's run configuration and variants.

use std::time::Duration;

use harness::{Settings, SpecError};

/// Run configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultiPaxosConfig {
    /// A node that hears no leader for a time drawn from this range runs phase 1.
    pub election_timeout: (Duration, Duration),
    /// The leader's heartbeat period; also how long it waits before sending an unanswered Accept
    /// again.
    pub heartbeat: Duration,
    /// Promises that make a candidate leader, and acceptances that choose a value: a majority
    /// each, or Flexible Paxos's Q1 and Q2.
    pub quorums: Quorums,
    pub mutant: Option<Mutant>,
}

/// Phase-1 and phase-2 quorum sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quorums {
    pub phase1: usize,
    pub phase2: usize,
}

impl Quorums {
    /// A majority for both phases.
    pub fn majority(nodes: usize) -> Self {
        Quorums { phase1: nodes / 2 + 1, phase2: nodes / 2 + 1 }
    }

    /// The quorums of a run: a majority, or for `flexible` (and its mutant) Q2 from `q2`
    /// (default ⌊N/2⌋, at least 1) and Q1 from `q1` (default N - Q2 + 1, the smallest that meets
    /// every phase-2 quorum; the mutant takes N - Q2, which need not).
    pub fn of(nodes: usize, variant: Option<&str>, params: &mut harness::Params) -> Result<Self, SpecError> {
        let mutant = match variant {
            Some("flexible") => false,
            Some("bug-flexible-disjoint") => true,
            _ => return Ok(Quorums::majority(nodes)),
        };
        let q2: usize = params.get("q2", (nodes / 2).max(1))?;
        if q2 == 0 || q2 > nodes {
            return Err(SpecError::field("params.q2", format!("must be in 1..={nodes} (got {q2})")));
        }
        let fallback = if mutant { nodes - q2 } else { nodes - q2 + 1 };
        let q1: usize = params.get("q1", fallback)?;
        if q1 == 0 || q1 > nodes {
            return Err(SpecError::field("params.q1", format!("must be in 1..={nodes} (got {q1})")));
        }
        if !mutant && q1 + q2 <= nodes {
            return Err(SpecError::field(
                "params.q1",
                format!(
                    "q1 + q2 must exceed N so that every phase-1 quorum meets every phase-2 quorum (got {q1} + {q2} \
                     with N = {nodes})"
                ),
            ));
        }
        Ok(Quorums { phase1: q1, phase2: q2 })
    }

    /// Nodes that may be down with a leader still electable and commands still chosen.
    pub fn tolerated(&self, nodes: usize) -> usize {
        nodes.saturating_sub(self.phase1.max(self.phase2))
    }
}

/// A bug a student might write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutant {
    /// A new leader ignores the accepted values its promises report and fills every open slot
    /// with a no-op, overwriting values the previous leader may have had chosen.
    SkipRecovery,
}

impl Default for MultiPaxosConfig {
    fn default() -> Self {
        MultiPaxosConfig {
            election_timeout: (Duration::from_millis(150), Duration::from_millis(300)),
            heartbeat: Duration::from_millis(50),
            quorums: Quorums::majority(3),
            mutant: None,
        }
    }
}

/// The variants, as `workbench list` shows them.
pub const VARIANTS: &[(&str, &str)] = &[
    (
        "flexible",
        "Flexible Paxos: phase-2 quorum q2 (--param q2=K, default N/2), phase-1 quorum N-q2+1 (or --param q1)",
    ),
    ("bug-skip-recovery", "teaching mutant: a new leader skips phase-1 recovery, filling open slots with no-ops"),
    (
        "bug-flexible-disjoint",
        "teaching mutant: Flexible Paxos with q1 + q2 = N, so a new leader's promises may miss a chosen value",
    ),
];

impl MultiPaxosConfig {
    /// The configuration for a run: a follower runs phase 1 after hearing no leader for a time
    /// drawn from the run's shared failure-detection range (by default max(150 ms, 10 round
    /// trips) to twice that), the leader's heartbeat is a third of its low end (`heartbeat`);
    /// then the variant.
    pub fn for_settings<A: harness::Algorithm>(settings: &mut Settings) -> Result<Self, SpecError> {
        let mut config = MultiPaxosConfig::default();
        config.election_timeout = settings.detect()?;
        config.heartbeat = settings.params.duration("heartbeat", config.election_timeout.0 / 3)?;
        let variant = settings.variant::<A>()?;
        config.quorums = Quorums::of(settings.nodes, variant, &mut settings.params)?;
        match variant {
            None | Some("flexible") | Some("bug-flexible-disjoint") => {}
            Some("bug-skip-recovery") => config.mutant = Some(Mutant::SkipRecovery),
            Some(other) => unreachable!("Settings::variant accepted {other}"),
        }
        Ok(config)
    }
}
