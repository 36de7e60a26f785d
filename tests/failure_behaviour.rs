//! Failure behaviour measured the same way for every algorithm: a fault's record (whom it hit,
//! time to a followed leader, time to recovery), unavailability, and clients that find the new
//! leader.

use std::process::Command;
use std::time::Duration;

use harness::{RunSpec, Time};

fn workbench(args: &[&str]) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_workbench")).args(args).output().expect("the binary runs");
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("one JSON record")
}

fn ms(value: &serde_json::Value) -> f64 {
    value.as_f64().unwrap_or_else(|| panic!("not a number: {value}"))
}

#[test]
fn a_leader_crash_is_recorded_with_whom_it_hit_and_how_long_recovery_took() {
    for algorithm in ["raft", "multi-paxos", "bully"] {
        let record = workbench(&[
            "run",
            algorithm,
            "--nodes",
            "5",
            "--duration",
            "3s",
            "--fault",
            "crash:leader@1s",
            "--format",
            "json",
        ]);
        for key in ["startup", "steady", "unavailable_ms", "faults"] {
            assert!(record.get(key).is_some(), "{algorithm}: no {key}");
        }
        assert!(ms(&record["startup"]["first_leader_ms"]) > 0.0, "{algorithm}");
        let fault = &record["faults"][0];
        assert_eq!(fault["fault"], "crash:leader@1s");
        assert_eq!(fault["at_ms"], 1000.0);
        let hit = fault["nodes"].as_array().unwrap();
        assert_eq!(hit.len(), 1, "{algorithm}: the leader, {fault}");
        let new_leader = ms(&fault["new_leader_ms"]);
        assert!(new_leader > 0.0 && new_leader < 1000.0, "{algorithm}: {fault}");
        assert!(ms(&fault["recovered_ms"]) >= new_leader, "{algorithm}: recovery follows the new leader: {fault}");
        assert!(ms(&fault["messages"]) > 0.0, "{algorithm}: {fault}");
        assert_eq!(record["violations"], serde_json::json!([]), "{algorithm}");
        println!(
            "{algorithm}: crashed n{} at 1 s; followed leader after {new_leader} ms, recovered after {} ms",
            hit[0], fault["recovered_ms"]
        );
    }
}

// Issue 14: the leader isolated by a partition. The majority elects a new leader and clients
// complete commands through it within one client timeout of that election.
#[test]
fn clients_find_the_leader_the_majority_elected_within_one_client_timeout() {
    for entry in ["raft", "raft:prevote", "multi-paxos"] {
        let (algorithm, variant) = entry.split_once(':').unwrap_or((entry, "default"));
        let record = workbench(&[
            "run",
            algorithm,
            "--variant",
            variant,
            "--nodes",
            "5",
            "--duration",
            "3s",
            "--fault",
            "partition:leader|rest@1s..2s",
            "--format",
            "json",
        ]);
        let fault = &record["faults"][0];
        let timeout = harness::parse_duration(record["workload"]["client_timeout"].as_str().unwrap()).unwrap();
        let (elected, recovered) = (ms(&fault["new_leader_ms"]), ms(&fault["recovered_ms"]));
        println!("{entry}: isolated n{}; majority's leader followed after {elected} ms; first command through it after {recovered} ms (client timeout {timeout:?})", fault["nodes"][0]);
        assert!(recovered < 1000.0, "{entry}: commands complete during the partition: {fault}");
        assert!(recovered - elected <= timeout.as_secs_f64() * 1e3, "{entry}: within one client timeout: {fault}");
        assert_eq!(record["violations"], serde_json::json!([]), "{entry}");
    }
}

/// The longest stretch without a completed op after the first, the tail included, from the
/// client history alone.
fn unavailability_from_history(history: &harness::History, end: Time) -> Duration {
    let mut done: Vec<Time> = history.clients.iter().filter_map(|op| op.completed.as_ref().map(|(t, _)| *t)).collect();
    done.sort();
    done.push(end);
    done.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(Duration::ZERO)
}

#[test]
fn unavailability_agrees_with_the_client_history() {
    for faults in [&["crash:leader@1s"][..], &["partition:leader|rest@500ms..1500ms", "crash:0@2s..2200ms"]] {
        let mut spec = RunSpec { duration: Some(Duration::from_secs(3)), seed: 3, ..RunSpec::default() };
        spec.faults.faults = faults.iter().map(|f| f.parse().unwrap()).collect();
        let (record, outcome) = harness::run_with_outcome::<raft::Raft>(&spec).unwrap();
        let expected = unavailability_from_history(&outcome.history, outcome.elapsed);
        let expected_ms = (expected.as_secs_f64() * 1e6).round() / 1e3;
        assert_eq!(record.unavailable_ms, expected_ms, "{faults:?}");
        assert!(record.unavailable_ms > 100.0, "a leader fault costs time: {faults:?}");
    }
}

// Issue 14: `--duration` on top of a scenario's `ops` ends the run at whichever comes first,
// with no spurious progress violation.
#[test]
fn a_duration_cuts_a_scenario_s_ops_without_accusing_the_algorithm() {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/replication-raft-partition.toml");
    let record = workbench(&["run", "--scenario", scenario, "--duration", "600ms", "--format", "json"]);
    assert_eq!(record["violations"], serde_json::json!([]));
    assert!(record["ops"].as_u64().unwrap() < 400);
    assert_eq!(record["unfinished"]["ops_target"], 400);
    assert!(record["unfinished"]["ended_by"].as_str().unwrap().contains("600ms"), "{}", record["unfinished"]);
}
