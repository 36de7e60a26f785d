//! The axes benchmarks are drawn on: load sweeps, bytes on the wire, per-pair (geo) latency, the
//! simulator's processing model and link bandwidth.

use std::process::{Command, Output};

fn workbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_workbench")).args(args).output().expect("the binary runs")
}

fn record(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let output = workbench(&all);
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("one JSON record")
}

fn f64_at(record: &serde_json::Value, path: &[&str]) -> f64 {
    let mut at = record;
    for key in path {
        at = &at[*key];
    }
    at.as_f64().unwrap_or_else(|| panic!("{path:?} in {record}"))
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("workbench-axes-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn usage_error(args: &[&str], needle: &str) {
    let output = workbench(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(needle), "{args:?}: {stderr}");
}

#[test]
fn a_load_sweep_draws_latency_against_throughput_and_tabulates_the_peaks() {
    let out = temp("sweep");
    let dir = out.to_str().unwrap();
    let output = workbench(&[
        "compare",
        "raft",
        "multi-paxos",
        "--clients",
        "1,16",
        "--nodes",
        "3",
        "--seeds",
        "2",
        "--service",
        "paxi",
        "--out",
        dir,
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for ext in ["svg", "png"] {
        assert!(out.join(format!("latency_throughput_replication.{ext}")).is_file());
    }
    let peaks = std::fs::read_to_string(out.join("peak_throughput.csv")).unwrap();
    let mut lines = peaks.lines();
    assert_eq!(
        lines.next().unwrap(),
        "scenario,family,algorithm,runtime,nodes,peak_ops_per_s,peak_at_load,p99_at_lightest_ms,p99_doubled_at_load"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "{peaks}");
    for row in rows {
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!((cells[0], cells[1]), ("steady", "replication"));
        assert!(cells[5].parse::<f64>().unwrap() > 0.0, "{row}");
        assert!(cells[6].ends_with(" clients"), "{row}");
    }
    let runs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("runs.json")).unwrap()).unwrap();
    let runs = runs.as_array().unwrap();
    let steady = runs.iter().filter(|r| r["scenario"] == "steady").count();
    assert_eq!(steady, 2 * 2 * 2, "2 algorithms x 2 loads x 2 seeds");
    for run in runs.iter().filter(|r| r["scenario"] != "steady") {
        assert_eq!(run["workload"]["clients"], 1, "a built-in fault scenario runs at the lightest load");
    }
    let heavy = runs.iter().find(|r| r["scenario"] == "steady" && r["workload"]["clients"] == 16).unwrap();
    assert_eq!(heavy["ops"], 16 * 25, "a swept steady run grows with its clients");
    assert_eq!(heavy["workload"]["keys"], 16, "as many keys as clients");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("peak-steady-replication"), "the peak table is on the page");
}

#[test]
fn under_the_processing_model_a_leader_saturates_and_latency_rises_with_load() {
    let point = |clients: u32, service: bool| {
        let clients_text = clients.to_string();
        let ops = (25 * clients + 100).to_string();
        let mut args = vec!["multi-paxos", "--clients", &clients_text, "--ops", &ops, "--seed", "3"];
        if service {
            args.extend_from_slice(&["--service", "paxi"]);
        }
        let r = record(&args);
        (f64_at(&r, &["steady", "latency_ms", "p50"]), f64_at(&r, &["steady", "throughput_ops_per_s"]))
    };
    // Free processing: the median stays at one round trip whatever the load.
    assert_eq!(point(1, false).0, point(64, false).0);
    // Paxi's costs: past the knee the median climbs and throughput stops growing.
    let (light, medium, heavy) = (point(1, true), point(32, true), point(128, true));
    assert!(light.0 < medium.0 && medium.0 < heavy.0, "{light:?} {medium:?} {heavy:?}");
    assert!(heavy.0 > 4.0 * light.0, "{light:?} {heavy:?}");
    assert!(heavy.1 < 2.0 * medium.1, "saturated: {medium:?} {heavy:?}");
    // The same seed gives the same run.
    let args = ["raft", "--service", "paxi", "--bandwidth", "100mbit", "--clients", "8", "--seed", "5"];
    assert_eq!(record(&args), record(&args));
}

