//! Linearizability of the client history (Herlihy & Wing 1990), checked with the Wing-Gong
//! search as improved by Lowe (memoising (linearized set, state) pairs), the method of Knossos and
//! Porcupine. Among the operations that may come next, the search tries the one that answered
//! first, first, and it leaves a state at once when an open read saw a value that no operation
//! still to be placed could produce. `tests/linearizability_agrees_with_brute_force.rs` holds it
//! to an exhaustive search on small histories.
//!
//! The store is a map of independent registers, so the history is checked key by key
//! (linearizability is local). An operation whose answer never came may or may not have taken
//! effect: it may be placed anywhere after its invocation, or left out, and its result is not
//! compared. Among operations that did answer, one that returned before another was invoked must
//! come first.

use std::collections::{BTreeMap, HashSet};

use crate::kv::{apply_to, Key, KvOp, KvResult};
use crate::{ClientOperation, History, Time};

use super::{Checker, Findings};

/// Search steps per key before the checker gives up and says so.
pub const STEP_LIMIT: u64 = 5_000_000;

/// The client history is linearizable.
pub struct Linearizability;

impl Checker for Linearizability {
    fn name(&self) -> &'static str {
        "linearizability"
    }

    fn check(&self, history: &History) -> Vec<String> {
        self.findings(history).violations
    }

    /// A key whose search gave up is undecided, not a violation.
    fn findings(&self, history: &History) -> Findings {
        findings_within(history, STEP_LIMIT)
    }
}

fn findings_within(history: &History, step_limit: u64) -> Findings {
    let mut findings = Findings::default();
    for key in verdicts(&history.clients, step_limit) {
        match key.verdict {
            Verdict::Linearizable => {}
            Verdict::Not { .. } => findings.violations.push(key.to_string()),
            Verdict::GaveUp => findings.undecided.push(key.to_string()),
        }
    }
    findings
}

/// What the search found for one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Linearizable,
    /// No valid order. The furthest any order got was `placed` of the operations that answered;
    /// there, `blocked` (an index into the key's operations) had answered and nothing could be
    /// placed before its answer that made it come out as it did.
    Not {
        placed: usize,
        blocked: usize,
    },
    /// The search ran out of steps: no verdict.
    GaveUp,
}

/// One key's operations and the verdict on them.
pub struct KeyVerdict<'a> {
    pub key: Key,
    pub ops: Vec<&'a ClientOperation>,
    pub verdict: Verdict,
}

/// An operation in a few words: `client 2's #7 cas [a → b], invoked 3.000ms, answered 5.000ms:
/// written`.
pub fn describe(op: &ClientOperation) -> String {
    let answer = match &op.completed {
        Some((time, result)) => format!("answered {time}: {result:?}"),
        None => "never answered".to_string(),
    };
    format!("client {}'s #{} {:?}, invoked {}, {answer}", op.client, op.seq, op.op, op.invoked)
}

impl std::fmt::Display for KeyVerdict<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (key, count) = (self.key, self.ops.len());
        match &self.verdict {
            Verdict::Linearizable => write!(f, "the {count} operations on key {key} are linearizable"),
            Verdict::Not { placed, blocked } => write!(
                f,
                "the {count} operations on key {key} have no valid order: the furthest order places {placed} \
                 that answered, then {} cannot come out as it did",
                self.ops.get(*blocked).map_or_else(|| "an operation".to_string(), |op| describe(op))
            ),
            Verdict::GaveUp => write!(f, "key {key}: search gave up after {STEP_LIMIT} steps (no verdict)"),
        }
    }
}

/// The verdict on every key of `operations`, each searched with at most `step_limit` steps.
pub fn verdicts(operations: &[ClientOperation], step_limit: u64) -> Vec<KeyVerdict<'_>> {
    let mut by_key: BTreeMap<Key, Vec<&ClientOperation>> = BTreeMap::new();
    for op in operations {
        if let Some(key) = op.op.key() {
            by_key.entry(key).or_default().push(op);
        }
    }
    by_key
        .into_iter()
        .map(|(key, ops)| {
            let verdict = check_key(&ops, step_limit);
            KeyVerdict { key, ops, verdict }
        })
        .collect()
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

