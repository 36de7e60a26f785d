//! The algorithm registry: every algorithm the CLI knows, by name.

use harness::{Algorithm, Family, RunError, RunRecord, RunSpec};

/// What the CLI knows of one algorithm.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub name: &'static str,
    pub family: Family,
    pub summary: &'static str,
    pub variants: &'static [(&'static str, &'static str)],
    /// Runs the algorithm as the spec says.
    pub run: fn(&RunSpec) -> Result<RunRecord, RunError>,
}

fn entry<A: Algorithm>() -> Entry {
    Entry { name: A::NAME, family: A::FAMILY, summary: A::SUMMARY, variants: A::VARIANTS, run: harness::run::<A> }
}

/// Every registered algorithm, by family then name.
pub fn all() -> Vec<Entry> {
    let mut entries = vec![
        entry::<bully::Bully>(),
        entry::<centralized::Centralized>(),
        entry::<ring::Ring>(),
        entry::<lamport::Lamport>(),
        entry::<maekawa::Maekawa>(),
        entry::<ricart_agrawala::RicartAgrawala>(),
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
}
