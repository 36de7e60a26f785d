//! A comparison: every run of a grid, the scenarios they ran under, the formula checks, and how
//! to reproduce it.

use harness::formula::FormulaRow;
use harness::metrics::Completion;
use harness::{Family, RunRecord, RunSpec, RuntimeKind};

/// One section of a comparison: the description every algorithm of its families ran under.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ScenarioInfo {
    pub name: String,
    pub about: String,
    pub families: Vec<Family>,
    pub spec: RunSpec,
}

impl ScenarioInfo {
    /// Whether the description has a fault plan (timeline and failure table).
    pub fn has_faults(&self) -> bool {
        !self.spec.faults.is_empty()
    }
}

/// One run of the grid.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RunResult {
    /// The scenario's name.
    pub scenario: String,
    /// The algorithm with its variant, as compared (`raft:prevote`).
    pub label: String,
    pub record: RunRecord,
    /// Each op's request and completion.
    pub completions: Vec<Completion>,
}

impl RunResult {
    /// Each op's latency in nanoseconds.
    pub fn samples(&self) -> Vec<u64> {
        self.completions.iter().map(Completion::latency).collect()
    }
}

/// Everything a report is made of.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// The command that reproduces the comparison.
    pub command: String,
    /// The workbench version that ran it.
    pub version: String,
    pub seeds: Vec<u64>,
    pub scenarios: Vec<ScenarioInfo>,
    pub runs: Vec<RunResult>,
    /// The formula scenario of each algorithm at each N.
    pub formulas: Vec<FormulaRow>,
    /// Each algorithm under each fault kind alone: what breaks what.
    pub probe: Vec<crate::ProbeCell>,
}

/// Distinct values in first-seen order.
fn distinct<T: PartialEq>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

impl Comparison {
    /// The families present, in order.
    pub fn families(&self) -> Vec<Family> {
        let mut families: Vec<Family> = distinct(self.runs.iter().map(|r| r.record.family));
        families.sort();
        families
    }

    /// The runs of `scenario` in `family`.
    pub fn runs_in<'a>(&'a self, scenario: &'a str, family: Family) -> impl Iterator<Item = &'a RunResult> + 'a {
        self.runs.iter().filter(move |r| r.scenario == scenario && r.record.family == family)
    }

    /// The algorithms (labels) of `family`, in first-seen order.
    pub fn labels(&self, family: Family) -> Vec<String> {
        distinct(self.runs.iter().filter(|r| r.record.family == family).map(|r| r.label.clone()))
    }

    /// The cluster sizes of `scenario`, ascending.
    pub fn node_counts(&self, scenario: &str) -> Vec<usize> {
        let mut nodes = distinct(self.runs.iter().filter(|r| r.scenario == scenario).map(|r| r.record.nodes));
        nodes.sort();
        nodes
    }

    /// The runtimes present.
    pub fn runtimes(&self) -> Vec<RuntimeKind> {
        let mut runtimes = distinct(self.runs.iter().map(|r| r.record.runtime));
        runtimes.sort();
        runtimes
    }

    /// `label` with its runtime when the comparison has several.
    pub fn series_name(&self, label: &str, runtime: RuntimeKind) -> String {
        if self.runtimes().len() > 1 {
            format!("{label} ({runtime})")
        } else {
            label.to_string()
        }
    }
}
