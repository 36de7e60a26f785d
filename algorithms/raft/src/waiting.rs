//! Leader: the clients whose commands wait in the log for their answer, by log index.
//!
//! Commands are appended in index order, so the queue is almost always extended at its back and
//! emptied from its front as entries apply: no tree to walk per command. A retry that waits for an
//! entry appended earlier (in a previous term) is put in its place.

use std::collections::VecDeque;

/// One waiting command: the index of its entry, the client and its sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Waiter {
    index: u64,
    client: u32,
    seq: u64,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Waiting {
    /// By index, ascending; one waiter per index.
    queue: VecDeque<Waiter>,
}

impl Waiting {
    /// `client`'s command `seq` waits for the entry at `index`.
    pub(crate) fn insert(&mut self, index: u64, client: u32, seq: u64) {
        let waiter = Waiter { index, client, seq };
        if self.queue.back().is_none_or(|last| last.index < index) {
            self.queue.push_back(waiter);
            return;
        }
        match self.queue.binary_search_by_key(&index, |w| w.index) {
            Ok(at) => self.queue[at] = waiter,
            Err(at) => self.queue.insert(at, waiter),
        }
    }

    /// The entry at `index` has applied and holds `client`'s command `seq`: whether that command
    /// was waiting here. Waiters for this index or earlier ones leave the queue either way (an
    /// earlier one whose entry held another command will not be answered here; its client retries).
    pub(crate) fn applied(&mut self, index: u64, client: u32, seq: u64) -> bool {
        while let Some(first) = self.queue.front().copied() {
            if first.index > index {
                break;
            }
            self.queue.pop_front();
            if first == (Waiter { index, client, seq }) {
                return true;
            }
        }
        false
    }

    pub(crate) fn clear(&mut self) {
        self.queue.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_is_answered_once_when_its_own_entry_applies() {
        let mut waiting = Waiting::default();
        waiting.insert(3, 1, 10);
        waiting.insert(5, 2, 20);
        assert!(!waiting.applied(3, 9, 10), "index 3 holds another client's command");
        assert!(!waiting.applied(4, 1, 10), "its waiter left when index 3 applied");
        assert!(waiting.applied(5, 2, 20));
        assert!(!waiting.applied(5, 2, 20), "answered once");
    }

    #[test]
    fn a_retry_for_an_earlier_entry_takes_its_place_in_index_order() {
        let mut waiting = Waiting::default();
        waiting.insert(7, 1, 1);
        waiting.insert(9, 2, 1);
        waiting.insert(4, 3, 1);
        waiting.insert(9, 2, 1);
        assert!(waiting.applied(4, 3, 1));
        assert!(waiting.applied(7, 1, 1));
        assert!(waiting.applied(9, 2, 1));
        waiting.insert(10, 4, 1);
        waiting.clear();
        assert!(!waiting.applied(10, 4, 1));
    }
}
