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

/// The history, one EDN map per line, in time order.
pub fn history(operations: &[ClientOperation]) -> String {
    let mut lines: Vec<(u64, u8, String)> = Vec::new();
    for op in operations {
        let result = op.completed.as_ref().map(|(_, r)| r);
        let Some((f, invoke_value, done_value)) = describe(&op.op, result) else { continue };
        let process = op.client;
        lines.push((
            op.invoked.0,
            1,
            format!("{{:process {process}, :type :invoke, :f :{f}, :value {invoke_value}, :time {}}}", op.invoked.0),
        ));
        match &op.completed {
            Some((time, result)) => {
                // A compare-and-set that did not write failed: Jepsen's :fail.
                let kind = if matches!(result, KvResult::Cas { written: false, .. }) { "fail" } else { "ok" };
                lines.push((
                    time.0,
                    0,
                    format!("{{:process {process}, :type :{kind}, :f :{f}, :value {done_value}, :time {}}}", time.0),
                ));
            }
            None => lines.push((
                u64::MAX,
                0,
                format!("{{:process {process}, :type :info, :f :{f}, :value {invoke_value}}}"),
            )),
        }
    }
    lines.sort_by_key(|(time, order, _)| (*time, *order));
    lines.into_iter().map(|(_, _, line)| line + "\n").collect()
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
