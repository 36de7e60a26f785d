//! Every registered algorithm is held to the Node contract by the same tests, with no code per
//! algorithm: an algorithm added to the registry is covered the moment it is registered.

use std::process::{Command, Output};

use consensus_workbench::Registry;
use harness::RunSpec;

fn workbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_workbench")).args(args).output().expect("the binary runs")
}

fn spec(name: &str, seed: u64) -> RunSpec {
    RunSpec { algorithm: Some(name.to_string()), seed, ops: Some(12), ..RunSpec::default() }
}

#[test]
fn the_same_seed_gives_a_byte_identical_record() {
    for entry in Registry::builtin().all() {
        for seed in [1, 4864] {
            let record = |spec: &RunSpec| {
                let (record, _) = entry.run(spec).unwrap_or_else(|e| panic!("{}: {e}", entry.name));
                serde_json::to_string(&record).expect("a record serializes")
            };
            let first = record(&spec(entry.name, seed));
            assert_eq!(first, record(&spec(entry.name, seed)), "{} seed {seed}", entry.name);
        }
    }
}

#[test]
fn the_same_seed_gives_a_byte_identical_trace() {
    for entry in Registry::builtin().all() {
        let trace = || {
            let (_, outcome) = entry.run_traced(&spec(entry.name, 3)).unwrap_or_else(|e| panic!("{}: {e}", entry.name));
            let mut bytes = Vec::new();
            outcome.trace.expect("traced").write_jsonl(&mut bytes).unwrap();
            bytes
        };
        assert_eq!(trace(), trace(), "{}", entry.name);
    }
}

#[test]
fn one_node_either_runs_or_is_refused_naming_nodes() {
    for entry in Registry::builtin().all() {
        let output = workbench(&["run", entry.name, "--nodes", "1", "--ops", "5", "--format", "json"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        match output.status.code() {
            Some(0) => {
                let record: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a record");
                assert_eq!(record["nodes"], 1, "{}", entry.name);
            }
            Some(2) => assert!(stderr.starts_with("error: nodes:"), "{}: {stderr}", entry.name),
            other => panic!("{}: --nodes 1 exited {other:?}: {stderr}", entry.name),
        }
    }
}

#[test]
fn every_variant_is_configurable_and_every_mutant_changes_the_algorithm() {
    for entry in Registry::builtin().all() {
        for (variant, about) in entry.variants {
            assert!(!about.is_empty(), "{} --variant {variant} has no description", entry.name);
            let spec = RunSpec { variant: Some(variant.to_string()), ..spec(entry.name, 1) };
            (entry.prepare)(&spec).unwrap_or_else(|e| panic!("{} --variant {variant}: {e}", entry.name));
        }
        let unknown = RunSpec { variant: Some("no-such-variant".into()), ..spec(entry.name, 1) };
        let refused = (entry.prepare)(&unknown).expect_err("an unknown variant is refused").to_string();
        assert!(refused.contains("no-such-variant"), "{}: {refused}", entry.name);
    }
    // A mutant is caught by its campaign (tests/check.rs lists each with its seeds); this makes
    // sure none is left out of that list.
    let listed = include_str!("check.rs");
    for entry in Registry::builtin().all() {
        for (variant, _) in entry.variants.iter().filter(|(v, _)| v.starts_with("bug-")) {
            let row = format!("(\"{}\", \"{variant}\"", entry.name);
            assert!(listed.contains(&row), "{} --variant {variant} is a mutant no campaign test catches", entry.name);
        }
    }
}
