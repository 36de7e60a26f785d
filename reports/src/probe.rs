//! The probe matrix: each algorithm under each fault kind alone, and what came of it. The
//! teaching table of which assumption each algorithm rests on.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

/// What an algorithm did under one fault kind, over a probe's seeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeVerdict {
    /// Every run kept every invariant and finished its work.
    Safe,
    /// No invariant broke, but some run did not finish its work (it stopped making progress).
    Stalled,
    /// Some run broke a safety invariant.
    Violated,
}

/// One cell of the matrix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeCell {
    pub algorithm: String,
    /// The fault kind (`crash`, `partition`, `reordering`, ...).
    pub fault: String,
    pub verdict: ProbeVerdict,
    /// The first seed that showed the verdict (none when safe).
    pub seed: Option<u64>,
    /// What that seed found.
    pub violation: Option<String>,
    /// Whether the algorithm claims to survive this kind (its campaigns draw it).
    pub claimed: bool,
}

impl ProbeVerdict {
    fn word(self) -> &'static str {
        match self {
            ProbeVerdict::Safe => "safe",
            ProbeVerdict::Stalled => "stalled",
            ProbeVerdict::Violated => "VIOLATED",
        }
    }
}

/// The matrix as aligned text, then one line per cell that is not safe.
pub fn matrix_text(cells: &[ProbeCell]) -> String {
    let mut algorithms: Vec<&str> = Vec::new();
    let mut kinds: Vec<&str> = Vec::new();
    for cell in cells {
        if !algorithms.contains(&cell.algorithm.as_str()) {
            algorithms.push(&cell.algorithm);
        }
        if !kinds.contains(&cell.fault.as_str()) {
            kinds.push(&cell.fault);
        }
    }
    let width = algorithms.iter().map(|a| a.len()).max().unwrap_or(9).max(9);
    let mut out = format!("{:width$}", "algorithm");
    for kind in &kinds {
        let _ = write!(out, " {kind:>12}");
    }
    out.push('\n');
    for algorithm in &algorithms {
        let _ = write!(out, "{algorithm:width$}");
        for kind in &kinds {
            let cell = cells.iter().find(|c| c.algorithm == *algorithm && c.fault == *kind);
            let text =
                cell.map_or("-".to_string(), |c| format!("{}{}", c.verdict.word(), if c.claimed { "*" } else { "" }));
            let _ = write!(out, " {text:>12}");
        }
        out.push('\n');
    }
    out.push_str("(* = a fault kind the algorithm claims to survive: its `check` campaigns draw it)\n");
    for cell in cells.iter().filter(|c| c.verdict != ProbeVerdict::Safe) {
        let _ = writeln!(
            out,
            "{} × {}: {} at seed {}: {}",
            cell.algorithm,
            cell.fault,
            cell.verdict.word().to_lowercase(),
            cell.seed.unwrap_or(0),
            cell.violation.as_deref().unwrap_or("")
        );
    }
    out
}
