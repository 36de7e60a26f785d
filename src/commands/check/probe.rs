//! `workbench check --probe ALGO|all`: each algorithm under each fault kind alone (crash, crash
//! with restart, partition, one-way cut, bridge, slow node, loss, duplication, reordering), over
//! the campaign's seeds; a matrix of safe, stalled or violated, with the first seed of each.

use harness::campaign::probe::ProbeKind;
use harness::{seeded_rng, RunSpec};
use indicatif::ProgressBar;
use rayon::prelude::*;
use reports::{ProbeCell, ProbeVerdict};

use super::{Campaign, PLAN_STREAM};
use crate::registry::Entry;
use crate::Failure;

/// The checkers whose findings mean "no progress" rather than "a broken promise".
const LIVENESS: [&str; 4] = ["progress", "every-request-granted", "agreement", "termination"];

/// The verdict of one run and what it found.
fn verdict(entry: &Entry, spec: &RunSpec) -> Result<(ProbeVerdict, Option<String>), Failure> {
    let (record, _) = entry.run(spec).map_err(|e| Failure::Run(format!("{}: {e}", entry.name)))?;
    let safety = record.violations.iter().find(|v| !LIVENESS.iter().any(|l| v.starts_with(&format!("{l}:"))));
    if let Some(violation) = safety {
        return Ok((ProbeVerdict::Violated, Some(violation.clone())));
    }
    if let Some(violation) = record.violations.first() {
        return Ok((ProbeVerdict::Stalled, Some(violation.clone())));
    }
    Ok(match record.unfinished {
        Some(unfinished) => (
            ProbeVerdict::Stalled,
            Some(format!(
                "{} of {} ops done when {} ended the run",
                unfinished.ops_done,
                unfinished.ops_target.unwrap_or(0),
                unfinished.ended_by
            )),
        ),
        None => (ProbeVerdict::Safe, None),
    })
}

/// A probe's mutex workload: contended all through the fault window (requests queue up, so a
/// broken assumption shows as a broken invariant rather than as luck), and long enough to span it.
const MUTEX_THINK: std::time::Duration = std::time::Duration::from_millis(20);
const MUTEX_OPS: u64 = 500;

/// The run of `entry` under `kind` for `seed`: the campaign's run, with one fault of that kind.
fn spec_for(campaign: &Campaign, entry: &Entry, kind: ProbeKind, seed: u64) -> RunSpec {
    let mut spec = campaign.spec_for(entry, &[], seed);
    if entry.family == harness::Family::Mutex {
        if !campaign.think_given {
            spec.workload.think = MUTEX_THINK;
        }
        if !campaign.ops_given {
            spec.ops = Some(MUTEX_OPS);
        }
    }
    let mut rng = seeded_rng(seed, PLAN_STREAM - 1);
    let (plan, reorder) = kind.plan(&mut rng, spec.nodes);
    spec.faults = plan;
    spec.network.reorder |= reorder;
    spec
}

/// The matrix for `entries`, one cell per (algorithm, kind).
pub(super) fn probe(entries: &[Entry], campaign: &Campaign, bar: &ProgressBar) -> Result<Vec<ProbeCell>, Failure> {
    let mut cells = Vec::new();
    for entry in entries {
        bar.set_message(entry.name);
        for kind in ProbeKind::ALL {
            let results: Vec<(u64, ProbeVerdict, Option<String>)> = campaign
                .seeds
                .par_iter()
                .map(|seed| {
                    let found = verdict(entry, &spec_for(campaign, entry, kind, *seed));
                    bar.inc(1);
                    found.map(|(v, what)| (*seed, v, what))
                })
                .collect::<Result<_, _>>()?;
            let worst = results.iter().map(|(_, v, _)| *v).max().unwrap_or(ProbeVerdict::Safe);
            let first = results.iter().find(|(_, v, _)| *v == worst && worst != ProbeVerdict::Safe);
            cells.push(ProbeCell {
                algorithm: entry.name.to_string(),
                fault: kind.name().to_string(),
                verdict: worst,
                seed: first.map(|(seed, _, _)| *seed),
                violation: first.and_then(|(_, _, what)| what.clone()),
                claimed: entry.tolerates.contains(&kind.class()),
            });
        }
    }
    Ok(cells)
}
