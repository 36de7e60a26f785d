//! Log compaction (§7 of the paper; chapter 5 of the dissertation). Every `snapshot_every`
//! applied entries a server snapshots its key-value store and drops the log behind it; stable
//! storage holds the snapshot and the entries after it, and a restart starts from both. A
//! follower whose next entry the leader has compacted away gets the snapshot in
//! InstallSnapshot chunks of `snapshot_chunk` bytes, one at a time (each answered with the
//! bytes held so far, a lost chunk resent on the heartbeat timer); with the last it installs
//! the snapshot, keeping the entries after it if its log holds the snapshot's last entry.
//! A snapshot no newer than its commit index changes nothing (the `bug-install-old-snapshot`
//! mutant installs it anyway and loses committed entries).

use std::sync::Arc;

use harness::kv::KvStore;
use harness::{Context, NodeId, Observation, Time};

use crate::config::Mutant;
use crate::log::Snapshot;
use crate::membership::Configuration;
use crate::messages::RaftMsg;
use crate::{Raft, Role};

/// The leader sending its snapshot to one follower.
#[derive(Clone, Debug)]
pub struct Sending {
    /// The snapshot's last index (a newer snapshot restarts the transfer).
    pub last_index: u64,
    /// Where the chunk in flight starts.
    pub offset: u64,
    pub sent_at: Time,
}

/// A follower assembling a snapshot from its chunks.
#[derive(Debug)]
pub struct Receiving {
    last_index: u64,
    bytes: Vec<u8>,
}

/// One InstallSnapshot's contents.
pub struct Chunk {
    pub term: u64,
    pub last_index: u64,
    pub last_term: u64,
    pub chain: u64,
    pub offset: u64,
    pub data: Vec<u8>,
    pub done: bool,
    pub config: (u64, Configuration),
}

impl Raft {
    /// Snapshots the store once `snapshot_every` entries were applied since the last snapshot.
    pub(crate) fn maybe_compact(&mut self) {
        let Some(every) = self.config.snapshot_every else { return };
        if self.last_applied < self.log.base_index() + every {
            return;
        }
        let index = self.last_applied;
        let snapshot = Snapshot {
            last_index: index,
            last_term: self.log.term_at(index).expect("applied entries are in the log"),
            chain: self.log.chain_or_zero(index),
            store: self.store.clone(),
            config: self.configs.at(index).clone(),
        };
        self.log.compact(snapshot);
        self.configs.compacted(index);
    }

    /// The bytes of the leader's current snapshot, encoded once per snapshot.
    fn snapshot_bytes(&mut self) -> Option<(Snapshot, Arc<Vec<u8>>)> {
        let snapshot = self.log.snapshot()?;
        match &self.snapshot_bytes {
            Some((index, bytes)) if *index == snapshot.last_index => Some((snapshot, bytes.clone())),
            _ => {
                let bytes = Arc::new(snapshot.store.to_bytes());
                self.snapshot_bytes = Some((snapshot.last_index, bytes.clone()));
                Some((snapshot, bytes))
            }
        }
    }

    /// Sends `peer` the chunk of the snapshot it needs next: from the start for a new transfer
    /// (or a newer snapshot), else the chunk in flight again.
    pub(crate) fn send_snapshot(&mut self, cx: &mut Context<Self>, peer: NodeId) {
        let Some((snapshot, bytes)) = self.snapshot_bytes() else { return };
        let progress = &mut self.progress[peer.index()];
        let offset = match &progress.snapshot {
            Some(sending) if sending.last_index == snapshot.last_index => sending.offset,
            _ => 0,
        };
        let start = (offset as usize).min(bytes.len());
        let end = (start + self.config.snapshot_chunk).min(bytes.len());
        progress.snapshot = Some(Sending { last_index: snapshot.last_index, offset, sent_at: cx.now() });
        progress.last_sent = cx.now();
        cx.send(
            peer,
            RaftMsg::InstallSnapshot {
                term: self.current_term,
                last_index: snapshot.last_index,
                last_term: snapshot.last_term,
                chain: snapshot.chain,
                offset,
                data: bytes[start..end].to_vec(),
                done: end == bytes.len(),
                config_index: snapshot.config.0,
                config: snapshot.config.1,
            },
        );
    }

