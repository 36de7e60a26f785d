//! The event trace of a run: every send, delivery, drop, timer, observation, crash, fault and
//! client operation, in the order it happened, as JSON lines.
//!
//! Both runtimes record it at the same places (the [`crate::host`] and the network routing every
//! send), in the same words, so a simulated and a threaded run read alike. Tracing is off unless
//! asked for ([`crate::run_traced`]); off, each would-be line costs one branch.
//!
//! One line per event: `{"time": ns, "node": 2, "event": "send", ...}`. `time` is virtual
//! nanoseconds in the simulator and wall-clock nanoseconds since the start in the threads runtime.
//! Message ids number the sends in trace order, from 0; a message's `deliver`, `drop` and
//! `duplicate` lines carry the id of its `send`. The first line (`"event": "run"`) says what ran.

use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{NodeId, Time};

/// Why the network or the receiver lost a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Random loss (the network's `drop` rate or a lossy burst).
    Loss,
    /// A partition or a bridge separates sender and receiver.
    Partition,
    /// The link from sender to receiver is cut.
    Cut,
    /// The receiver was down when the message arrived, or restarted since it was sent.
    Crashed,
    /// The receiver does not exist (an algorithm addressed a node id beyond the cluster).
    NoSuchNode,
}

/// Whether a fault line starts a fault or ends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultPhase {
    Start,
    End,
}

/// What happened. Payloads (messages, observations, operations, answers) are JSON as the
/// algorithm's and the harness's types serialize them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TraceEvent {
    /// The first line: what ran.
    Run {
        algorithm: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        variant: Option<String>,
        nodes: usize,
        seed: u64,
        runtime: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        command: String,
    },
    /// A node sent message `id`; `kind` is the kind it is counted under.
    Send {
        id: u64,
        from: u32,
        to: u32,
        kind: String,
        msg: Value,
    },
    /// Message `id` reached a live node and was handed to it.
    Deliver {
        id: u64,
        from: u32,
        to: u32,
    },
    /// Message `id` was lost.
    Drop {
        id: u64,
        from: u32,
        to: u32,
        why: DropReason,
    },
    /// The network will deliver message `id` a second time.
    Duplicate {
        id: u64,
        from: u32,
        to: u32,
    },
    /// A node set a timer to fire after `after` nanoseconds (replacing one of that name).
    TimerSet {
        timer: String,
        after: u64,
    },
    /// A timer fired.
    TimerFire {
        timer: String,
    },
    /// A node cancelled a pending timer.
    TimerCancel {
        timer: String,
    },
    /// A node reported an observation (leader of a term, a commit, entered the critical section).
    Observe {
        observation: Value,
    },
    Crash,
    Restart,
    /// A fault of the plan struck (`start`) or was undone (`end`); `nodes` are those it hit.
    Fault {
        phase: FaultPhase,
        fault: String,
        nodes: Vec<u32>,
    },
    /// A client operation reached a node.
    Invoke {
        op: Value,
    },
    /// A node answered a client.
    Reply {
        reply: Value,
    },
    /// A checker found the algorithm broke a promise (written by `check` on a failing run).
    Violation {
        message: String,
        nodes: Vec<u32>,
    },
}

impl TraceEvent {
    /// The event's name as it appears in the `event` field.
    pub fn name(&self) -> &'static str {
        match self {
            TraceEvent::Run { .. } => "run",
            TraceEvent::Send { .. } => "send",
            TraceEvent::Deliver { .. } => "deliver",
            TraceEvent::Drop { .. } => "drop",
            TraceEvent::Duplicate { .. } => "duplicate",
            TraceEvent::TimerSet { .. } => "timer_set",
            TraceEvent::TimerFire { .. } => "timer_fire",
            TraceEvent::TimerCancel { .. } => "timer_cancel",
            TraceEvent::Observe { .. } => "observe",
            TraceEvent::Crash => "crash",
            TraceEvent::Restart => "restart",
            TraceEvent::Fault { .. } => "fault",
            TraceEvent::Invoke { .. } => "invoke",
            TraceEvent::Reply { .. } => "reply",
            TraceEvent::Violation { .. } => "violation",
        }
    }
}

/// One line of the trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceLine {
    /// Nanoseconds since the start of the run.
    pub time: u64,
    /// The node where it happened; none for the run line, faults and violations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<u32>,
    #[serde(flatten)]
    pub event: TraceEvent,
}

/// JSON for a payload. Every message, observation and operation type derives `Serialize`; one
/// that cannot be written (a map with non-string keys) is written as its error, never a panic.
pub fn payload<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or_else(|e| Value::String(format!("(not serializable: {e})")))
}

