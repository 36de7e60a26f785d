//! A trace as a ShiViz log: one line per node event with its vector clock.
//!
//! ShiViz (Beschastnikh et al., "Debugging distributed systems", CACM 2016) reads a log whose
//! first line is the regular expression that parses it and whose second line separates several
//! executions (empty: one). Here each event is one line, `HOST CLOCK EVENT`, the clock a JSON
//! object of host to count. A node's own entry counts its events from 1, one by one; a delivery
//! merges the clock its message was sent with, so the log carries happens-before.
//!
//! Node events become log events: sends, deliveries, timer firings, observations, crashes,
//! restarts, client invocations and answers. Lines that happen nowhere in particular (faults, the
//! run line) and network drops are left out; a lost message is a send nothing merges.

use std::collections::{BTreeMap, HashMap};

use harness::trace::{Trace, TraceEvent};

/// The parsing expression, the log's first line.
pub const SHIVIZ_REGEX: &str = r"(?<host>\S+) (?<clock>\{[^}]*\}) (?<event>.*)";

/// A send's payload is cut to this many characters (the trace has it whole).
const PAYLOAD_CHARS: usize = 200;

type Clock = BTreeMap<String, u64>;

fn host(node: u32) -> String {
    format!("n{node}")
}

fn millis(ns: u64) -> String {
    format!("{:.3}ms", ns as f64 / 1e6)
}

/// What an event line says, or `None` for lines that are not node events.
fn describe(event: &TraceEvent) -> Option<String> {
    Some(match event {
        TraceEvent::Send { id, to, kind, msg, .. } => {
            let mut payload = msg.to_string();
            if payload.chars().count() > PAYLOAD_CHARS {
                payload = payload.chars().take(PAYLOAD_CHARS).collect::<String>() + "…";
            }
            format!("send {kind} #{id} to n{to}: {payload}")
        }
        TraceEvent::Deliver { id, from, .. } => format!("deliver #{id} from n{from}"),
        TraceEvent::TimerFire { timer } => format!("timer {timer} fired"),
        TraceEvent::Observe { observation } => format!("observe {observation}"),
        TraceEvent::Crash => "crash".into(),
        TraceEvent::Restart => "restart".into(),
        TraceEvent::Invoke { op } => format!("invoke {op}"),
        TraceEvent::Reply { reply } => format!("reply {reply}"),
        TraceEvent::Run { .. }
        | TraceEvent::Drop { .. }
        | TraceEvent::Duplicate { .. }
        | TraceEvent::TimerSet { .. }
        | TraceEvent::TimerCancel { .. }
        | TraceEvent::Fault { .. }
        | TraceEvent::Violation { .. } => return None,
    })
}

/// The ShiViz log of `trace`.
pub fn shiviz_log(trace: &Trace) -> String {
    let mut out = String::new();
    out.push_str(SHIVIZ_REGEX);
    out.push_str("\n\n");
    let mut clocks: HashMap<u32, Clock> = HashMap::new();
    let mut sent_with: HashMap<u64, Clock> = HashMap::new();
    for line in &trace.lines {
        let Some(node) = line.node else { continue };
        let Some(text) = describe(&line.event) else { continue };
        let clock = clocks.entry(node).or_default();
        if let TraceEvent::Deliver { id, .. } = &line.event {
            if let Some(sent) = sent_with.get(id) {
                for (other, count) in sent {
                    let mine = clock.entry(other.clone()).or_insert(0);
                    *mine = (*mine).max(*count);
                }
            }
        }
        *clock.entry(host(node)).or_insert(0) += 1;
        if let TraceEvent::Send { id, .. } = &line.event {
            sent_with.insert(*id, clock.clone());
        }
        let clock_json = serde_json::to_string(&*clock).expect("a map of strings to numbers");
        // One line per event: the text must not break it.
        let text = text.replace(['\n', '\r'], " ");
        out.push_str(&format!("{} {clock_json} {text} at {}\n", host(node), millis(line.time)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::trace::TraceLine;

    #[test]
    fn a_delivery_merges_the_clock_of_its_send() {
        let send = TraceEvent::Send { id: 0, from: 0, to: 1, kind: "ping".into(), msg: serde_json::json!("Ping") };
        let trace = Trace {
            lines: vec![
                TraceLine { time: 0, node: Some(0), event: TraceEvent::TimerFire { timer: "Tick".into() } },
                TraceLine { time: 1, node: Some(0), event: send },
                TraceLine { time: 2, node: Some(1), event: TraceEvent::Crash },
                TraceLine { time: 5, node: Some(1), event: TraceEvent::Deliver { id: 0, from: 0, to: 1 } },
            ],
        };
        let log = shiviz_log(&trace);
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines[0], SHIVIZ_REGEX);
        assert_eq!(lines[1], "");
        assert!(lines[3].starts_with(r#"n0 {"n0":2} send ping #0 to n1"#), "{}", lines[3]);
        assert!(lines[5].starts_with(r#"n1 {"n0":2,"n1":2} deliver #0 from n0"#), "{}", lines[5]);
    }
}
