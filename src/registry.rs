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
    /// How many nodes a campaign may have down at once ([`Algorithm::crash_budget`]).
    pub crash_budget: fn(&harness::RunSpec) -> usize,
    /// It hands leadership over on request ([`Algorithm::TRANSFERS_LEADERSHIP`]): campaigns
    /// add transfers to its plans.
    pub transfers_leadership: bool,
    /// It changes its membership ([`Algorithm::CHANGES_MEMBERSHIP`]): campaigns add spare nodes
    /// and membership changes to its plans.
    pub changes_membership: bool,
    /// Parameters campaigns vary ([`Algorithm::CAMPAIGN_PARAMS`]).
    pub campaign_params: &'static [(&'static str, &'static [&'static str])],
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
        crash_budget: A::crash_budget,
        transfers_leadership: A::TRANSFERS_LEADERSHIP,
        campaign_params: A::CAMPAIGN_PARAMS,
        changes_membership: A::CHANGES_MEMBERSHIP,
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

/// The algorithms a `workbench` knows: the built-in ones, and any an out-of-tree crate adds
/// ([`Registry::with`]) before handing the registry to [`crate::main_with`].
#[derive(Clone, Debug, Default)]
pub struct Registry {
    entries: Vec<Entry>,
}

impl Registry {
    /// No algorithms at all.
    pub fn empty() -> Self {
        Registry::default()
    }

    /// The algorithms that ship with the workbench.
    pub fn builtin() -> Self {
        Registry::empty()
            .with::<bully::Bully>()
            .with::<centralized::Centralized>()
            .with::<lamport::Lamport>()
            .with::<maekawa::Maekawa>()
            .with::<multi_paxos::MultiPaxos>()
            .with::<paxos::Paxos>()
            .with::<raft::Raft>()
            .with::<ricart_agrawala::RicartAgrawala>()
            .with::<ring::Ring>()
            .with::<suzuki_kasami::SuzukiKasami>()
            .with::<token_ring::TokenRing>()
            .with::<fast_paxos::FastPaxos>()
            .with::<zab::Zab>()
    }

    /// Adds algorithm `A`; every command then knows it by `A::NAME`.
    pub fn with<A: Algorithm>(mut self) -> Self {
        self.entries.push(entry::<A>());
        self.entries.sort_by_key(|e| (e.family, e.name));
        self
    }

    /// Every registered algorithm, by family then name.
    pub fn all(&self) -> Vec<Entry> {
        self.entries.clone()
    }

    /// The algorithm called `name`, or an error listing the known ones.
    pub fn find(&self, name: &str) -> Result<Entry, String> {
        self.entries.iter().find(|e| e.name == name).copied().ok_or_else(|| {
            let known: Vec<&str> = self.entries.iter().map(|e| e.name).collect();
            format!(
                "unknown algorithm `{}` (known: {}); see `{} list`",
                harness::excerpt(name),
                known.join(", "),
                crate::program()
            )
        })
    }

    /// Checks the names before any command runs: each one once, and usable on a command line.
    pub fn validate(&self) -> Result<(), String> {
        for (i, entry) in self.entries.iter().enumerate() {
            let usable = !entry.name.is_empty()
                && entry.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
            if !usable {
                return Err(format!(
                    "algorithm name `{}`: use lower-case letters, digits, `-` and `_`",
                    harness::excerpt(entry.name)
                ));
            }
            if self.entries[..i].iter().any(|e| e.name == entry.name) {
                return Err(format!("algorithm name `{}` is registered twice", entry.name));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_findable() {
        let registry = Registry::builtin();
        registry.validate().unwrap();
        for entry in registry.all() {
            assert_eq!(registry.find(entry.name).unwrap().name, entry.name);
        }
        assert!(registry.find("paxos-made-simpler").unwrap_err().contains("unknown algorithm `paxos-made-simpler`"));
        let twice = Registry::builtin().with::<raft::Raft>();
        assert_eq!(twice.validate().unwrap_err(), "algorithm name `raft` is registered twice");
    }

    #[test]
    fn every_algorithm_states_a_formula() {
        for entry in Registry::builtin().all() {
            assert!((entry.formula)(3).is_some(), "{} has no formula", entry.name);
        }
    }
}
