//! What a slot can hold: a client command, or the no-op a new Multi-Paxos leader proposes to fill
//! a gap.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use harness::kv::Command;
use serde::Serialize;

/// A slot's value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Value {
    Noop,
    Command(Command),
}

impl Value {
    /// A digest for observations: equal values have equal digests (the std SipHash with fixed
    /// keys, so digests are the same in every run).
    pub fn digest(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        self.hash(&mut hasher);
        hasher.finish()
    }

    /// The command, if it is one.
    pub fn command(&self) -> Option<&Command> {
        match self {
            Value::Command(c) => Some(c),
            Value::Noop => None,
        }
    }

    /// Whether this is client `client`'s command `seq`.
    pub fn is(&self, client: u32, seq: u64) -> bool {
        self.command().is_some_and(|c| c.client == client && c.seq == seq)
    }
}
