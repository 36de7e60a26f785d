//! The algorithm registry: every algorithm the CLI knows, by name.

use harness::formula::FormulaRow;
use harness::{Algorithm, Family, RunError, RunOutcome, RunRecord, RunSpec, SpecError};

/// What the CLI knows of one algorithm.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub name: &'static str,
    pub family: Family,
    pub summary: &'static str,
    pub variants: &'static [(&'static str, &'static str)],
    /// Checks a run description for it without running anything.
    pub prepare: fn(&RunSpec) -> Result<(), SpecError>,
    /// Runs it and also returns the runtime's outcome (history, counters).
    pub run_with_outcome: fn(&RunSpec) -> Result<(RunRecord, RunOutcome), RunError>,
    /// The same, recording the event trace in the outcome.
    pub run_traced: fn(&RunSpec) -> Result<(RunRecord, RunOutcome), RunError>,
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
        prepare: |spec| harness::prepare::<A>(spec).map(|_| ()),
        run_with_outcome: harness::run_with_outcome::<A>,
        run_traced: harness::run_traced::<A>,
        formula: harness::formula::check::<A>,
        tolerates: A::TOLERATES,
    }
}

impl Entry {
    /// Runs `spec` and returns the record, stamped with the command that reproduces it and the
    /// workbench version, and the outcome.
    pub fn run(&self, spec: &RunSpec) -> Result<(RunRecord, RunOutcome), RunError> {
        let (record, outcome) = (self.run_with_outcome)(spec)?;
        Ok((self.stamp(record, spec), outcome))
    }

    /// Like [`Entry::run`], with the event trace in the outcome; its run line carries the command.
    pub fn run_traced(&self, spec: &RunSpec) -> Result<(RunRecord, RunOutcome), RunError> {
        let (record, mut outcome) = (self.run_traced)(spec)?;
        let record = self.stamp(record, spec);
        if let Some(first) = outcome.trace.as_mut().and_then(|t| t.lines.first_mut()) {
            if let harness::trace::TraceEvent::Run { command, .. } = &mut first.event {
                command.clone_from(&record.command);
            }
        }
        Ok((record, outcome))
    }

    fn stamp(&self, mut record: RunRecord, spec: &RunSpec) -> RunRecord {
        record.command = crate::flags::run_command(self.name, spec);
        record.workbench_version = env!("CARGO_PKG_VERSION").to_string();
        record
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
        format!("unknown algorithm `{}` (known: {}); see `workbench list`", harness::excerpt(name), known.join(", "))
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
