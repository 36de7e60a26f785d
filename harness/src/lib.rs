//! # harness: the ground every algorithm of the workbench stands on
//!
//! Every algorithm is a deterministic, sans-I/O state machine behind the [`Node`] contract: it
//! reacts to a start, a message, a timer or a client operation, and writes what it wants done
//! (sends, timers, stable-storage writes, observations) into its [`Context`]. It never sleeps,
//! spawns, reads the clock or touches a socket, so the same node runs unchanged on:
//!
//! - [`sim`]: a deterministic discrete-event simulator (virtual time, one event queue ordered by
//!   (time, sequence), ChaCha RNGs derived from the run seed): the same seed gives the same
//!   history and the same record, byte for byte;
//! - [`threads`]: one OS thread per node with crossbeam-channel inboxes and wall-clock time.
//!
//! The harness owns the network model ([`NetworkConfig`]: latency distributions, loss,
//! duplication, FIFO or reordering links) and the faults ([`FaultPlan`]: crashes, restarts from
//! stable storage, two-way partitions, one-way cuts, slow nodes). Every send is counted by kind
//! at one choke point, [`Context::send`]; algorithms never count their own messages.
//!
//! A family ([`Family`]) fixes the client operations, the workload [`Driver`], what one "op" is
//! and the [`checkers`] run over the history. [`run()`] ties it together and yields one
//! [`RunRecord`].
//!
//! ```
//! use harness::{Algorithm, ClientOp, Context, Family, Message, Node, NodeId, Observation, RunSpec, Settings, SpecError};
//!
//! /// A lock that trusts everyone: enters at once. Fine alone, wrong in company.
//! struct Reckless;
//!
//! #[derive(Clone, Debug, serde::Serialize)]
//! struct NoMsg;
//! impl Message for NoMsg {
//!     fn kind(&self) -> &'static str { "none" }
//! }
//!
//! impl Node for Reckless {
//!     type Msg = NoMsg;
//!     type Timer = ();
//!     type Stable = ();
//!     type Config = ();
//!     fn new(_: NodeId, _: usize, _: &(), _: Option<()>) -> Self { Reckless }
//!     fn on_start(&mut self, _: &mut Context<Self>) {}
//!     fn on_message(&mut self, _: &mut Context<Self>, _: NodeId, _: NoMsg) {}
//!     fn on_timer(&mut self, _: &mut Context<Self>, _: ()) {}
//!     fn on_client(&mut self, cx: &mut Context<Self>, op: ClientOp) {
//!         match op {
//!             ClientOp::Acquire => cx.observe(Observation::Entered),
//!             ClientOp::Release => cx.observe(Observation::Exited),
//!             _ => {}
//!         }
//!     }
//! }
//!
//! impl Algorithm for Reckless {
//!     const NAME: &'static str = "reckless";
//!     const FAMILY: Family = Family::Mutex;
//!     const SUMMARY: &'static str = "enters without asking";
//!     fn configure(_: &mut Settings) -> Result<(), SpecError> { Ok(()) }
//! }
//!
//! let alone = harness::run::<Reckless>(&RunSpec { nodes: 1, ops: Some(10), ..RunSpec::default() }).unwrap();
//! assert!(alone.violations.is_empty());
//! let crowd = harness::run::<Reckless>(&RunSpec { nodes: 3, ops: Some(30), ..RunSpec::default() }).unwrap();
//! assert!(crowd.violations.iter().any(|v| v.starts_with("mutual-exclusion")));
//! ```

pub mod campaign;
pub mod checkers;
mod client;
mod client_map;
pub mod clock;
mod context;
pub mod counts;
mod driver;
pub mod drivers;
mod duration;
pub mod election;
mod error;
mod fault;
pub mod formula;
pub mod geo;
mod history;
mod host;
mod id;
pub mod kv;
mod latency;
mod message;
pub mod metrics;
mod monitor;
mod network;
mod node;
mod observation;
mod params;
mod record;
mod run;
mod runtime;
pub mod service;
mod settings;
pub mod sim;
mod spec;
pub mod text;
pub mod threads;
mod time;
mod timing;
pub mod trace;
mod transmit;

pub use client::{ClientOp, ClientReply, MembershipChange, ReplyOutcome};
pub use client_map::ClientMap;
pub use context::{seeded_rng, Context, Effects, NodeRng, TimerCommand};
pub use counts::MessageCounts;
pub use driver::{Driver, DriverCommand, DriverContext};
pub use duration::{format_duration, parse_duration};
pub use error::{excerpt, RunError, SpecError};
pub use fault::{
    Fault, FaultAction, FaultClass, FaultPlan, FaultSchedule, FaultStrike, Group, LeaderView, LinkBlock, LinkState,
    Lossiness, NodeRef, Phase, Step, TimedFault, Trigger,
};
pub use history::{ClientOperation, Event, EventKind, History};
pub use id::NodeId;
pub use latency::{Latency, LatencyShape};
pub use message::Message;
pub use metrics::LatencySummary;
pub use monitor::{LiveMonitor, MutexOccupancy};
pub use network::NetworkConfig;
pub use node::{Algorithm, Node};
pub use observation::{ConfigurationNote, Observation};
pub use params::{format_range, parse_range, Params};
pub use record::RunRecord;
pub use record::Unfinished;
pub use run::{
    family_kit, prepare, run, run_traced, run_with_outcome, run_with_samples, FamilyKit, Prepared, Resolved,
};
pub use runtime::{RunOutcome, RunSetup, StopReason};
pub use settings::Settings;
pub use spec::{limits, Family, Initiator, MutexLoad, RunSpec, RuntimeKind, Workload};
pub use time::Time;
pub use timing::Timing;
pub use transmit::{Transmission, Transmitter};

/// The RNG traits, so algorithm crates can draw from [`Context::rng`] without their own `rand`.
pub use rand;
