//! What a space-time diagram shows, read off a trace: one row per message arrow, the marks on the
//! lanes, the shaded intervals, the client operations and the faults. The page draws these; it
//! does no reading of the trace itself.

use std::collections::HashMap;

use harness::trace::{DropReason, FaultPhase, Trace, TraceEvent};
use serde::{Serialize, Serializer};
use serde_json::Value;

/// At most this many characters of a payload are kept for the page (the trace has them whole).
const PAYLOAD_CHARS: usize = 240;

/// How a message arrow ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    Delivered,
    Loss,
    Partition,
    Cut,
    Crashed,
    NoSuchNode,
    /// Neither delivered nor lost when the trace ends.
    InFlight,
}

impl From<DropReason> for Fate {
    fn from(why: DropReason) -> Self {
        match why {
            DropReason::Loss => Fate::Loss,
            DropReason::Partition => Fate::Partition,
            DropReason::Cut => Fate::Cut,
            DropReason::Crashed => Fate::Crashed,
            DropReason::NoSuchNode => Fate::NoSuchNode,
        }
    }
}

/// One arrow: sent at `sent` by `from` to `to`; it ends at `ended` (delivery, loss, or the end of
/// the trace). A network loss ends where it was decided (`ended == sent`); the page draws it
/// part of the way. Written to the page as an array (a trace has tens of thousands):
/// `[sent, ended, from, to, kind, fate, payload, id]`.
#[derive(Clone, Debug)]
pub struct Arrow {
    pub id: u64,
    pub sent: u64,
    pub ended: u64,
    pub from: u32,
    pub to: u32,
    /// Index into [`Diagram::kinds`].
    pub kind: usize,
    pub fate: Fate,
    pub payload: String,
}

/// A labelled mark on a node's lane. Written as `[time, node, class, label]`.
#[derive(Clone, Debug)]
pub struct Mark {
    pub time: u64,
    pub node: u32,
    /// What sort of mark (the page styles by it): leader, follower, commit, append, truncate,
    /// vote, accept, request, enter, exit, crash, restart, note.
    pub class: &'static str,
    /// The label drawn beside it (and shown in full in the details panel).
    pub label: String,
}

/// An interval of one lane: down (crashed), cut off by a fault, slowed, in the critical section.
#[derive(Clone, Debug, Serialize)]
pub struct Interval {
    pub node: u32,
    pub from: u64,
    pub to: u64,
    pub class: &'static str,
    pub label: String,
}

/// A fault of the plan, from the moment it struck to the moment it was undone (or the end).
#[derive(Clone, Debug, Serialize)]
pub struct FaultBar {
    pub from: u64,
    pub to: u64,
    pub fault: String,
    pub nodes: Vec<u32>,
}

/// A client operation as the client lane shows it: handed to `node` at `invoked`, answered at
/// `answered` (if it was). Written as `[invoked, answered, node, outcome, label, answer]`.
#[derive(Clone, Debug)]
pub struct ClientBar {
    pub client: Option<u64>,
    pub node: u32,
    pub invoked: u64,
    pub answered: Option<u64>,
    /// ok, redirected, none (not answered), or the family's own operation (acquire, release, start).
    pub outcome: &'static str,
    pub label: String,
    /// The answer, if one came.
    pub answer: String,
}

/// A timer that fired. Written as `[time, node, timer]`.
#[derive(Clone, Debug)]
pub struct TimerFire {
    pub time: u64,
    pub node: u32,
    pub timer: String,
}

/// Where a checker says the algorithm broke its promise.
#[derive(Clone, Debug, Serialize)]
pub struct ViolationMark {
    pub time: u64,
    pub nodes: Vec<u32>,
    pub message: String,
}

/// A message kind and how many arrows it has.
#[derive(Clone, Debug, Serialize)]
pub struct Kind {
    pub name: String,
    pub count: usize,
}

/// Everything the page draws.
#[derive(Clone, Debug, Serialize)]
pub struct Diagram {
    pub title: String,
    pub command: String,
    pub runtime: String,
    /// The last time in the trace (ns).
    pub end: u64,
    pub nodes: usize,
    pub kinds: Vec<Kind>,
    pub arrows: Vec<Arrow>,
    pub marks: Vec<Mark>,
    pub intervals: Vec<Interval>,
    pub faults: Vec<FaultBar>,
    pub clients: Vec<ClientBar>,
    pub timers: Vec<TimerFire>,
    pub violations: Vec<ViolationMark>,
    /// The typical one-way delay of a delivered message (ns): how far a lost message's arrow goes.
    pub typical_delay: u64,
}

