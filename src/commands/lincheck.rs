//! `workbench lincheck FILE.edn`: the workbench's linearizability checker on any Jepsen EDN
//! history of key-value operations (what `run --history` writes, or a history from another
//! implementation in any language). Exit 0 linearizable, 1 not, 2 a file it cannot read, 3 when
//! the search gave up on some key and found nothing wrong elsewhere (no verdict).

use std::io::Read;
use std::path::Path;

use harness::checkers::{verdicts, Verdict, STEP_LIMIT};

use crate::Failure;

/// The largest history read.
const MAX_BYTES: u64 = 1 << 30;

/// What the check found, for the exit code.
pub enum Outcome {
    Linearizable,
    Not,
    GaveUp,
}

/// Checks the history in `path`; returns the report and the outcome.
pub fn lincheck(path: &Path) -> Result<(String, Outcome), Failure> {
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| Failure::Usage(format!("{shown}: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes).map_err(|e| Failure::Usage(format!("{shown}: {e}")))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(Failure::Usage(format!("{shown}: larger than {} MiB", MAX_BYTES >> 20)));
    }
    let text = String::from_utf8(bytes).map_err(|_| Failure::Usage(format!("{shown}: not UTF-8 text")))?;
    let operations = reports::edn::read_history(&text).map_err(|e| Failure::Usage(format!("{shown}: {e}")))?;
    let keys = verdicts(&operations, STEP_LIMIT);
    let mut report = String::new();
    let (mut not, mut gave_up) = (0, 0);
    for key in &keys {
        match key.verdict {
            Verdict::Linearizable => {}
            Verdict::Not { .. } => not += 1,
            Verdict::GaveUp => gave_up += 1,
        }
        if key.verdict != Verdict::Linearizable {
            report.push_str(&format!("{key}\n"));
        }
    }
    let answered = operations.iter().filter(|o| o.completed.is_some()).count();
    report.push_str(&format!(
        "{} operations ({answered} answered) on {} keys: {} not linearizable, {} undecided (search gave up after {STEP_LIMIT} steps), {} linearizable\n",
        operations.len(),
        keys.len(),
        not,
        gave_up,
        keys.len() - not - gave_up
    ));
    let outcome = match (not, gave_up) {
        (0, 0) => Outcome::Linearizable,
        (0, _) => Outcome::GaveUp,
        _ => Outcome::Not,
    };
    Ok((report, outcome))
}
