//! The threads runtime against raw crossbeam: the cost of one message hop at zero latency.
//!
//! Two nodes bounce a counter back and forth through the runtime (stamping, inbox, step,
//! effects); the baseline bounces a `u64` between two threads over two crossbeam channels. Both
//! spawn and join their two threads each time. Target: the runtime at most 3× raw.

use std::time::Duration;

use crossbeam_channel::unbounded;
use harness::{
    ClientOp, Context, Driver, DriverContext, Event, EventKind, FaultPlan, Latency, Message, NetworkConfig, Node,
    NodeId, Observation, RunSetup,
};

#[derive(Clone, Debug, serde::Serialize)]
struct Ball(u64);

impl Message for Ball {
    fn kind(&self) -> &'static str {
        "ball"
    }
}

/// Node 0 serves; each receiver returns the ball until it has made the configured number of hops.
struct PingPong {
    id: NodeId,
    hops: u64,
}

impl Node for PingPong {
    type Msg = Ball;
    type Timer = ();
    type Stable = ();
    type Config = u64;

    fn new(id: NodeId, _: usize, hops: &u64, _: Option<()>) -> Self {
        PingPong { id, hops: *hops }
    }
    fn on_start(&mut self, cx: &mut Context<Self>) {
        if self.id == NodeId(0) {
            cx.send(NodeId(1), Ball(1));
        }
    }
    fn on_message(&mut self, cx: &mut Context<Self>, from: NodeId, Ball(hops): Ball) {
        if hops == self.hops {
            cx.observe(Observation::Note { label: "done", value: hops });
        } else {
            cx.send(from, Ball(hops + 1));
        }
    }
    fn on_timer(&mut self, _: &mut Context<Self>, _: ()) {}
    fn on_client(&mut self, _: &mut Context<Self>, _: ClientOp) {}
}

/// Ends the run when the last hop lands.
#[derive(Default)]
struct UntilDone {
    done: bool,
}

impl Driver for UntilDone {
    fn start(&mut self, _: &mut DriverContext) {}
    fn on_event(&mut self, _: &mut DriverContext, event: &Event) {
        self.done |= matches!(event.kind, EventKind::Observed(Observation::Note { label: "done", .. }));
    }
    fn on_wake(&mut self, _: &mut DriverContext, _: u64) {}
    fn finished(&self) -> bool {
        self.done
    }
}

/// `hops` hops through the threads runtime; returns the messages sent (one per hop).
pub fn runtime_ping_pong(hops: u64) -> u64 {
    let setup = RunSetup::<PingPong> {
        config: hops,
        nodes: 2,
        spare: 0,
        seed: 1,
        network: NetworkConfig::reliable(Latency::constant(Duration::ZERO)),
        faults: FaultPlan::default(),
        driver: Box::new(UntilDone::default()),
        time_limit: Duration::from_secs(60),
        monitor: None,
        max_events: None,
        trace: false,
    };
    let outcome = harness::threads::run(setup).expect("no node panics");
    outcome.sent.total()
}

/// `hops` hops of a bare `u64` between two threads over two crossbeam channels.
pub fn raw_ping_pong(hops: u64) -> u64 {
    let (to_b, b_inbox) = unbounded::<u64>();
    let (to_a, a_inbox) = unbounded::<u64>();
    std::thread::scope(|s| {
        s.spawn(move || {
            while let Ok(hop) = b_inbox.recv() {
                if hop == hops {
                    break;
                }
                to_a.send(hop + 1).expect("the other thread waits for the ball");
            }
        });
        s.spawn(move || {
            to_b.send(1).expect("the other thread waits for the ball");
            while let Ok(hop) = a_inbox.recv() {
                if hop == hops {
                    break;
                }
                to_b.send(hop + 1).expect("the other thread waits for the ball");
            }
        });
    });
    hops
}
