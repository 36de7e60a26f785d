//! The scenarios a comparison runs: the built-in set (steady state, then the faults each family
//! is measured under), or the ones the user describes (scenario files, or flags).

use std::time::Duration;

use harness::{Family, RunSpec};

use crate::cli::CompareArgs;
use crate::registry::Registry;
use crate::{scenario, Failure};

/// How long a run under a fault scenario lasts: the fault strikes at 1 s and (where it ends)
/// heals at 2 s, leaving 1 s to recover in.
pub const FAULT_RUN: Duration = Duration::from_secs(3);

/// Cluster sizes the steady scenario sweeps by default; fault scenarios run at the middle one.
pub const STEADY_NODES: [usize; 4] = [3, 5, 7, 9];
pub const FAULT_NODES: usize = 5;

/// One section of a comparison: a run description every selected algorithm of its families
/// runs under.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    /// One sentence for the report.
    pub about: String,
    /// The families it applies to.
    pub families: Vec<Family>,
    /// The description, algorithm and variant left out.
    pub spec: RunSpec,
    /// Whether it sweeps the cluster sizes by default (the steady scenario) or runs at one.
    pub sweeps_nodes: bool,
    /// One of the built-in set (not a file or flags the user gave).
    pub builtin: bool,
}

impl Scenario {
    fn builtin(
        name: &str,
        about: &str,
        families: &[Family],
        faults: &[&str],
        tweak: impl FnOnce(&mut RunSpec),
    ) -> Self {
        let mut spec = RunSpec::default();
        spec.faults.faults = faults.iter().map(|f| f.parse().expect("built-in faults parse")).collect();
        if !faults.is_empty() {
            spec.duration = Some(FAULT_RUN);
        }
        tweak(&mut spec);
        Scenario {
            name: name.into(),
            about: about.into(),
            families: families.to_vec(),
            sweeps_nodes: spec.faults.is_empty() && spec.duration.is_none(),
            builtin: true,
            spec,
        }
    }

    /// Whether the description has a fault plan (timeline and failure table in the report).
    pub fn has_faults(&self) -> bool {
        !self.spec.faults.is_empty()
    }
}

/// The built-in set: `steady` for every family; `leader-crash`, `leader-isolated` and `lossy`
/// for replication and elections; `slow-node` and `reordering` for mutexes (no loss, so nothing
/// merely stalls; Lamport's algorithm assumes FIFO links, and reordering shows it).
pub fn builtin() -> Vec<Scenario> {
    use Family::*;
    vec![
        Scenario::builtin(
            "steady",
            "no faults: message counts, latency and throughput as the cluster grows",
            &[Replication, Election, Mutex],
            &[],
            |_| {},
        ),
        Scenario::builtin(
            "leader-crash",
            "the leader crashes at 1 s and stays down",
            &[Replication, Election],
            &["crash:leader@1s"],
            |_| {},
        ),
        Scenario::builtin(
            "leader-isolated",
            "a partition cuts the leader off from everyone else from 1 s to 2 s",
            &[Replication, Election],
            &["partition:leader|rest@1s..2s"],
            |_| {},
        ),
        Scenario::builtin(
            "lossy",
            "from 1 s to 2 s every link loses 10%, duplicates 5% and reorders messages",
            &[Replication, Election],
            &["lossy:drop=0.1,dup=0.05,reorder@1s..2s"],
            |_| {},
        ),
        Scenario::builtin(
            "slow-node",
            "from 1 s to 2 s messages to and from node 1 take 20 ms longer",
            &[Mutex],
            &["slow:1+20ms@1s..2s"],
            |_| {},
        ),
        Scenario::builtin(
            "reordering",
            "links are not FIFO: messages on one link overtake each other (nothing is lost)",
            &[Mutex],
            &[],
            |spec| {
                spec.network.reorder = true;
                spec.duration = Some(FAULT_RUN);
            },
        ),
    ]
}

