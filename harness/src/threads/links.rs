//! The link state shared by node threads, read without contention.
//!
//! The coordinator changes it (partitions, cuts, slow nodes) under a lock and bumps a version;
//! each sender keeps its own copy and reloads it only when the version moved, so the hot path
//! is one relaxed atomic load.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::{FaultAction, LinkState};

#[derive(Default)]
pub(crate) struct SharedLinks {
    version: AtomicU64,
    state: Mutex<LinkState>,
}

impl SharedLinks {
    /// Applies a link action and publishes the new state.
    pub(crate) fn apply(&self, action: &FaultAction) {
        let mut state = self.state.lock().expect("links lock");
        state.apply(action);
        self.version.fetch_add(1, Ordering::Release);
    }
}

/// One sender's view of the shared links.
pub(crate) struct LinkView<'a> {
    shared: &'a SharedLinks,
    version: u64,
    state: LinkState,
}

impl<'a> LinkView<'a> {
    pub(crate) fn new(shared: &'a SharedLinks) -> Self {
        LinkView { shared, version: 0, state: LinkState::default() }
    }

    /// The current link state, reloaded if the coordinator changed it.
    #[inline]
    pub(crate) fn current(&mut self) -> &LinkState {
        let version = self.shared.version.load(Ordering::Acquire);
        if version != self.version {
            self.state = self.shared.state.lock().expect("links lock").clone();
            self.version = version;
        }
        &self.state
    }
}