#[test]
fn a_slow_link_delays_big_messages_more_than_small_ones() {
    let base = record(&["raft", "--ops", "50", "--seed", "2"]);
    let slow = record(&["raft", "--ops", "50", "--seed", "2", "--bandwidth", "64kbit"]);
    let (fast, slowed) =
        (f64_at(&base, &["steady", "latency_ms", "p50"]), f64_at(&slow, &["steady", "latency_ms", "p50"]));
    assert!(slowed > fast + 1.0, "64 kbit/s adds milliseconds per message: {fast} -> {slowed}");
}

#[test]
fn a_region_layout_sets_latency_per_pair_and_the_timeouts_follow() {
    let lan = record(&["raft", "--ops", "50", "--latency-profile", "lan"]);
    let wan = record(&["raft", "--ops", "50", "--latency-profile", "global-5"]);
    let lan_p50 = f64_at(&lan, &["steady", "latency_ms", "p50"]);
    let wan_p50 = f64_at(&wan, &["steady", "latency_ms", "p50"]);
    assert!((lan_p50 - 1.0).abs() < 0.01, "two one-way hops of 0.5 ms: {lan_p50}");
    // A majority of five is the leader and two others: the second-nearest region's round trip.
    assert!((72.0..=310.0).contains(&wan_p50), "{wan_p50}");
    assert_eq!(wan["violations"], serde_json::json!([]));
    // Timeouts derive from the slowest pair (Sydney-Ireland, 155 ms one way).
    let detect = wan["params"]["detect"].as_str().unwrap();
    assert!(detect.starts_with("3096ms"), "{detect}");
    usage_error(&["run", "raft", "--latency-profile", "mars"], "global-5");
}

#[test]
fn a_scenario_file_gives_latency_per_pair() {
    let path = temp("pairs").join("pairs.toml");
    std::fs::write(
        &path,
        "algorithm = \"raft\"\nnodes = 3\nops = 40\n[network]\nlatency = \"1ms\"\n\
         [network.links]\n\"0-1\" = \"20ms\"\n\"0-2\" = \"20ms\"\n\"1-2\" = \"20ms\"\n",
    )
    .unwrap();
    let r = record(&["--scenario", path.to_str().unwrap()]);
    assert!((f64_at(&r, &["steady", "latency_ms", "p50"]) - 40.0).abs() < 0.01, "{r}");
    assert_eq!(r["network"]["links"]["0-1"], "const:20ms");

    std::fs::write(&path, "algorithm = \"raft\"\nnodes = 3\n[network.links]\n\"0-5\" = \"20ms\"\n").unwrap();
    usage_error(&["run", "--scenario", path.to_str().unwrap()], "links");
    std::fs::write(&path, "algorithm = \"raft\"\n[network.links]\n\"0-0\" = \"20ms\"\n").unwrap();
    usage_error(&["run", "--scenario", path.to_str().unwrap()], "names one node twice");
    usage_error(&["run", "raft", "--service", "recv=1s"], "at most");
    usage_error(&["run", "raft", "--runtime", "threads", "--service", "paxi"], "service");
    usage_error(&["run", "raft", "--bandwidth", "0bit"], "bandwidth");
}

