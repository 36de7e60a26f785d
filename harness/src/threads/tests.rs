//! The threads runtime hands a node everything that queued up, whole and in order: a flood of
//! messages from a peer, and a burst of client commands.

use std::time::Duration;

use crate::kv::{Command, KvOp};
use crate::{
    ClientOp, ClientReply, Context, Driver, DriverContext, Event, EventKind, FaultPlan, Latency, Message,
    NetworkConfig, Node, NodeId, Observation, ReplyOutcome, RunSetup, StopReason,
};

/// More than a node thread handles before it sends what they produced.
const FLOOD: u64 = 1000;

#[derive(Clone, Debug, serde::Serialize)]
struct Numbered(u64);

impl Message for Numbered {
    fn kind(&self) -> &'static str {
        "numbered"
    }
}

/// Node 0 floods node 1 at start; node 1 counts what arrives in order and answers every client
/// command. Each reports "in-order" with the count once it has had `FLOOD` of either.
struct Counter {
    id: NodeId,
    messages: u64,
    commands: u64,
}

impl Node for Counter {
    type Msg = Numbered;
    type Timer = ();
    type Stable = ();
    type Config = ();

    fn new(id: NodeId, _: usize, _: &(), _: Option<()>) -> Self {
        Counter { id, messages: 0, commands: 0 }
    }
    fn on_start(&mut self, cx: &mut Context<Self>) {
        if self.id == NodeId(0) {
            for n in 0..FLOOD {
                cx.send(NodeId(1), Numbered(n));
            }
        }
    }
    fn on_message(&mut self, cx: &mut Context<Self>, _: NodeId, Numbered(n): Numbered) {
        if n == self.messages {
            self.messages += 1;
        }
        if n == FLOOD - 1 {
            cx.observe(Observation::Note { label: "messages-in-order", value: self.messages });
        }
    }
    fn on_timer(&mut self, _: &mut Context<Self>, _: ()) {}
    fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp) {
        let ClientOp::Submit(command) = op else { return };
        if command.seq == self.commands + 1 {
            self.commands += 1;
        }
        let reply = ClientReply {
            client: command.client,
            seq: command.seq,
            outcome: ReplyOutcome::Ok(crate::kv::KvResult::Done),
        };
        cx.reply(reply);
        if command.seq == FLOOD {
            cx.observe(Observation::Note { label: "commands-in-order", value: self.commands });
        }
    }
}

/// Submits `FLOOD` commands to node 1 at once; done when both notes and every answer are in.
#[derive(Default)]
struct Flood {
    notes: Vec<(&'static str, u64)>,
    answered: u64,
}

impl Driver for Flood {
    fn start(&mut self, dx: &mut DriverContext) {
        for seq in 1..=FLOOD {
            dx.submit(NodeId(1), ClientOp::submit(Command { client: 0, seq, op: KvOp::Noop }));
        }
    }
    fn on_event(&mut self, _: &mut DriverContext, event: &Event) {
        if let EventKind::Observed(Observation::Note { label, value }) = event.kind {
            self.notes.push((label, value));
        }
    }
    fn on_reply(&mut self, _: &mut DriverContext, _: NodeId, _: &ClientReply) {
        self.answered += 1;
    }
    fn on_wake(&mut self, _: &mut DriverContext, _: u64) {}
    fn finished(&self) -> bool {
        self.notes.len() == 2 && self.answered == FLOOD
    }
}

#[test]
fn a_flood_of_messages_and_a_burst_of_commands_arrive_whole_and_in_order() {
    let setup = RunSetup::<Counter> {
        config: (),
        nodes: 2,
        spare: 0,
        seed: 1,
        network: NetworkConfig::reliable(Latency::constant(Duration::ZERO)),
        faults: FaultPlan::default(),
        driver: Box::new(Flood::default()),
        // Only bounds a failing run: the test asserts counts, never time.
        time_limit: Duration::from_secs(30),
        monitor: None,
        max_events: None,
        trace: false,
    };
    let outcome = super::run(setup).expect("no node panics");
    assert_eq!(outcome.stop, StopReason::Finished, "every message and command arrived");
    assert_eq!(outcome.delivered, FLOOD);
    let mut notes: Vec<String> = outcome
        .history
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Observed(Observation::Note { label, value }) => Some(format!("{label} {value}")),
            _ => None,
        })
        .collect();
    notes.sort();
    assert_eq!(notes, vec![format!("commands-in-order {FLOOD}"), format!("messages-in-order {FLOOD}")]);
}
