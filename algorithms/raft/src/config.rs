//! Raft's run configuration and variants.

use std::time::Duration;

use harness::{Settings, SpecError};

/// How the leader backs up `next_index` after a rejected AppendEntries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backoff {
    /// The paper's Figure 2: decrement by one and retry.
    Decrement,
    /// The optimisation §5.3 sketches: skip the whole conflicting term at once.
    ConflictTerm,
}

/// Run configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RaftConfig {
    /// Election timeouts are drawn uniformly from this range (§5.2).
    pub election_timeout: (Duration, Duration),
    pub heartbeat: Duration,
    pub backoff: Backoff,
    /// PreVote and CheckQuorum (Ongaro's thesis §9.6 and §6.2).
    pub prevote: bool,
    /// Pipelined replication: up to `max_in_flight` AppendEntries per follower, optimistic
    /// `next_index`.
    pub max_in_flight: u32,
    /// Entries per AppendEntries at most.
    pub max_batch: usize,
    /// Emit the log observations (appended, truncated, committed) the log checkers read (off in
    /// throughput benchmarks).
    pub observe_entries: bool,
    /// Reads skip the log: ReadIndex (dissertation §6.4).
    pub read_index: bool,
    /// Reads skip the log and the ReadIndex round while the leader holds a lease of this
    /// length, on its own clock, from the send time of what a majority last answered
    /// (dissertation §6.4.1; `lease`). Without a lease they take the ReadIndex way.
    pub lease: Option<Duration>,
    /// Log compaction (§7): a snapshot every this many applied entries (`snapshot_every`).
    pub snapshot_every: Option<u64>,
    /// Bytes of snapshot per InstallSnapshot chunk (`snapshot_chunk`).
    pub snapshot_chunk: usize,
    /// Every node of the run, spares included (`nodes + spare`): node ids are below it.
    pub hosts: usize,
    /// The configuration may change in this run (spare nodes, `add:` / `remove:` faults):
    /// servers ignore RequestVote within the shortest election timeout of hearing from a leader,
    /// and a leader ignores it, so a removed server cannot disrupt (dissertation §4.2.3).
    pub membership: bool,
    /// Membership changes go through a joint configuration (`joint`; paper §6).
    pub joint: bool,
    /// Teaching mutants.
    pub mutant: Option<Mutant>,
}

/// A bug a student might write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutant {
    /// Commit an entry of an earlier term by counting replicas (what Figure 8 warns against).
    CommitPreviousTerm,
    /// Grant a vote to every candidate that asks, even twice in one term.
    VoteTwice,
    /// Forget to persist `voted_for`, so a restart can vote again in the same term.
    ForgetVote,
    /// ReadIndex without waiting for an entry of the leader's own term to commit: a new leader's
    /// commit index may be behind what its predecessor committed, and the read is stale.
    ReadIndexEarly,
    /// A follower installs an InstallSnapshot older than its commit index, wholesale: it drops
    /// its log and rolls its state machine back to the snapshot.
    InstallOldSnapshot,
    /// The leader starts a membership change while the previous one is uncommitted: two
    /// single-server changes in flight can make two disjoint majorities.
    TwoChanges,
    /// The leader starts a membership change before it has committed an entry of its term (the
    /// bug in single-server changes Ongaro reported in 2015).
    ChangeBeforeOwnTerm,
    /// A server uses a configuration only once it knows it committed, not from its append.
    ConfigOnCommit,
}

impl Default for RaftConfig {
    fn default() -> Self {
        RaftConfig {
            election_timeout: (Duration::from_millis(150), Duration::from_millis(300)),
            heartbeat: Duration::from_millis(50),
            backoff: Backoff::Decrement,
            prevote: false,
            max_in_flight: 1,
            max_batch: 64,
            observe_entries: true,
            read_index: false,
            lease: None,
            snapshot_every: None,
            snapshot_chunk: 1024,
            hosts: 0,
            membership: false,
            joint: false,
            mutant: None,
        }
    }
}

/// The variants, as `workbench list` shows them.
pub const VARIANTS: &[(&str, &str)] = &[
    ("prevote", "PreVote and CheckQuorum: a partitioned node cannot disrupt the cluster"),
    ("batch", "pipelined replication: 16 AppendEntries in flight per follower, 1024 entries each"),
    ("fast-backup", "back next_index up a whole conflicting term at a time"),
    ("read-index", "reads skip the log: the leader confirms its leadership with a round, then reads its state machine"),
    (
        "lease",
        "reads skip the log while the leader holds a lease (a majority answered within the election timeout, shrunk by the clock-drift bound `drift_bound`); PreVote and CheckQuorum on",
    ),
    ("joint", "membership changes through a joint configuration C_old,new (paper §6) instead of one server at a time"),
    (
        "bug-two-changes",
        "teaching mutant: starts a membership change while the previous one is uncommitted (disjoint majorities)",
    ),
    (
        "bug-change-before-own-term",
        "teaching mutant: starts a membership change before committing an entry of its term",
    ),
    ("bug-config-on-commit", "teaching mutant: a configuration takes effect only once committed, not when appended"),
    (
        "bug-read-index-early",
        "teaching mutant: ReadIndex before the new leader committed an entry of its term (stale reads)",
    ),
    (
        "bug-install-old-snapshot",
        "teaching mutant: a follower installs a snapshot older than its commit index, dropping committed entries (use with --param snapshot_every=K)",
    ),
    ("bug-commit-previous-term", "teaching mutant: commits earlier-term entries by counting replicas"),
    ("bug-vote-twice", "teaching mutant: grants every vote request, even twice in a term"),
    ("bug-forget-vote", "teaching mutant: does not persist its vote"),
];

