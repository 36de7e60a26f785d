//! One rule for how inputs reach a node, in both runtimes: every input due at one instant is handed
//! over one call at a time, then the step closes with one `on_step_end`.

use std::time::Duration;

use harness::kv::{Command, KvOp, KvResult};
use harness::sim::Simulation;
use harness::{
    ClientOp, ClientReply, Context, Driver, DriverContext, Event, EventKind, FaultPlan, Latency, Message,
    NetworkConfig, Node, NodeId, Observation, ReplyOutcome, RunSetup, RuntimeKind, StopReason,
};

const COMMANDS: u64 = 40;
const MESSAGES: u64 = 25;

#[derive(Clone, Debug, serde::Serialize)]
struct Ping;

impl Message for Ping {
    fn kind(&self) -> &'static str {
        "ping"
    }
}

/// Node 0 sends `MESSAGES` pings to node 1 at start. Node 1 answers each command and, at the end
/// of each step, notes how many commands and messages the step held.
struct Stepper {
    id: NodeId,
    commands: u64,
    messages: u64,
}

impl Node for Stepper {
    type Msg = Ping;
    type Timer = ();
    type Stable = ();
    type Config = ();

    fn new(id: NodeId, _: usize, _: &(), _: Option<()>) -> Self {
        Stepper { id, commands: 0, messages: 0 }
    }
    fn on_start(&mut self, cx: &mut Context<Self>) {
        if self.id == NodeId(0) {
            for _ in 0..MESSAGES {
                cx.send(NodeId(1), Ping);
            }
        }
    }
    fn on_message(&mut self, _: &mut Context<Self>, _: NodeId, _: Ping) {
        self.messages += 1;
    }
    fn on_timer(&mut self, _: &mut Context<Self>, _: ()) {}
    fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp) {
        let ClientOp::Submit(command) = op else { return };
        self.commands += 1;
        cx.reply(ClientReply { client: command.client, seq: command.seq, outcome: ReplyOutcome::Ok(KvResult::Done) });
    }
    fn on_step_end(&mut self, cx: &mut Context<Self>) {
        if self.commands > 0 {
            cx.observe(Observation::Note { label: "commands", value: std::mem::take(&mut self.commands) });
        }
        if self.messages > 0 {
            cx.observe(Observation::Note { label: "messages", value: std::mem::take(&mut self.messages) });
        }
    }
}

/// Submits `COMMANDS` commands to node 1 at once; done when all are answered and every ping
/// has been noted.
#[derive(Default)]
struct Burst {
    answered: u64,
    pings: u64,
}

impl Driver for Burst {
    fn start(&mut self, dx: &mut DriverContext) {
        for seq in 1..=COMMANDS {
            dx.submit(NodeId(1), ClientOp::submit(Command { client: 0, seq, op: KvOp::Noop }));
        }
    }
    fn on_event(&mut self, _: &mut DriverContext, event: &Event) {
        if let EventKind::Observed(Observation::Note { label: "messages", value }) = event.kind {
            self.pings += value;
        }
    }
    fn on_reply(&mut self, _: &mut DriverContext, _: NodeId, _: &ClientReply) {
        self.answered += 1;
    }
    fn on_wake(&mut self, _: &mut DriverContext, _: u64) {}
    fn finished(&self) -> bool {
        self.answered == COMMANDS && self.pings == MESSAGES
    }
}

fn notes(runtime: RuntimeKind) -> Vec<(&'static str, u64)> {
    let setup = RunSetup::<Stepper> {
        config: (),
        nodes: 2,
        spare: 0,
        seed: 3,
        network: NetworkConfig::reliable(Latency::constant(Duration::from_millis(5))),
        faults: FaultPlan::default(),
        driver: Box::new(Burst::default()),
        // Only bounds a failing run: the test asserts counts, never time.
        time_limit: Duration::from_secs(30),
        monitor: None,
        max_events: None,
        trace: false,
    };
    let outcome = match runtime {
        RuntimeKind::Sim => Simulation::new(setup).run(),
        RuntimeKind::Threads => harness::threads::run(setup).expect("no node panics"),
    };
    assert_eq!(outcome.stop, StopReason::Finished, "{runtime}: every command answered, every ping noted");
    outcome
        .history
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Observed(Observation::Note { label, value }) => Some((label, value)),
            _ => None,
        })
        .collect()
}

#[test]
fn the_inputs_of_one_instant_make_one_step_in_the_simulator() {
    assert_eq!(notes(RuntimeKind::Sim), vec![("commands", COMMANDS), ("messages", MESSAGES)]);
}

#[test]
fn the_commands_submitted_together_make_one_step_in_the_threads_runtime() {
    let notes = notes(RuntimeKind::Threads);
    assert_eq!(
        notes.iter().filter(|(label, _)| *label == "commands").collect::<Vec<_>>(),
        vec![&("commands", COMMANDS)]
    );
    // Pings arrive on a wall clock: they may be split over steps, never lost or doubled.
    assert_eq!(notes.iter().filter(|(label, _)| *label == "messages").map(|(_, n)| n).sum::<u64>(), MESSAGES);
}
