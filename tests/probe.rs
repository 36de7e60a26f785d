//! `workbench check --probe`: each algorithm under each fault kind alone, the matrix of what
//! breaks what.

use std::process::Command;

#[test]
fn the_probe_matrix_shows_the_assumption_each_algorithm_rests_on() {
    let output = Command::new(env!("CARGO_BIN_EXE_workbench"))
        .args(["check", "--probe", "all", "--seeds", "30", "--format", "json"])
        .output()
        .expect("the binary runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "no claimed kind is violated: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cells: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let cells = cells.as_array().unwrap();
    let verdict = |algorithm: &str, fault: &str| {
        let cell = cells.iter().find(|c| c["algorithm"] == algorithm && c["fault"] == fault).unwrap();
        for key in ["algorithm", "fault", "verdict", "seed", "violation"] {
            assert!(cell.get(key).is_some(), "{key} in {cell}");
        }
        cell["verdict"].as_str().unwrap().to_string()
    };
    assert_eq!(verdict("lamport", "reordering"), "violated", "Lamport assumes FIFO links");
    assert_eq!(verdict("centralized", "duplication"), "violated", "a duplicated RELEASE grants a second holder");
    assert_eq!(verdict("centralized", "partition"), "stalled", "cut off from the coordinator, requests wait");
    assert_eq!(verdict("raft", "partition"), "safe");
    let algorithms = cells.iter().map(|c| c["algorithm"].as_str().unwrap()).collect::<std::collections::BTreeSet<_>>();
    assert_eq!(cells.len(), algorithms.len() * 9, "nine fault kinds per algorithm");
}