/// Searches for an order of `ops` (one key's operations), giving up after `step_limit` tries.
fn check_key(ops: &[&ClientOperation], step_limit: u64) -> Verdict {
    // Entries sorted by time; at equal times returns come first (a reply the client saw before
    // it issued the next command precedes it), except that an operation answered in the instant
    // it was invoked returns after that instant's calls, its own among them. Unknown outcomes
    // return at infinity.
    let mut order: Vec<(Time, u8, usize, bool)> = Vec::with_capacity(ops.len() * 2);
    for (i, op) in ops.iter().enumerate() {
        order.push((op.invoked, 1, i, true));
        let end = op.completed.as_ref().map_or(Time(u64::MAX), |(t, _)| *t);
        order.push((end, if end == op.invoked { 2 } else { 0 }, i, false));
    }
    order.sort_unstable();
    let mut entries: Vec<Entry> = Vec::with_capacity(order.len() + 1);
    let mut return_of = vec![0usize; ops.len()];
    for (pos, (_, _, op, is_call)) in order.iter().enumerate() {
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
    let mut stack: Vec<Frame> = Vec::new();
    let mut steps = 0u64;
    let definite = definite_left;
    // The furthest point any order reached: answered operations placed, and the operation whose
    // answer came first among those still open there.
    let mut furthest = (0usize, NIL);

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

    'descend: loop {
        // A state no remaining operation can turn into what an open read saw is a dead end.
        let unexplained = unreadable(&entries, ops, &state);
        let candidates = if unexplained.is_none() { candidates(&entries) } else { Vec::new() };
        let candidates = match candidates.iter().find(|call| harmless(ops[entries[**call].op], &state)) {
            Some(call) => vec![*call],
            None => candidates,
        };
        let placed = definite - definite_left;
        if placed > furthest.0 || furthest.1 == NIL {
            furthest = (placed, unexplained.unwrap_or_else(|| first_open_return(&entries, ops)));
        }
        stack.push(Frame { candidates, tried: 0, chosen: None });
        loop {
            let Some(frame) = stack.last_mut() else {
                return Verdict::Not { placed: furthest.0, blocked: furthest.1 };
            };
            // Take back this frame's last choice, restoring the list and state it started from.
            if let Some((call, previous)) = frame.chosen.take() {
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
            }
            while frame.tried < frame.candidates.len() {
                let call = frame.candidates[frame.tried];
                frame.tried += 1;
                steps += 1;
                if steps > step_limit {
                    return Verdict::GaveUp;
                }
                let op_index = entries[call].op;
                let op = ops[op_index];
                let mut next_state = state.clone();
                let result = apply_to(&mut next_state, &op.op);
                let matches = op.completed.as_ref().is_none_or(|(_, expected)| same_result(&op.op, expected, &result));
                if !matches {
                    continue;
                }
                let mut bits = linearized.clone();
                bits[op_index / 64] |= 1 << (op_index % 64);
                if !cache.insert((bits.clone(), next_state.clone())) {
                    continue;
                }
                frame.chosen = Some((call, std::mem::replace(&mut state, next_state)));
                linearized = bits;
                if op.completed.is_some() {
                    definite_left -= 1;
                    if definite_left == 0 {
                        return Verdict::Linearizable;
                    }
                }
                let partner = entries[call].partner;
                unlink(&mut entries, partner);
                unlink(&mut entries, call);
                continue 'descend;
            }
            // Every candidate here failed: backtrack.
            stack.pop();
        }
    }
}

/// An open operation whose answer reports a value (a read, a compare-and-set) that it can no
/// longer see, if there is one: the value is not `state` now, and no operation invoked before
/// that answer and not yet placed could produce it (a put or compare-and-set writing it, an
/// append it ends with). Nothing removes a key, so a key that has a value can never again be read
/// as absent. Necessary, not sufficient: it only cuts branches that cannot succeed.
fn unreadable(entries: &[Entry], ops: &[&ClientOperation], state: &Option<String>) -> Option<usize> {
    let mut needs: Vec<(&Option<String>, usize, usize)> = Vec::new();
    let mut at = entries[0].next;
    while at != NIL && entries[at].is_call {
        let op = ops[entries[at].op];
        let seen = match (&op.op, op.completed.as_ref().map(|(_, result)| result)) {
            (KvOp::Get { .. }, Some(KvResult::Value(seen))) => Some(seen),
            (KvOp::Cas { .. }, Some(KvResult::Cas { found, .. })) => Some(found),
            _ => None,
        };
        if let Some(seen) = seen.filter(|seen| *seen != state) {
            if seen.is_none() {
                return Some(entries[at].op);
            }
            needs.push((seen, entries[at].partner, entries[at].op));
        }
        at = entries[at].next;
    }
    if needs.is_empty() {
        return None;
    }
    // What could still be written before the last of those answers.
    let last_answer = needs.iter().map(|(_, answer, _)| *answer).max().expect("not empty");
    let mut written: Vec<&str> = Vec::new();
    let mut appended: Vec<&str> = Vec::new();
    let mut at = entries[0].next;
    while at != NIL && at != last_answer {
        if entries[at].is_call {
            match &ops[entries[at].op].op {
                KvOp::Put { value, .. } | KvOp::Cas { new: value, .. } => written.push(value),
                KvOp::Append { value, .. } => appended.push(value),
                KvOp::Get { .. } | KvOp::Noop => {}
            }
        }
        at = entries[at].next;
    }
    needs
        .iter()
        .find(|(seen, _, _)| {
            let seen = seen.as_deref().expect("absent values returned early");
            !(written.contains(&seen) || appended.iter().any(|suffix| seen.ends_with(suffix)))
        })
        .map(|(_, _, op)| *op)
}

