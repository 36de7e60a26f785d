//! Scenario files: a run described in TOML.
//!
//! ```toml
//! algorithm = "bully"          # required unless given on the command line
//! nodes = 8
//! runtime = "sim"              # or "threads"
//! seed = 7
//! ops = 1                      # and/or duration = "2s"
//! variant = "collect"
//!
//! [network]
//! latency = "uniform:1ms-5ms"  # as --latency
//! drop = 0.01
//! duplicate = 0.0
//! reorder = false
//!
//! [workload]
//! load = "heavy"               # mutex: light | heavy
//! hold = "1ms"                 # mutex
//! think = "2ms"                # mutex
//! initiator = "4"              # election: lowest | highest | random | all | detection | an id
//! pause = "100ms"              # election
//! clients = 3                  # replication
//! keys = 5                     # replication
//! client_timeout = "300ms"     # replication
//! client_think = "0ms"         # replication
//!
//! [[fault]]                    # any number; `until` undoes the fault
//! at = "0ms"
//! crash = 7                    # or restart = N, partition = [[0, 1], [2, 3]],
//!                              # bridge = { left = [0, 1], via = 2, right = [3, 4] },
//!                              # cut = { from = 0, to = 1 }, slow = { node = 3, extra = "5ms" },
//!                              # lossy = { drop = 0.2, duplicate = 0.1, reorder = true },
//!                              # heal = true
//! ```
//!
//! Unknown keys and wrong types are errors naming the key and its line.

use std::path::Path;

