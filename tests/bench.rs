//! `workbench bench` runs every guarded measurement and reports each figure beside its baseline.
//! Speed targets are not asserted here (timed tests on a shared machine only measure the
//! neighbours); the figures go in closing notes.

use std::process::Command;

fn workbench(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_workbench")).args(args).output().expect("the binary runs")
}

#[test]
fn bench_reports_every_figure_with_its_baseline() {
    let output = workbench(&["bench", "--quick", "--rounds", "1", "--format", "json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    let sim = &report["simulator"];
    assert_eq!(sim["messages"].as_u64(), Some(100 * 2 * 15), "RA at N=16: 2(N-1) per entry");
    for field in ["sim_ms", "bare_ms", "ratio"] {
        assert!(sim[field].as_f64().is_some_and(|v| v > 0.0), "simulator.{field}: {sim}");
    }
    let e2e = &report["end_to_end"];
    assert_eq!(e2e["messages"].as_u64(), Some(2_000 * 2 * 15), "the child run's delivered messages");
    assert!(e2e["command"].as_str().unwrap().contains("run ricart-agrawala --nodes 16 --ops 2000"));
    assert!(e2e["ratio"].as_f64().is_some_and(|v| v > 0.0));
    let hop = &report["threads_hop"];
    assert_eq!(hop["hops"].as_u64(), Some(2_000));
    assert!(hop["slowdown"].as_f64().is_some_and(|v| v > 0.0));
    let raft: Vec<(String, u64)> = report["raft"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["variant"].as_str().unwrap().to_string(), r["clients"].as_u64().unwrap()))
        .collect();
    assert_eq!(raft, [("batch".into(), 64), ("batch".into(), 256), ("plain".into(), 64), ("plain".into(), 256)]);
}

#[test]
fn bench_refuses_impossible_rounds() {
    for rounds in ["0", "1001"] {
        let output = workbench(&["bench", "--rounds", rounds]);
        assert_eq!(output.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&output.stderr).contains("--rounds"));
    }
}