/// The operation whose answer comes first among the open ones (the end of the calls that may
/// come next); among answers at one instant, one that reports a value (a read, a compare-and-set)
/// rather than a write, which always comes out as it did.
fn first_open_return(entries: &[Entry], ops: &[&ClientOperation]) -> usize {
    let mut at = entries[0].next;
    while at != NIL && entries[at].is_call {
        at = entries[at].next;
    }
    if at == NIL {
        return NIL;
    }
    let time = |op: usize| ops[op].completed.as_ref().map(|(t, _)| *t);
    let first = entries[at].op;
    let informative = |op: usize| matches!(ops[op].op, KvOp::Get { .. } | KvOp::Cas { .. });
    let mut best = first;
    while at != NIL && !informative(best) {
        if !entries[at].is_call && time(entries[at].op) == time(first) && informative(entries[at].op) {
            best = entries[at].op;
        }
        if !entries[at].is_call && time(entries[at].op) != time(first) {
            break;
        }
        at = entries[at].next;
    }
    best
}

/// One level of the search: the operations that may come next, and which was taken.
struct Frame {
    /// Entry positions of the calls that may be linearized next, earliest return first.
    candidates: Vec<usize>,
    /// How many of them have been tried.
    tried: usize,
    /// The call taken and the state before it.
    chosen: Option<(usize, Option<String>)>,
}

/// The calls before the first pending return: each may be linearized next. They are tried in
/// the order of their returns, so an operation that answered early is placed early and one that
/// stayed pending for long (a client cut off by a partition) is not tried at every position of
/// the operations that completed meanwhile.
fn candidates(entries: &[Entry]) -> Vec<usize> {
    let mut calls = Vec::new();
    let mut at = entries[0].next;
    while at != NIL && entries[at].is_call {
        calls.push(at);
        at = entries[at].next;
    }
    calls.sort_unstable_by_key(|call| entries[*call].partner);
    calls
}

/// Whether `op` changes nothing wherever it is placed (a read, a compare-and-set that answered
/// it did not write) and, placed now, comes out as it did. Such an operation can go first: if
/// any order of what remains exists, the same order with it moved to the front does (it is a
/// candidate, so everything that answered before it was invoked is placed already, and taking
/// it out of its later place changes no state after it). The search takes it without trying the
/// others, so a crowd of concurrent reads costs one step each rather than their interleavings.
/// (A write of the value already there is not such an operation: later on, it may be what
/// restores that value.)
fn harmless(op: &ClientOperation, state: &Option<String>) -> bool {
    let pure = matches!(
        (&op.op, op.completed.as_ref().map(|(_, result)| result)),
        (KvOp::Get { .. }, _) | (KvOp::Cas { .. }, Some(KvResult::CasRefused | KvResult::Cas { written: false, .. }))
    );
    let mut after = state.clone();
    let result = apply_to(&mut after, &op.op);
    pure && op.completed.as_ref().is_none_or(|(_, expected)| same_result(&op.op, expected, &result))
}

