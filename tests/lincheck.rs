//! `workbench lincheck FILE.edn` agrees with the record's verdict on the histories `run --history`
//! writes, flags a history with a read of a value never written, and refuses what it cannot read.

use std::process::{Command, Output};

fn workbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_workbench")).args(args).output().expect("the binary runs")
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("workbench-lincheck-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs with `--history` and returns whether the record found the history linearizable.
fn run_with_history(args: &[&str], history: &std::path::Path) -> bool {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend(["--history", history.to_str().unwrap(), "--format", "json"]);
    let output = workbench(&all);
    let record: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a record");
    !record["violations"].as_array().unwrap().iter().any(|v| v.as_str().unwrap().starts_with("linearizability"))
}

#[test]
fn lincheck_agrees_with_the_record_under_faults() {
    let dir = temp("agree");
    let faulty = [
        "--nodes",
        "5",
        "--ops",
        "400",
        "--drop",
        "0.05",
        "--fault",
        "partition:leader|rest@100ms..400ms",
        "--fault",
        "crash:1@200ms..350ms",
    ];
    for algorithm in ["raft", "multi-paxos", "paxos"] {
        for seed in ["1", "2"] {
            let path = dir.join(format!("{algorithm}-{seed}.edn"));
            let args: Vec<&str> = [&[algorithm, "--seed", seed][..], &faulty].concat();
            assert!(run_with_history(&args, &path), "{algorithm} seed {seed}");
            let check = workbench(&["lincheck", path.to_str().unwrap()]);
            assert_eq!(check.status.code(), Some(0), "{algorithm}: {}", String::from_utf8_lossy(&check.stdout));
        }
    }
    // A teaching mutant that loses chosen values: both say no, and lincheck names the key.
    let path = dir.join("mutant.edn");
    let scenario = dir.join("mutant.toml");
    std::fs::write(
        &scenario,
        "algorithm = \"multi-paxos\"\nvariant = \"bug-skip-recovery\"\nseed = 1\nops = 200\nduration = \"12s\"\n\
         faults = [\"partition:leader|rest@588ms..914ms\", \"crash:voter@vote>588ms..+5ms\"]\n[workload]\nclient_think = \"59701492ns\"\n",
    )
    .unwrap();
    assert!(!run_with_history(&["--scenario", scenario.to_str().unwrap()], &path), "the record finds no valid order");
    let check = workbench(&["lincheck", path.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "{text}");
    assert!(text.contains("have no valid order"), "{text}");
}

#[test]
fn a_read_of_a_value_never_written_is_flagged_by_key_and_operation() {
    let dir = temp("broken");
    let path = dir.join("broken.edn");
    std::fs::write(
        &path,
        "{:process 0, :type :invoke, :f :write, :value [7 1], :time 10}\n\
         {:process 0, :type :ok, :f :write, :value [7 1], :time 20}\n\
         {:process 1, :type :invoke, :f :read, :value [7 nil], :time 30}\n\
         {:process 1, :type :ok, :f :read, :value [7 2], :time 40}\n\
         {:process 2, :type :invoke, :f :write, :value [8 5], :time 50}\n\
         {:process 2, :type :info, :f :write, :value [8 5]}\n",
    )
    .unwrap();
    let output = workbench(&["lincheck", path.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("key 7 have no valid order") && text.contains("Get { key: 7 }"), "{text}");
    assert!(text.contains("1 not linearizable"), "{text}");
}

#[test]
fn a_file_it_cannot_read_exits_2_naming_the_line() {
    let dir = temp("unreadable");
    let path = dir.join("bad.edn");
    std::fs::write(&path, "{:process 0, :type :invoke, :f :write, :value [1 1]}\n{:process 0 :type\n").unwrap();
    let output = workbench(&["lincheck", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("line 2"));
    assert_eq!(workbench(&["lincheck", dir.join("absent.edn").to_str().unwrap()]).status.code(), Some(2));
}