/// The trace line of a violation a checker reported in words: placed at the latest time the
/// message names (checkers write times as `123.456ms`, when the breach became visible) or at
/// `run_end` if it names none, on the nodes it names (`n3`) below `nodes`.
pub fn violation_line(message: &str, run_end: Time, nodes: usize) -> TraceLine {
    let mut latest: Option<u64> = None;
    let mut named: Vec<u32> = Vec::new();
    let bytes = message.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if bytes[i] == b'n' && starts_word {
            let digits = bytes[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
            let after = i + 1 + digits;
            if digits > 0 && bytes.get(after).is_none_or(|b| !b.is_ascii_alphanumeric()) {
                if let Ok(node) = message[i + 1..after].parse::<u32>() {
                    if (node as usize) < nodes && !named.contains(&node) {
                        named.push(node);
                    }
                }
                i = after;
                continue;
            }
        }
        if bytes[i].is_ascii_digit() && starts_word {
            let len = bytes[i..].iter().take_while(|b| b.is_ascii_digit() || **b == b'.').count();
            if message[i + len..].starts_with("ms") {
                if let Ok(ms) = message[i..i + len].parse::<f64>() {
                    let ns = (ms * 1e6).round() as u64;
                    latest = Some(latest.map_or(ns, |l| l.max(ns)));
                }
            }
            i += len.max(1);
            continue;
        }
        i += 1;
    }
    named.sort_unstable();
    TraceLine {
        time: latest.unwrap_or(run_end.0).min(run_end.0),
        node: None,
        event: TraceEvent::Violation { message: message.to_string(), nodes: named },
    }
}

/// Collects a runtime's trace lines while a run goes, or nothing at all when tracing is off.
#[derive(Debug, Default)]
pub struct Tracer {
    lines: Option<Vec<TraceLine>>,
}

impl Tracer {
    /// A tracer that records if `on`.
    pub fn new(on: bool) -> Self {
        if on {
            Tracer::on()
        } else {
            Tracer::off()
        }
    }

    /// A tracer that records.
    pub fn on() -> Self {
        Tracer { lines: Some(Vec::new()) }
    }

    /// A tracer that records nothing.
    pub fn off() -> Self {
        Tracer { lines: None }
    }

    /// Whether it records.
    #[inline]
    pub fn is_on(&self) -> bool {
        self.lines.is_some()
    }

    /// Records the event `make` builds; `make` runs only when tracing is on.
    #[inline]
    pub fn record(&mut self, time: Time, node: Option<NodeId>, make: impl FnOnce() -> TraceEvent) {
        if let Some(lines) = self.lines.as_mut() {
            lines.push(TraceLine { time: time.0, node: node.map(|n| n.0), event: make() });
        }
    }

    /// The lines recorded, if it was on.
    pub fn finish(self) -> Option<Vec<TraceLine>> {
        self.lines
    }
}

/// A whole trace: the run line, then the events in the order they happened.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    pub lines: Vec<TraceLine>,
}

impl Trace {
    /// Builds a trace from runtime lines: stably ordered by time (the threads runtime merges one
    /// tracer per node thread) and with message ids renumbered in the order of their sends.
    /// The simulator's lines come in time order with ids already numbered in send order, so
    /// both steps are skipped for them after one pass that checks.
    pub fn from_runtime(mut lines: Vec<TraceLine>) -> Self {
        if !lines.is_sorted_by_key(|line| line.time) {
            lines.sort_by_key(|line| line.time);
        }
        let sends = lines.iter().filter_map(|line| match line.event {
            TraceEvent::Send { id, .. } => Some(id),
            _ => None,
        });
        if sends.enumerate().all(|(n, id)| id == n as u64) {
            return Trace { lines };
        }
        let mut ids = std::collections::HashMap::new();
        for line in &lines {
            if let TraceEvent::Send { id, .. } = line.event {
                let next = ids.len() as u64;
                ids.entry(id).or_insert(next);
            }
        }
        for line in &mut lines {
            match &mut line.event {
                TraceEvent::Send { id, .. }
                | TraceEvent::Deliver { id, .. }
                | TraceEvent::Drop { id, .. }
                | TraceEvent::Duplicate { id, .. } => {
                    if let Some(renumbered) = ids.get(id) {
                        *id = *renumbered;
                    }
                }
                _ => {}
            }
        }
        Trace { lines }
    }

    /// Puts the run line first.
    pub fn with_header(mut self, header: TraceEvent) -> Self {
        self.lines.insert(0, TraceLine { time: 0, node: None, event: header });
        self
    }

    /// Adds a line in time order (after the lines of the same instant).
    pub fn insert(&mut self, line: TraceLine) {
        let at = self.lines.partition_point(|l| l.time <= line.time);
        self.lines.insert(at, line);
    }

    /// How many lines are of event `name`.
    pub fn count(&self, name: &str) -> usize {
        self.lines.iter().filter(|l| l.event.name() == name).count()
    }

