//! ReadIndex (Ongaro's dissertation, §6.4): a leader answers a read without putting it in the
//! log. It records its commit index as the read's index, once it has committed an entry of its
//! own term (before that it may not know the latest commit); it confirms it is still leader by
//! a round of messages a majority answers, sent after the read arrived; and it answers from its
//! state machine once that has applied up to the read's index. Reads that arrive in one step
//! share one round.

use std::collections::{BTreeMap, BTreeSet};

use harness::kv::Key;
use harness::NodeId;

/// A read waiting at the leader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    pub client: u32,
    pub seq: u64,
    pub key: Key,
    /// The commit index to serve at, once the leader has committed an entry of its term.
    index: Option<u64>,
    /// The confirmation round sent after it arrived.
    round: Option<u64>,
}

/// The leader's reads in progress.
#[derive(Debug, Default)]
pub struct ReadIndex {
    waiting: Vec<Read>,
    next_round: u64,
    /// Answers to each round still open, the leader's own included.
    acks: BTreeMap<u64, BTreeSet<NodeId>>,
    /// The newest round a majority answered.
    confirmed: u64,
}

impl ReadIndex {
    /// A read arrives; `commit` is the leader's commit index if it has committed an entry of its
    /// own term, `None` if it must wait for one.
    pub fn admit(&mut self, client: u32, seq: u64, key: Key, commit: Option<u64>) {
        if let Some(read) = self.waiting.iter_mut().find(|r| r.client == client && r.seq == seq) {
            // A retry: its round (or the answers to it) may have been lost; ask again.
            read.round = None;
            return;
        }
        self.waiting.push(Read { client, seq, key, index: commit, round: None });
    }

    /// The leader committed an entry of its own term, at `commit`: reads waiting for one take it
    /// as their index.
    pub fn own_term_committed(&mut self, commit: u64) {
        for read in self.waiting.iter_mut().filter(|r| r.index.is_none()) {
            read.index = Some(commit);
        }
    }

    /// Opens a confirmation round for the reads that have none (at the end of a step), counting
    /// the leader's own answer; `None` when every waiting read has one.
    pub fn start_round(&mut self, me: NodeId, quorum: impl Fn(&BTreeSet<NodeId>) -> bool) -> Option<u64> {
        if self.waiting.iter().all(|r| r.round.is_some()) {
            return None;
        }
        self.next_round += 1;
        let round = self.next_round;
        for read in self.waiting.iter_mut().filter(|r| r.round.is_none()) {
            read.round = Some(round);
        }
        self.acks.insert(round, BTreeSet::from([me]));
        self.count(round, quorum);
        Some(round)
    }

    /// A follower answered `round` in the leader's term.
    pub fn ack(&mut self, from: NodeId, round: u64, quorum: impl Fn(&BTreeSet<NodeId>) -> bool) {
        if let Some(acks) = self.acks.get_mut(&round) {
            acks.insert(from);
            self.count(round, quorum);
        }
    }

    fn count(&mut self, round: u64, quorum: impl Fn(&BTreeSet<NodeId>) -> bool) {
        if self.acks.get(&round).is_some_and(quorum) {
            // A later round confirms leadership at a later time: it covers the earlier ones.
            self.confirmed = self.confirmed.max(round);
            self.acks.retain(|r, _| *r > round);
        }
    }

    /// The reads that may be answered now that `applied` entries are applied.
    pub fn ready(&mut self, applied: u64) -> Vec<Read> {
        let confirmed = self.confirmed;
        let (ready, waiting): (Vec<Read>, Vec<Read>) = self
            .waiting
            .drain(..)
            .partition(|r| r.round.is_some_and(|round| round <= confirmed) && r.index.is_some_and(|i| i <= applied));
        self.waiting = waiting;
        ready
    }

    /// The leader stepped down: its reads are dropped (their clients retry elsewhere).
    pub fn clear(&mut self) {
        self.waiting.clear();
        self.acks.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A quorum of `size` nodes.
    fn of(size: usize) -> impl Fn(&BTreeSet<NodeId>) -> bool {
        move |acks| acks.len() >= size
    }

    #[test]
    fn a_read_waits_for_its_round_and_for_the_state_machine() {
        let mut reads = ReadIndex::default();
        reads.admit(0, 1, 3, Some(10));
        let round = reads.start_round(NodeId(0), of(2)).expect("a round for the new read");
        assert!(reads.ready(10).is_empty(), "leadership not confirmed yet");
        reads.ack(NodeId(1), round, of(2));
        assert!(reads.ready(9).is_empty(), "not applied up to its index yet");
        assert_eq!(reads.ready(10).len(), 1);
    }

    #[test]
    fn a_retried_read_gets_a_new_round() {
        let mut reads = ReadIndex::default();
        reads.admit(0, 1, 3, Some(1));
        let lost = reads.start_round(NodeId(0), of(2)).unwrap();
        reads.admit(0, 1, 3, Some(1));
        let again = reads.start_round(NodeId(0), of(2)).expect("the retry asks again");
        assert!(again > lost);
        reads.ack(NodeId(1), again, of(2));
        assert_eq!(reads.ready(1).len(), 1);
    }

    #[test]
    fn a_read_before_an_own_term_commit_has_no_index_until_one() {
        let mut reads = ReadIndex::default();
        reads.admit(0, 1, 3, None);
        let round = reads.start_round(NodeId(0), of(1)).unwrap();
        assert_eq!(round, 1);
        assert!(reads.ready(100).is_empty());
        reads.own_term_committed(12);
        assert!(reads.ready(11).is_empty());
        assert_eq!(reads.ready(12).len(), 1);
    }

    #[test]
    fn an_earlier_round_is_no_confirmation_for_a_later_read() {
        let mut reads = ReadIndex::default();
        reads.admit(0, 1, 3, Some(5));
        let first = reads.start_round(NodeId(0), of(2)).unwrap();
        reads.admit(1, 1, 3, Some(6));
        let second = reads.start_round(NodeId(0), of(2)).unwrap();
        reads.ack(NodeId(1), first, of(2));
        let ready: Vec<u32> = reads.ready(10).into_iter().map(|r| r.client).collect();
        assert_eq!(ready, [0], "the round sent before the second read arrived does not cover it");
        reads.ack(NodeId(2), second, of(2));
        assert_eq!(reads.ready(10).len(), 1);
    }
}
