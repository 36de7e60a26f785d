//! The command line as a run description: flags overlay a [`RunSpec`] key by key, and a spec is
//! written back as the command that reproduces it.
//!
//! A flag is named after the key it sets (`--client-timeout` sets `workload.client_timeout`):
//! the overlay serializes the flags given, finds each key where it lives in the spec's own
//! serialized form, and reads the spec back, so the spec's serde definition is the only list of
//! keys and a new key needs only its flag. The few flags that are not plain keys are handled
//! here by name: `--fault` (replaces the plan), `--param` (merges into `params`), `--variant
//! default`, and the keys `compare` sweeps (`--nodes`, `--runtime`, `--clients`, `--think`).

use harness::{RunSpec, RuntimeKind};
use serde_json::{Map, Value};

use crate::cli::RunFlags;
use crate::Failure;

/// The values of the keys `compare` sweeps; `run` and `check` take one each.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Axes {
    pub nodes: Vec<usize>,
    pub runtime: Vec<RuntimeKind>,
    pub clients: Vec<u32>,
    pub think: Vec<std::time::Duration>,
}

impl RunFlags {
    /// The swept keys as given.
    pub fn axes(&self) -> Axes {
        Axes {
            nodes: self.nodes.clone(),
            runtime: self.runtime.clone(),
            clients: self.clients.clone(),
            think: self.think.clone(),
        }
    }

    /// Writes every flag given over `spec`; the swept keys must have one value each.
    pub fn apply(&self, spec: &mut RunSpec) -> Result<(), Failure> {
        let one = |name: &str, count: usize| {
            if count > 1 {
                Err(Failure::Usage(format!("{name}: takes one value here (`compare` sweeps a list)")))
            } else {
                Ok(())
            }
        };
        one("nodes", self.nodes.len())?;
        one("runtime", self.runtime.len())?;
        one("clients", self.clients.len())?;
        one("think", self.think.len())?;
        self.apply_except_axes(spec)?;
        if let Some(nodes) = self.nodes.first() {
            spec.nodes = *nodes;
        }
        if let Some(runtime) = self.runtime.first() {
            spec.runtime = *runtime;
        }
        if let Some(clients) = self.clients.first() {
            spec.workload.clients = *clients;
        }
        if let Some(think) = self.think.first() {
            spec.workload.think = *think;
        }
        Ok(())
    }

    /// Writes every flag but the swept keys over `spec`.
    pub fn apply_except_axes(&self, spec: &mut RunSpec) -> Result<(), Failure> {
        let given = serde_json::to_value(self).expect("flags serialize");
        let Value::Object(given) = given else { unreachable!("flags are a struct") };
        let mut tree = serde_json::to_value(&*spec).expect("specs serialize");
        for (key, value) in given {
            let slot =
                find_key(&mut tree, &key).unwrap_or_else(|| panic!("--{key} names no key of the run description"));
            *slot = value;
        }
        *spec = serde_json::from_value(tree).map_err(|e| Failure::Usage(e.to_string()))?;
        if let Some(variant) = &self.variant {
            // `default` undoes a scenario file's variant: the algorithm as published.
            spec.variant = Some(variant.clone()).filter(|v| v != "default");
        }
        if !self.faults.is_empty() {
            spec.faults.faults = self.faults.clone();
        }
        for (key, value) in &self.params {
            spec.params.insert(key.clone(), value.clone());
        }
        Ok(())
    }
}

