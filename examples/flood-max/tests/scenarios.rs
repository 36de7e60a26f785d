//! FloodMax run by the workbench: its formula holds, its elections keep the family's promises in
//! both runtimes, and the workbench's own commands (check, formulas, compare) work on it from this
//! crate's binary.

use std::process::{Command, Output};

use flood_max::FloodMax;
use harness::{formula, run, RunSpec, RuntimeKind};

fn flood_max(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flood-max")).args(args).output().expect("the binary runs")
}

#[test]
fn the_formula_holds_at_every_size() {
    for nodes in [2, 3, 5, 8, 16] {
        let row = formula::check::<FloodMax>(nodes).expect("a formula").expect("the scenario runs");
        assert!(row.ok, "N={nodes}: measured {} against {}: {:?}", row.measured, row.expected, row.violations);
    }
}

#[test]
fn elections_after_leader_crashes_and_restarts_choose_the_highest_live_id() {
    for runtime in [RuntimeKind::Sim, RuntimeKind::Threads] {
        for seed in 1..=3 {
            let spec = RunSpec { runtime, seed, nodes: 5, ops: Some(6), ..RunSpec::default() };
            let record = run::<FloodMax>(&spec).expect("the run");
            assert!(record.violations.is_empty(), "{runtime} seed {seed}: {:?}", record.violations);
            assert_eq!(record.ops, 6, "{runtime} seed {seed}: six elections ended in agreement");
        }
    }
}

#[test]
fn the_workbench_commands_run_it() {
    let listed = flood_max(&["list"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("flood-max"));
    let formulas = flood_max(&["formulas", "flood-max", "--nodes", "3,5"]);
    assert_eq!(formulas.status.code(), Some(0), "{}", String::from_utf8_lossy(&formulas.stdout));
    let clean = flood_max(&["check", "flood-max", "--seeds", "100", "--out", env!("CARGO_TARGET_TMPDIR")]);
    assert_eq!(clean.status.code(), Some(0), "{}", String::from_utf8_lossy(&clean.stdout));
}

#[test]
fn its_teaching_mutant_is_caught_and_shrunk() {
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("mutant");
    let _ = std::fs::remove_dir_all(&out);
    let output = flood_max(&[
        "check",
        "flood-max",
        "--variant",
        "bug-defer-on-restart",
        "--seeds",
        "50",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stdout));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("validity"), "{stdout}");
    assert!(std::fs::read_dir(&out).unwrap().any(|f| f
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with("-shrunk.toml")));
}
