//! One vote per term (Raft §5.2 and Figure 2: "each server will vote for at most one candidate
//! in a given term", which is why `votedFor` is on stable storage). Election Safety rests on it:
//! two majorities in one term share a voter, so a voter that votes twice can make two leaders.
//! Checked on the votes themselves, so a second vote is caught even when neither candidate it
//! went to wins: a voter that forgets its vote across a restart shows here long before it
//! produces two leaders.

use std::collections::BTreeMap;

use harness::{History, NodeId, Observation};

use harness::checkers::Checker;

/// No node votes for two candidates in one term, restarts included.
pub struct OneVotePerTerm;

impl Checker for OneVotePerTerm {
    fn name(&self) -> &'static str {
        "one-vote-per-term"
    }

    fn check(&self, history: &History) -> Vec<String> {
        let mut votes: BTreeMap<(NodeId, u64), NodeId> = BTreeMap::new();
        let mut violations = Vec::new();
        for (time, node, observation) in history.observations() {
            if let Observation::Voted { term, candidate } = observation {
                match votes.get(&(node, *term)) {
                    Some(first) if first != candidate => violations.push(format!(
                        "at {time} {node} voted in term {term} for {candidate}, having voted for {first}"
                    )),
                    Some(_) => {}
                    None => {
                        votes.insert((node, *term), *candidate);
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
    use harness::EventKind;

    fn voted(term: u64, candidate: u32) -> EventKind {
        EventKind::Observed(Observation::Voted { term, candidate: NodeId(candidate) })
    }

    #[test]
    fn a_second_candidate_in_one_term_is_caught_and_a_repeated_grant_is_not() {
        let good =
            History::from_millis([(1, 2, voted(3, 0)), (2, 2, voted(3, 0)), (3, 2, voted(4, 1)), (4, 1, voted(3, 1))]);
        assert!(OneVotePerTerm.check(&good).is_empty());
        let bad = History::from_millis([(1, 2, voted(3, 0)), (2, 2, EventKind::Crashed), (3, 2, voted(3, 4))]);
        assert_eq!(OneVotePerTerm.check(&bad), vec!["at 3.000ms n2 voted in term 3 for n4, having voted for n0"]);
    }
}