impl RunFlags {
    /// The flags as given, as command-line words (for the command that reproduces a report).
    pub fn to_args(&self) -> Vec<String> {
        let mut words = Vec::new();
        for path in &self.scenario {
            words.push(format!("--scenario {}", shell_word(&path.display().to_string())));
        }
        let list = |values: Vec<String>| values.join(",");
        if !self.nodes.is_empty() {
            words.push(format!("--nodes {}", list(self.nodes.iter().map(|n| n.to_string()).collect())));
        }
        if !self.runtime.is_empty() {
            words.push(format!("--runtime {}", list(self.runtime.iter().map(|r| r.to_string()).collect())));
        }
        if !self.clients.is_empty() {
            words.push(format!("--clients {}", list(self.clients.iter().map(|c| c.to_string()).collect())));
        }
        if let Some(variant) = &self.variant {
            words.push(format!("--variant {}", shell_word(variant)));
        }
        let Value::Object(given) = serde_json::to_value(self).expect("flags serialize") else { unreachable!() };
        for (key, value) in given {
            let flag = format!("--{}", key.replace('_', "-"));
            match value {
                Value::Bool(true) if key == "reorder" => words.push(flag),
                value => words.push(format!("{flag} {}", shell_word(&scalar(&value)))),
            }
        }
        for fault in &self.faults {
            words.push(format!("--fault {}", shell_word(&fault.to_string())));
        }
        for (key, value) in &self.params {
            words.push(format!("--param {}", shell_word(&format!("{key}={value}"))));
        }
        words
    }
}

impl RunFlags {
    /// Workload flags given for a family other than `family` (they would change nothing).
    pub fn foreign_knobs(&self, family: harness::Family) -> Vec<&'static str> {
        use harness::Family::*;
        let knobs: [(&'static str, harness::Family, bool); 14] = [
            ("load", Mutex, self.load.is_some()),
            ("hold", Mutex, self.hold.is_some()),
            ("think", Mutex, !self.think.is_empty()),
            ("initiator", Election, self.initiator.is_some()),
            ("pause", Election, self.pause.is_some()),
            ("crash-leader", Election, self.crash_leader.is_some()),
            ("clients", Replication, !self.clients.is_empty()),
            ("keys", Replication, self.keys.is_some()),
            ("client-timeout", Replication, self.client_timeout.is_some()),
            ("client-think", Replication, self.client_think.is_some()),
            ("read-share", Replication, self.read_share.is_some()),
            ("key-skew", Replication, self.key_skew.is_some()),
            ("value-size", Replication, self.value_size.is_some()),
            ("arrival-rate", Replication, self.arrival_rate.is_some()),
        ];
        knobs.iter().filter(|(_, owner, given)| *given && *owner != family).map(|(name, _, _)| *name).collect()
    }
}

/// The value of `key` in the spec tree: at the top, or in one of its sections.
fn find_key<'a>(tree: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    let Value::Object(top) = tree else { return None };
    if top.contains_key(key) {
        return top.get_mut(key);
    }
    top.values_mut().find_map(|section| match section {
        Value::Object(fields) if key != "params" => fields.get_mut(key),
        _ => None,
    })
}

/// Quotes `text` for a POSIX shell when it needs it.
pub fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.,:/=+@".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The flags that turn the default description into `spec` (every key that differs), in the
/// spec's key order; `skip` names keys the caller writes itself.
pub fn flags_of(spec: &RunSpec, skip: &[&str]) -> Vec<String> {
    let default = serde_json::to_value(RunSpec::default()).expect("specs serialize");
    let wanted = serde_json::to_value(spec).expect("specs serialize");
    let mut flags = Vec::new();
    let mut leaves = Vec::new();
    collect_leaves(&wanted, &default, &mut leaves);
    for (key, value, was) in leaves {
        if skip.contains(&key.as_str()) || value == was {
            continue;
        }
        let flag = format!("--{}", key.replace('_', "-"));
        match (key.as_str(), &value) {
            ("faults", Value::Array(faults)) => {
                for fault in faults {
                    flags.push(format!("--fault {}", shell_word(&scalar(fault))));
                }
            }
            ("params", Value::Object(params)) => {
                for (name, text) in params {
                    flags.push(format!("--param {}", shell_word(&format!("{name}={}", scalar(text)))));
                }
            }
            ("reorder", Value::Bool(true)) => flags.push(flag),
            ("variant", Value::Null) => flags.push("--variant default".to_string()),
            (_, Value::Null) => {}
            _ => flags.push(format!("{flag} {}", shell_word(&scalar(&value)))),
        }
    }
    flags
}

fn collect_leaves(wanted: &Value, default: &Value, out: &mut Vec<(String, Value, Value)>) {
    let (Value::Object(wanted), Value::Object(default)) = (wanted, default) else { return };
    let empty = Map::new();
    for (key, value) in wanted {
        let was = default.get(key).cloned().unwrap_or(Value::Null);
        match value {
            Value::Object(_) if key != "params" => {
                let inner = if let Value::Object(_) = &was { was.clone() } else { Value::Object(empty.clone()) };
                collect_leaves(value, &inner, out);
            }
            _ => out.push((key.clone(), value.clone(), was)),
        }
    }
}

