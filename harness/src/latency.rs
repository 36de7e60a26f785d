//! Message latency distributions.
//!
//! Written as `SPEC[,floor=D]` where SPEC is one of:
//!
//! | spec | distribution |
//! |---|---|
//! | `5ms` or `const:5ms` | always 5 ms |
//! | `uniform:1ms-5ms` | uniform in [1 ms, 5 ms] |
//! | `exp:2ms` | exponential with mean 2 ms |
//! | `lognormal:2ms,0.5` | log-normal with median 2 ms and sigma 0.5 |
//!
//! The floor (default 0) is a minimum every sample is raised to, like the propagation delay
//! under a queueing tail.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use rand::Rng;
use rand_distr::{Distribution, Exp, LogNormal};

use crate::duration::{format_duration, parse_duration};

/// The shape of the latency distribution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LatencyShape {
    Constant(Duration),
    Uniform { low: Duration, high: Duration },
    Exponential { mean: Duration },
    LogNormal { median: Duration, sigma: f64 },
}

/// A latency distribution with a floor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Latency {
    pub shape: LatencyShape,
    pub floor: Duration,
}

impl Latency {
    /// A fixed latency.
    pub const fn constant(d: Duration) -> Self {
        Latency { shape: LatencyShape::Constant(d), floor: Duration::ZERO }
    }

    /// Whether every sample is the same (no RNG draw is needed).
    pub fn is_constant(&self) -> bool {
        matches!(self.shape, LatencyShape::Constant(_))
    }

    /// The one value a constant latency takes (its floor applied); `None` for a distribution.
    pub fn constant_value(&self) -> Option<Duration> {
        match self.shape {
            LatencyShape::Constant(d) => Some(d.max(self.floor)),
            _ => None,
        }
    }

    /// The distribution's largest parameter (a constant, a bound, a mean, a median or the floor):
    /// what a bound on latency inputs is checked against.
    pub fn scale(&self) -> Duration {
        let shape = match self.shape {
            LatencyShape::Constant(d) => d,
            LatencyShape::Uniform { high, .. } => high,
            LatencyShape::Exponential { mean } => mean,
            LatencyShape::LogNormal { median, .. } => median,
        };
        shape.max(self.floor)
    }

    /// The 99th percentile of a one-way delay, from the distribution's parameters: the value
    /// itself, the upper bound, `mean · ln 100` (exponential), `median · e^(2.326 σ)`
    /// (lognormal); never below the floor.
    pub fn p99(&self) -> Duration {
        let raw = match self.shape {
            LatencyShape::Constant(d) => d,
            LatencyShape::Uniform { high, .. } => high,
            LatencyShape::Exponential { mean } => mean.mul_f64(100f64.ln()),
            LatencyShape::LogNormal { median, sigma } => {
                Duration::from_secs_f64((median.as_secs_f64() * (2.326 * sigma).exp()).min(1e9))
            }
        };
        raw.max(self.floor)
    }

    /// Draws one latency.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Duration {
        let raw = match self.shape {
            LatencyShape::Constant(d) => d,
            LatencyShape::Uniform { low, high } => {
                Duration::from_nanos(rng.random_range(low.as_nanos() as u64..=high.as_nanos() as u64))
            }
            LatencyShape::Exponential { mean } => {
                let mean_ns = mean.as_nanos() as f64;
                if mean_ns == 0.0 {
                    Duration::ZERO
                } else {
                    let exp = Exp::new(1.0 / mean_ns).expect("validated: mean > 0");
                    Duration::from_nanos(exp.sample(rng) as u64)
                }
            }
            LatencyShape::LogNormal { median, sigma } => {
                let median_ns = median.as_nanos() as f64;
                if median_ns == 0.0 {
                    Duration::ZERO
                } else {
                    let dist = LogNormal::new(median_ns.ln(), sigma).expect("validated: sigma >= 0");
                    Duration::from_nanos(dist.sample(rng).min(1e18) as u64)
                }
            }
        };
        raw.max(self.floor)
    }
}

impl Default for Latency {
    /// 1 ms, constant: a LAN round trip of 2 ms.
    fn default() -> Self {
        Latency::constant(Duration::from_millis(1))
    }
}