/// The scenarios the arguments ask for: the files given, or one described by the flags (when
/// they set faults or the network), or the built-in set.
pub fn selected(args: &CompareArgs, registry: &Registry) -> Result<Vec<Scenario>, Failure> {
    let flags = &args.run;
    let all = vec![Family::Replication, Family::Election, Family::Mutex];
    if !flags.scenario.is_empty() {
        return flags
            .scenario
            .iter()
            .map(|path| {
                let mut spec = scenario::load(path).map_err(Failure::Usage)?;
                flags.apply_except_axes(&mut spec)?;
                let name = path.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().to_string());
                let families = match spec.algorithm.as_deref() {
                    Some(name) => vec![registry.find(name).map_err(Failure::Usage)?.family],
                    None => all.clone(),
                };
                spec.algorithm = None;
                spec.variant = None;
                Ok(Scenario {
                    about: format!("{} (from {})", describe(&spec), path.display()),
                    name,
                    families,
                    sweeps_nodes: false,
                    builtin: false,
                    spec,
                })
            })
            .collect();
    }
    let custom = !flags.faults.is_empty()
        || flags.latency.is_some()
        || flags.drop.is_some()
        || flags.duplicate.is_some()
        || flags.reorder
        || flags.duration.is_some();
    if custom {
        let mut spec = RunSpec::default();
        flags.apply_except_axes(&mut spec)?;
        if !spec.faults.is_empty() && spec.duration.is_none() {
            spec.duration = Some(FAULT_RUN);
        }
        let name = if spec.faults.is_empty() { "custom".to_string() } else { "faults".to_string() };
        return Ok(vec![Scenario {
            name,
            about: describe(&spec),
            families: all,
            sweeps_nodes: spec.faults.is_empty() && spec.duration.is_none(),
            builtin: false,
            spec,
        }]);
    }
    let mut scenarios = builtin();
    for scenario in &mut scenarios {
        flags.apply_except_axes(&mut scenario.spec)?;
        if scenario.has_faults() || scenario.spec.network.reorder {
            // Fault scenarios run for their fixed duration, whatever `--ops` says.
            scenario.spec.ops = None;
            stretch(scenario);
        }
    }
    Ok(scenarios)
}

/// The built-in fault scenarios strike at 1 s and heal at 2 s of a 3 s run: time for a first
/// leader, and for a new one, on networks whose failure detection takes at most 300 ms (the
/// default). On a slower network (a WAN layout) every time is stretched by the same whole factor,
/// so a fault still strikes a running cluster and leaves it as long to recover.
fn stretch(scenario: &mut Scenario) {
    let detect = harness::Timing::of(&scenario.spec.network, harness::RuntimeKind::Sim).detect.1;
    let factor = detect.as_nanos().div_ceil(DETECT_COVERED.as_nanos()).max(1) as u32;
    if factor == 1 {
        return;
    }
    for fault in &mut scenario.spec.faults.faults {
        fault.at *= factor;
        fault.until = fault.until.map(|until| until * factor);
    }
    scenario.spec.duration = scenario.spec.duration.map(|d| d * factor);
    scenario.about = format!(
        "{} (times stretched {factor}x: failure detection takes up to {} on this network)",
        scenario.about,
        harness::format_duration(detect)
    );
}

/// The slowest failure detection the built-in fault times allow for as they are.
const DETECT_COVERED: Duration = Duration::from_millis(300);

/// One line on a description: its faults and network.
pub fn describe(spec: &RunSpec) -> String {
    let mut parts = Vec::new();
    if !spec.faults.is_empty() {
        let faults: Vec<String> = spec.faults.faults.iter().map(|f| f.to_string()).collect();
        parts.push(format!("faults {}", faults.join(", ")));
    }
    let n = &spec.network;
    parts.push(format!("latency {}", n.latency));
    if n.drop > 0.0 {
        parts.push(format!("drop {}", n.drop));
    }
    if n.duplicate > 0.0 {
        parts.push(format!("duplicate {}", n.duplicate));
    }
    if n.reorder {
        parts.push("reordering links".into());
    }
    if let Some(duration) = spec.duration {
        parts.push(format!("{} per run", harness::format_duration(duration)));
    }
    parts.join("; ")
}
