//! Sends over time, in buckets: what a fault's recovery cost in messages.
//!
//! Buckets are 1 ms wide; past [`SendTimeline::MAX_BUCKETS`] buckets their width doubles (pairs
//! merge), so a long run keeps a bounded table and loses resolution rather than memory.

use crate::Time;

const MILLISECOND: u64 = 1_000_000;

/// Messages sent per time bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendTimeline {
    width: u64,
    buckets: Vec<u64>,
}

impl Default for SendTimeline {
    fn default() -> Self {
        SendTimeline { width: MILLISECOND, buckets: Vec::new() }
    }
}

impl SendTimeline {
    /// The most buckets kept before they are merged pairwise.
    pub const MAX_BUCKETS: usize = 1 << 16;

    /// Counts `count` sends at `at`.
    #[inline]
    pub fn add(&mut self, at: Time, count: u64) {
        // Most sends fall in the bucket of the previous ones: no division for them.
        let len = self.buckets.len() as u64;
        if let Some(last) = self.buckets.last_mut() {
            let start = (len - 1) * self.width;
            if at.0 >= start && at.0 - start < self.width {
                *last += count;
                return;
            }
        }
        let mut index = (at.0 / self.width) as usize;
        while index >= Self::MAX_BUCKETS {
            self.coarsen();
            index = (at.0 / self.width) as usize;
        }
        if index >= self.buckets.len() {
            self.buckets.resize(index + 1, 0);
        }
        self.buckets[index] += count;
    }

    fn coarsen(&mut self) {
        self.buckets = self.buckets.chunks(2).map(|pair| pair.iter().sum()).collect();
        self.width *= 2;
    }

    /// Adds another timeline's counts (another node thread's).
    pub fn merge(&mut self, other: &SendTimeline) {
        let mut other = other.clone();
        while other.width < self.width {
            other.coarsen();
        }
        while self.width < other.width {
            self.coarsen();
        }
        if other.buckets.len() > self.buckets.len() {
            self.buckets.resize(other.buckets.len(), 0);
        }
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            *mine += theirs;
        }
    }

    /// Sends in the buckets that start in `[from, to)`: exact to the bucket width (1 ms in runs
    /// under about 65 s).
    pub fn between(&self, from: Time, to: Time) -> u64 {
        let first = from.0.div_ceil(self.width) as usize;
        let last = to.0.div_ceil(self.width) as usize;
        self.buckets.iter().take(last).skip(first).sum()
    }

    /// Every send counted.
    pub fn total(&self) -> u64 {
        self.buckets.iter().sum()
    }

    /// The bucket width in nanoseconds.
    pub fn width(&self) -> u64 {
        self.width
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Time {
        Time(n * MILLISECOND)
    }

    #[test]
    fn counts_sends_between_two_instants() {
        let mut timeline = SendTimeline::default();
        timeline.add(ms(0), 2);
        timeline.add(ms(5), 3);
        timeline.add(Time(5 * MILLISECOND + 400_000), 1);
        timeline.add(ms(9), 7);
        assert_eq!(timeline.between(ms(5), ms(9)), 4);
        assert_eq!(timeline.between(ms(0), ms(10)), 13);
        assert_eq!(timeline.total(), 13);
    }

    #[test]
    fn a_long_run_coarsens_instead_of_growing() {
        let mut timeline = SendTimeline::default();
        timeline.add(ms(1), 1);
        timeline.add(ms(3_600_000), 1);
        assert!(timeline.buckets.len() <= SendTimeline::MAX_BUCKETS);
        assert_eq!(timeline.total(), 2);
        let mut fine = SendTimeline::default();
        fine.add(ms(2), 5);
        fine.merge(&timeline);
        assert_eq!(fine.total(), 7);
        assert_eq!(fine.width(), timeline.width());
    }
}