/// The largest `snapshot_every`.
pub const MAX_SNAPSHOT_EVERY: u64 = 1_000_000;

/// The largest `snapshot_chunk`, in bytes.
pub const MAX_SNAPSHOT_CHUNK: usize = 1 << 20;

/// How long a lease lasts on the leader's clock: the shortest election timeout, during which a
/// follower that answered refuses to vote, shrunk so that it still ends first in real time when
/// the leader's clock runs `drift_bound` percent slow and the follower's as much fast:
/// `timeout · (1 - ρ) / (1 + ρ)`.
pub fn lease_length(min_election_timeout: Duration, drift_bound: f64) -> Result<Duration, SpecError> {
    if !(0.0..50.0).contains(&drift_bound) {
        return Err(SpecError::field(
            "params.drift_bound",
            format!("the clock-drift bound is a percentage in [0, 50) (got {drift_bound})"),
        ));
    }
    let rho = drift_bound / 100.0;
    Ok(min_election_timeout.mul_f64((1.0 - rho) / (1.0 + rho)))
}

impl RaftConfig {
    /// The configuration for a run: the election timeout is the run's shared failure-detection
    /// range (by default max(150 ms, 10 round trips) to twice that: election timeout ≫ broadcast
    /// time, §5.6), the heartbeat a third of its low end (`heartbeat`); then the variant.
    pub fn for_settings<A: harness::Algorithm>(settings: &mut Settings) -> Result<Self, SpecError> {
        let mut config = RaftConfig::default();
        config.hosts = settings.nodes + settings.spare;
        config.membership = settings.membership_changes;
        config.election_timeout = settings.detect()?;
        config.heartbeat = settings.params.duration("heartbeat", config.election_timeout.0 / 3)?;
        let every: u64 = settings.params.get("snapshot_every", 0)?;
        if every > MAX_SNAPSHOT_EVERY {
            return Err(SpecError::field(
                "params.snapshot_every",
                format!("a snapshot every 1..={MAX_SNAPSHOT_EVERY} applied entries, or 0 for none (got {every})"),
            ));
        }
        config.snapshot_every = (every > 0).then_some(every);
        config.snapshot_chunk = settings.params.get("snapshot_chunk", config.snapshot_chunk)?;
        if !(16..=MAX_SNAPSHOT_CHUNK).contains(&config.snapshot_chunk) {
            return Err(SpecError::field(
                "params.snapshot_chunk",
                format!("a chunk is 16..={MAX_SNAPSHOT_CHUNK} bytes (got {})", config.snapshot_chunk),
            ));
        }
        match settings.variant::<A>()? {
            None => {}
            Some("prevote") => config.prevote = true,
            Some("batch") => {
                config.max_in_flight = 16;
                config.max_batch = 1024;
            }
            Some("fast-backup") => config.backoff = Backoff::ConflictTerm,
            Some("read-index") => config.read_index = true,
            Some("lease") => {
                config.prevote = true;
                config.read_index = true;
                config.lease = Some(lease_length(config.election_timeout.0, settings.params.get("drift_bound", 5.0)?)?);
            }
            Some("bug-read-index-early") => {
                config.read_index = true;
                config.mutant = Some(Mutant::ReadIndexEarly);
            }
            Some("joint") => config.joint = true,
            Some("bug-two-changes") => config.mutant = Some(Mutant::TwoChanges),
            Some("bug-change-before-own-term") => config.mutant = Some(Mutant::ChangeBeforeOwnTerm),
            Some("bug-config-on-commit") => config.mutant = Some(Mutant::ConfigOnCommit),
            Some("bug-install-old-snapshot") => config.mutant = Some(Mutant::InstallOldSnapshot),
            Some("bug-commit-previous-term") => config.mutant = Some(Mutant::CommitPreviousTerm),
            Some("bug-vote-twice") => config.mutant = Some(Mutant::VoteTwice),
            Some("bug-forget-vote") => config.mutant = Some(Mutant::ForgetVote),
            Some(other) => unreachable!("Settings::variant accepted {other}"),
        }
        Ok(config)
    }
}
