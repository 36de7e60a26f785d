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
                let kind = if matches!(result, KvResult::Cas { written: false, .. } | KvResult::CasRefused) {
                    "fail"
                } else {
                    "ok"
                };
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

/// Reads a Jepsen history in the form [`history`] writes, from any implementation: one map per
/// line with `:process`, `:type` (`:invoke`, `:ok`, `:fail`, `:info`), `:f` (`:read`, `:write`,
/// `:cas`, `:append`) and `:value [key v]` (a `:cas` value is `[key [old new]]`). Values may be
/// strings or numbers (compared as their text). Each call is paired with the next completion of
/// its process; a `:fail` write or read never happened and is left out, a `:fail` compare-and-set
/// did not write, an `:info` (or no completion) is an unknown outcome. Lines of other processes
/// (a nemesis) and other functions are skipped. Errors name the line.
pub fn read_history(text: &str) -> Result<Vec<ClientOperation>, String> {
    use std::collections::HashMap;

    let mut operations: Vec<ClientOperation> = Vec::new();
    // Per process, the index of its open call.
    let mut open: HashMap<i64, usize> = HashMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(';') {
            continue;
        }
        let at = |e: String| format!("line {}: {e}", number + 1);
        let parsed = edn_format::parse_str(line).map_err(|e| at(harness::excerpt(&format!("{e:?}"))))?;
        let entry = Entry::of(&parsed).map_err(at)?;
        let Some(entry) = entry else { continue };
        match entry.kind {
            Kind::Invoke => {
                if open.contains_key(&entry.process) {
                    return Err(at(format!("process {} calls again before its call was answered", entry.process)));
                }
                let op = entry.op.ok_or_else(|| at("a call needs a :value".into()))?;
                open.insert(entry.process, operations.len());
                operations.push(ClientOperation {
                    client: entry.process as u32,
                    seq: operations.len() as u64 + 1,
                    op,
                    invoked: harness::Time(entry.time.unwrap_or(number as u64)),
                    completed: None,
                    retries: 0,
                    redirects: 0,
                });
            }
            kind => {
                let Some(index) = open.remove(&entry.process) else {
                    return Err(at(format!("process {} answers a call it never made", entry.process)));
                };
                let time = harness::Time(entry.time.unwrap_or(number as u64));
                let op = &operations[index].op;
                let result = match (kind, op, &entry.read) {
                    (Kind::Info, _, _) => None,
                    (Kind::Ok, KvOp::Get { .. }, read) => Some(KvResult::Value(read.clone())),
                    (Kind::Ok, KvOp::Cas { expected, .. }, _) => {
                        Some(KvResult::Cas { written: true, found: expected.clone() })
                    }
                    (Kind::Ok, _, _) => Some(KvResult::Done),
                    (Kind::Fail, KvOp::Cas { .. }, _) => Some(KvResult::CasRefused),
                    (Kind::Fail, _, _) => {
                        // It did not happen: as if never called.
                        operations[index].op = KvOp::Noop;
                        None
                    }
                    (Kind::Invoke, _, _) => unreachable!("calls are handled above"),
                };
                operations[index].completed = result.map(|r| (time, r));
            }
        }
    }
    operations.retain(|op| op.op != KvOp::Noop);
    Ok(operations)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Invoke,
    Ok,
    Fail,
    Info,
}

/// One line of a history, as far as the checker cares.
struct Entry {
    process: i64,
    kind: Kind,
    time: Option<u64>,
    /// The operation a call asks for.
    op: Option<KvOp>,
    /// What a read's completion saw.
    read: Option<String>,
}

fn keyword(value: &edn_format::Value) -> Option<&str> {
    match value {
        edn_format::Value::Keyword(k) => Some(k.name()),
        _ => None,
    }
}

/// A value as text: strings as they are, numbers in decimal; `nil` is `None`.
fn text_of(value: &edn_format::Value) -> Result<Option<String>, String> {
    use edn_format::Value::*;
    match value {
        Nil => Ok(None),
        String(s) => Ok(Some(s.clone())),
        Integer(n) => Ok(Some(n.to_string())),
        Float(x) => Ok(Some(x.to_string())),
        Keyword(k) => Ok(Some(k.name().to_string())),
        other => Err(format!("`{}` is not a register value", harness::excerpt(&edn_format::emit_str(other)))),
    }
}

