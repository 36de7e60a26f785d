//! The algorithm registry: every algorithm the CLI knows, by name.

use harness::formula::FormulaRow;
use harness::{Algorithm, Family, RunError, RunRecord, RunSpec};

/// A run's record and each op's latency in nanoseconds.
pub type DetailedRun = Result<(RunRecord, Vec<u64>), RunError>;

/// What the CLI knows of one algorithm.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub name: &'static str,
    pub family: Family,
    pub summary: &'static str,
    pub variants: &'static [(&'static str, &'static str)],
    /// Runs it and also returns the history.
    pub run_with_history: fn(&RunSpec) -> Result<(RunRecord, harness::History), RunError>,
    /// Runs it and also returns each op's latency in nanoseconds.
    pub run_with_samples: fn(&RunSpec) -> DetailedRun,
    /// The fault classes it is designed to survive.
    pub tolerates: &'static [harness::FaultClass],
    /// Runs its formula scenario at N and compares; `None` if it states no formula.
    pub formula: fn(usize) -> Option<Result<FormulaRow, RunError>>,
}

fn entry<A: Algorithm>() -> Entry {
    Entry {
        name: A::NAME,
        family: A::FAMILY,
        summary: A::SUMMARY,
        variants: A::VARIANTS,
        run_with_samples: harness::run_with_samples::<A>,
        run_with_history: |spec| {
            harness::run_with_outcome::<A>(spec).map(|(record, outcome)| (record, outcome.history))
        },
        formula: harness::formula::check::<A>,
        tolerates: A::TOLERATES,
    }
}

/// Every registered algorithm, by family then name.
pub fn all() -> Vec<Entry> {
    let mut entries = vec![
        entry::<bully::Bully>(),
        entry::<centralized::Centralized>(),
        entry::<lamport::Lamport>(),
        entry::<maekawa::Maekawa>(),
        entry::<multi_paxos::MultiPaxos>(),
        entry::<paxos::Paxos>(),
        entry::<raft::Raft>(),
        entry::<ricart_agrawala::RicartAgrawala>(),
        entry::<ring::Ring>(),
        entry::<suzuki_kasami::SuzukiKasami>(),
        entry::<token_ring::TokenRing>(),
    ];
    entries.sort_by_key(|e| (e.family, e.name));
    entries
}

/// The algorithm called `name`, or an error listing the known ones.
pub fn find(name: &str) -> Result<Entry, String> {
    let entries = all();
    entries.iter().find(|e| e.name == name).copied().ok_or_else(|| {
        let known: Vec<&str> = entries.iter().map(|e| e.name).collect();
        format!("unknown algorithm `{name}` (known: {}); see `workbench list`", known.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_findable() {
        let entries = all();
        for entry in &entries {
            assert_eq!(find(entry.name).unwrap().name, entry.name);
            assert_eq!(entries.iter().filter(|e| e.name == entry.name).count(), 1, "{} twice", entry.name);
        }
        assert!(find("paxos-made-simpler").unwrap_err().contains("unknown algorithm `paxos-made-simpler`"));
    }

    #[test]
    fn every_algorithm_states_a_formula() {
        for entry in all() {
            assert!((entry.formula)(3).is_some(), "{} has no formula", entry.name);
        }
    }
}
