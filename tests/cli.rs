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
    let cases: [(&[&str], &str); 9] = [
        (&["run", "no-such-algo"], "unknown algorithm `no-such-algo`"),
        (&["run", "ricart-agrawala", "--nodes", "0"], "nodes"),
        (&["run", "ricart-agrawala", "--drop", "1.5"], "drop"),
        (&["run", "ricart-agrawala", "--duration", "soon"], "--duration"),
        (&["run", "ricart-agrawala", "--latency", "uniform:5ms-1ms"], "--latency"),
        (&["run", "ricart-agrawala", "--fault", "crash:7@1ms"], "node 7 does not exist"),
        (&["run", "ricart-agrawala", "--variant", "turbo"], "`turbo` is not a variant"),
        (&["run", "ricart-agrawala", "--runtime", "gpu"], "--runtime"),
        (&["run", "bully", "--nodes", "1"], "an election needs at least 2 nodes"),
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
    for file in ["runs.csv", "runs.json", "summary.csv", "formulas.csv", "index.html"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let families = ["mutex", "election", "replication"];
    for family in families {
        for chart in ["messages_per_op", "latency", "throughput", "messages_by_kind"] {
            for ext in ["svg", "png"] {
                let path = out.join(format!("{chart}_{family}.{ext}"));
                assert!(
                    std::fs::metadata(&path).map(|m| m.len() > 1000).unwrap_or(false),
                    "{} missing or empty",
                    path.display()
                );
            }
        }
    }
    assert!(out.join("time_to_leader_election.svg").is_file());
    let runs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("runs.json")).unwrap()).unwrap();
    let algorithms =
        String::from_utf8(workbench(&["list"]).stdout).unwrap().lines().filter(|l| !l.starts_with(' ')).count();
    assert_eq!(runs.as_array().unwrap().len(), algorithms * 2 * 2, "every algorithm x 2 sizes x 2 seeds");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 4 * families.len() + 1, "four charts per family plus the election CDF");
    assert!(html.contains("<table id=\"summary\">") && html.contains("<table id=\"formulas\">"));
    assert!(html.contains("workbench compare ") && html.contains("--seeds 2"), "the reproducing command");
    for fetch in ["src=\"http", "href=\"http", "<script", "<link", "url(", "@import"] {
        assert!(!html.contains(fetch), "self-contained, but found {fetch}");
    }
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
fn the_election_timeout_experiment_prints_every_range_and_writes_its_plot() {
    let out = std::env::temp_dir().join(format!("workbench-experiment-test-{}", std::process::id()));
    let output = workbench(&[
        "experiment",
        "election-timeouts",
        "--trials",
        "20",
        "--ranges",
        "150-150,150-300",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).unwrap();
    let row = |range: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(range))
            .unwrap_or_else(|| panic!("{range}: {text}"))
            .to_string()
    };
    assert!(row("150-150").trim_end().ends_with("20"), "no randomness: every trial splits votes forever");
    assert_eq!(row("150-300").split_whitespace().count(), 9, "range, trials, six statistics, failed");
    assert!(row("150-300").trim_end().ends_with(" 0"), "randomized timeouts always elect: {}", row("150-300"));
    assert!(out.join("election_timeouts.svg").is_file() && out.join("election_timeouts.png").is_file());
    let bad = workbench(&["experiment", "election-timeouts", "--ranges", "300-150"]);
    assert_eq!(bad.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&out);
}
