//! What handling a message costs a node, and what a link can carry: the simulator's processing
//! model, off by default.
//!
//! Without it a simulated node handles any number of messages in no time, so a load sweep never
//! bends: a leader serving 512 clients answers as fast as one serving one. With it each node is a
//! single server: a message (or client request) received costs `recv`, each message sent costs
//! `send` (plus `per_kib` for every 1024 bytes of its serialized size, either way), and a node
//! busy with earlier inputs queues later ones until it is free, then takes all that waited as one
//! step. A node's sends leave one after another as it serializes them. A `bandwidth` limit makes
//! each directed link carry one message at a time at that rate.
//!
//! The `paxi` profile is the cost model of the Paxi benchmarking framework (Ailijiang, Charapko
//! and Demirbas, "Dissecting the Performance of Strongly-Consistent Replication Protocols",
//! SIGMOD 2019): about 25 µs to receive and deserialize a small message and 1 µs to serialize
//! one, measured on a LAN.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::{format_duration, parse_duration};

/// The most any one cost may be: beyond it a node handles fewer than ten messages a second.
pub const MAX_COST: Duration = Duration::from_millis(100);

/// Per-node processing costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceTime {
    /// Receiving (deserializing and handling) one message or client request.
    pub recv: Duration,
    /// Serializing and sending one message.
    pub send: Duration,
    /// Every 1024 bytes of a message's serialized size, received or sent.
    pub per_kib: Duration,
}

impl ServiceTime {
    /// The Paxi cost model: 25 µs to receive, 1 µs to send.
    pub const PAXI: ServiceTime =
        ServiceTime { recv: Duration::from_micros(25), send: Duration::from_micros(1), per_kib: Duration::ZERO };

    /// What receiving a message of `bytes` costs (`bytes` is read only if `per_kib` is set).
    #[inline]
    pub fn receiving(&self, bytes: impl FnOnce() -> u64) -> Duration {
        self.recv + self.for_bytes(bytes)
    }

    /// What sending a message of `bytes` costs.
    #[inline]
    pub fn sending(&self, bytes: impl FnOnce() -> u64) -> Duration {
        self.send + self.for_bytes(bytes)
    }

    fn for_bytes(&self, bytes: impl FnOnce() -> u64) -> Duration {
        if self.per_kib.is_zero() {
            Duration::ZERO
        } else {
            Duration::from_nanos((self.per_kib.as_nanos() as u64).saturating_mul(bytes()) / 1024)
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        for (name, cost) in [("recv", self.recv), ("send", self.send), ("per_kib", self.per_kib)] {
            if cost > MAX_COST {
                return Err(format!("{name} is at most {} (got {})", format_duration(MAX_COST), format_duration(cost)));
            }
        }
        Ok(())
    }
}

impl fmt::Display for ServiceTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == ServiceTime::PAXI {
            return f.write_str("paxi");
        }
        write!(f, "recv={},send={}", format_duration(self.recv), format_duration(self.send))?;
        if !self.per_kib.is_zero() {
            write!(f, ",per_kib={}", format_duration(self.per_kib))?;
        }
        Ok(())
    }
}

impl FromStr for ServiceTime {
    type Err = String;

    /// `paxi`, or `recv=25us,send=1us[,per_kib=2us]` (any left out is zero).
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "paxi" {
            return Ok(ServiceTime::PAXI);
        }
        let mut cost = ServiceTime { recv: Duration::ZERO, send: Duration::ZERO, per_kib: Duration::ZERO };
        for part in text.split(',') {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("`{}`: give `paxi` or recv=D,send=D[,per_kib=D]", crate::excerpt(text)))?;
            let value = parse_duration(value)?;
            match key.trim() {
                "recv" => cost.recv = value,
                "send" => cost.send = value,
                "per_kib" => cost.per_kib = value,
                other => {
                    return Err(format!("`{}` is not a cost (use recv, send, per_kib)", crate::excerpt(other)));
                }
            }
        }
        cost.validate()?;
        Ok(cost)
    }
}

/// A link's capacity in bits per second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Bandwidth(pub u64);

impl Bandwidth {
    /// The slowest link a run may have: 1 kbit/s.
    pub const MIN: Bandwidth = Bandwidth(1_000);

    /// How long `bytes` take to go onto the wire.
    #[inline]
    pub fn transfer(&self, bytes: u64) -> Duration {
        Duration::from_nanos(((u128::from(bytes) * 8 * 1_000_000_000) / self.0 as u128).min(u64::MAX as u128) as u64)
    }
}

impl fmt::Display for Bandwidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (unit, scale) in [("gbit", 1_000_000_000), ("mbit", 1_000_000), ("kbit", 1_000)] {
            if self.0.is_multiple_of(scale) {
                return write!(f, "{}{unit}", self.0 / scale);
            }
        }
        write!(f, "{}bit", self.0)
    }
}

impl FromStr for Bandwidth {
    type Err = String;

    /// `1gbit`, `100mbit`, `56kbit`, `9600bit` (bits per second; case does not matter).
    fn from_str(text: &str) -> Result<Self, String> {
        let lower = text.trim().to_ascii_lowercase();
        let split = lower.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(lower.len());
        let (number, unit) = lower.split_at(split);
        let value: f64 = number
            .trim()
            .parse()
            .map_err(|_| format!("`{}` is not a rate like 1gbit or 100mbit", crate::excerpt(text)))?;
        let scale = match unit.trim_end_matches("/s").trim_end_matches("ps") {
            "gbit" | "gb" => 1e9,
            "mbit" | "mb" => 1e6,
            "kbit" | "kb" => 1e3,
            "bit" => 1.0,
            _ => return Err(format!("`{}`: give a rate in gbit, mbit, kbit or bit", crate::excerpt(text))),
        };
        let bits = value * scale;
        if !bits.is_finite() || bits < Bandwidth::MIN.0 as f64 || bits > 1e15 {
            return Err(format!("`{}`: a link carries between 1kbit and 1000000gbit a second", crate::excerpt(text)));
        }
        Ok(Bandwidth(bits.round() as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_read_and_write_back() {
        assert_eq!("paxi".parse::<ServiceTime>().unwrap(), ServiceTime::PAXI);
        let custom: ServiceTime = "recv=10us,send=2us,per_kib=1us".parse().unwrap();
        assert_eq!(custom.to_string().parse::<ServiceTime>().unwrap(), custom);
        assert_eq!(custom.receiving(|| 2048), Duration::from_micros(12));
        assert!("recv=1s".parse::<ServiceTime>().unwrap_err().contains("at most"));
        assert!("cpu=1us".parse::<ServiceTime>().is_err());
        assert!("fast".parse::<ServiceTime>().is_err());
    }

    #[test]
    fn bandwidth_reads_units_and_times_a_transfer() {
        let gig: Bandwidth = "1gbit".parse().unwrap();
        assert_eq!(gig, Bandwidth(1_000_000_000));
        assert_eq!(gig.to_string(), "1gbit");
        assert_eq!(gig.transfer(125), Duration::from_micros(1));
        assert_eq!("100Mbps".parse::<Bandwidth>().unwrap(), Bandwidth(100_000_000));
        assert!("0bit".parse::<Bandwidth>().is_err());
        assert!("fast".parse::<Bandwidth>().is_err());
    }
}