impl FromStr for Latency {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (body, floor) = match text.split_once(",floor=") {
            Some((_, floor)) if floor.contains("floor=") => {
                return Err(format!("`{}`: floor is given twice", crate::excerpt(text)))
            }
            Some((body, floor)) => (body, parse_duration(floor)?),
            None => (text, Duration::ZERO),
        };
        let (name, args) = body.split_once(':').unwrap_or(("const", body));
        let shape = match name {
            "const" | "constant" => LatencyShape::Constant(parse_duration(args)?),
            "uniform" => {
                let (low, high) = args.split_once('-').ok_or_else(|| {
                    format!("`{}`: uniform takes LOW-HIGH, e.g. uniform:1ms-5ms", crate::excerpt(body))
                })?;
                let (low, high) = (parse_duration(low)?, parse_duration(high)?);
                if low > high {
                    return Err(format!("`{}`: low bound exceeds high bound", crate::excerpt(body)));
                }
                LatencyShape::Uniform { low, high }
            }
            "exp" | "exponential" => LatencyShape::Exponential { mean: parse_duration(args)? },
            "lognormal" => {
                let (median, sigma) = args.split_once(',').ok_or_else(|| {
                    format!("`{}`: lognormal takes MEDIAN,SIGMA, e.g. lognormal:2ms,0.5", crate::excerpt(body))
                })?;
                let sigma: f64 = sigma
                    .trim()
                    .parse()
                    .map_err(|_| format!("`{}` is not a number (lognormal sigma)", crate::excerpt(sigma)))?;
                if !sigma.is_finite() || sigma < 0.0 {
                    return Err(format!("lognormal sigma must be finite and >= 0 (got {sigma})"));
                }
                LatencyShape::LogNormal { median: parse_duration(median)?, sigma }
            }
            other => {
                return Err(format!(
                    "`{}` is not a latency distribution (use const, uniform, exp or lognormal)",
                    crate::excerpt(other)
                ))
            }
        };
        Ok(Latency { shape, floor })
    }
}

impl fmt::Display for Latency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.shape {
            LatencyShape::Constant(d) => write!(f, "const:{}", format_duration(d))?,
            LatencyShape::Uniform { low, high } => {
                write!(f, "uniform:{}-{}", format_duration(low), format_duration(high))?
            }
            LatencyShape::Exponential { mean } => write!(f, "exp:{}", format_duration(mean))?,
            LatencyShape::LogNormal { median, sigma } => write!(f, "lognormal:{},{sigma}", format_duration(median))?,
        }
        if !self.floor.is_zero() {
            write!(f, ",floor={}", format_duration(self.floor))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::seeded_rng;

    #[test]
    fn parses_every_shape_and_round_trips() {
        for text in ["const:5ms", "uniform:1ms-5ms", "exp:2ms", "lognormal:2ms,0.5", "exp:2ms,floor=1ms"] {
            let latency: Latency = text.parse().unwrap();
            assert_eq!(latency.to_string(), text);
        }
        assert_eq!("5ms".parse::<Latency>().unwrap(), Latency::constant(Duration::from_millis(5)));
    }

    #[test]
    fn rejects_malformed_specs() {
        for text in [
            "",
            "gauss:1ms",
            "uniform:5ms-1ms",
            "uniform:1ms",
            "lognormal:2ms",
            "lognormal:2ms,-1",
            "-3ms",
            "exp:2ms,floor=x",
            "1ms,floor=1ms,floor=2ms",
        ] {
            assert!(text.parse::<Latency>().is_err(), "{text} should be rejected");
        }
    }

    #[test]
    fn samples_respect_bounds_and_floor() {
        let mut rng = seeded_rng(1, 0);
        let uniform: Latency = "uniform:1ms-3ms".parse().unwrap();
        let floored: Latency = "exp:1ms,floor=2ms".parse().unwrap();
        let mut sum = Duration::ZERO;
        let exp: Latency = "exp:1ms".parse().unwrap();
        for _ in 0..10_000 {
            let u = uniform.sample(&mut rng);
            assert!(u >= Duration::from_millis(1) && u <= Duration::from_millis(3));
            assert!(floored.sample(&mut rng) >= Duration::from_millis(2));
            sum += exp.sample(&mut rng);
        }
        let mean_ms = sum.as_secs_f64() * 1000.0 / 10_000.0;
        assert!((0.9..1.1).contains(&mean_ms), "exponential mean {mean_ms}ms");
    }
}
