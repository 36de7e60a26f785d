//! The simulator's event queue: events in order of time, ties in the order they were scheduled.
//!
//! That order makes every run a pure function of its seed. The queue is a *radix heap* (Ahuja,
//! Mehlhorn, Orlin & Tarjan 1990), which a discrete-event simulator may use because its keys are
//! monotone: nothing is ever scheduled before the event being handled. Bucket `i` holds the
//! events whose time first differs from the last popped time (`top`) in bit `i - 1`, counting from
//! the least significant; bucket 0 holds those due exactly at `top`. A push is one append; a pop
//! takes from bucket 0, and when it is empty, moves the first non-empty bucket's events down
//! around their earliest time. Each event moves down at most 64 times, in practice a few, so the
//! queue costs a small constant per event where a binary heap pays a sift of log n levels.
//!
//! **Ties.** Every bucket only ever grows by appends (a push, or the redistribution of a higher
//! bucket into empty lower ones), so events with equal times stay in the order they were
//! scheduled, and bucket 0 is read front to back: first scheduled, first run, with no sequence
//! number stored. (The `radix-heap` crate pops ties last in, first out, hence this module.)
//!
//! The buckets hold 16-byte entries (a time and a slot); the events themselves wait in a slab and
//! move once in and once out, whatever their size.

use crate::Time;

/// Buckets 0 to 64: distance 0 (due at `top`) and one per highest differing bit.
const BUCKETS: usize = 65;

#[derive(Clone, Copy)]
struct Entry {
    time: u64,
    slot: u32,
}

