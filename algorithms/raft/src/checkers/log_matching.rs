//! Log Matching (Raft §5.3, Figure 3; TLA+ `LogMatching`): if two logs contain an entry with the
//! same index and term, the logs are identical in all entries up through that index. Each
//! `Appended` observation carries a chain digest of the whole prefix, so equal (index, term) must
//! mean equal chains, at any time, on any node.

use std::collections::BTreeMap;

use harness::History;

use harness::checkers::log_replay::{Change, LogReplay};
use harness::checkers::Checker;

/// Equal (index, term) means equal prefixes.
pub struct LogMatching {
    pub nodes: usize,
}

impl Checker for LogMatching {
    fn name(&self) -> &'static str {
        "log-matching"
    }

    fn check(&self, history: &History) -> Vec<String> {
        let mut replay = LogReplay::new(self.nodes);
        let mut seen: BTreeMap<(u64, u64), (u64, crate::NodeId)> = BTreeMap::new();
        let mut violations = Vec::new();
        for event in &history.events {
            if let Change::Appended { index, term, chain } = replay.apply(event) {
                match seen.get(&(index, term)) {
                    Some((first, by)) if *first != chain => violations.push(format!(
                        "at {} {} holds an entry of term {term} at index {index} whose prefix differs from {by}'s",
                        event.time, event.node
                    )),
                    Some(_) => {}
                    None => {
                        seen.insert((index, term), (chain, event.node));
                    }
                }
            }
        }
        violations
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::{EventKind, Observation};

    fn appended(index: u64, term: u64, chain: u64) -> EventKind {
        EventKind::Observed(Observation::Appended { index, term, chain })
    }

    #[test]
    fn equal_prefixes_pass_and_a_divergent_prefix_fails() {
        let good =
            History::from_millis([(1, 0, appended(1, 1, 11)), (2, 1, appended(1, 1, 11)), (3, 1, appended(2, 2, 22))]);
        assert!(LogMatching { nodes: 2 }.check(&good).is_empty());
        let bad = History::from_millis([(1, 0, appended(1, 1, 11)), (2, 1, appended(1, 1, 99))]);
        assert_eq!(LogMatching { nodes: 2 }.check(&bad).len(), 1);
    }
}
