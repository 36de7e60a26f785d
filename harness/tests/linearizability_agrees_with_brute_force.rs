//! The linearizability checker agrees with a brute-force search on small random histories of one
//! key: every order of the operations that respects real time (with any subset of the unanswered
//! ones left out) is tried, and a history passes if one of them replays every answer.

use harness::checkers::{Checker, Linearizability};
use harness::kv::{apply_to, KvOp, KvResult};
use harness::{ClientOperation, History, Time};
use proptest::prelude::*;

fn value() -> impl Strategy<Value = Option<String>> {
    prop_oneof![Just(None), Just(Some("a".to_string())), Just(Some("b".to_string())), Just(Some("ax".to_string()))]
}

/// An operation on key 1 with an answer drawn from a small domain, so that some histories have
/// an order and some do not.
fn operation() -> impl Strategy<Value = (KvOp, KvResult)> {
    prop_oneof![
        prop_oneof![Just("a"), Just("b")].prop_map(|v| (KvOp::Put { key: 1, value: v.into() }, KvResult::Done)),
        Just((KvOp::Append { key: 1, value: "x".into() }, KvResult::Done)),
        value().prop_map(|seen| (KvOp::Get { key: 1 }, KvResult::Value(seen))),
        (value(), value()).prop_map(|(expected, found)| {
            let written = expected == found;
            (KvOp::Cas { key: 1, expected, new: "b".into() }, KvResult::Cas { written, found })
        }),
    ]
}

fn history() -> impl Strategy<Value = Vec<ClientOperation>> {
    let one = (operation(), 0u64..8, 0u64..6, 0u8..5);
    proptest::collection::vec(one, 1..7).prop_map(|ops| {
        ops.into_iter()
            .enumerate()
            .map(|(i, ((op, result), invoked, took, answered))| ClientOperation {
                client: i as u32,
                seq: 1,
                op,
                invoked: Time(invoked),
                // One in five never answered: its outcome is unknown.
                completed: (answered > 0).then_some((Time(invoked + took), result)),
                retries: 0,
                redirects: 0,
            })
            .collect()
    })
}

fn end(op: &ClientOperation) -> u64 {
    op.completed.as_ref().map_or(u64::MAX, |(t, _)| t.0)
}

/// Whether `order` respects real time and replays every answer from an absent key.
fn replays(order: &[&ClientOperation]) -> bool {
    for (i, earlier) in order.iter().enumerate() {
        // An operation that answered before `earlier` was invoked (at the same instant too: the
        // client saw the answer first, unless the answer came the instant it asked) must not come
        // after it.
        let precedes = |op: &ClientOperation| {
            end(op) < earlier.invoked.0 || (end(op) == earlier.invoked.0 && end(op) > op.invoked.0)
        };
        if order[i + 1..].iter().any(|after| precedes(after)) {
            return false;
        }
    }
    let mut state = None;
    order.iter().all(|op| {
        let result = apply_to(&mut state, &op.op);
        match (&op.op, &op.completed) {
            (_, None) | (KvOp::Put { .. } | KvOp::Append { .. } | KvOp::Noop, _) => true,
            (_, Some((_, expected))) => *expected == result,
        }
    })
}

fn permutations_replay<'a>(chosen: &mut Vec<&'a ClientOperation>, rest: &mut Vec<&'a ClientOperation>) -> bool {
    if rest.is_empty() {
        return replays(chosen);
    }
    for i in 0..rest.len() {
        let op = rest.remove(i);
        chosen.push(op);
        let found = permutations_replay(chosen, rest);
        chosen.pop();
        rest.insert(i, op);
        if found {
            return true;
        }
    }
    false
}

fn brute_force(ops: &[ClientOperation]) -> bool {
    let unknown: Vec<&ClientOperation> = ops.iter().filter(|o| o.completed.is_none()).collect();
    let definite: Vec<&ClientOperation> = ops.iter().filter(|o| o.completed.is_some()).collect();
    (0..1u32 << unknown.len()).any(|subset| {
        let mut rest: Vec<&ClientOperation> = definite.clone();
        rest.extend(unknown.iter().enumerate().filter(|(i, _)| subset & (1 << i) != 0).map(|(_, op)| *op));
        permutations_replay(&mut Vec::new(), &mut rest)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, .. ProptestConfig::default() })]

    #[test]
    fn the_checker_and_brute_force_agree(ops in history()) {
        let violations = Linearizability.check(&History { events: Vec::new(), clients: ops.clone() });
        prop_assert_eq!(violations.is_empty(), brute_force(&ops), "{:#?}", ops);
    }
}