/// `workbench run ALGO [flags]`: the command that reproduces `spec`'s run.
pub fn run_command(algorithm: &str, spec: &RunSpec) -> String {
    let mut words = vec![format!("{} run", crate::program()), shell_word(algorithm)];
    words.extend(flags_of(spec, &["algorithm"]));
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[derive(Debug, Parser)]
    struct Probe {
        #[command(flatten)]
        run: RunFlags,
    }

    fn flags(args: &[&str]) -> RunFlags {
        let mut all = vec!["probe"];
        all.extend_from_slice(args);
        Probe::try_parse_from(all).unwrap().run
    }

    #[test]
    fn every_flag_names_a_key_of_the_run_description() {
        let keys = serde_json::to_value(RunSpec::default()).unwrap();
        let special = ["scenario", "fault", "param", "variant", "nodes", "runtime", "clients"];
        for arg in Probe::command().get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            if special.contains(&long) {
                continue;
            }
            let key = long.replace('-', "_");
            let mut tree = keys.clone();
            assert!(find_key(&mut tree, &key).is_some(), "--{long} sets no key of RunSpec");
        }
    }

    #[test]
    fn flags_overlay_a_file_key_by_key() {
        let mut spec: RunSpec =
            toml::from_str("algorithm = \"raft\"\nseed = 4\nvariant = \"prevote\"\n[network]\ndrop = 0.01\n[workload]\nclients = 4\n[params]\nheartbeat = \"40ms\"\n")
                .unwrap();
        flags(&[
            "--latency",
            "uniform:1ms-3ms",
            "--clients",
            "8",
            "--client-timeout",
            "250ms",
            "--param",
            "detect=1s-2s",
            "--variant",
            "default",
        ])
        .apply(&mut spec)
        .unwrap();
        assert_eq!(spec.seed, 4, "untouched keys keep the file's value");
        assert_eq!(spec.network.drop, 0.01);
        assert_eq!(spec.network.latency.to_string(), "uniform:1ms-3ms");
        assert_eq!(spec.workload.clients, 8);
        assert_eq!(spec.workload.client_timeout, Some(std::time::Duration::from_millis(250)));
        assert_eq!(spec.params["heartbeat"], "40ms");
        assert_eq!(spec.params["detect"], "1s-2s");
        assert_eq!(spec.variant, None);
    }

    #[test]
    fn the_reproducing_command_parses_back_to_the_same_description() {
        let mut spec = RunSpec { algorithm: Some("raft".into()), ..RunSpec::default() };
        flags(&[
            "--nodes",
            "7",
            "--seed",
            "3",
            "--duration",
            "4s",
            "--reorder",
            "--drop",
            "0.1",
            "--fault",
            "partition:leader|rest@1s..2s",
            "--fault",
            "crash:0@3s",
            "--param",
            "detect=200ms-400ms",
            "--initiator",
            "highest",
            "--crash-leader",
            "false",
        ])
        .apply(&mut spec)
        .unwrap();
        let command = run_command("raft", &spec);
        assert!(command.contains("--fault 'partition:leader|rest@1s..2s'"), "{command}");
        let words: Vec<String> = shell_words(&command["workbench run raft ".len()..]);
        let mut back = RunSpec { algorithm: Some("raft".into()), ..RunSpec::default() };
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        flags(&refs).apply(&mut back).unwrap();
        assert_eq!(back, spec, "{command}");
    }

    /// Splits a command written by `shell_word` (single quotes only).
    fn shell_words(text: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut current = String::new();
        let mut quoted = false;
        for c in text.chars() {
            match c {
                '\'' => quoted = !quoted,
                ' ' if !quoted => {
                    if !current.is_empty() {
                        words.push(std::mem::take(&mut current));
                    }
                }
                c => current.push(c),
            }
        }
        if !current.is_empty() {
            words.push(current);
        }
        words
    }
}
