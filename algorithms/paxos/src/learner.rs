//! The learner: keeps the chosen values by slot, applies them to the key-value store in slot
//! order (a slot waits for every slot before it), and answers the clients waiting for them.
//!
//! For the replication checkers it reports each applied slot as `Appended` (with a chain digest of
//! every value up to it, so equal chains mean equal prefixes) and then `Committed`.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

use harness::kv::{KvResult, KvStore};
use harness::{ClientReply, Context, Node, Observation, ReplyOutcome};

use crate::{Disk, Value};

/// Values per catch-up answer at most.
pub const CATCH_UP_BATCH: usize = 64;

/// Chosen values, the applied prefix, and the clients waiting on it.
#[derive(Debug, Default)]
pub struct Learner {
    chosen: BTreeMap<u64, Value>,
    applied: u64,
    chain: u64,
    store: KvStore,
    /// Per client, the sequence number it waits for an answer to here.
    waiting: HashMap<u32, u64>,
}

impl Learner {
    /// Rebuilds from what `disk` has learned, applying the gap-free prefix again.
    pub fn recover<N: Node>(cx: &mut Context<N>, disk: &Disk) -> Self {
        let mut learner = Learner { chosen: disk.learned(), ..Learner::default() };
        learner.apply_ready(cx);
        learner
    }

    /// The first slot whose value this node does not know (everything before it is applied).
    pub fn first_unknown(&self) -> u64 {
        self.applied + 1
    }

    /// The highest slot applied, with every slot before it.
    pub fn applied_through(&self) -> u64 {
        self.applied
    }

    /// The value chosen for `slot`, if this node knows it.
    pub fn known(&self, slot: u64) -> Option<&Value> {
        self.chosen.get(&slot)
    }

    /// Whether some value beyond the applied prefix is known while an earlier slot is not.
    pub fn has_gap(&self) -> bool {
        self.chosen.range(self.applied + 1..).next().is_some()
    }

    /// A catch-up answer: the values known from `from` on, at most [`CATCH_UP_BATCH`] of them,
    /// in slot order (the asker asks again from its new first unknown slot).
    pub fn catch_up_from(&self, from: u64) -> Vec<(u64, Value)> {
        self.chosen.range(from..).take(CATCH_UP_BATCH).map(|(s, v)| (*s, v.clone())).collect()
    }

    /// The result of client `client`'s command `seq` if it has been applied.
    pub fn applied_result(&self, client: u32, seq: u64) -> Option<&KvResult> {
        self.store.applied(client, seq)
    }

    /// Answer client `client` here once its command `seq` is applied.
    pub fn await_reply(&mut self, client: u32, seq: u64) {
        self.waiting.insert(client, seq);
    }

    /// Forgets every waiting client (a deposed leader: they will time out and retry elsewhere).
    pub fn drop_waiting(&mut self) {
        self.waiting.clear();
    }

    /// Learns that `value` was chosen for `slot` (writing it to `disk`) and applies what it can.
    pub fn learn<N: Node>(&mut self, cx: &mut Context<N>, disk: &Disk, slot: u64, value: Value) {
        if slot <= self.applied || self.chosen.contains_key(&slot) {
            return;
        }
        disk.learn(slot, &value);
        self.chosen.insert(slot, value);
        self.apply_ready(cx);
    }

    fn apply_ready<N: Node>(&mut self, cx: &mut Context<N>) {
        let before = self.applied;
        while let Some(value) = self.chosen.get(&(self.applied + 1)) {
            self.applied += 1;
            let mut hasher = DefaultHasher::new();
            self.chain.hash(&mut hasher);
            value.digest().hash(&mut hasher);
            self.chain = hasher.finish();
            cx.observe(Observation::Appended { index: self.applied, term: 0, chain: self.chain });
            let Value::Command(command) = value else { continue };
            let result = self.store.apply(command);
            if self.waiting.get(&command.client) == Some(&command.seq) {
                self.waiting.remove(&command.client);
                let reply = ClientReply { client: command.client, seq: command.seq, outcome: ReplyOutcome::Ok(result) };
                cx.reply(reply);
            }
        }
        if self.applied > before {
            cx.observe(Observation::Committed { index: self.applied });
        }
    }
}
