//! Shrinking a failing run: faults removed one at a time, then ops halved, while it still fails.

use harness::RunSpec;

use super::{failures, Failure};
use crate::registry::Entry;

/// The smallest run found that still fails.
pub fn shrink(entry: &Entry, failing: &RunSpec) -> Result<RunSpec, Failure> {
    let mut best = failing.clone();
    'faults: loop {
        for i in 0..best.faults.faults.len() {
            let mut candidate = best.clone();
            candidate.faults.faults.remove(i);
            if !failures(entry, &candidate)?.is_empty() {
                best = candidate;
                continue 'faults;
            }
        }
        break;
    }
    while let Some(ops) = best.ops.filter(|o| *o > 1) {
        let candidate = RunSpec { ops: Some(ops / 2), ..best.clone() };
        if failures(entry, &candidate)?.is_empty() {
            break;
        }
        best = candidate;
    }
    Ok(best)
}
