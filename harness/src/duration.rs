//! Human durations: `150ms`, `1.5s`, `200us`, `3m`.

use std::time::Duration;

/// Parses a duration with a unit suffix (`ns`, `us`, `ms`, `s`, `m`). The number may be
/// fractional; negative, unitless or non-finite values are rejected.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .ok_or_else(|| format!("`{}` has no unit (use ns, us, ms, s or m)", crate::excerpt(text)))?;
    let (number, unit) = text.split_at(split);
    let value: f64 =
        number.trim().parse().map_err(|_| format!("`{}` is not a number followed by a unit", crate::excerpt(text)))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!("`{}` must be a finite, non-negative duration", crate::excerpt(text)));
    }
    let nanos_per_unit = match unit {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" | "min" => 60e9,
        other => return Err(format!("`{}` is not a unit (use ns, us, ms, s or m)", crate::excerpt(other))),
    };
    let nanos = value * nanos_per_unit;
    if nanos > u64::MAX as f64 {
        return Err(format!("`{}` is too long", crate::excerpt(text)));
    }
    Ok(Duration::from_nanos(nanos.round() as u64))
}

/// Formats a duration the way [`parse_duration`] reads it back.
pub fn format_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        "0ms".to_string()
    } else if nanos.is_multiple_of(1_000_000_000) {
        format!("{}s", nanos / 1_000_000_000)
    } else if nanos.is_multiple_of(1_000_000) {
        format!("{}ms", nanos / 1_000_000)
    } else if nanos.is_multiple_of(1_000) {
        format!("{}us", nanos / 1_000)
    } else {
        format!("{nanos}ns")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_fractions() {
        let cases = [
            ("150ms", Duration::from_millis(150)),
            ("1.5s", Duration::from_millis(1500)),
            ("200us", Duration::from_micros(200)),
            ("7ns", Duration::from_nanos(7)),
            ("2m", Duration::from_secs(120)),
            (" 0ms ", Duration::ZERO),
        ];
        for (text, want) in cases {
            assert_eq!(parse_duration(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn rejects_bad_durations() {
        for text in ["", "10", "-1ms", "ms", "1.2.3s", "5 parsecs", "NaNs", "infs"] {
            assert!(parse_duration(text).is_err(), "{text} should be rejected");
        }
    }

    #[test]
    fn formats_round_trip() {
        for d in [
            Duration::ZERO,
            Duration::from_millis(150),
            Duration::from_secs(3),
            Duration::from_micros(5),
            Duration::from_nanos(3),
        ] {
            assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }
    }
}
