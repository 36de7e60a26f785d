//! The `workbench` binary as a user meets it: outputs, exit codes, one-line errors.

use std::process::{Command, Output};

fn workbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_workbench")).args(args).output().expect("the binary runs")
}

fn json(output: &Output) -> serde_json::Value {
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    assert_eq!(stdout.trim().lines().count(), 1, "exactly one JSON object: {stdout}");
    serde_json::from_str(stdout.trim()).expect("stdout is one JSON object")
}

#[test]
fn run_prints_one_json_record_with_the_contract_fields() {
    let output =
        workbench(&["run", "ricart-agrawala", "--nodes", "5", "--ops", "100", "--seed", "7", "--format", "json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let record = json(&output);
    for field in [
        "algorithm",
        "family",
        "runtime",
        "nodes",
        "seed",
        "ops",
        "messages_total",
        "messages_by_kind",
        "messages_dropped",
        "messages_per_op",
        "latency_ms",
        "throughput_ops_per_s",
        "elapsed_ms",
        "violations",
    ] {
        assert!(record.get(field).is_some(), "missing field {field}");
    }
    for percentile in ["p50", "p90", "p99", "max", "mean"] {
        assert!(record["latency_ms"][percentile].is_f64(), "latency_ms.{percentile}");
    }
    assert_eq!(record["ops"], 100);
    assert_eq!(record["messages_per_op"], 8.0);
    assert_eq!(record["violations"], serde_json::json!([]));
    assert_eq!(record["messages_by_kind"]["request"], 400);
}

#[test]
fn the_same_command_twice_prints_the_same_bytes() {
    let args = [
        "run",
        "centralized",
        "--nodes",
        "6",
        "--ops",
        "80",
        "--seed",
        "9",
        "--latency",
        "exp:1ms",
        "--format",
        "json",
    ];
    assert_eq!(workbench(&args).stdout, workbench(&args).stdout);
}

#[test]
fn the_threads_runtime_completes_without_violations() {
    let output = workbench(&[
        "run",
        "ricart-agrawala",
        "--nodes",
        "5",
        "--ops",
        "100",
        "--seed",
        "7",
        "--runtime",
        "threads",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let record = json(&output);
    assert_eq!(record["runtime"], "threads");
    assert_eq!(record["ops"], 100);
    assert_eq!(record["violations"], serde_json::json!([]));
}

#[test]
fn bad_input_exits_2_with_a_one_line_error_naming_the_problem() {
    let cases: [(&[&str], &str); 14] = [
        (&["run", "no-such-algo"], "unknown algorithm `no-such-algo`"),
        (&["run", "ricart-agrawala", "--nodes", "0"], "nodes"),
        (&["run", "ricart-agrawala", "--drop", "1.5"], "drop"),
        (&["run", "ricart-agrawala", "--duration", "soon"], "--duration"),
        (&["run", "ricart-agrawala", "--latency", "uniform:5ms-1ms"], "--latency"),
        (&["run", "ricart-agrawala", "--fault", "crash:7@1ms"], "node 7 does not exist"),
        (&["run", "ricart-agrawala", "--variant", "turbo"], "`turbo` is not a variant"),
        (&["run", "ricart-agrawala", "--runtime", "gpu"], "--runtime"),
        (&["run", "bully", "--nodes", "1"], "an election needs at least 2 nodes"),
        (&["run", "multi-paxos", "--spare", "2"], "multi-paxos does not change its membership"),
        (&["run", "zab", "--fault", "add:4@1s"], "zab does not change its membership"),
        (&["run", "raft", "--nodes", "3", "--spare", "1", "--fault", "add:5@1s"], "node 5 does not exist"),
        (&["run", "raft", "--fault", "remove:leader@1s..2s"], "takes no `..UNTIL`"),
        (&["run", "raft", "--spare", "300000"], "spare"),
    ];
    for (args, needle) in cases {
        let output = workbench(args);
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: one line, got {stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
}

#[test]
fn a_run_with_violations_prints_its_record_and_exits_1() {
    let output = workbench(&[
        "run",
        "centralized",
        "--variant",
        "bug-no-queue",
        "--think",
        "0ms",
        "--hold",
        "3ms",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let record = json(&output);
    assert!(record["violations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v.as_str().unwrap().starts_with("mutual-exclusion")));
}

#[test]
fn list_names_every_algorithm_with_its_family() {
    let output = workbench(&["list"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for name in ["centralized", "ricart-agrawala"] {
        let line = text.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name} missing:\n{text}"));
        assert!(line.contains("mutex"), "{line}");
    }
}

#[test]
fn csv_has_a_header_and_one_row_with_matching_columns() {
    let output = workbench(&["run", "centralized", "--ops", "20", "--format", "csv"]);
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("algorithm,family,variant,runtime,nodes,seed,ops,messages_total,"));
    assert_eq!(lines[0].split(',').count(), lines[1].split(',').count());
}

#[test]
fn compare_writes_the_whole_report_folder() {
    let out = std::env::temp_dir().join(format!("workbench-compare-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let output =
        workbench(&["compare", "--nodes", "3,4", "--seeds", "2", "--ops", "10", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("report: ") && stdout.contains("index.html"), "{stdout}");
    for file in ["runs.csv", "runs.json", "summary.csv", "failures.csv", "formulas.csv", "index.html"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let exists = |name: String| {
        for ext in ["svg", "png"] {
            let path = out.join(format!("{name}.{ext}"));
            assert!(std::fs::metadata(&path).map(|m| m.len() > 1000).unwrap_or(false), "{} missing", path.display());
        }
    };
    // The steady scenario's charts per family, and a timeline per fault scenario and family.
    for family in ["mutex", "election", "replication"] {
        for chart in ["messages_per_op", "latency", "throughput", "messages_by_kind"] {
            exists(format!("{chart}_steady_{family}"));
        }
        exists(format!("formulas_{family}"));
    }
    exists("time_to_leader_steady_election".into());
    for scenario in ["leader-crash", "leader-isolated", "lossy"] {
        for family in ["replication", "election"] {
            exists(format!("timeline_{scenario}_{family}"));
        }
    }
    exists("timeline_slow-node_mutex".into());
    let runs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("runs.json")).unwrap()).unwrap();
    let runs = runs.as_array().unwrap();
    let steady = runs.iter().filter(|r| r["scenario"] == "steady").count();
    let algorithms =
        String::from_utf8(workbench(&["list"]).stdout).unwrap().lines().filter(|l| !l.starts_with(' ')).count();
    assert_eq!(steady, algorithms * 2 * 2, "every algorithm x 2 sizes x 2 seeds in the steady scenario");
    let crashed: Vec<&serde_json::Value> =
        runs.iter().filter(|r| r["scenario"] == "leader-crash" && r["label"] == "raft").collect();
    assert_eq!(crashed.len(), 2 * 2, "raft x 2 sizes x 2 seeds under the leader crash");
    for run in crashed {
        let fault = &run["faults"][0];
        assert_eq!(fault["fault"], "crash:leader@1s");
        assert_eq!(fault["nodes"].as_array().unwrap().len(), 1, "the leader: {fault}");
        assert!(fault["new_leader_ms"].as_f64().unwrap() > 0.0 && fault["recovered_ms"].as_f64().is_some(), "{fault}");
        assert_eq!(run["elapsed_ms"], 3000.0, "a fault scenario runs for its fixed duration, --ops or not");
    }
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let charts = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "svg"))
        .count();
    assert_eq!(html.matches("<svg").count(), charts, "every chart inlined");
    for table in [
        "summary-steady-replication",
        "failures-leader-crash-replication",
        "failures-election",
        "probe",
        "formula-table",
        "parameters",
        "scenarios",
    ] {
        assert!(html.contains(&format!("<table id=\"{table}")), "{table} table");
    }
    let ids: Vec<&str> = html.split("id=\"").skip(1).map(|s| s.split('"').next().unwrap()).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "element ids are unique");
    assert!(html.contains("What this report found"));
    assert!(html.contains("workbench compare ") && html.contains("--seeds 2"), "the reproducing command");
    for fetch in ["src=\"http", "href=\"http", "<script", "<link", "url(", "@import"] {
        assert!(!html.contains(fetch), "self-contained, but found {fetch}");
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn compare_runs_a_whole_description_with_variants_and_a_fault() {
    let out = std::env::temp_dir().join(format!("workbench-compare-fault-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let output = workbench(&[
        "compare",
        "raft",
        "raft:prevote",
        "multi-paxos",
        "--fault",
        "partition:leader|rest@1s..2s",
        "--duration",
        "3s",
        "--seeds",
        "2",
        "--latency",
        "uniform:1ms-2ms",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let runs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("runs.json")).unwrap()).unwrap();
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 3 * 2, "three entries x 2 seeds at N = 5");
    for run in runs {
        assert_eq!(run["network"]["latency"], "uniform:1ms-2ms");
        assert!(run["faults"][0]["recovered_ms"].as_f64().unwrap() < 1000.0, "{}", run["faults"]);
        assert_eq!(run["violations"], serde_json::json!([]));
    }
    assert!(runs.iter().any(|r| r["label"] == "raft:prevote" && r["variant"] == "prevote"));
    assert!(std::fs::read_to_string(out.join("index.html")).unwrap().contains("timeline_faults_replication"));
    let bad = workbench(&["compare", "raft:turbo", "--out", out.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2), "an unknown variant is refused before anything runs");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn compare_rejects_an_unknown_algorithm_and_an_empty_family() {
    let output = workbench(&["compare", "raft-but-faster"]);
    assert_eq!(output.status.code(), Some(2));
    let output = workbench(&["compare", "bully", "--family", "mutex"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("family"));
}

#[test]
fn formulas_agree_for_every_algorithm_and_exit_0() {
    let output = workbench(&["formulas", "--nodes", "3,5", "--format", "json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    let algorithms =
        String::from_utf8(workbench(&["list"]).stdout).unwrap().lines().filter(|l| !l.starts_with(' ')).count();
    assert_eq!(rows.len(), algorithms * 2);
    assert!(rows.iter().all(|r| r["ok"] == true && r["measured"] == r["expected"]));
}

#[test]
fn the_election_timeout_experiment_counts_failed_trials_and_writes_its_plot() {
    let out = std::env::temp_dir().join(format!("workbench-experiment-test-{}", std::process::id()));
    let args = ["experiment", "election-timeouts", "--trials", "20", "--ranges", "150-150,150-300", "--out"];
    let mut csv_args = args.to_vec();
    csv_args.extend([out.to_str().unwrap(), "--format", "csv"]);
    let output = workbench(&csv_args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "range,trials,failed,min,median,mean,p95,p99,max");
    assert!(
        lines[1].starts_with("150-150,20,20,>60000,"),
        "no randomness: every trial splits votes forever: {}",
        lines[1]
    );
    let row: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(&row[..3], ["150-300", "20", "0"], "randomized timeouts always elect: {}", lines[2]);
    assert!(row[3..].iter().all(|v| v.parse::<f64>().is_ok()), "{}", lines[2]);
    assert!(out.join("election_timeouts.svg").is_file() && out.join("election_timeouts.png").is_file());
    let mut table_args = args.to_vec();
    table_args.push(out.to_str().unwrap());
    let table = String::from_utf8(workbench(&table_args).stdout).unwrap();
    assert!(table.contains("median 287 ms"), "the paper's figures beside ours: {table}");
    let bad = workbench(&["experiment", "election-timeouts", "--ranges", "300-150"]);
    assert_eq!(bad.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&out);
}
