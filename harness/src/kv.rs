//! The key-value state machine shared by the replication family.
//!
//! Commands carry the client's id and sequence number; the machine remembers each client's last
//! sequence number and its result, so a retried command takes effect once and is answered with
//! the first result (exactly once, as in Raft §8 and the thesis §6.3).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ClientMap;

/// A key.
pub type Key = u32;

/// An operation on the store.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum KvOp {
    Put {
        key: Key,
        value: String,
    },
    Get {
        key: Key,
    },
    Append {
        key: Key,
        value: String,
    },
    /// Compare-and-set: write `new` if the value is `expected` (`None`: absent).
    Cas {
        key: Key,
        expected: Option<String>,
        new: String,
    },
    /// Does nothing (benchmarks' empty commands).
    Noop,
}

impl KvOp {
    /// The key the op touches, if any.
    pub fn key(&self) -> Option<Key> {
        match self {
            KvOp::Put { key, .. } | KvOp::Get { key } | KvOp::Append { key, .. } | KvOp::Cas { key, .. } => Some(*key),
            KvOp::Noop => None,
        }
    }
}

/// What an op returned.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub enum KvResult {
    /// Put, Append, Noop.
    Done,
    /// Get: the value (`None`: absent).
    Value(Option<String>),
    /// Cas: whether it wrote, and the value it found.
    Cas { written: bool, found: Option<String> },
    /// Cas: it did not write, and all that is known of the value it found is that it was not the
    /// expected one (a Jepsen `:fail`; the store itself always says what it found).
    CasRefused,
}

/// Applies `op` to one key's value, returning the result: the sequential specification that
/// the linearizability checker also uses.
pub fn apply_to(value: &mut Option<String>, op: &KvOp) -> KvResult {
    match op {
        KvOp::Put { value: v, .. } => {
            *value = Some(v.clone());
            KvResult::Done
        }
        KvOp::Get { .. } => KvResult::Value(value.clone()),
        KvOp::Append { value: v, .. } => {
            value.get_or_insert_with(String::new).push_str(v);
            KvResult::Done
        }
        KvOp::Cas { expected, new, .. } => {
            let found = value.clone();
            let written = found == *expected;
            if written {
                *value = Some(new.clone());
            }
            KvResult::Cas { written, found }
        }
        KvOp::Noop => KvResult::Done,
    }
}

/// A client command: who sent it, its sequence number, and the op.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Command {
    pub client: u32,
    pub seq: u64,
    pub op: KvOp,
}

/// The replicated store with exactly-once deduplication.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct KvStore {
    data: BTreeMap<Key, String>,
    /// Per client: the last sequence number applied and its result.
    sessions: ClientMap<(u64, KvResult)>,
}

impl KvStore {
    /// Applies a command once: a command whose sequence number the client has already had
    /// applied is not applied again; the latest one's result is returned again.
    /// Sequence numbers start at 1.
    pub fn apply(&mut self, command: &Command) -> KvResult {
        let session = self.sessions.get_or_insert_with(command.client, || (0, KvResult::Done));
        if command.seq <= session.0 {
            return session.1.clone();
        }
        let result = match command.op.key() {
            Some(key) => {
                let mut value = self.data.remove(&key);
                let result = apply_to(&mut value, &command.op);
                if let Some(v) = value {
                    self.data.insert(key, v);
                }
                result
            }
            None => KvResult::Done,
        };
        *session = (command.seq, result.clone());
        result
    }

    /// The result of `client`'s command `seq` if it has been applied already.
    pub fn applied(&self, client: u32, seq: u64) -> Option<&KvResult> {
        self.sessions.get(client).filter(|(last, _)| *last == seq).map(|(_, r)| r)
    }

    /// The value of `key`.
    pub fn get(&self, key: Key) -> Option<&String> {
        self.data.get(&key)
    }

    /// The store as bytes, for a snapshot sent over the network (JSON: its size is what a
    /// simple implementation would send).
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a store serializes")
    }

    /// A store from [`KvStore::to_bytes`]; `None` if the bytes are not one.
    pub fn from_bytes(bytes: &[u8]) -> Option<KvStore> {
        serde_json::from_slice(bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(client: u32, seq: u64, op: KvOp) -> Command {
        Command { client, seq, op }
    }

    #[test]
    fn operations_follow_the_specification() {
        let mut store = KvStore::default();
        assert_eq!(store.apply(&cmd(1, 1, KvOp::Get { key: 7 })), KvResult::Value(None));
        store.apply(&cmd(1, 2, KvOp::Put { key: 7, value: "a".into() }));
        store.apply(&cmd(1, 3, KvOp::Append { key: 7, value: "b".into() }));
        assert_eq!(store.get(7).map(String::as_str), Some("ab"));
        let failed = store.apply(&cmd(1, 4, KvOp::Cas { key: 7, expected: Some("x".into()), new: "c".into() }));
        assert_eq!(failed, KvResult::Cas { written: false, found: Some("ab".into()) });
        let done = store.apply(&cmd(1, 5, KvOp::Cas { key: 7, expected: Some("ab".into()), new: "c".into() }));
        assert_eq!(done, KvResult::Cas { written: true, found: Some("ab".into()) });
    }

    #[test]
    fn a_retried_command_takes_effect_once() {
        let mut store = KvStore::default();
        let append = cmd(3, 1, KvOp::Append { key: 1, value: "x".into() });
        store.apply(&append);
        store.apply(&append);
        assert_eq!(store.get(1).map(String::as_str), Some("x"));
        assert_eq!(store.applied(3, 1), Some(&KvResult::Done));
    }
}
