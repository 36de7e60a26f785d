//! Fast Paxos's quorums and its rule for picking a slot's value from phase-1b reports.

use std::collections::BTreeMap;

use paxos::{Ballot, Value};

/// Classic and fast quorum sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quorums {
    pub classic: usize,
    pub fast: usize,
}

impl Quorums {
    /// Majority classic quorums and fast quorums of ⌈3N/4⌉: any two fast quorums and one
    /// classic quorum share an acceptor (Lamport 2006, §4.1: 2·fast + classic > 2N).
    pub fn of(nodes: usize) -> Self {
        Quorums { classic: nodes / 2 + 1, fast: (3 * nodes).div_ceil(4) }
    }

    /// The teaching mutant's: fast quorums of a bare majority, which two fast quorums and a
    /// classic one need not share.
    pub fn bare_majority(nodes: usize) -> Self {
        Quorums { classic: nodes / 2 + 1, fast: nodes / 2 + 1 }
    }
}

/// Whether `ballot` is a fast one: leaders take even rounds for their fast ballots and the odd
/// round just above for every classic proposal they make.
pub fn is_fast(ballot: Ballot) -> bool {
    ballot.round.is_multiple_of(2)
}

/// [`is_fast`] for a ballot as observations number it ([`Ballot::as_u64`]).
pub fn is_fast_number(ballot: u64) -> bool {
    (ballot >> 16).is_multiple_of(2)
}

/// The value a coordinator must propose for a slot, given what `reporters` acceptors (a classic
/// quorum) said they accepted there (Lamport 2006, §3.3): take the highest ballot `k` any of
/// them voted in. In a classic ballot only one value can carry it. In a fast one, a value `v`
/// might have been chosen if every reporter of a fast quorum that answered voted `v`: that is,
/// if at least `fast - (N - reporters)` reporters voted `v` in `k`; at most one value can pass,
/// and it must be proposed. If none can have been chosen, any value voted in `k` is safe (the
/// most voted, for the fewest re-proposals). `None` if nobody voted.
pub fn pick(votes: &[(Ballot, Value)], reporters: usize, nodes: usize, quorums: Quorums) -> Option<Value> {
    let k = votes.iter().map(|(b, _)| *b).max()?;
    let mut counts: BTreeMap<u64, (usize, &Value)> = BTreeMap::new();
    for (_, value) in votes.iter().filter(|(b, _)| *b == k) {
        counts.entry(value.digest()).or_insert((0, value)).0 += 1;
    }
    if !is_fast(k) {
        return counts.values().next().map(|(_, v)| (*v).clone());
    }
    let needed = quorums.fast.saturating_sub(nodes.saturating_sub(reporters));
    if let Some((_, v)) = counts.values().find(|(count, _)| *count >= needed.max(1)) {
        return Some((*v).clone());
    }
    counts.values().max_by_key(|(count, _)| *count).map(|(_, v)| (*v).clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::kv::{Command, KvOp};
    use harness::NodeId;

    fn cmd(seq: u64) -> Value {
        Value::Command(Command { client: 0, seq, op: KvOp::Noop })
    }

    #[test]
    fn fast_quorums_meet_twice_over_a_classic_one() {
        for n in 1..=20 {
            let q = Quorums::of(n);
            assert!(2 * q.fast + q.classic > 2 * n, "N={n}: {q:?}");
            assert!(q.fast <= n);
        }
        assert_eq!(Quorums::of(5), Quorums { classic: 3, fast: 4 });
        assert_eq!(Quorums::of(4).fast, 3);
        let bare = Quorums::bare_majority(5);
        assert!(2 * bare.fast + bare.classic <= 2 * 5, "the mutant's quorums need not meet");
    }

    // N = 5, fast quorum 4, three reporters: a value voted by at least 4 - 2 = 2 of them in the
    // fast ballot may have been chosen and must be kept.
    #[test]
    fn a_possibly_chosen_fast_value_is_kept() {
        let fast = Ballot::new(2, NodeId(0));
        let votes = [(fast, cmd(1)), (fast, cmd(2)), (fast, cmd(2))];
        assert_eq!(pick(&votes, 3, 5, Quorums::of(5)), Some(cmd(2)));
        // Four reporters: 4 - 1 = 3 votes needed; none has them, any voted value will do.
        let votes = [(fast, cmd(1)), (fast, cmd(1)), (fast, cmd(2)), (fast, cmd(3))];
        assert_eq!(pick(&votes, 4, 5, Quorums::of(5)), Some(cmd(1)), "the most voted");
    }

    #[test]
    fn the_highest_classic_ballot_wins_and_nothing_voted_is_none() {
        let fast = Ballot::new(2, NodeId(0));
        let classic = Ballot::new(3, NodeId(0));
        let votes = [(fast, cmd(1)), (fast, cmd(1)), (classic, cmd(7))];
        assert_eq!(pick(&votes, 3, 5, Quorums::of(5)), Some(cmd(7)));
        assert_eq!(pick(&[], 3, 5, Quorums::of(5)), None);
    }
}
