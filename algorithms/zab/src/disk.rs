//! A Zab node's stable storage: the last epoch it accepted (and from which leader), its current
//! epoch, and its history. Every write goes through before the method returns, and nodes write
//! before they answer. Cloning shares the disk: the runtime hands the same one to a restarted
//! node.

use std::sync::{Arc, Mutex};

use harness::NodeId;

use crate::history::Entry;

#[derive(Debug, Default)]
struct DiskState {
    accepted_epoch: u64,
    accepted_from: Option<NodeId>,
    current_epoch: u64,
    history: Vec<Entry>,
}

#[derive(Clone, Debug, Default)]
pub struct Disk(Arc<Mutex<DiskState>>);

impl Disk {
    fn with<T>(&self, f: impl FnOnce(&mut DiskState) -> T) -> T {
        f(&mut self.0.lock().expect("disk lock"))
    }

    pub fn accepted_epoch(&self) -> u64 {
        self.with(|d| d.accepted_epoch)
    }

    pub fn current_epoch(&self) -> u64 {
        self.with(|d| d.current_epoch)
    }

    /// Accepts epoch `epoch` proposed by `leader`, if it is newer than any accepted, or the
    /// same one from the same leader again. One node accepts an epoch from one leader only, so
    /// two leaders cannot both gather a quorum for it.
    pub fn accept_epoch(&self, epoch: u64, leader: NodeId) -> bool {
        self.with(|d| {
            let ok = epoch > d.accepted_epoch || (epoch == d.accepted_epoch && d.accepted_from == Some(leader));
            if ok {
                d.accepted_epoch = epoch;
                d.accepted_from = Some(leader);
            }
            ok
        })
    }

    pub fn set_current_epoch(&self, epoch: u64) {
        self.with(|d| d.current_epoch = epoch);
    }

    pub fn history(&self) -> Vec<Entry> {
        self.with(|d| d.history.clone())
    }

    pub fn append(&self, entry: Entry) {
        self.with(|d| d.history.push(entry));
    }

    pub fn truncate(&self, keep: usize) {
        self.with(|d| d.history.truncate(keep));
    }
}