use harness::{parse_duration, Fault, NodeId, RunSpec, TimedFault};
use serde::Deserialize;

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub algorithm: Option<String>,
    nodes: Option<usize>,
    runtime: Option<String>,
    seed: Option<u64>,
    ops: Option<u64>,
    duration: Option<String>,
    variant: Option<String>,
    max_events: Option<u64>,
    network: Option<NetworkSection>,
    workload: Option<WorkloadSection>,
    #[serde(default)]
    fault: Vec<FaultEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworkSection {
    latency: Option<String>,
    drop: Option<f64>,
    duplicate: Option<f64>,
    reorder: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkloadSection {
    load: Option<String>,
    hold: Option<String>,
    think: Option<String>,
    initiator: Option<String>,
    pause: Option<String>,
    clients: Option<u32>,
    keys: Option<u32>,
    client_timeout: Option<String>,
    client_think: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultEntry {
    at: String,
    until: Option<String>,
    crash: Option<u32>,
    restart: Option<u32>,
    partition: Option<Vec<Vec<u32>>>,
    bridge: Option<BridgeEntry>,
    cut: Option<CutEntry>,
    slow: Option<SlowEntry>,
    lossy: Option<LossyEntry>,
    heal: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LossyEntry {
    #[serde(default)]
    drop: f64,
    #[serde(default)]
    duplicate: f64,
    #[serde(default)]
    reorder: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BridgeEntry {
    left: Vec<u32>,
    via: u32,
    right: Vec<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CutEntry {
    from: u32,
    to: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlowEntry {
    node: u32,
    extra: String,
}

/// Reads and parses a scenario file; errors name the file, the key and the line.
pub fn load(path: &Path) -> Result<ScenarioFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses scenario text.
pub fn parse(text: &str) -> Result<ScenarioFile, String> {
    toml::from_str(text).map_err(|e| {
        // toml explains over several lines with a caret; keep it on one.
        let message = e.message().to_string();
        match e.span() {
            Some(span) => {
                let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                format!("line {line}: {message}")
            }
            None => message,
        }
    })
}

fn field<T>(key: &str, result: Result<T, String>) -> Result<T, String> {
    result.map_err(|e| format!("{key}: {e}"))
}

impl ScenarioFile {
    /// Writes the file's settings over `spec`.
    pub fn apply(&self, spec: &mut RunSpec) -> Result<(), String> {
        if let Some(nodes) = self.nodes {
            spec.nodes = nodes;
        }
        if let Some(runtime) = &self.runtime {
            spec.runtime = field("runtime", runtime.parse())?;
        }
        if let Some(seed) = self.seed {
            spec.seed = seed;
        }
        if self.ops.is_some() {
            spec.ops = self.ops;
        }
        if let Some(duration) = &self.duration {
            spec.duration = Some(field("duration", parse_duration(duration))?);
        }
        if self.variant.is_some() {
            spec.variant = self.variant.clone();
        }
        if self.max_events.is_some() {
            spec.max_events = self.max_events;
        }
        if let Some(network) = &self.network {
            if let Some(latency) = &network.latency {
                spec.network.latency = field("network.latency", latency.parse())?;
            }
            if let Some(drop) = network.drop {
                spec.network.drop = drop;
            }
            if let Some(duplicate) = network.duplicate {
                spec.network.duplicate = duplicate;
            }
            if let Some(reorder) = network.reorder {
                spec.network.reorder = reorder;
            }
        }
        if let Some(workload) = &self.workload {
            if let Some(load) = &workload.load {
                spec.workload.load = field("workload.load", load.parse())?;
            }
            if let Some(hold) = &workload.hold {
                spec.workload.hold = field("workload.hold", parse_duration(hold))?;
            }
            if let Some(think) = &workload.think {
                spec.workload.think = field("workload.think", parse_duration(think))?;
            }
            if let Some(initiator) = &workload.initiator {
                spec.workload.initiator = field("workload.initiator", initiator.parse())?;
            }
            if let Some(pause) = &workload.pause {
                spec.workload.pause = field("workload.pause", parse_duration(pause))?;
            }
            if let Some(clients) = workload.clients {
                spec.workload.clients = clients;
            }
            if let Some(keys) = workload.keys {
                spec.workload.keys = keys;
            }
            if let Some(timeout) = &workload.client_timeout {
                spec.workload.client_timeout = field("workload.client_timeout", parse_duration(timeout))?;
            }
            if let Some(think) = &workload.client_think {
                spec.workload.client_think = field("workload.client_think", parse_duration(think))?;
            }
        }
        if !self.fault.is_empty() {
            spec.faults.faults = self.fault.iter().enumerate().map(|(i, f)| f.to_fault(i)).collect::<Result<_, _>>()?;
        }
        Ok(())
    }
}

impl FaultEntry {
    fn to_fault(&self, index: usize) -> Result<TimedFault, String> {
        let key = |name: &str| format!("fault[{index}].{name}");
        let at = field(&key("at"), parse_duration(&self.at))?;
        let until = match &self.until {
            Some(until) => Some(field(&key("until"), parse_duration(until))?),
            None => None,
        };
        let mut kinds = Vec::new();
        if let Some(node) = self.crash {
            kinds.push(Fault::Crash { node: NodeId(node) });
        }
        if let Some(node) = self.restart {
            kinds.push(Fault::Restart { node: NodeId(node) });
        }
        if let Some(groups) = &self.partition {
            kinds.push(Fault::Partition {
                groups: groups.iter().map(|g| g.iter().map(|n| NodeId(*n)).collect()).collect(),
            });
        }
        if let Some(bridge) = &self.bridge {
            let ids = |side: &[u32]| side.iter().map(|n| NodeId(*n)).collect();
            kinds.push(Fault::Bridge { left: ids(&bridge.left), via: NodeId(bridge.via), right: ids(&bridge.right) });
        }
        if let Some(cut) = &self.cut {
            kinds.push(Fault::Cut { from: NodeId(cut.from), to: NodeId(cut.to) });
        }
        if let Some(slow) = &self.slow {
            let extra = field(&key("slow.extra"), parse_duration(&slow.extra))?;
            kinds.push(Fault::Slow { node: NodeId(slow.node), extra });
        }
        if let Some(lossy) = &self.lossy {
            let per_mille = |name: &str, p: f64| field(&key(name), harness::parse_per_mille(&p.to_string()));
            kinds.push(Fault::Lossy(harness::Lossiness {
                drop_per_mille: per_mille("lossy.drop", lossy.drop)?,
                duplicate_per_mille: per_mille("lossy.duplicate", lossy.duplicate)?,
                reorder: lossy.reorder,
            }));
        }
        if self.heal == Some(true) {
            kinds.push(Fault::Heal);
        }
        match kinds.len() {
            1 => Ok(TimedFault { at, until, fault: kinds.remove(0) }),
            0 => Err(format!("fault[{index}]: needs one of crash, restart, partition, bridge, cut, slow, lossy, heal")),
            _ => Err(format!(
                "fault[{index}]: has more than one of crash, restart, partition, bridge, cut, slow, lossy, heal"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_file_sets_every_field() {
        let text = r#"
algorithm = "bully"
nodes = 8
runtime = "threads"
seed = 9
ops = 3
duration = "2s"
variant = "bug-lower-id-wins"
[network]
latency = "exp:2ms"
drop = 0.1
duplicate = 0.05
reorder = true
[workload]
initiator = "4"
pause = "50ms"
[[fault]]
at = "0ms"
crash = 7
[[fault]]
at = "1s"
until = "2s"
partition = [[0, 1], [2, 3]]
[[fault]]
at = "1s"
cut = { from = 0, to = 1 }
[[fault]]
at = "1s"
until = "2s"
bridge = { left = [0, 1], via = 2, right = [3, 4] }
[[fault]]
at = "0ms"
slow = { node = 3, extra = "5ms" }
[[fault]]
at = "1s"
until = "1500ms"
lossy = { drop = 0.25, reorder = true }
"#;
        let file = parse(text).unwrap();
        let mut spec = RunSpec::default();
        file.apply(&mut spec).unwrap();
        assert_eq!(file.algorithm.as_deref(), Some("bully"));
        assert_eq!((spec.nodes, spec.seed, spec.ops), (8, 9, Some(3)));
        assert_eq!(spec.runtime, harness::RuntimeKind::Threads);
        assert_eq!(spec.network.drop, 0.1);
        assert!(spec.network.reorder);
        assert_eq!(spec.workload.initiator, harness::Initiator::Node(4));
        let faults: Vec<String> = spec.faults.faults.iter().map(|f| f.to_string()).collect();
        assert_eq!(
            faults,
            [
                "crash:7@0ms",
                "partition:0,1|2,3@1s..2s",
                "cut:0->1@1s",
                "bridge:0,1|2|3,4@1s..2s",
                "slow:3+5ms@0ms",
                "lossy:drop=0.25,dup=0,reorder@1s..1500ms"
            ]
        );
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_the_key_and_line() {
        let unknown = parse("nodes = 3\n\n[network]\nlatencyy = \"1ms\"\n").unwrap_err();
        assert!(unknown.contains("line 4") && unknown.contains("latencyy"), "{unknown}");
        let wrong = parse("nodes = \"five\"\n").unwrap_err();
        assert!(wrong.contains("line 1") && wrong.contains("string"), "{wrong}");
        let bad_value = parse("[workload]\nhold = \"soon\"\n").unwrap();
        let err = bad_value.apply(&mut RunSpec::default()).unwrap_err();
        assert!(err.starts_with("workload.hold:"), "{err}");
        let no_kind = parse("[[fault]]\nat = \"1ms\"\n").unwrap();
        assert!(no_kind.apply(&mut RunSpec::default()).unwrap_err().contains("fault[0]: needs one of"));
    }
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The scenario file that replays `spec` for `algorithm` exactly (every setting written out).
pub fn to_toml(algorithm: &str, spec: &RunSpec, comment: &str) -> String {
    use harness::format_duration as d;
    let mut out = String::new();
    for line in comment.lines() {
        out.push_str(&format!("# {line}\n"));
    }
    out.push_str(&format!(
        "algorithm = {}\nnodes = {}\nruntime = \"{}\"\nseed = {}\n",
        quoted(algorithm),
        spec.nodes,
        spec.runtime,
        spec.seed
    ));
    if let Some(ops) = spec.ops {
        out.push_str(&format!("ops = {ops}\n"));
    }
    if let Some(duration) = spec.duration {
        out.push_str(&format!("duration = \"{}\"\n", d(duration)));
    }
    if let Some(variant) = &spec.variant {
        out.push_str(&format!("variant = {}\n", quoted(variant)));
    }
    if let Some(max_events) = spec.max_events {
        out.push_str(&format!("max_events = {max_events}\n"));
    }
    let n = &spec.network;
    out.push_str(&format!(
        "\n[network]\nlatency = \"{}\"\ndrop = {:?}\nduplicate = {:?}\nreorder = {}\n",
        n.latency, n.drop, n.duplicate, n.reorder
    ));
    let w = &spec.workload;
    let load = match w.load {
        harness::MutexLoad::Light => "light",
        harness::MutexLoad::Heavy => "heavy",
    };
    let initiator = match w.initiator {
        harness::Initiator::Detection => "detection".to_string(),
        harness::Initiator::Lowest => "lowest".to_string(),
        harness::Initiator::Highest => "highest".to_string(),
        harness::Initiator::Random => "random".to_string(),
        harness::Initiator::All => "all".to_string(),
        harness::Initiator::Node(id) => id.to_string(),
    };
    out.push_str(&format!(
        "\n[workload]\nload = \"{load}\"\nhold = \"{}\"\nthink = \"{}\"\ninitiator = \"{initiator}\"\npause = \"{}\"\nclients = {}\nkeys = {}\nclient_timeout = \"{}\"\nclient_think = \"{}\"\n",
        d(w.hold),
        d(w.think),
        d(w.pause),
        w.clients,
        w.keys,
        d(w.client_timeout),
        d(w.client_think)
    ));
    for fault in &spec.faults.faults {
        out.push_str(&format!("\n[[fault]]\nat = \"{}\"\n", d(fault.at)));
        if let Some(until) = fault.until {
            out.push_str(&format!("until = \"{}\"\n", d(until)));
        }
        let ids = |g: &[harness::NodeId]| g.iter().map(|n| n.0.to_string()).collect::<Vec<_>>().join(", ");
        out.push_str(&match &fault.fault {
            Fault::Crash { node } => format!("crash = {}\n", node.0),
            Fault::Restart { node } => format!("restart = {}\n", node.0),
            Fault::Partition { groups } => {
                format!(
                    "partition = [{}]\n",
                    groups.iter().map(|g| format!("[{}]", ids(g))).collect::<Vec<_>>().join(", ")
                )
            }
            Fault::Bridge { left, via, right } => {
                format!("bridge = {{ left = [{}], via = {}, right = [{}] }}\n", ids(left), via.0, ids(right))
            }
            Fault::Cut { from, to } => format!("cut = {{ from = {}, to = {} }}\n", from.0, to.0),
            Fault::Slow { node, extra } => format!("slow = {{ node = {}, extra = \"{}\" }}\n", node.0, d(*extra)),
            Fault::Lossy(l) => {
                format!("lossy = {{ drop = {}, duplicate = {}, reorder = {} }}\n", l.drop(), l.duplicate(), l.reorder)
            }
            Fault::Heal => "heal = true\n".to_string(),
        });
    }
    out
}

#[cfg(test)]
mod round_trip {
    use super::*;

    #[test]
    fn a_written_scenario_reads_back_as_the_same_spec() {
        let mut spec = RunSpec {
            nodes: 5,
            seed: 77,
            ops: Some(40),
            duration: Some(std::time::Duration::from_secs(7)),
            ..RunSpec::default()
        };
        spec.variant = Some("batch".into());
        spec.max_events = Some(1_000_000);
        spec.network.latency = "exp:2ms,floor=1ms".parse().unwrap();
        spec.network.drop = 0.05;
        spec.workload.initiator = harness::Initiator::Node(3);
        for text in [
            "crash:2@100ms..300ms",
            "partition:0,1|2,3,4@1s..2s",
            "cut:0->1@1s..1500ms",
            "bridge:0|1|2,3,4@1s..2s",
            "slow:3+5ms@0ms..1s",
            "lossy:drop=0.125,dup=0.05@1s..2s",
            "heal@2s",
        ] {
            spec.faults.faults.push(text.parse().unwrap());
        }
        let text = to_toml("raft", &spec, "a comment");
        let file = parse(&text).unwrap();
        let mut back = RunSpec::default();
        file.apply(&mut back).unwrap();
        assert_eq!(file.algorithm.as_deref(), Some("raft"));
        assert_eq!(back, spec, "{text}");
    }
}

#[cfg(test)]
mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

        /// Any text is read or rejected; anything read applies or is rejected.
        #[test]
        fn scenario_text_is_read_or_rejected(text in "(\\PC|\\n){0,200}") {
            if let Ok(file) = parse(&text) {
                let _ = file.apply(&mut RunSpec::default());
            }
        }

        /// Well-formed TOML with the real keys and wild values.
        #[test]
        fn real_keys_with_wild_values(nodes in any::<i64>(), drop in any::<f64>(), at in "\\PC{0,12}", crash in any::<i64>()) {
            let text = format!(
                "algorithm = \"raft\"\nnodes = {nodes}\n[network]\ndrop = {drop:?}\n[[fault]]\nat = \"{}\"\ncrash = {crash}\n",
                at.replace(['\\', '"'], "")
            );
            if let Ok(file) = parse(&text) {
                let mut spec = RunSpec::default();
                if file.apply(&mut spec).is_ok() {
                    let _ = spec.validate();
                }
            }
        }
    }
}