impl Serialize for Arrow {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.sent, self.ended, self.from, self.to, self.kind, self.fate, &self.payload, self.id).serialize(s)
    }
}

impl Serialize for Mark {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.time, self.node, self.class, &self.label).serialize(s)
    }
}

impl Serialize for ClientBar {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.invoked, self.answered, self.node, self.outcome, &self.label, &self.answer).serialize(s)
    }
}

impl Serialize for TimerFire {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.time, self.node, &self.timer).serialize(s)
    }
}

struct SendInfo {
    sent: u64,
    from: u32,
    to: u32,
    kind: usize,
    payload: String,
    ended: bool,
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= PAYLOAD_CHARS {
        text
    } else {
        let cut: String = text.chars().take(PAYLOAD_CHARS).collect();
        format!("{cut}… ({} characters in the trace)", text.len())
    }
}

/// The variant name and fields of an externally tagged enum value (`{"Leader": {...}}` or
/// `"Entered"`).
fn tagged(value: &Value) -> (&str, Option<&serde_json::Map<String, Value>>) {
    match value {
        Value::String(name) => (name.as_str(), None),
        Value::Object(map) if map.len() == 1 => {
            let (name, inner) = map.iter().next().expect("one entry");
            (name.as_str(), inner.as_object())
        }
        _ => ("", None),
    }
}

fn field(fields: Option<&serde_json::Map<String, Value>>, name: &str) -> String {
    match fields.and_then(|f| f.get(name)) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "?".into(),
        Some(other) => other.to_string(),
    }
}

/// The mark of an observation at `node`: its class and short label.
fn observation_mark(node: u32, observation: &Value) -> (&'static str, String) {
    let (name, fields) = tagged(observation);
    let f = |n| field(fields, n);
    match name {
        "Leader" if f("leader") == node.to_string() => ("leader", format!("leader t{}", f("term"))),
        "Leader" => ("follower", format!("n{} leads t{}", f("leader"), f("term"))),
        "Committed" => ("commit", format!("commit {}", f("index"))),
        "Appended" => ("append", format!("append {} (t{})", f("index"), f("term"))),
        "Truncated" => ("truncate", format!("truncate after {}", f("after"))),
        "Voted" => ("vote", format!("vote n{} t{}", f("candidate"), f("term"))),
        "Accepted" => ("accept", format!("accept s{} b{}", f("slot"), f("ballot"))),
        "Requested" => ("request", "request".into()),
        "Entered" => ("enter", "enter CS".into()),
        "Exited" => ("exit", "exit CS".into()),
        "Note" => ("note", format!("{} {}", f("label"), f("value"))),
        "Configuration" => {
            let members = f("members").replace(['[', ']'], "");
            let joint = f("joint_with").replace(['[', ']'], "");
            let joint = if joint.is_empty() { String::new() } else { format!(" + old {{{joint}}}") };
            let verb = if f("committed") == "true" { "commits" } else { "uses" };
            ("note", format!("{verb} config {{{members}}}{joint} @{}", f("index")))
        }
        other => ("note", other.to_lowercase()),
    }
}

/// A key-value operation in a few words: `put k3=x`, `get k3`, `cas k3 a→b`.
fn kv_op(op: &Value) -> String {
    let (name, fields) = tagged(op);
    let f = |n| field(fields, n);
    match name {
        "Put" => format!("put k{}={}", f("key"), f("value")),
        "Get" => format!("get k{}", f("key")),
        "Append" => format!("append k{}+={}", f("key"), f("value")),
        "Cas" => format!("cas k{} {}→{}", f("key"), f("expected").replace('?', "none"), f("new")),
        other => other.to_lowercase(),
    }
}

/// The client, sequence number and a label of a client operation.
fn client_op(op: &Value) -> (Option<u64>, Option<u64>, &'static str, String) {
    let (name, fields) = tagged(op);
    match name {
        "Submit" => {
            let command = fields.cloned().map(Value::Object).unwrap_or(Value::Null);
            let client = command.get("client").and_then(Value::as_u64);
            let seq = command.get("seq").and_then(Value::as_u64);
            let what = command.get("op").map(kv_op).unwrap_or_default();
            let label = format!("c{} #{} {what}", client.unwrap_or(0), seq.unwrap_or(0));
            (client, seq, "none", label)
        }
        "Acquire" => (None, None, "acquire", "acquire".into()),
        "Release" => (None, None, "release", "release".into()),
        "StartElection" => (None, None, "start", "start election".into()),
        other => (None, None, "none", other.to_lowercase()),
    }
}