    /// Leader: a follower answered a chunk.
    pub(crate) fn on_install_snapshot_reply(
        &mut self,
        cx: &mut Context<Self>,
        from: NodeId,
        term: u64,
        last_index: u64,
        next_offset: u64,
        installed: bool,
    ) {
        if term > self.current_term {
            return self.become_follower(cx, term);
        }
        if self.role != Role::Leader || term < self.current_term {
            return;
        }
        let progress = &mut self.progress[from.index()];
        progress.heard = true;
        if installed {
            if progress.snapshot.as_ref().is_some_and(|s| s.last_index <= last_index) {
                progress.snapshot = None;
            }
            progress.match_index = progress.match_index.max(last_index);
            progress.next_index = progress.next_index.max(progress.match_index + 1);
            progress.in_flight.clear();
            progress.probe = None;
            return self.acknowledged(cx, from);
        }
        match &mut progress.snapshot {
            Some(sending) if sending.last_index == last_index && next_offset > sending.offset => {
                sending.offset = next_offset;
                self.send_snapshot(cx, from);
            }
            Some(sending) if sending.last_index == last_index && next_offset == 0 && sending.offset > 0 => {
                // The follower lost what it had (it restarted): start over.
                sending.offset = 0;
                self.send_snapshot(cx, from);
            }
            _ => {} // late or duplicated
        }
    }

    /// Follower: one chunk of the leader's snapshot.
    pub(crate) fn on_install_snapshot(&mut self, cx: &mut Context<Self>, from: NodeId, chunk: Chunk) {
        let Chunk { term, last_index, last_term, chain, offset, data, done, config } = chunk;
        let reply = |this: &Self, cx: &mut Context<Self>, next_offset: u64, installed: bool| {
            cx.send(
                from,
                RaftMsg::InstallSnapshotReply { term: this.current_term, last_index, next_offset, installed },
            );
        };
        if term < self.current_term {
            return reply(self, cx, 0, false);
        }
        if term > self.current_term || self.role != Role::Follower {
            self.become_follower(cx, term);
        }
        self.learn_leader(cx, from);
        self.last_leader_contact = Some(cx.now());
        self.reset_election_timer(cx);
        let stale = last_index <= self.commit_index;
        if stale && self.config.mutant != Some(Mutant::InstallOldSnapshot) {
            // Everything it covers is committed here already.
            self.receiving = None;
            return reply(self, cx, 0, true);
        }
        let receiving = match self.receiving.take() {
            _ if offset == 0 => Receiving { last_index, bytes: Vec::new() },
            Some(r) if r.last_index == last_index && r.bytes.len() as u64 == offset => r,
            other => {
                // A chunk out of order: say what is held of this snapshot.
                let held = other.as_ref().filter(|r| r.last_index == last_index).map_or(0, |r| r.bytes.len() as u64);
                self.receiving = other;
                return reply(self, cx, held, false);
            }
        };
        let mut receiving = receiving;
        receiving.bytes.extend_from_slice(&data);
        if !done {
            let held = receiving.bytes.len() as u64;
            self.receiving = Some(receiving);
            return reply(self, cx, held, false);
        }
        let Some(store) = KvStore::from_bytes(&receiving.bytes) else {
            return reply(self, cx, 0, false); // corrupt: start over
        };
        self.install(cx, Snapshot { last_index, last_term, chain, store, config });
        reply(self, cx, 0, true)
    }

    /// Replaces the log's prefix and the state machine by `snapshot`.
    fn install(&mut self, cx: &mut Context<Self>, snapshot: Snapshot) {
        let (index, term, chain) = (snapshot.last_index, snapshot.last_term, snapshot.chain);
        let store = snapshot.store.clone();
        let config = snapshot.config.clone();
        let before = self.configs.current().clone();
        let kept = if self.config.mutant == Some(Mutant::InstallOldSnapshot) {
            self.log.install_replacing(snapshot);
            false
        } else {
            self.log.install(snapshot)
        };
        if self.config.observe_entries {
            if !kept {
                // The entries after the snapshot's prefix are gone (those the snapshot covers
                // are committed, so only entries past the commit index, unless this is older).
                cx.observe(Observation::Truncated { after: self.commit_index.min(index) });
            }
            cx.observe(Observation::SnapshotInstalled { index, term, chain });
        }
        self.configs.installed(config, kept.then_some(index));
        if *self.configs.current() != before {
            self.observe_newest_configuration(cx);
        }
        self.store = store;
        self.commit_index = if kept { self.commit_index.max(index) } else { index };
        self.last_applied = index;
        self.persist(cx);
    }
}
