//! Issue 15: no violation where the algorithm kept its promise, and no input that eats the
//! machine or loses output. One test per case the adversarial pass found.

use std::process::{Command, Output};

fn workbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_workbench")).args(args).output().expect("the binary runs")
}

fn record(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("one JSON record, got: {}", String::from_utf8_lossy(&output.stderr)))
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("workbench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Exit 2 with one short line naming `needle`, nothing on stdout.
fn refused(args: &[&str], needle: &str) {
    let output = workbench(args);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: one line, got {stderr}");
    assert!(stderr.contains(needle), "{args:?}: `{needle}` not in {stderr}");
    assert!(stderr.len() < 400, "{args:?}: a short message, got {} bytes", stderr.len());
    assert!(output.stdout.is_empty(), "{args:?}: nothing on stdout");
}

#[test]
fn a_run_its_time_limit_ends_reports_unfinished_work_not_a_violation() {
    for algorithm in
        ["ricart-agrawala", "lamport", "maekawa", "centralized", "suzuki-kasami", "token-ring", "bully", "ring"]
    {
        let output = workbench(&["run", algorithm, "--duration", "2s", "--format", "json"]);
        assert_eq!(output.status.code(), Some(0), "{algorithm}: {}", String::from_utf8_lossy(&output.stdout));
        let record = record(&output);
        assert_eq!(record["violations"], serde_json::json!([]), "{algorithm}");
        let unfinished = &record["unfinished"];
        assert!(unfinished["ended_by"].as_str().unwrap().contains("time limit (2s)"), "{algorithm}: {unfinished}");
    }
}

#[test]
fn election_bounds_grow_with_the_ring_and_its_latency() {
    for args in [
        &["run", "ring", "--nodes", "900", "--ops", "5"][..],
        &["run", "ring", "--nodes", "200", "--latency", "5ms", "--ops", "3"],
    ] {
        let output = workbench(&[args, &["--format", "json"]].concat());
        assert_eq!(output.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&output.stdout));
        assert_eq!(record(&output)["violations"], serde_json::json!([]), "{args:?}");
    }
}

#[test]
fn a_campaign_never_draws_a_workload_that_cannot_issue_its_ops() {
    let out = temp("check-one-op");
    let output =
        workbench(&["check", "ricart-agrawala", "--ops", "1", "--seeds", "200", "--out", out.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.ends_with("200 passed, 0 failed\n"), "{text}");
}

#[test]
fn numbers_past_their_bounds_are_refused_before_the_run() {
    refused(&["run", "raft", "--clients", "4294967295"], "clients");
    refused(&["run", "raft", "--duration", "18446744073s"], "duration");
    refused(&["run", "raft", "--nodes", "100000000"], "nodes");
    refused(&["run", "raft", "--ops", "18446744073709551615"], "ops");
    refused(&["run", "raft", "--max-events", "0"], "max_events");
    refused(&["run", "--scenario", "/dev/zero"], "larger than");
    refused(&["run", "bully", "--nodes", "2000", "--runtime", "threads"], "at most 1024");
}

#[test]
fn a_thousand_node_bully_runs_in_bounded_memory() {
    let output = workbench(&["run", "bully", "--nodes", "1000", "--ops", "1", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(record(&output)["ops"], 1);
}

#[test]
fn a_storm_in_the_threads_runtime_is_stopped_and_reported() {
    let output = workbench(&[
        "run",
        "ricart-agrawala",
        "--runtime",
        "threads",
        "--nodes",
        "4",
        "--ops",
        "100000",
        "--max-events",
        "3000",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let record = record(&output);
    assert!(record["violations"][0].as_str().unwrap().contains("event limit (3000)"), "{}", record["violations"]);
    assert!(record["messages_total"].as_u64().unwrap() < 100_000, "stopped promptly: {}", record["messages_total"]);
}

#[test]
fn output_paths_are_checked_before_the_run() {
    let dir = temp("paths");
    refused(&["run", "raft", "--history", dir.to_str().unwrap()], "is a directory");
    refused(&["run", "raft", "--history", "/no/such/folder/h.edn"], "cannot write");
    refused(&["run", "bully", "--history", dir.join("x.edn").to_str().unwrap()], "replication family");
    assert!(!dir.join("x.edn").exists());
    refused(&["check", "raft", "--seeds", "2", "--out", "/proc/nope"], "out");
    refused(&["compare", "raft", "--seeds", "1", "--out", "/proc/nope"], "out");
}

#[test]
fn the_edn_history_is_in_real_time_order() {
    let dir = temp("edn");
    let path = dir.join("z.edn");
    let output = workbench(&[
        "run",
        "raft",
        "--latency",
        "0ms",
        "--ops",
        "300",
        "--history",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut open: std::collections::HashSet<String> = Default::default();
    let mut last_time = 0u64;
    for line in text.lines() {
        let process = line.split(":process ").nth(1).unwrap().split(',').next().unwrap().to_string();
        if line.contains(":type :invoke") {
            assert!(open.insert(process), "two calls open on one process: {line}");
        } else {
            assert!(open.remove(&process), "an answer before its call: {line}");
        }
        if let Some(time) = line.split(":time ").nth(1) {
            let time: u64 = time.trim_end_matches('}').parse().unwrap();
            assert!(time >= last_time, "out of time order: {line}");
            last_time = time;
        }
    }
    assert_eq!(text.lines().count(), 600);
}

#[test]
fn a_small_burst_probability_is_not_rounded_away() {
    let output = workbench(&[
        "run",
        "ricart-agrawala",
        "--ops",
        "3000",
        "--fault",
        "lossy:drop=0.0004@0ms..100s",
        "--format",
        "json",
    ]);
    assert!(record(&output)["messages_dropped"].as_u64().unwrap() > 0, "0.04% of ~24,000 messages");
}

#[test]
fn malformed_values_get_one_clear_line() {
    let huge = "x".repeat(100_000);
    refused(&["run", "raft", "--variant", &huge], "characters");
    refused(&["run", "raft", "--drop", "-0.1"], "drop");
    refused(&["run", "raft", "--latency", "1ms,floor=1ms,floor=2ms"], "floor is given twice");
    refused(&["run", "raft", "--fault", "heal@1s..2s"], "takes no `..UNTIL`");
    refused(&["run", "raft", "--fault", "restart:1@1s..2s"], "takes no `..UNTIL`");
    refused(&["run", "raft", "--fault", "partition:0,1||2,3@1s"], "lists no node");
    refused(&["run", "raft", "--hold", "3ms"], "hold");
    refused(&["run", "raft", "--param", "quorum=2"], "params.quorum");
    refused(&["run", "raft", "--param", "detect=300ms-100ms"], "params.detect");
    refused(&["run", "ricart-agrawala", "--fault", "crash:leader@1s"], "no algorithm of the mutex family has one");
}
