//! `--shard K/N` and `workbench merge`: shards merged give what one unsharded run gives, run by
//! hand, by GNU parallel, or (syntax only: there is no Slurm here) by a Slurm job array.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_workbench")).args(args).output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("workbench-shards-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The campaign's lines without the one that says how long it took (or how it was split).
fn verdict(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.contains(" seeds in ") && !l.contains(" seeds from ") && !l.starts_with("shard "))
        .map(|l| l.split("replay:").next().unwrap().to_string())
        .filter(|l| !l.contains(".toml") && !l.contains(".html"))
        .collect()
}

fn check_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["check", "multi-paxos", "--variant", "bug-flexible-disjoint", "--seeds", "40", "--out", out];
    args.extend_from_slice(extra);
    args
}

#[test]
fn four_check_shards_merged_equal_the_unsharded_campaign() {
    let dir = scratch("check");
    let whole = workbench(&check_args(dir.join("whole").to_str().unwrap(), &[]));
    let mut shard_dirs = Vec::new();
    for k in 1..=4 {
        let out = dir.join(format!("s{k}"));
        let shard = format!("{k}/4");
        let output = workbench(&check_args(out.to_str().unwrap(), &["--shard", &shard]));
        assert!(out.join(format!("check-shard-{k}-of-4.json")).is_file(), "{}", stdout(&output));
        shard_dirs.push(out.to_str().unwrap().to_string());
    }
    let mut merge = vec!["merge"];
    merge.extend(shard_dirs.iter().map(String::as_str));
    let merged = workbench(&merge);
    // The mutant fails some of these seeds: the merged verdict must name the same ones.
    assert_eq!(whole.status.code(), Some(1), "{}", stdout(&whole));
    assert_eq!(merged.status.code(), whole.status.code());
    assert_eq!(verdict(&stdout(&merged)), verdict(&stdout(&whole)));
    assert!(stdout(&merged).contains("40 seeds from 4 shards"), "{}", stdout(&merged));

    // A missing shard, or a shard of another campaign, is refused before anything is printed.
    let missing = workbench(&["merge", &shard_dirs[0], &shard_dirs[2]]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("missing: 2/4, 4/4"));
    let other = dir.join("other");
    workbench(&["check", "raft", "--seeds", "8", "--shard", "2/4", "--out", other.to_str().unwrap()]);
    let mixed = workbench(&["merge", &shard_dirs[0], other.to_str().unwrap(), &shard_dirs[2], &shard_dirs[3]]);
    assert_eq!(mixed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&mixed.stderr).contains("another campaign"));
}

/// Every file of two report folders, byte for byte.
fn assert_same_tree(a: &Path, b: &Path) {
    let names = |dir: &Path| {
        let mut names: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        names
    };
    assert_eq!(names(a), names(b));
    for name in names(a) {
        let (x, y) = (std::fs::read(a.join(&name)).unwrap(), std::fs::read(b.join(&name)).unwrap());
        assert!(x == y, "{} differs", name.to_string_lossy());
    }
}

#[test]
fn four_compare_shards_merged_write_the_unsharded_report() {
    let dir = scratch("compare");
    let report = dir.join("report");
    let grid = ["compare", "raft", "paxos", "--seeds", "2", "--nodes", "3,5", "--ops", "40"];
    let out = report.to_str().unwrap();
    let whole = workbench(&[&grid[..], &["--out", out]].concat());
    assert!(whole.status.success(), "{}", String::from_utf8_lossy(&whole.stderr));
    let unsharded = dir.join("unsharded");
    std::fs::rename(&report, &unsharded).unwrap();
    let mut shard_dirs = Vec::new();
    for k in 1..=4 {
        let shard_out = dir.join(format!("s{k}"));
        let shard = format!("{k}/4");
        let output = workbench(&[&grid[..], &["--shard", &shard, "--out", shard_out.to_str().unwrap()]].concat());
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(!shard_out.join("index.html").exists(), "a shard writes no report");
        shard_dirs.push(shard_out.to_str().unwrap().to_string());
    }
    let mut merge = vec!["merge", "--out", out];
    merge.extend(shard_dirs.iter().map(String::as_str));
    let merged = workbench(&merge);
    assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
    assert_same_tree(&report, &unsharded);
}

/// GNU parallel runs the shards as local jobs (with `--sshlogin` the same line spreads them
/// over machines). CI installs it; elsewhere the test says it was not run unless told to insist.
#[test]
fn gnu_parallel_runs_the_shards() {
    if Command::new("parallel").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("WORKBENCH_REQUIRE_PARALLEL").is_none(),
            "GNU parallel is required here: apt-get install parallel"
        );
        eprintln!("GNU parallel is not installed: skipping its shard test (apt-get install parallel)");
        return;
    }
    let dir = scratch("parallel");
    let bin = env!("CARGO_BIN_EXE_workbench");
    let status = Command::new("parallel")
        .args(["--will-cite", "--halt", "now,fail=1", "-j", "2"])
        .arg(format!("{bin} check raft --seeds 24 --shard {{}}/3 --out {}/{{}}", dir.display()))
        .args([":::", "1", "2", "3"])
        .status()
        .expect("parallel runs");
    assert!(status.success());
    let dirs: Vec<String> = (1..=3).map(|k| dir.join(k.to_string()).display().to_string()).collect();
    let merged = workbench(&[&["merge"][..], &dirs.iter().map(String::as_str).collect::<Vec<_>>()].concat());
    let whole = workbench(&["check", "raft", "--seeds", "24", "--out", dir.join("whole").to_str().unwrap()]);
    assert!(merged.status.success(), "{}", stdout(&merged));
    assert_eq!(verdict(&stdout(&merged)), verdict(&stdout(&whole)));
}

/// The Slurm job array script parses (bash -n) and asks for an array Slurm accepts.
#[test]
fn the_slurm_array_script_is_well_formed() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm-shards.sbatch");
    let syntax = Command::new("bash").arg("-n").arg(&script).status().expect("bash runs");
    assert!(syntax.success(), "bash -n {}", script.display());
    let text = std::fs::read_to_string(&script).unwrap();
    let array =
        text.lines().find_map(|l| l.strip_prefix("#SBATCH --array=")).expect("the script declares its job array");
    let (low, high) = array.split_once('-').expect("an array is LOW-HIGH");
    let (low, high): (u32, u32) = (low.parse().unwrap(), high.parse().unwrap());
    assert!(low == 1 && high >= low, "shards are numbered from 1: {array}");
    assert!(text.contains("--shard \"${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}\""));
    // Every #SBATCH line comes before the first command, as sbatch requires.
    let first_command = text.lines().position(|l| !l.starts_with('#') && !l.trim().is_empty()).unwrap();
    assert!(text.lines().skip(first_command).all(|l| !l.starts_with("#SBATCH")));
}