#[test]
fn the_record_counts_bytes_by_kind() {
    let r = record(&["suzuki-kasami", "--nodes", "16", "--ops", "50"]);
    let total = r["bytes_total"].as_u64().unwrap();
    let by_kind: u64 = r["bytes_by_kind"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(total, by_kind);
    assert!(total > 0 && r["bytes_per_op"].as_f64().unwrap() > 0.0);
}

#[test]
fn an_open_loop_keeps_its_rate_until_the_leader_saturates() {
    let point = |rate: &str| {
        let r = record(&["multi-paxos", "--service", "paxi", "--arrival-rate", rate, "--ops", "3000", "--keys", "100"]);
        (f64_at(&r, &["steady", "latency_ms", "p50"]), f64_at(&r, &["steady", "throughput_ops_per_s"]))
    };
    let (light, heavy) = (point("2000"), point("9000"));
    assert!((light.1 - 2000.0).abs() < 100.0, "below capacity the arrivals are served: {light:?}");
    assert!(heavy.1 < 8500.0 && heavy.0 > 3.0 * light.0, "past capacity a queue grows: {light:?} {heavy:?}");
}

#[test]
fn the_workload_knobs_shape_the_commands() {
    let dir = temp("workload");
    let history = |extra: &[&str]| {
        let path = dir.join("h.edn");
        let mut args = vec!["raft", "--ops", "400", "--keys", "50", "--history", path.to_str().unwrap()];
        args.extend_from_slice(extra);
        let r = record(&args);
        assert_eq!(r["violations"], serde_json::json!([]), "{r}");
        (r, std::fs::read_to_string(&path).unwrap())
    };
    let invocations =
        |text: &str| text.lines().filter(|l| l.contains(":type :invoke")).map(str::to_string).collect::<Vec<_>>();
    let (_, reads_only) = history(&["--read-share", "1"]);
    assert!(invocations(&reads_only).iter().all(|l| l.contains(":f :read")));
    let (_, writes_only) = history(&["--read-share", "0"]);
    assert!(invocations(&writes_only).iter().all(|l| !l.contains(":f :read")));
    let (_, skewed) = history(&["--key-skew", "1.5"]);
    let on_key_0 = invocations(&skewed).iter().filter(|l| l.contains(":value [0 ")).count();
    assert!(on_key_0 > 400 / 5, "key 0 is the most popular under Zipf 1.5: {on_key_0} of 400");
    let (small, _) = history(&[]);
    let (big, _) = history(&["--value-size", "1000"]);
    assert!(f64_at(&big, &["bytes_per_op"]) > 5.0 * f64_at(&small, &["bytes_per_op"]), "the byte counts see values");
    usage_error(&["run", "raft", "--read-share", "1.5"], "read_share");
    usage_error(&["run", "raft", "--arrival-rate", "0"], "arrival_rate");
    usage_error(&["run", "raft", "--value-size", "2000000"], "value_size");
    usage_error(&["run", "raft", "--key-skew", "-1"], "key_skew");
}

#[test]
fn on_a_wan_the_built_in_fault_scenarios_stretch_with_failure_detection() {
    let out = temp("wan");
    let output = workbench(&[
        "compare",
        "raft",
        "--latency-profile",
        "global-3",
        "--nodes",
        "3",
        "--seeds",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let runs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("runs.json")).unwrap()).unwrap();
    let crash = runs.as_array().unwrap().iter().find(|r| r["scenario"] == "leader-crash").unwrap();
    // Detection takes up to 4.248 s (ten round trips of Ireland-Tokyo, doubled): 15 x 300 ms.
    assert_eq!(crash["faults"][0]["at_ms"], 15_000.0, "{}", crash["faults"]);
    assert_eq!(crash["elapsed_ms"], 45_000.0);
    assert!(crash["faults"][0]["new_leader_ms"].as_f64().is_some(), "a leader was there to crash, and a new one came");
}

#[test]
fn the_mutex_family_sweeps_its_think_time_as_its_load() {
    let out = temp("think");
    let output = workbench(&[
        "compare",
        "ricart-agrawala",
        "suzuki-kasami",
        "--think",
        "20ms,0ms",
        "--nodes",
        "5",
        "--seeds",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(out.join("latency_throughput_mutex.svg").is_file());
    let peaks = std::fs::read_to_string(out.join("peak_throughput.csv")).unwrap();
    let rows: Vec<&str> = peaks.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{peaks}");
    assert!(rows.iter().all(|r| r.starts_with("steady,mutex,") && r.contains(",think ")), "{peaks}");
    let runs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("runs.json")).unwrap()).unwrap();
    let steady: Vec<_> = runs.as_array().unwrap().iter().filter(|r| r["scenario"] == "steady").collect();
    assert_eq!(steady.len(), 2 * 2 * 2, "2 algorithms x 2 think times x 2 seeds");
    let throughput = |think: &str| -> f64 {
        let at: Vec<f64> = steady
            .iter()
            .filter(|r| r["workload"]["think"] == think)
            .map(|r| r["steady"]["throughput_ops_per_s"].as_f64().unwrap())
            .collect();
        at.iter().sum::<f64>() / at.len() as f64
    };
    assert!(throughput("0ms") > throughput("20ms"), "less thinking, more entries per second");
    usage_error(&["run", "ricart-agrawala", "--think", "1ms,2ms"], "think");
}