fn same_result(op: &KvOp, expected: &KvResult, actual: &KvResult) -> bool {
    match op {
        // Writes carry no information in their answer.
        KvOp::Put { .. } | KvOp::Append { .. } | KvOp::Noop => true,
        KvOp::Cas { .. } if *expected == KvResult::CasRefused => matches!(actual, KvResult::Cas { written: false, .. }),
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
        assert_eq!(violations.len(), 1);
        assert!(violations[0].starts_with("the 3 operations on key 1 have no valid order"), "{violations:?}");
        assert!(
            violations[0].contains("places 2 that answered, then client 1's #40 Get"),
            "the read is named: {violations:?}"
        );
    }

    #[test]
    fn an_unknown_outcome_may_or_may_not_have_happened() {
        // The put never answered; a later read may see it or not, but not a value nobody wrote.
        for (seen, ok) in [(Some("a"), true), (None, true), (Some("z"), false)] {
            let violations = verdict(vec![op(0, put("a"), 0, None), op(1, get(), 20, Some((30, value(seen))))]);
            assert_eq!(violations.is_empty(), ok, "read {seen:?}");
        }
    }

    // A client cut off for the whole run (its put answered only at the end) beside another
    // client's long sequential stream: the put is tried where its answer puts it, not at every
    // position of the stream, so the search takes a few steps per operation (taking calls in
    // invocation order, it tried the put first at each of the n positions: n² / 2 steps).
    #[test]
    fn a_long_pending_operation_is_tried_after_those_that_answered_first() {
        let n: u64 = 2000;
        let mut ops = vec![op(0, put("late"), 0, Some((10 * n + 1, KvResult::Done)))];
        for i in 0..n {
            let (op_kind, result) = match i % 2 {
                0 => (put(&i.to_string()), KvResult::Done),
                _ => (get(), value(Some(&(i - 1).to_string()))),
            };
            ops.push(op(1, op_kind, 10 * i + 1, Some((10 * i + 5, result))));
        }
        ops.push(op(1, get(), 10 * n + 2, Some((10 * n + 3, value(Some("late"))))));
        let refs: Vec<&ClientOperation> = ops.iter().collect();
        assert_eq!(check_key(&refs, 3 * n), Verdict::Linearizable);
    }

    // Two rounds of concurrent blind writes; a read in the second round saw the first round's
    // next-to-last write. The search first ends round one on another value; from there no write
    // of round two can produce what the read saw, so the branch is dropped at once rather than
    // after trying every order of round two (14 · 2^13 states).
    #[test]
    fn a_state_no_open_operation_can_turn_into_what_a_read_saw_is_dropped_at_once() {
        let mut ops: Vec<ClientOperation> =
            (0..12).map(|i| op(i, put(&format!("a{i}")), 0, Some((10, KvResult::Done)))).collect();
        ops.extend((0..14).map(|i| op(100 + i, put(&format!("b{i}")), 20, Some((30, KvResult::Done)))));
        ops.push(op(200, get(), 20, Some((30, value(Some("a10"))))));
        let refs: Vec<&ClientOperation> = ops.iter().collect();
        assert_eq!(check_key(&refs, 10_000), Verdict::Linearizable);

        // And a read of a value nobody wrote is still refuted (after every order of round one).
        ops.last_mut().unwrap().completed = Some((Time(30), value(Some("z"))));
        let refs: Vec<&ClientOperation> = ops.iter().collect();
        let Verdict::Not { blocked, .. } = check_key(&refs, STEP_LIMIT) else { panic!("refuted") };
        assert_eq!(ops[blocked].client, 200, "the read of z is what no order explains");
    }

    // A one-node cluster answers in the instant the command arrives.
    #[test]
    fn operations_answered_the_instant_they_were_invoked_have_an_order() {
        assert!(verdict(vec![
            op(0, put("a"), 10, Some((10, KvResult::Done))),
            op(1, get(), 10, Some((10, value(Some("a"))))),
            op(0, get(), 10, Some((10, value(Some("a"))))),
        ])
        .is_empty());
    }

    // A search that runs out of steps is no verdict: the key is undecided, not a violation.
    #[test]
    fn a_search_out_of_steps_is_undecided_not_a_violation() {
        let history = History {
            events: Vec::new(),
            clients: (0..8).map(|i| op(i, put(&format!("v{i}")), 0, Some((10, KvResult::Done)))).collect(),
        };
        let found = findings_within(&history, 2);
        assert!(found.violations.is_empty(), "{found:?}");
        assert_eq!(found.undecided.len(), 1, "{found:?}");
        assert!(found.undecided[0].contains("gave up"), "{found:?}");
        assert_eq!(findings_within(&history, STEP_LIMIT), Findings::default());
    }

    // A crowd of concurrent reads of one value is placed read by read, not in every interleaving.
    #[test]
    fn concurrent_reads_of_the_current_value_cost_a_step_each() {
        let mut ops = vec![op(0, put("a"), 0, Some((5, KvResult::Done)))];
        ops.extend((1..40).map(|i| op(i, get(), 10, Some((20, value(Some("a")))))));
        ops.push(op(99, put("b"), 10, Some((20, KvResult::Done))));
        let refs: Vec<&ClientOperation> = ops.iter().collect();
        assert_eq!(check_key(&refs, 100), Verdict::Linearizable);
    }

    #[test]
    fn an_unknown_write_cannot_be_seen_before_it_was_invoked() {
        let violations = verdict(vec![op(1, get(), 0, Some((10, value(Some("a"))))), op(0, put("a"), 20, None)]);
        assert_eq!(violations.len(), 1);
    }
}