    /// Writes JSON lines.
    pub fn write_jsonl(&self, out: &mut impl Write) -> std::io::Result<()> {
        for line in &self.lines {
            serde_json::to_writer(&mut *out, line)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Reads JSON lines; an error names the line that is not a trace event.
    pub fn read_jsonl(input: impl BufRead) -> Result<Self, String> {
        let mut lines = Vec::new();
        for (number, text) in input.lines().enumerate() {
            let text = text.map_err(|e| format!("line {}: {e}", number + 1))?;
            if text.trim().is_empty() {
                continue;
            }
            let line: TraceLine = serde_json::from_str(&text)
                .map_err(|e| format!("line {}: not a trace event ({e}): {}", number + 1, crate::excerpt(&text)))?;
            lines.push(line);
        }
        Ok(Trace { lines })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_through_json() {
        let lines = vec![
            TraceLine {
                time: 0,
                node: None,
                event: TraceEvent::Run {
                    algorithm: "raft".into(),
                    variant: None,
                    nodes: 3,
                    seed: 1,
                    runtime: "sim".into(),
                    command: String::new(),
                },
            },
            TraceLine {
                time: 5,
                node: Some(1),
                event: TraceEvent::Send {
                    id: 0,
                    from: 1,
                    to: 2,
                    kind: "vote".into(),
                    msg: serde_json::json!({"Vote": {"term": 2}}),
                },
            },
            TraceLine {
                time: 9,
                node: Some(2),
                event: TraceEvent::Drop { id: 0, from: 1, to: 2, why: DropReason::Crashed },
            },
            TraceLine { time: 9, node: Some(2), event: TraceEvent::Crash },
        ];
        let trace = Trace { lines };
        let mut bytes = Vec::new();
        trace.write_jsonl(&mut bytes).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.lines().nth(1).unwrap().contains(r#""event":"send""#), "{text}");
        assert!(text.contains(r#""why":"crashed""#));
        assert_eq!(Trace::read_jsonl(&bytes[..]).unwrap(), trace);
    }

    #[test]
    fn a_violation_is_placed_at_the_latest_time_and_on_the_nodes_its_message_names() {
        let line = violation_line(
            "election safety: term 4 has two leaders: n1 and n3 (named by n2 at 1203.500ms, after 17.000ms)",
            Time(5_000_000_000),
            4,
        );
        assert_eq!(line.time, 1_203_500_000);
        assert_eq!(line.event, TraceEvent::Violation { message: line_message(&line), nodes: vec![1, 2, 3] });
        let vague = violation_line("progress: 3 of 9 ops done (n12 is not a node here)", Time(77), 4);
        assert_eq!(
            (vague.time, vague),
            (
                77,
                TraceLine {
                    time: 77,
                    node: None,
                    event: TraceEvent::Violation {
                        message: "progress: 3 of 9 ops done (n12 is not a node here)".into(),
                        nodes: vec![],
                    }
                }
            )
        );
    }

    fn line_message(line: &TraceLine) -> String {
        match &line.event {
            TraceEvent::Violation { message, .. } => message.clone(),
            _ => String::new(),
        }
    }

    #[test]
    fn a_line_that_is_not_an_event_is_named() {
        let err = Trace::read_jsonl(&b"{\"time\":0,\"event\":\"crash\"}\n{\"time\":1}\n"[..]).unwrap_err();
        assert!(err.starts_with("line 2: not a trace event"), "{err}");
    }

    #[test]
    fn runtime_lines_are_ordered_by_time_and_ids_follow_the_sends() {
        let send = |time, id| TraceLine {
            time,
            node: Some(0),
            event: TraceEvent::Send { id, from: 0, to: 1, kind: "k".into(), msg: Value::Null },
        };
        let deliver = |time, id| TraceLine { time, node: Some(1), event: TraceEvent::Deliver { id, from: 0, to: 1 } };
        let trace = Trace::from_runtime(vec![send(5, 1 << 40), deliver(9, 1 << 40), send(2, 7), deliver(3, 7)]);
        let ids: Vec<(u64, &str, u64)> = trace
            .lines
            .iter()
            .map(|l| match &l.event {
                TraceEvent::Send { id, .. } | TraceEvent::Deliver { id, .. } => (l.time, l.event.name(), *id),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(ids, vec![(2, "send", 0), (3, "deliver", 0), (5, "send", 1), (9, "deliver", 1)]);

        // In time order already, but numbered otherwise (the threads runtime's per-thread ids):
        // still renumbered. Numbered in send order from 0 (the simulator's): kept.
        let renumbered = Trace::from_runtime(vec![send(1, 5), send(2, 3), deliver(3, 5)]);
        let ids: Vec<u64> = renumbered
            .lines
            .iter()
            .map(|l| match &l.event {
                TraceEvent::Send { id, .. } | TraceEvent::Deliver { id, .. } => *id,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(ids, vec![0, 1, 0]);
        let kept = Trace::from_runtime(vec![send(1, 0), send(2, 1), deliver(3, 1)]);
        assert_eq!(kept.lines, vec![send(1, 0), send(2, 1), deliver(3, 1)]);
    }
}
