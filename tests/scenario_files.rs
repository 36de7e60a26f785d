//! Every file in scenarios/ runs: the examples and the regressions (runs `workbench check` once
//! failed on, each commented with the bug it found) cleanly, the teaching ones showing the
//! violation they are about; malformed files are rejected naming the key; flags override the file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_workbench")).args(args).output().expect("the binary runs")
}

fn toml_files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

fn run(path: &Path, extra: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let mut args = vec!["run", "--scenario", path.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let output = workbench(&args);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let record = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    (output.status.code(), record, stderr)
}

/// Every file in `files` runs with exit 0, no violations and some ops done.
fn all_run_clean(files: Vec<PathBuf>) {
    for path in files {
        let (code, record, stderr) = run(&path, &[]);
        assert_eq!(code, Some(0), "{}: {stderr} {record}", path.display());
        assert_eq!(record["violations"], serde_json::json!([]), "{}", path.display());
        assert!(record["ops"].as_u64().unwrap() > 0, "{}", path.display());
    }
}

#[test]
fn every_example_scenario_runs_clean() {
    let files = toml_files("scenarios");
    assert!(files.len() >= 4, "examples for each family");
    all_run_clean(files);
}

#[test]
fn every_regression_scenario_runs_clean() {
    let files = toml_files("scenarios/regressions");
    assert!(!files.is_empty());
    all_run_clean(files);
}

#[test]
fn every_teaching_scenario_shows_its_violation() {
    let files = toml_files("scenarios/teaching");
    assert!(!files.is_empty());
    for path in files {
        let (code, record, stderr) = run(&path, &[]);
        assert_eq!(code, Some(1), "{}: {stderr}", path.display());
        assert!(!record["violations"].as_array().unwrap().is_empty(), "{}", path.display());
    }
}

// Issue 19: a follower down past two snapshots catches up by a chunked InstallSnapshot.
#[test]
fn a_follower_down_past_two_snapshots_catches_up_by_install_snapshot() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/replication-raft-snapshot-catch-up.toml");
    let (code, record, stderr) = run(&path, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let kinds = &record["messages_by_kind"];
    assert!(kinds["install_snapshot_reply"].as_u64().unwrap() >= 2, "more than one chunk answered: {kinds}");
    let (_, without, _) = run(&path, &["--param", "snapshot_every=0"]);
    assert!(without["messages_by_kind"].get("install_snapshot").is_none(), "no compaction, no snapshot");
}

// Issue 19: the lease variant must fail linearizability under clock drift while read-index does
// not; the drift is what breaks it (the same partition alone passes).
#[test]
fn the_lease_scenario_fails_by_the_drift_and_read_index_passes_it() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/teaching/raft-lease-clock-drift.toml");
    let (code, record, stderr) = run(&path, &[]);
    assert_eq!(code, Some(1), "{stderr}");
    let violations = record["violations"].as_array().unwrap();
    assert!(violations.iter().all(|v| v.as_str().unwrap().starts_with("linearizability")), "{violations:?}");
    assert!(record["reads"]["served"]["lease"].as_u64().unwrap() > 0);
    let (code, record, stderr) = run(&path, &["--variant", "read-index"]);
    assert_eq!(code, Some(0), "read-index under the same plan: {stderr} {record}");
    assert_eq!(record["reads"]["served"]["lease"], 0);
    let (code, record, stderr) = run(&path, &["--fault", "partition:leader|rest@1s..3s"]);
    assert_eq!(code, Some(0), "the lease without the drift: {stderr} {record}");
}

// Issue: a failing scenario for the Raft previous-term mutant replays its violation, and correct
// Raft passes the same plan. Each mutant file names the safety violation it shows.
#[test]
fn every_mutant_scenario_shows_its_violation_and_the_published_algorithm_passes_it() {
    let expected = [
        ("raft-commit-previous-term.toml", "state-machine-safety"),
        ("raft-commit-previous-term-shrunk.toml", "leader-commits-own-term"),
        ("raft-forget-vote-shrunk.toml", "one-vote-per-term"),
    ];
    let files = toml_files("scenarios/mutants");
    assert_eq!(files.len(), expected.len(), "every mutant scenario has its expected violation here");
    for (name, checker) in expected {
        let path = files.iter().find(|f| f.ends_with(name)).unwrap_or_else(|| panic!("{name} is missing"));
        let (code, record, stderr) = run(path, &[]);
        assert_eq!(code, Some(1), "{}: {stderr}", path.display());
        let violations: Vec<&str> =
            record["violations"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert!(violations.iter().any(|v| v.starts_with(checker)), "{}: {violations:?}", path.display());
        let (code, record, stderr) = run(path, &["--variant", "default"]);
        assert_eq!(code, Some(0), "{} without the mutant: {stderr} {record}", path.display());
    }
}

#[test]
fn flags_override_the_file() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mutex-ricart-agrawala.toml");
    let (code, _, _) = run(&path, &["--nodes", "4", "--no-such-flag"]);
    assert_eq!(code, Some(2), "unknown flags are still errors");
    let output = workbench(&[
        "run",
        "lamport",
        "--scenario",
        path.to_str().unwrap(),
        "--nodes",
        "4",
        "--ops",
        "50",
        "--format",
        "json",
    ]);
    assert!(output.status.success());
    let record: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(record["algorithm"], "lamport", "the positional algorithm overrides the file's");
    assert_eq!((record["nodes"].as_u64(), record["ops"].as_u64()), (Some(4), Some(50)));
    assert_eq!(record["seed"], 3, "unset flags keep the file's value");
}

