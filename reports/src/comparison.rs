//! A comparison: every run of a grid, the formula checks, and how to reproduce it.

use harness::formula::FormulaRow;
use harness::{Family, RunRecord};

/// One run of the grid: its record and each op's latency in nanoseconds.
#[derive(Clone, Debug)]
pub struct RunResult {
    pub record: RunRecord,
    pub samples: Vec<u64>,
}

/// Everything a report is made of.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// The exact command that reproduces the comparison.
    pub command: String,
    pub seeds: Vec<u64>,
    pub runs: Vec<RunResult>,
    /// The formula scenario of each algorithm at each N of the grid.
    pub formulas: Vec<FormulaRow>,
}

impl Comparison {
    /// The families present, in order.
    pub fn families(&self) -> Vec<Family> {
        let mut families: Vec<Family> = self.runs.iter().map(|r| r.record.family).collect();
        families.sort();
        families.dedup();
        families
    }

    /// The algorithms of `family`, in first-seen order.
    pub fn algorithms(&self, family: Family) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for run in self.runs.iter().filter(|r| r.record.family == family) {
            if !names.contains(&run.record.algorithm) {
                names.push(run.record.algorithm.clone());
            }
        }
        names
    }

    /// The cluster sizes, ascending.
    pub fn node_counts(&self) -> Vec<usize> {
        let mut nodes: Vec<usize> = self.runs.iter().map(|r| r.record.nodes).collect();
        nodes.sort();
        nodes.dedup();
        nodes
    }

    /// The runs of `algorithm` at `nodes`.
    pub fn runs_of<'a>(&'a self, algorithm: &'a str, nodes: usize) -> impl Iterator<Item = &'a RunResult> + 'a {
        self.runs.iter().filter(move |r| r.record.algorithm == algorithm && r.record.nodes == nodes)
    }

    /// The formula's predicted messages per op for `algorithm` at `nodes`, if checked.
    pub fn formula_per_op(&self, algorithm: &str, nodes: usize) -> Option<f64> {
        self.formulas.iter().find(|f| f.algorithm == algorithm && f.nodes == nodes).map(|f| f.expected_per_op)
    }
}
