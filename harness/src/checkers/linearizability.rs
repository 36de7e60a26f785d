//! Linearizability of the client history (Herlihy & Wing 1990), checked with the Wing-Gong
//! search as improved by Lowe (memoising (linearized set, state) pairs), the method of Knossos and
//! Porcupine.
//!
//! The store is a map of independent registers, so the history is checked key by key
//! (linearizability is local). An operation whose answer never came may or may not have taken
//! effect: it may be placed anywhere after its invocation, or left out, and its result is not
//! compared. Among operations that did answer, one that returned before another was invoked must
//! come first.

use std::collections::{BTreeMap, HashSet};

use crate::kv::{apply_to, Key, KvOp, KvResult};
use crate::{ClientOperation, History, Time};

use super::Checker;

/// Search steps per key before the checker gives up and says so.
pub const STEP_LIMIT: u64 = 20_000_000;

/// The client history is linearizable.
pub struct Linearizability;

impl Checker for Linearizability {
    fn name(&self) -> &'static str {
        "linearizability"
    }

    fn check(&self, history: &History) -> Vec<String> {
        let mut by_key: BTreeMap<Key, Vec<&ClientOperation>> = BTreeMap::new();
        for op in &history.clients {
            if let Some(key) = op.op.key() {
                by_key.entry(key).or_default().push(op);
            }
        }
        by_key
            .into_iter()
            .filter_map(|(key, ops)| match check_key(&ops) {
                Verdict::Linearizable => None,
                Verdict::Not => Some(format!("the {} operations on key {key} have no valid order", ops.len())),
                Verdict::GaveUp => Some(format!("key {key}: search gave up after {STEP_LIMIT} steps")),
            })
            .collect()
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Linearizable,
    Not,
    GaveUp,
}

/// A call or return in time order, in a doubly linked list.
#[derive(Clone, Copy, Debug)]
struct Entry {
    op: usize,
    is_call: bool,
    /// For a call, the index of its return entry.
    partner: usize,
    prev: usize,
    next: usize,
}

const NIL: usize = usize::MAX;

fn check_key(ops: &[&ClientOperation]) -> Verdict {
    // Entries sorted by time; at equal times returns come first (a reply the client saw before
    // it issued the next command precedes it). Unknown outcomes return at infinity.
    let mut order: Vec<(Time, bool, usize)> = Vec::with_capacity(ops.len() * 2);
    for (i, op) in ops.iter().enumerate() {
        order.push((op.invoked, true, i));
        let end = op.completed.as_ref().map_or(Time(u64::MAX), |(t, _)| *t);
        order.push((end, false, i));
    }
    order.sort_by_key(|(t, is_call, i)| (*t, *is_call, *i));
    let mut entries: Vec<Entry> = Vec::with_capacity(order.len() + 1);
    let mut return_of = vec![0usize; ops.len()];
    for (pos, (_, is_call, op)) in order.iter().enumerate() {
        if !is_call {
            return_of[*op] = pos + 1;
        }
        entries.push(Entry { op: *op, is_call: *is_call, partner: NIL, prev: pos, next: pos + 2 });
    }
    // Entry 0 is a head sentinel.
    entries.insert(0, Entry { op: NIL, is_call: false, partner: NIL, prev: NIL, next: 1 });
    let last = entries.len() - 1;
    entries[last].next = NIL;
    for e in entries.iter_mut().skip(1) {
        if e.is_call {
            e.partner = return_of[e.op];
        }
    }
    let mut definite_left = ops.iter().filter(|o| o.completed.is_some()).count();
    if definite_left == 0 {
        return Verdict::Linearizable;
    }

    let words = ops.len().div_ceil(64);
    let mut linearized = vec![0u64; words];
    let mut state: Option<String> = None;
    let mut cache: HashSet<(Vec<u64>, Option<String>)> = HashSet::new();
    let mut stack: Vec<(usize, Option<String>)> = Vec::new();
    let mut cursor = entries[0].next;
    let mut steps = 0u64;

    let unlink = |entries: &mut Vec<Entry>, at: usize| {
        let (prev, next) = (entries[at].prev, entries[at].next);
        entries[prev].next = next;
        if next != NIL {
            entries[next].prev = prev;
        }
    };
    let relink = |entries: &mut Vec<Entry>, at: usize| {
        let (prev, next) = (entries[at].prev, entries[at].next);
        entries[prev].next = at;
        if next != NIL {
            entries[next].prev = at;
        }
    };

    while cursor != NIL {
        steps += 1;
        if steps > STEP_LIMIT {
            return Verdict::GaveUp;
        }
        let entry = entries[cursor];
        if entry.is_call {
            let op = ops[entry.op];
            let mut next_state = state.clone();
            let result = apply_to(&mut next_state, &op.op);
            let matches = op.completed.as_ref().is_none_or(|(_, expected)| same_result(&op.op, expected, &result));
            if matches {
                let mut bits = linearized.clone();
                bits[entry.op / 64] |= 1 << (entry.op % 64);
                if cache.insert((bits.clone(), next_state.clone())) {
                    stack.push((cursor, state));
                    state = next_state;
                    linearized = bits;
                    if op.completed.is_some() {
                        definite_left -= 1;
                        if definite_left == 0 {
                            return Verdict::Linearizable;
                        }
                    }
                    unlink(&mut entries, entry.partner);
                    unlink(&mut entries, cursor);
                    cursor = entries[0].next;
                    continue;
                }
            }
            cursor = entry.next;
        } else {
            // A return whose call is not yet linearized: backtrack.
            let Some((call, previous)) = stack.pop() else { return Verdict::Not };
            let op = entries[call].op;
            state = previous;
            linearized[op / 64] &= !(1 << (op % 64));
            if ops[op].completed.is_some() {
                definite_left += 1;
            }
            // Undo the unlinking in reverse order: the call, then its return.
            let partner = entries[call].partner;
            relink(&mut entries, call);
            relink(&mut entries, partner);
            cursor = entries[call].next;
        }
    }
    Verdict::Not
}

