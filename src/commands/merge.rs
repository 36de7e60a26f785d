//! `workbench merge`: the shard files of `check --shard K/N` or `compare --shard K/N` jobs,
//! combined into what one unsharded run prints (`check`) or writes (`compare`).

use std::path::PathBuf;

use crate::cli::MergeArgs;
use crate::commands::check::{report_lines, totals, AlgorithmResult, CheckShard};
use crate::commands::compare::{write_merged, CompareShard};
use crate::shard;
use crate::Failure;

/// Merges the shard files found in the folders; returns what to print and whether every seed
/// passed (`check`) or no run broke a promise (`compare`).
pub fn merge(args: &MergeArgs) -> Result<(String, bool), Failure> {
    let checks: Vec<(PathBuf, CheckShard)> = shard::read_all(&args.dirs, "check").map_err(Failure::Usage)?;
    let compares: Vec<(PathBuf, CompareShard)> = shard::read_all(&args.dirs, "compare").map_err(Failure::Usage)?;
    match (checks.is_empty(), compares.is_empty()) {
        (false, true) => merge_checks(checks),
        (true, false) => write_merged(compares, &args.out),
        (false, false) => {
            Err(Failure::Usage("the folders hold both check and compare shards: merge one kind at a time".into()))
        }
        (true, true) => Err(Failure::Usage(format!(
            "no shard files (check-shard-K-of-N.json, compare-shard-K-of-N.json) in {}",
            args.dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// The campaign's lines: per algorithm, the seeds of every shard summed and the earliest
/// failing seed's report, then the totals.
fn merge_checks(mut shards: Vec<(PathBuf, CheckShard)>) -> Result<(String, bool), Failure> {
    let count =
        shard::complete(&shards.iter().map(|(_, s)| s.shard).collect::<Vec<_>>(), "check").map_err(Failure::Usage)?;
    let campaign = shards[0].1.campaign.clone();
    if let Some((path, other)) = shards.iter().find(|(_, s)| s.campaign != campaign) {
        return Err(Failure::Usage(format!(
            "{} is a shard of another campaign:\n  {}\nnot\n  {campaign}",
            path.display(),
            other.campaign
        )));
    }
    shards.sort_by_key(|(_, s)| s.shard.index);
    let mut merged: Vec<AlgorithmResult> = Vec::new();
    for (path, shard) in &shards {
        if shard.algorithms.len() != shards[0].1.algorithms.len() {
            return Err(Failure::Usage(format!("{} covers other algorithms than its sibling shards", path.display())));
        }
    }
    for (position, first) in shards[0].1.algorithms.iter().enumerate() {
        let mut result =
            AlgorithmResult { passed: 0, undecided: 0, failed: Vec::new(), first_failure: None, ..first.clone() };
        let mut earliest: Option<u64> = None;
        for (_, shard) in &shards {
            let part = &shard.algorithms[position];
            result.passed += part.passed;
            result.undecided += part.undecided;
            result.failed.extend(part.failed.iter().cloned());
            if let Some((seed, _)) = part.failed.first() {
                if earliest.is_none_or(|e| *seed < e) {
                    earliest = Some(*seed);
                    result.first_failure = part.first_failure.clone();
                }
            }
        }
        result.failed.sort_by_key(|(seed, _)| *seed);
        merged.push(result);
    }
    let (passed, failed) = totals(&merged);
    let mut report = report_lines(&merged);
    report.push_str(&format!("{} seeds from {count} shards of: {campaign}\n", passed + failed));
    report.push_str(&format!("{passed} passed, {failed} failed\n"));
    Ok((report, failed == 0))
}