impl Entry {
    /// The entry a line holds; `None` for a line the checker skips (a nemesis, another function).
    fn of(value: &edn_format::Value) -> Result<Option<Entry>, String> {
        use edn_format::Value;
        let Value::Map(map) = value else { return Err("a history line is a map".into()) };
        let get = |name: &str| map.get(&Value::Keyword(edn_format::Keyword::from_name(name)));
        let process = match get("process") {
            Some(Value::Integer(p)) if *p >= 0 && *p <= i64::from(u32::MAX) => *p,
            _ => return Ok(None), // :nemesis and the like
        };
        let kind = match get("type").and_then(keyword) {
            Some("invoke") => Kind::Invoke,
            Some("ok") => Kind::Ok,
            Some("fail") => Kind::Fail,
            Some("info") => Kind::Info,
            _ => return Err("`:type` is one of :invoke, :ok, :fail, :info".into()),
        };
        let time = match get("time") {
            Some(Value::Integer(t)) if *t >= 0 => Some(*t as u64),
            _ => None,
        };
        let Some(f) = get("f").and_then(keyword) else {
            return Err("`:f` names the function (:read, :write, ...)".into());
        };
        if !matches!(f, "read" | "write" | "cas" | "append") {
            return Ok(None);
        }
        let (key, inner) = match get("value") {
            Some(Value::Vector(pair)) if pair.len() == 2 => match &pair[0] {
                Value::Integer(k) if *k >= 0 && *k <= i64::from(u32::MAX) => (*k as u32, &pair[1]),
                other => {
                    return Err(format!(
                        "`{}` is not a key (keys are whole numbers)",
                        harness::excerpt(&edn_format::emit_str(other))
                    ))
                }
            },
            Some(Value::Nil) | None if kind == Kind::Info => {
                return Ok(Some(Entry { process, kind, time, op: None, read: None }))
            }
            _ => return Err("`:value` is a [key value] tuple".into()),
        };
        let op = match f {
            "read" => KvOp::Get { key },
            "write" => KvOp::Put { key, value: text_of(inner)?.ok_or("a write of nil")? },
            "append" => KvOp::Append { key, value: text_of(inner)?.ok_or("an append of nil")? },
            _ => match inner {
                Value::Vector(cas) if cas.len() == 2 => KvOp::Cas {
                    key,
                    expected: text_of(&cas[0])?,
                    new: text_of(&cas[1])?.ok_or("a compare-and-set to nil")?,
                },
                _ => return Err("a :cas value is [key [old new]]".into()),
            },
        };
        let read = if f == "read" { text_of(inner)? } else { None };
        Ok(Some(Entry { process, kind, time, op: Some(op), read }))
    }
}

#[cfg(test)]
mod read {
    use super::*;
    use harness::Time;

    #[test]
    fn a_written_history_reads_back() {
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
                invoked: Time(5),
                completed: Some((Time(6), KvResult::Value(Some("0.1".into())))),
                retries: 0,
                redirects: 0,
            },
            ClientOperation {
                client: 2,
                seq: 1,
                op: KvOp::Cas { key: 3, expected: Some("x".into()), new: "y".into() },
                invoked: Time(5),
                completed: Some((Time(7), KvResult::Cas { written: false, found: Some("0.1".into()) })),
                retries: 0,
                redirects: 0,
            },
        ];
        let back = read_history(&history(&ops)).unwrap();
        assert_eq!(back.len(), 3);
        assert_eq!(back[1].completed, Some((Time(6), KvResult::Value(Some("0.1".into())))));
        let cas = back.iter().find(|o| matches!(o.op, KvOp::Cas { .. })).unwrap();
        assert_eq!(cas.completed, Some((Time(7), KvResult::CasRefused)));
    }

    #[test]
    fn jepsen_numbers_a_nemesis_and_errors() {
        let text = "{:process 0, :type :invoke, :f :write, :value [1 3]}\n\
                    {:process :nemesis, :type :info, :f :start, :value nil}\n\
                    {:process 0, :type :ok, :f :write, :value [1 3]}\n\
                    {:process 1, :type :invoke, :f :read, :value [1 nil]}\n\
                    {:process 1, :type :ok, :f :read, :value [1 3]}\n";
        let ops = read_history(text).unwrap();
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[1].completed.as_ref().unwrap().1, KvResult::Value(Some("3".into())));
        let bad = read_history("{:process 0, :type :ok, :f :write, :value [1 3]}\n").unwrap_err();
        assert!(bad.starts_with("line 1:"), "{bad}");
        assert!(read_history("{:process 0 :type\n").unwrap_err().starts_with("line 1:"));
    }
}