fn same_result(op: &KvOp, expected: &KvResult, actual: &KvResult) -> bool {
    match op {
        // Writes carry no information in their answer.
        KvOp::Put { .. } | KvOp::Append { .. } | KvOp::Noop => true,
        KvOp::Get { .. } | KvOp::Cas { .. } => expected == actual,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(client: u32, op: KvOp, invoked: u64, completed: Option<(u64, KvResult)>) -> ClientOperation {
        ClientOperation {
            client,
            seq: invoked,
            op,
            invoked: Time(invoked),
            completed: completed.map(|(t, r)| (Time(t), r)),
            retries: 0,
            redirects: 0,
        }
    }

    fn put(v: &str) -> KvOp {
        KvOp::Put { key: 1, value: v.into() }
    }
    fn get() -> KvOp {
        KvOp::Get { key: 1 }
    }
    fn value(v: Option<&str>) -> KvResult {
        KvResult::Value(v.map(str::to_string))
    }

    fn verdict(ops: Vec<ClientOperation>) -> Vec<String> {
        Linearizability.check(&History { events: Vec::new(), clients: ops })
    }

    #[test]
    fn sequential_and_concurrent_histories_that_have_an_order_pass() {
        assert!(verdict(vec![
            op(0, put("a"), 0, Some((10, KvResult::Done))),
            op(1, get(), 20, Some((30, value(Some("a"))))),
        ])
        .is_empty());
        // Overlapping put and get: the get may see either value.
        for seen in [None, Some("a")] {
            assert!(verdict(vec![
                op(0, put("a"), 0, Some((10, KvResult::Done))),
                op(1, get(), 5, Some((15, value(seen))))
            ])
            .is_empty());
        }
    }

    #[test]
    fn a_stale_read_is_caught() {
        let violations = verdict(vec![
            op(0, put("a"), 0, Some((10, KvResult::Done))),
            op(0, put("b"), 20, Some((30, KvResult::Done))),
            op(1, get(), 40, Some((50, value(Some("a"))))),
        ]);
        assert_eq!(violations, vec!["the 3 operations on key 1 have no valid order"]);
    }

    #[test]
    fn an_unknown_outcome_may_or_may_not_have_happened() {
        // The put never answered; a later read may see it or not, but not a value nobody wrote.
        for (seen, ok) in [(Some("a"), true), (None, true), (Some("z"), false)] {
            let violations = verdict(vec![op(0, put("a"), 0, None), op(1, get(), 20, Some((30, value(seen))))]);
            assert_eq!(violations.is_empty(), ok, "read {seen:?}");
        }
    }

    #[test]
    fn an_unknown_write_cannot_be_seen_before_it_was_invoked() {
        let violations = verdict(vec![op(1, get(), 0, Some((10, value(Some("a"))))), op(0, put("a"), 20, None)]);
        assert_eq!(violations.len(), 1);
    }
}