#[test]
fn a_malformed_file_exits_2_naming_the_key_and_line() {
    let dir = std::env::temp_dir().join(format!("workbench-scenarios-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("unknown.toml", "algorithm = \"lamport\"\nnodez = 3\n", "nodez"),
        ("type.toml", "algorithm = \"lamport\"\nnodes = \"three\"\n", "line 2"),
        ("nested.toml", "algorithm = \"lamport\"\n[network]\ndrop = \"lots\"\n", "line 3"),
        ("value.toml", "algorithm = \"lamport\"\n[network]\ndrop = 1.5\n", "drop"),
        ("fault.toml", "algorithm = \"lamport\"\nfaults = [\"crash:9@1ms\"]\n", "faults[0].node"),
        ("grammar.toml", "algorithm = \"lamport\"\nfaults = [\"crash:x@1ms\"]\n", "faults[0]: `x` is not a node id"),
        ("duration.toml", "algorithm = \"lamport\"\n[workload]\nhold = \"forever\"\n", "line 3"),
        ("param.toml", "algorithm = \"lamport\"\n[params]\nquorum = 2\n", "params.quorum"),
        ("syntax.toml", "algorithm = \"lamport\n", "line 1"),
    ];
    for (name, text, needle) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let output = workbench(&["run", "--scenario", path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{name}: one line: {stderr}");
        assert!(stderr.contains(needle), "{name}: `{needle}` not in {stderr}");
    }
    let missing = workbench(&["run", "--scenario", dir.join("absent.toml").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

// Issue 19: add two servers and remove the leader under load; `configurations` shows each
// configuration a leader committed, and the joint variant goes through C_old,new each time.
#[test]
fn two_servers_join_and_the_leader_leaves_under_load() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/replication-raft-membership.toml");
    let (code, record, stderr) = run(&path, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let configurations = record["configurations"].as_array().unwrap();
    let members: Vec<Vec<u64>> = configurations
        .iter()
        .map(|c| c["members"].as_array().unwrap().iter().map(|m| m.as_u64().unwrap()).collect())
        .collect();
    assert_eq!(members.len(), 3, "{configurations:?}");
    assert_eq!(members[0], [0, 1, 2, 3, 4, 5]);
    assert_eq!(members[1], [0, 1, 2, 3, 4, 5, 6]);
    assert_eq!(members[2].len(), 6, "one server (the leader) left: {:?}", members[2]);
    assert!(record["messages_by_kind"]["timeout_now"].as_u64().unwrap() >= 1, "the leader handed over");
    let (code, joint, stderr) = run(&path, &["--variant", "joint"]);
    assert_eq!(code, Some(0), "{stderr}");
    let joint = joint["configurations"].as_array().unwrap();
    assert_eq!(joint.len(), 6, "each change through a joint configuration: {joint:?}");
    assert!(joint[0]["joint_with"].is_array() && joint[1].get("joint_with").is_none());
    // The threads runtime runs the same plan safely (its timing decides how far it gets).
    let (code, threads, stderr) = run(&path, &["--runtime", "threads"]);
    assert_eq!(code, Some(0), "{stderr} {threads}");
    assert!(threads["ops"].as_u64().unwrap() > 0);
    assert!(!threads["configurations"].as_array().unwrap().is_empty(), "{threads}");
}

// Issue 19: a removed server that never learned of its removal campaigns, and nobody follows.
#[test]
fn a_removed_server_with_a_stale_configuration_does_not_disrupt() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/replication-raft-removed-server.toml");
    let (code, record, stderr) = run(&path, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(record["configurations"].as_array().unwrap().len(), 1);
    assert!(record["messages_by_kind"]["request_vote"].as_u64().unwrap() > 20, "node 4 campaigned: {record}");
    assert!(record["leader_changes"].as_u64().unwrap() <= 1, "no leader change after the heal: {record}");
}
