//! A node's own clock. Real machines' clocks run at slightly different rates; a protocol that
//! reasons about time (a leader lease, a vote guard) assumes a bound on that drift. The host
//! shows each node the run's time through its [`LocalClock`], which a `drift:` fault speeds up
//! or slows down, so such an assumption can be broken on purpose.
//!
//! The node sees local time in [`crate::Context::now`] and sets its timers in local durations;
//! everything the harness records (history, trace, metrics) stays in the run's real time.

use std::time::Duration;

use crate::Time;

/// Rates are in parts per million of the true rate: +100,000 is a clock 10% fast.
pub const PPM: i64 = 1_000_000;

/// The slowest a clock may run: a tenth of the true rate (-90%).
pub const MIN_DRIFT_PPM: i64 = -900_000;

/// The fastest a clock may run: ten times the true rate (+900%).
pub const MAX_DRIFT_PPM: i64 = 9_000_000;

/// Local time as a function of real time: from `anchor_real` on, local time advances from
/// `anchor_local` at `1 + drift_ppm / 10^6` times the real rate. It never goes backwards: a
/// change of rate keeps the reading it had.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LocalClock {
    anchor_real: Time,
    anchor_local: Time,
    drift_ppm: i64,
}

impl LocalClock {
    /// The local reading at real time `real` (not before the last change of rate).
    #[inline]
    pub fn local(&self, real: Time) -> Time {
        let elapsed = real.0.saturating_sub(self.anchor_real.0);
        if self.drift_ppm == 0 {
            return Time(self.anchor_local.0.saturating_add(elapsed));
        }
        let scaled = u128::from(elapsed) * (PPM + self.drift_ppm) as u128 / PPM as u128;
        Time(self.anchor_local.0.saturating_add(u64::try_from(scaled).unwrap_or(u64::MAX)))
    }

    /// How much real time passes while this clock measures `local` (rounded up, so a timer
    /// never fires before its local deadline).
    #[inline]
    pub fn real_span(&self, local: Duration) -> Duration {
        if self.drift_ppm == 0 {
            return local;
        }
        let nanos = local.as_nanos();
        let rate = (PPM + self.drift_ppm) as u128;
        let real = (nanos * PPM as u128).div_ceil(rate);
        Duration::from_nanos(u64::try_from(real).unwrap_or(u64::MAX))
    }

    /// From real time `now` on, the clock runs `drift_ppm` parts per million fast (negative:
    /// slow); 0 is the true rate again (the offset gained so far stays).
    pub fn set_drift(&mut self, now: Time, drift_ppm: i64) {
        debug_assert!((MIN_DRIFT_PPM..=MAX_DRIFT_PPM).contains(&drift_ppm), "validated with the plan");
        self.anchor_local = self.local(now);
        self.anchor_real = now;
        self.drift_ppm = drift_ppm;
    }
}

/// A drift as the fault grammar writes it: `+10%`, `-2.5%`.
pub fn format_drift(drift_ppm: i64) -> String {
    let sign = if drift_ppm < 0 { '-' } else { '+' };
    format!("{sign}{}%", drift_ppm.unsigned_abs() as f64 / 10_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(ms: u64) -> Time {
        Time(ms * 1_000_000)
    }

    #[test]
    fn a_true_clock_reads_real_time() {
        let clock = LocalClock::default();
        assert_eq!(clock.local(ms(1234)), ms(1234));
        assert_eq!(clock.real_span(Duration::from_millis(150)), Duration::from_millis(150));
    }

    #[test]
    fn a_fast_clock_gains_and_keeps_its_offset_when_corrected() {
        let mut clock = LocalClock::default();
        clock.set_drift(ms(1000), 100_000);
        assert_eq!(clock.local(ms(1000)), ms(1000));
        assert_eq!(clock.local(ms(2000)), ms(2100), "10% fast over one second");
        assert_eq!(clock.real_span(Duration::from_millis(110)), Duration::from_millis(100));
        clock.set_drift(ms(2000), 0);
        assert_eq!(clock.local(ms(3000)), ms(3100), "the offset stays, the rate is true again");
    }

    #[test]
    fn a_slow_clock_stretches_timers_in_real_time() {
        let mut clock = LocalClock::default();
        clock.set_drift(Time::ZERO, -500_000);
        assert_eq!(clock.local(ms(300)), ms(150));
        assert_eq!(clock.real_span(Duration::from_millis(150)), Duration::from_millis(300));
    }

    #[test]
    fn drifts_print_as_the_grammar_writes_them() {
        assert_eq!(format_drift(100_000), "+10%");
        assert_eq!(format_drift(-25_000), "-2.5%");
    }
}