impl Diagram {
    /// Reads a trace into what the diagram draws. `violations` are (time, nodes, message) marks
    /// to add to those the trace holds.
    pub fn of(trace: &Trace) -> Diagram {
        let mut title = "run".to_string();
        let mut command = String::new();
        let mut runtime = String::new();
        let mut nodes = 0usize;
        // The run line's cluster size, where there is one (a message to a node beyond it has no lane).
        let mut declared = None;
        let mut kinds: Vec<Kind> = Vec::new();
        let mut kind_index: HashMap<String, usize> = HashMap::new();
        let mut sends: HashMap<u64, SendInfo> = HashMap::new();
        let mut arrows = Vec::new();
        let mut marks = Vec::new();
        let mut intervals = Vec::new();
        let mut faults: Vec<FaultBar> = Vec::new();
        let mut open_faults: HashMap<String, Vec<usize>> = HashMap::new();
        let mut down_since: HashMap<u32, u64> = HashMap::new();
        let mut inside_since: HashMap<u32, u64> = HashMap::new();
        let mut clients: Vec<ClientBar> = Vec::new();
        let mut open_ops: HashMap<(u32, u64, u64), usize> = HashMap::new();
        let mut timers = Vec::new();
        let mut violations = Vec::new();
        let end = trace.lines.iter().map(|l| l.time).max().unwrap_or(0);
        let note_node = |n: u32, nodes: &mut usize| *nodes = (*nodes).max(n as usize + 1);

        for line in &trace.lines {
            let time = line.time;
            let at = line.node.unwrap_or(0);
            if let Some(node) = line.node {
                note_node(node, &mut nodes);
            }
            match &line.event {
                TraceEvent::Run { algorithm, variant, nodes: n, seed, runtime: r, command: c } => {
                    declared = Some(*n);
                    let variant = variant.as_deref().map(|v| format!(" ({v})")).unwrap_or_default();
                    title = format!("{algorithm}{variant}: {n} nodes, seed {seed}, {r}");
                    command = c.clone();
                    runtime = r.clone();
                }
                TraceEvent::Send { id, from, to, kind, msg } => {
                    note_node(*from, &mut nodes);
                    note_node(*to, &mut nodes);
                    let index = *kind_index.entry(kind.clone()).or_insert_with(|| {
                        kinds.push(Kind { name: kind.clone(), count: 0 });
                        kinds.len() - 1
                    });
                    sends.insert(
                        *id,
                        SendInfo { sent: time, from: *from, to: *to, kind: index, payload: short(msg), ended: false },
                    );
                }
                TraceEvent::Deliver { id, .. } | TraceEvent::Drop { id, .. } => {
                    let Some(send) = sends.get_mut(id) else { continue };
                    send.ended = true;
                    let fate = match &line.event {
                        TraceEvent::Drop { why, .. } => Fate::from(*why),
                        _ => Fate::Delivered,
                    };
                    kinds[send.kind].count += 1;
                    arrows.push(Arrow {
                        id: *id,
                        sent: send.sent,
                        ended: time,
                        from: send.from,
                        to: send.to,
                        kind: send.kind,
                        fate,
                        payload: send.payload.clone(),
                    });
                }
                TraceEvent::Duplicate { .. } | TraceEvent::TimerSet { .. } | TraceEvent::TimerCancel { .. } => {}
                TraceEvent::TimerFire { timer } => timers.push(TimerFire { time, node: at, timer: timer.clone() }),
                TraceEvent::Observe { observation } => {
                    let (class, label) = observation_mark(at, observation);
                    match class {
                        "enter" => {
                            inside_since.insert(at, time);
                        }
                        "exit" => {
                            if let Some(since) = inside_since.remove(&at) {
                                intervals.push(Interval {
                                    node: at,
                                    from: since,
                                    to: time,
                                    class: "inside",
                                    label: "in the critical section".into(),
                                });
                            }
                        }
                        _ => {}
                    }
                    marks.push(Mark { time, node: at, class, label });
                }
                TraceEvent::Crash => {
                    down_since.insert(at, time);
                    marks.push(Mark { time, node: at, class: "crash", label: "crash".into() });
                }
                TraceEvent::Restart => {
                    if let Some(since) = down_since.remove(&at) {
                        intervals.push(Interval {
                            node: at,
                            from: since,
                            to: time,
                            class: "down",
                            label: "down".into(),
                        });
                    }
                    marks.push(Mark {
                        time,
                        node: at,
                        class: "restart",
                        label: "restart (from stable storage)".into(),
                    });
                }
                TraceEvent::Fault { phase: FaultPhase::Start, fault, nodes: hit } => {
                    open_faults.entry(fault.clone()).or_default().push(faults.len());
                    faults.push(FaultBar { from: time, to: end, fault: fault.clone(), nodes: hit.clone() });
                }
                TraceEvent::Fault { phase: FaultPhase::End, fault, .. } => {
                    if let Some(index) = open_faults.get_mut(fault).and_then(|open| open.pop()) {
                        faults[index].to = time;
                    }
                }
                TraceEvent::Invoke { op } => {
                    let (client, seq, outcome, label) = client_op(op);
                    if let (Some(c), Some(s)) = (client, seq) {
                        open_ops.insert((at, c, s), clients.len());
                    }
                    clients.push(ClientBar {
                        client,
                        node: at,
                        invoked: time,
                        answered: None,
                        outcome,
                        label,
                        answer: String::new(),
                    });
                }
                TraceEvent::Reply { reply } => {
                    let client = reply.get("client").and_then(Value::as_u64);
                    let seq = reply.get("seq").and_then(Value::as_u64);
                    let (Some(c), Some(s)) = (client, seq) else { continue };
                    if let Some(index) = open_ops.remove(&(at, c, s)) {
                        let bar = &mut clients[index];
                        bar.answered = Some(time);
                        let outcome = reply.get("outcome").map(tagged).map(|(name, _)| name).unwrap_or("");
                        bar.outcome = if outcome == "Ok" { "ok" } else { "redirected" };
                        bar.answer = reply.get("outcome").map(Value::to_string).unwrap_or_default();
                    }
                }
                TraceEvent::Violation { message, nodes: hit } => {
                    violations.push(ViolationMark { time, nodes: hit.clone(), message: message.clone() })
                }
            }
        }
        for (node, since) in down_since {
            intervals.push(Interval { node, from: since, to: end, class: "down", label: "down".into() });
        }
        for (node, since) in inside_since {
            intervals.push(Interval {
                node,
                from: since,
                to: end,
                class: "inside",
                label: "in the critical section".into(),
            });
        }
        for bar in &faults {
            let class = match bar.fault.split(':').next().unwrap_or("") {
                "partition" | "bridge" | "cut" => "cut",
                "slow" => "slow",
                _ => continue,
            };
            for node in &bar.nodes {
                intervals.push(Interval { node: *node, from: bar.from, to: bar.to, class, label: bar.fault.clone() });
            }
        }
        intervals.sort_by_key(|i| (i.node, i.from));
        let mut pending: Vec<(u64, SendInfo)> = sends.into_iter().filter(|(_, s)| !s.ended).collect();
        pending.sort_by_key(|(id, _)| *id);
        for (id, send) in pending {
            kinds[send.kind].count += 1;
            arrows.push(Arrow {
                id,
                sent: send.sent,
                ended: end,
                from: send.from,
                to: send.to,
                kind: send.kind,
                fate: Fate::InFlight,
                payload: send.payload,
            });
        }
        arrows.sort_by_key(|a| (a.sent, a.id));
        // Spare nodes (`--spare`) come after the declared ones, once they appear.
        let nodes = declared.map_or(nodes, |declared| declared.max(nodes));
        let mut delays: Vec<u64> =
            arrows.iter().filter(|a| a.fate == Fate::Delivered).map(|a| a.ended - a.sent).collect();
        delays.sort_unstable();
        let typical_delay = delays.get(delays.len() / 2).copied().unwrap_or(end / 100).max(1);
        Diagram {
            title,
            command,
            runtime,
            end,
            nodes,
            kinds,
            arrows,
            marks,
            intervals,
            faults,
            clients,
            timers,
            violations,
            typical_delay,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::trace::TraceLine;
    use serde_json::json;

    fn line(time: u64, node: Option<u32>, event: TraceEvent) -> TraceLine {
        TraceLine { time, node, event }
    }

    #[test]
    fn every_delivery_and_drop_is_an_arrow_and_the_unfinished_ones_stay_in_flight() {
        let send = |id, to| TraceEvent::Send { id, from: 0, to, kind: "ping".into(), msg: json!({"Ping": id}) };
        let trace = Trace {
            lines: vec![
                line(0, Some(0), send(0, 1)),
                line(0, Some(0), send(1, 2)),
                line(0, Some(0), TraceEvent::Drop { id: 1, from: 0, to: 2, why: DropReason::Partition }),
                line(1, Some(0), send(2, 1)),
                line(1, Some(0), TraceEvent::Duplicate { id: 2, from: 0, to: 1 }),
                line(5, Some(1), TraceEvent::Deliver { id: 0, from: 0, to: 1 }),
                line(6, Some(1), TraceEvent::Deliver { id: 2, from: 0, to: 1 }),
                line(8, Some(1), TraceEvent::Deliver { id: 2, from: 0, to: 1 }),
                line(9, Some(0), send(3, 1)),
            ],
        };
        let d = Diagram::of(&trace);
        let fates: Vec<(u64, Fate)> = d.arrows.iter().map(|a| (a.id, a.fate)).collect();
        assert_eq!(
            fates,
            vec![
                (0, Fate::Delivered),
                (1, Fate::Partition),
                (2, Fate::Delivered),
                (2, Fate::Delivered),
                (3, Fate::InFlight)
            ]
        );
        assert_eq!(d.kinds[0].count, 5);
        assert_eq!(d.nodes, 3);
        assert_eq!(d.typical_delay, 5);
    }

    #[test]
    fn crashes_faults_and_the_critical_section_become_intervals() {
        let trace = Trace {
            lines: vec![
                line(
                    0,
                    None,
                    TraceEvent::Fault {
                        phase: FaultPhase::Start,
                        fault: "partition:0|1,2@0ms..4ms".into(),
                        nodes: vec![0],
                    },
                ),
                line(1, Some(1), TraceEvent::Observe { observation: json!("Entered") }),
                line(2, Some(2), TraceEvent::Crash),
                line(3, Some(1), TraceEvent::Observe { observation: json!("Exited") }),
                line(
                    4,
                    None,
                    TraceEvent::Fault {
                        phase: FaultPhase::End,
                        fault: "partition:0|1,2@0ms..4ms".into(),
                        nodes: vec![0],
                    },
                ),
                line(6, Some(2), TraceEvent::Restart),
                line(7, Some(0), TraceEvent::Observe { observation: json!({"Leader": {"leader": 0, "term": 5}}) }),
            ],
        };
        let d = Diagram::of(&trace);
        let intervals: Vec<(u32, u64, u64, &str)> =
            d.intervals.iter().map(|i| (i.node, i.from, i.to, i.class)).collect();
        assert_eq!(intervals, vec![(0, 0, 4, "cut"), (1, 1, 3, "inside"), (2, 2, 6, "down")]);
        let leader = d.marks.iter().find(|m| m.class == "leader").expect("a leader mark");
        assert_eq!(leader.label, "leader t5");
        let config =
            json!({"Configuration": {"index": 9, "members": [0, 1, 3], "joint_with": [0, 1, 2], "committed": true}});
        assert_eq!(observation_mark(0, &config).1, "commits config {0,1,3} + old {0,1,2} @9");
        assert_eq!(d.faults.len(), 1);
        assert_eq!((d.faults[0].from, d.faults[0].to), (0, 4));
    }

    #[test]
    fn a_client_operation_spans_from_its_invocation_to_its_answer() {
        let trace = Trace {
            lines: vec![
                line(
                    2,
                    Some(1),
                    TraceEvent::Invoke {
                        op: json!({"Submit": {"client": 3, "seq": 1, "op": {"Put": {"key": 4, "value": "v"}}}}),
                    },
                ),
                line(
                    9,
                    Some(1),
                    TraceEvent::Reply { reply: json!({"client": 3, "seq": 1, "outcome": {"Ok": "Done"}}) },
                ),
            ],
        };
        let d = Diagram::of(&trace);
        assert_eq!(d.clients.len(), 1);
        let bar = &d.clients[0];
        assert_eq!((bar.client, bar.invoked, bar.answered, bar.outcome), (Some(3), 2, Some(9), "ok"));
        assert_eq!(bar.label, "c3 #1 put k4=v");
    }
}
