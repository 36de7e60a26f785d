//! The client history in the EDN form Jepsen's checkers read (Knossos, Elle): one map per line,
//! an `:invoke` when a command was first sent and an `:ok` when its answer came, or an `:info`
//! (outcome unknown) for one never answered. Keys are Jepsen's "independent" tuples:
//! `:value [key v]`.
//!
//! ```text
//! {:process 0, :type :invoke, :f :write, :value [3 "0.1"], :time 1000000}
//! {:process 0, :type :ok, :f :write, :value [3 "0.1"], :time 4000000}
//! ```

use harness::kv::{KvOp, KvResult};
use harness::ClientOperation;

fn string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn optional(s: &Option<String>) -> String {
    s.as_deref().map_or("nil".to_string(), string)
}

/// (f, value at invocation, value at completion) of one operation.
fn describe(op: &KvOp, result: Option<&KvResult>) -> Option<(&'static str, String, String)> {
    Some(match op {
        KvOp::Put { key, value } => {
            ("write", format!("[{key} {}]", string(value)), format!("[{key} {}]", string(value)))
        }
        KvOp::Append { key, value } => {
            ("append", format!("[{key} {}]", string(value)), format!("[{key} {}]", string(value)))
        }
        KvOp::Get { key } => {
            let read = match result {
                Some(KvResult::Value(v)) => optional(v),
                _ => "nil".into(),
            };
            ("read", format!("[{key} nil]"), format!("[{key} {read}]"))
        }
        KvOp::Cas { key, expected, new } => {
            let value = format!("[{key} [{} {}]]", optional(expected), string(new));
            ("cas", value.clone(), value)
        }
        KvOp::Noop => return None,
    })
}

/// The history, one EDN map per line, in real-time order: an operation's `:invoke` always before
/// its completion. At one instant, answers to calls made earlier come first, then the calls in the
/// order they were made, each followed by its answer if it came at that same instant (a client's
/// next call then follows the answer to its previous one).
pub fn history(operations: &[ClientOperation]) -> String {
    // (time, phase, sequence, line)
    let mut lines: Vec<(u64, u8, usize, String)> = Vec::new();
    for (index, op) in operations.iter().enumerate() {
        let result = op.completed.as_ref().map(|(_, r)| r);
        let Some((f, invoke_value, done_value)) = describe(&op.op, result) else { continue };
        let process = op.client;
        lines.push((
            op.invoked.0,
            1,
            2 * index,
            format!("{{:process {process}, :type :invoke, :f :{f}, :value {invoke_value}, :time {}}}", op.invoked.0),
        ));
        match &op.completed {
            Some((time, result)) => {
                // A compare-and-set that did not write failed: Jepsen's :fail.
                let kind = if matches!(result, KvResult::Cas { written: false, .. }) { "fail" } else { "ok" };
                let phase = if *time == op.invoked { 1 } else { 0 };
                lines.push((
                    time.0,
                    phase,
                    2 * index + 1,
                    format!("{{:process {process}, :type :{kind}, :f :{f}, :value {done_value}, :time {}}}", time.0),
                ));
            }
            None => lines.push((
                u64::MAX,
                0,
                2 * index + 1,
                format!("{{:process {process}, :type :info, :f :{f}, :value {invoke_value}}}"),
            )),
        }
    }
    lines.sort_by_key(|(time, phase, sequence, _)| (*time, *phase, *sequence));
    lines.into_iter().map(|(_, _, _, line)| line + "\n").collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::Time;

    #[test]
    fn writes_invokes_completions_and_unknowns() {
        let ops = vec![
            ClientOperation {
                client: 0,
                seq: 1,
                op: KvOp::Put { key: 3, value: "0.1".into() },
                invoked: Time(1),
                completed: Some((Time(4), KvResult::Done)),
                retries: 0,
                redirects: 0,
            },
            ClientOperation {
                client: 1,
                seq: 1,
                op: KvOp::Get { key: 3 },
                invoked: Time(2),
                completed: None,
                retries: 1,
                redirects: 0,
            },
        ];
        let text = history(&ops);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "{:process 0, :type :invoke, :f :write, :value [3 \"0.1\"], :time 1}",
                "{:process 1, :type :invoke, :f :read, :value [3 nil], :time 2}",
                "{:process 0, :type :ok, :f :write, :value [3 \"0.1\"], :time 4}",
                "{:process 1, :type :info, :f :read, :value [3 nil]}",
            ]
        );
    }
}

#[cfg(test)]
mod order {
    use super::*;
    use harness::Time;

    #[test]
    fn an_answer_at_the_instant_of_its_call_comes_after_the_call() {
        let op = |client: u32, invoked: u64, completed: u64| ClientOperation {
            client,
            seq: 1,
            op: KvOp::Put { key: 1, value: format!("{client}") },
            invoked: Time(invoked),
            completed: Some((Time(completed), KvResult::Done)),
            retries: 0,
            redirects: 0,
        };
        // Client 1 answered at 5 (invoked at 2); client 0 invoked and answered at 5, then its
        // next call at 5; client 2 invoked at 5.
        let mut next = op(0, 5, 9);
        next.seq = 2;
        let text = history(&[op(1, 2, 5), op(0, 5, 5), next, op(2, 5, 9)]);
        let kinds: Vec<(u32, &str)> = text
            .lines()
            .map(|l| {
                let process = l.split(":process ").nth(1).unwrap().split(',').next().unwrap().parse().unwrap();
                (process, if l.contains(":invoke") { "invoke" } else { "ok" })
            })
            .collect();
        assert_eq!(
            kinds,
            [(1, "invoke"), (1, "ok"), (0, "invoke"), (0, "ok"), (0, "invoke"), (2, "invoke"), (0, "ok"), (2, "ok")]
        );
    }
}
