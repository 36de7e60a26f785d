//! See a run: `run --trace` and `--diagram` in both runtimes, `workbench diagram` (the page and the
//! ShiViz log), and the picture `check` leaves beside a failing run.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn workbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_workbench")).args(args).output().expect("the binary runs")
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("workbench-trace-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect()
}

fn count(lines: &[Value], event: &str) -> usize {
    lines.iter().filter(|l| l["event"] == event).count()
}

/// Runs raft with a crash and a partition that strike, writing the trace and the diagram; returns
/// the record and the trace lines.
fn traced_run(dir: &Path, extra: &[&str]) -> (Value, Vec<Value>) {
    let trace = dir.join("t.jsonl");
    let diagram = dir.join("d.html");
    let mut args = vec![
        "run",
        "raft",
        "--nodes",
        "3",
        "--duration",
        "1200ms",
        "--fault",
        "crash:0@300ms..600ms",
        "--fault",
        "partition:1|0,2@700ms..900ms",
        "--trace",
        trace.to_str().unwrap(),
        "--diagram",
        diagram.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let output = workbench(&args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let record: Value = serde_json::from_slice(&output.stdout).expect("a record");
    let page = std::fs::read_to_string(&diagram).expect("the diagram was written");
    assert!(!page.contains("src=\"http") && !page.contains("href=\"http"), "the page fetches nothing");
    (record, lines(&trace))
}

fn check_trace(record: &Value, trace: &[Value]) {
    assert_eq!(trace[0]["event"], "run", "the first line says what ran");
    assert_eq!(count(trace, "send") as u64, record["messages_total"].as_u64().unwrap(), "one send line per message");
    for event in ["deliver", "timer_set", "timer_fire", "observe", "crash", "restart", "fault", "invoke", "reply"] {
        assert!(count(trace, event) > 0, "no {event} line");
    }
    // Every delivery and drop names a message that was sent, and nothing arrives before it left.
    let sent: HashMap<u64, u64> = trace
        .iter()
        .filter(|l| l["event"] == "send")
        .map(|l| (l["id"].as_u64().unwrap(), l["time"].as_u64().unwrap()))
        .collect();
    for line in trace.iter().filter(|l| l["event"] == "deliver" || l["event"] == "drop") {
        let at = sent.get(&line["id"].as_u64().unwrap()).expect("delivered or dropped after a send");
        assert!(line["time"].as_u64().unwrap() >= *at);
    }
    let times: Vec<u64> = trace.iter().map(|l| l["time"].as_u64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "lines in time order");
    // The partition cost messages, and the drop lines say why.
    assert!(trace.iter().any(|l| l["event"] == "drop" && l["why"] == "partition"));
}

#[test]
fn a_simulated_run_traces_every_message_and_the_same_seed_gives_the_same_trace() {
    let dir = temp("sim");
    let (record, trace) = traced_run(&dir, &[]);
    check_trace(&record, &trace);
    let again = std::fs::read(dir.join("t.jsonl")).unwrap();
    traced_run(&dir, &[]);
    assert_eq!(std::fs::read(dir.join("t.jsonl")).unwrap(), again, "same seed, byte-identical trace");
    traced_run(&dir, &["--seed", "2"]);
    assert_ne!(std::fs::read(dir.join("t.jsonl")).unwrap(), again, "another seed, another trace");
}

#[test]
fn a_threaded_run_writes_a_trace_and_a_diagram_too() {
    let dir = temp("threads");
    let (record, trace) = traced_run(&dir, &["--runtime", "threads"]);
    check_trace(&record, &trace);
}

/// Parses a ShiViz log: (host, clock, event text) per line after the two header lines.
fn shiviz(path: &Path) -> Vec<(String, BTreeMap<String, u64>, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().contains("(?<clock>"), "the first line is the parsing expression");
    assert_eq!(lines.next(), Some(""), "one execution");
    lines
        .map(|line| {
            let (host, rest) = line.split_once(' ').unwrap();
            let end = rest.find('}').unwrap() + 1;
            let clock: BTreeMap<String, u64> = serde_json::from_str(&rest[..end]).expect("a JSON vector clock");
            (host.to_string(), clock, rest[end..].trim().to_string())
        })
        .collect()
}

#[test]
fn the_shiviz_clocks_respect_happens_before() {
    let dir = temp("shiviz");
    traced_run(&dir, &[]);
    let log = dir.join("t.log");
    let output = workbench(&["diagram", dir.join("t.jsonl").to_str().unwrap(), "--shiviz", log.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let events = shiviz(&log);
    assert!(events.len() > 100);
    let mut own: HashMap<String, u64> = HashMap::new();
    let mut sends: HashMap<String, BTreeMap<String, u64>> = HashMap::new();
    let mut deliveries = 0;
    for (host, clock, text) in &events {
        // A node's own count goes up by one per event, from 1.
        let mine = own.entry(host.clone()).or_insert(0);
        *mine += 1;
        assert_eq!(clock[host], *mine, "{host}'s clock at `{text}`");
        let id = || text.split_whitespace().find(|w| w.starts_with('#')).expect("a message id").to_string();
        if text.starts_with("send ") {
            sends.insert(id(), clock.clone());
        } else if text.starts_with("deliver ") {
            deliveries += 1;
            let sent = &sends[&id()];
            for (other, count) in sent {
                assert!(clock.get(other).copied().unwrap_or(0) >= *count, "a delivery's clock dominates its send's");
            }
            assert!(clock[host] > sent.get(host).copied().unwrap_or(0));
        }
    }
    assert!(deliveries > 50);
}

#[test]
fn check_leaves_the_diagram_of_the_shrunk_failing_run() {
    let dir = temp("check");
    let output =
        workbench(&["check", "raft", "--variant", "bug-vote-twice", "--seeds", "40", "--out", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("diagram of the shrunk run"), "{stdout}");
    let files: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let page = files.iter().find(|f| f.ends_with("-shrunk.html")).expect("a diagram of the shrunk run");
    let trace = files.iter().find(|f| f.ends_with("-shrunk.trace.jsonl")).expect("its trace");
    let marked = lines(&dir.join(trace));
    let violation = marked.iter().find(|l| l["event"] == "violation").expect("the violation is in the trace");
    assert!(!violation["nodes"].as_array().unwrap().is_empty(), "and names its nodes");
    assert!(std::fs::read_to_string(dir.join(page)).unwrap().contains("one-vote-per-term"));
}

#[test]
fn the_diagram_command_refuses_what_it_cannot_use() {
    let dir = temp("refuse");
    let bad = dir.join("bad.jsonl");
    std::fs::write(&bad, "{\"time\": 0, \"event\": \"crash\"}\nnot json\n").unwrap();
    let out = dir.join("d.html");
    for args in [
        vec!["diagram", bad.to_str().unwrap(), "--out", out.to_str().unwrap()],
        vec!["diagram", bad.to_str().unwrap()],
        vec!["diagram", dir.join("missing.jsonl").to_str().unwrap(), "--out", out.to_str().unwrap()],
    ] {
        let output = workbench(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    }
    let output = workbench(&["diagram", bad.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("line 2"), "the bad line is named");
}