/// Events ordered by time, ties broken by scheduling order.
pub struct EventQueue<E> {
    buckets: Vec<Vec<Entry>>,
    /// Bucket 0 is read from here on (its front has been popped).
    head: usize,
    /// Bit `i - 1` set when bucket `i` (for `i` ≥ 1) is not empty; bucket 0 is read by `head`.
    occupied: u64,
    /// The time of the last event popped (or moved into bucket 0): no event may be earlier.
    top: u64,
    len: usize,
    /// Events by slot; `None` for a free slot.
    slots: Vec<Option<E>>,
    /// Free slots, reused last-freed first (the warmest in cache).
    free: Vec<u32>,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            head: 0,
            occupied: 0,
            top: 0,
            len: 0,
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

/// The bucket for `time` when the last time popped is `top`.
#[inline]
fn bucket_of(time: u64, top: u64) -> usize {
    (u64::BITS - (time ^ top).leading_zeros()) as usize
}

impl<E> EventQueue<E> {
    /// Events pending.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Schedules `event` at `time`, which must not be earlier than the last event popped.
    #[inline(always)]
    pub fn push(&mut self, time: Time, event: E) {
        assert!(time.0 >= self.top, "an event scheduled at {time:?}, before the current time {}ns", self.top);
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(event);
                slot
            }
            None => {
                let slot = u32::try_from(self.slots.len()).expect("fewer than 2^32 events pending");
                self.slots.push(Some(event));
                slot
            }
        };
        let bucket = bucket_of(time.0, self.top);
        self.buckets[bucket].push(Entry { time: time.0, slot });
        self.mark(bucket);
        self.len += 1;
    }

    /// Removes the earliest event (of those due at the same time, the first scheduled).
    #[inline]
    pub fn pop(&mut self) -> Option<(Time, E)> {
        if self.head == self.buckets[0].len() && !self.refill() {
            return None;
        }
        let entry = self.buckets[0][self.head];
        self.head += 1;
        self.len -= 1;
        let event = self.slots[entry.slot as usize].take().expect("a queued slot holds its event");
        self.free.push(entry.slot);
        Some((Time(entry.time), event))
    }

    /// Whether another event is due at `time`, the time of the last event popped.
    #[inline]
    pub fn has_more_at(&self, time: Time) -> bool {
        debug_assert!(time.0 == self.top || self.len == 0 || time.0 < self.top);
        time.0 == self.top && self.head < self.buckets[0].len()
    }

    #[inline]
    fn mark(&mut self, bucket: usize) {
        if bucket > 0 {
            self.occupied |= 1 << (bucket - 1);
        }
    }

    /// Bucket 0 is spent: moves the first non-empty bucket's events down around their earliest
    /// time, which becomes the new `top`. `false` if the queue is empty.
    #[inline(never)]
    fn refill(&mut self) -> bool {
        self.buckets[0].clear();
        self.head = 0;
        if self.occupied == 0 {
            return false;
        }
        let from = self.occupied.trailing_zeros() as usize + 1;
        let moving = std::mem::take(&mut self.buckets[from]);
        self.occupied &= !(1 << (from - 1));
        let (top, last) = moving.iter().fold((u64::MAX, 0), |(low, high), e| (low.min(e.time), high.max(e.time)));
        self.top = top;
        if top == last {
            // All due at once (a broadcast storm): the bucket becomes bucket 0 as it is, in
            // order, without a copy that would briefly double the queue's memory.
            let spent = std::mem::replace(&mut self.buckets[0], moving);
            self.buckets[from] = spent;
            return true;
        }
        for &entry in &moving {
            let bucket = bucket_of(entry.time, top);
            debug_assert!(bucket < from, "every entry moves down");
            self.buckets[bucket].push(entry);
            self.mark(bucket);
        }
        // Keep the moved bucket's allocation for its next use.
        let mut moving = moving;
        moving.clear();
        self.buckets[from] = moving;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn pops_by_time_then_scheduling_order() {
        let mut queue = EventQueue::default();
        queue.push(Time(5), "late");
        queue.push(Time(1), "first at 1");
        queue.push(Time(1), "second at 1");
        queue.push(Time(0), "earliest");
        let order: Vec<_> = std::iter::from_fn(|| queue.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["earliest", "first at 1", "second at 1", "late"]);
    }

    #[test]
    fn knows_whether_the_instant_has_more() {
        let mut queue = EventQueue::default();
        queue.push(Time(4), 'a');
        queue.push(Time(4), 'b');
        queue.push(Time(9), 'c');
        assert_eq!(queue.pop(), Some((Time(4), 'a')));
        assert!(queue.has_more_at(Time(4)));
        assert_eq!(queue.pop(), Some((Time(4), 'b')));
        assert!(!queue.has_more_at(Time(4)));
        // Scheduled at the current instant after the instant looked over: it still runs now.
        queue.push(Time(4), 'd');
        assert!(queue.has_more_at(Time(4)));
        assert_eq!(queue.pop(), Some((Time(4), 'd')));
        assert_eq!(queue.pop(), Some((Time(9), 'c')));
        assert!(!queue.has_more_at(Time(9)));
        assert_eq!(queue.pop(), None);
    }

    /// Against a sort by (time, scheduling order), with pushes interleaved with pops as a
    /// simulator makes them (never before the current time) and slots reused.
    #[test]
    fn agrees_with_a_stable_sort_under_random_use() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4864);
        for _ in 0..50 {
            let mut queue = EventQueue::default();
            let mut reference: Vec<(u64, u64)> = Vec::new(); // (time, scheduling number)
            let (mut now, mut scheduled) = (0u64, 0u64);
            for _ in 0..2_000 {
                if rng.random_bool(0.55) {
                    let delay = match rng.random_range(0..4) {
                        0 => 0,
                        1 => rng.random_range(0..4),
                        2 => rng.random_range(0..1_000),
                        _ => rng.random_range(0..u32::MAX as u64),
                    };
                    queue.push(Time(now + delay), scheduled);
                    reference.push((now + delay, scheduled));
                    scheduled += 1;
                } else {
                    let expected = reference.iter().copied().enumerate().min_by_key(|(_, key)| *key);
                    let got = queue.pop();
                    match expected {
                        None => assert_eq!(got, None),
                        Some((index, (time, number))) => {
                            reference.swap_remove(index);
                            assert_eq!(got, Some((Time(time), number)));
                            now = time;
                        }
                    }
                }
                assert_eq!(queue.len(), reference.len());
            }
        }
    }
}
