//! The network model a run uses: latency, loss, duplication and ordering.
//!
//! Links are FIFO by default: a message never overtakes an earlier one on the same directed link
//! (Lamport's mutex relies on this). `reorder` lifts that guarantee so its absence can be studied.

use std::time::Duration;

use crate::geo::{Links, PairLatency, Profile};
use crate::service::{Bandwidth, ServiceTime};
use crate::{Latency, SpecError};

/// The largest latency parameter (a constant, a bound, a mean or a median) a network may have.
pub const MAX_LATENCY: Duration = Duration::from_secs(60);
/// The largest lognormal sigma: beyond it the 99th percentile is over 10^20 times the median.
pub const MAX_SIGMA: f64 = 20.0;

/// Network semantics, owned by the harness and applied by both runtimes.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkConfig {
    /// One-way latency of each message.
    #[serde(with = "crate::text")]
    pub latency: Latency,
    /// Probability in [0, 1] that a message is lost.
    pub drop: f64,
    /// Probability in [0, 1] that a delivered message is delivered a second time.
    pub duplicate: f64,
    /// Allow messages on one link to overtake each other (links are FIFO otherwise).
    pub reorder: bool,
    /// A built-in region layout ([`crate::geo::PROFILES`]): node `i` in region `i mod K`, each
    /// message half the regions' published round trip.
    pub latency_profile: Option<String>,
    /// Latency per pair of nodes (`"0-1" = "40ms"`, both directions), over the profile and the
    /// uniform `latency`.
    #[serde(with = "crate::geo::links_text")]
    pub links: Links,
    /// Simulator: what handling a message costs a node (`paxi`, or `recv=25us,send=1us`); none
    /// by default (see [`crate::service`]).
    #[serde(with = "crate::text::option")]
    pub service: Option<ServiceTime>,
    /// Simulator: each directed link carries one message at a time at this rate (`1gbit`);
    /// unlimited by default.
    #[serde(with = "crate::text::option")]
    pub bandwidth: Option<Bandwidth>,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            latency: Latency::default(),
            drop: 0.0,
            duplicate: 0.0,
            reorder: false,
            latency_profile: None,
            links: Links::new(),
            service: None,
            bandwidth: None,
        }
    }
}

impl NetworkConfig {
    /// A reliable network with the given constant latency.
    pub fn reliable(latency: Latency) -> Self {
        NetworkConfig { latency, ..Default::default() }
    }

    /// Who-to-whom latencies (the profile and the links).
    pub fn pair_latency(&self) -> PairLatency {
        PairLatency::new(self.latency_profile.as_deref(), &self.links)
    }

    /// A one-way delay 99% of messages beat on the slowest pair of nodes (what timeouts are
    /// derived from).
    pub fn one_way_p99(&self) -> Duration {
        let base = match self.latency_profile.as_deref().map(Profile::find) {
            Some(Ok(profile)) => profile.slowest_one_way(),
            _ => self.latency.p99(),
        };
        self.links.values().map(Latency::p99).fold(base, Duration::max)
    }

    /// Whether nodes pay for handling messages or links for carrying them (the simulator's
    /// processing model).
    pub fn has_costs(&self) -> bool {
        self.service.is_some() || self.bandwidth.is_some()
    }

    /// Rejects links between nodes a cluster of `nodes` does not have.
    pub fn validate_for(&self, nodes: usize) -> Result<(), SpecError> {
        if let Some(pair) = self.links.keys().find(|pair| pair.1.index() >= nodes) {
            return Err(SpecError::field(
                "links",
                format!("`{pair}` names node {} of a {nodes}-node cluster (ids are 0..{nodes})", pair.1 .0),
            ));
        }
        Ok(())
    }

    /// Rejects probabilities outside [0, 1] and malformed distributions, naming the field.
    pub fn validate(&self) -> Result<(), SpecError> {
        if let Some(name) = &self.latency_profile {
            Profile::find(name).map_err(|e| SpecError::field("latency_profile", e))?;
        }
        for (pair, latency) in &self.links {
            if latency.scale() > MAX_LATENCY {
                return Err(SpecError::field(
                    "links",
                    format!("`{pair}`: a one-way latency is at most {}", crate::format_duration(MAX_LATENCY)),
                ));
            }
        }
        if let Some(service) = &self.service {
            service.validate().map_err(|e| SpecError::field("service", e))?;
        }
        for (field, p) in [("drop", self.drop), ("duplicate", self.duplicate)] {
            if !(0.0..=1.0).contains(&p) {
                return Err(SpecError::field(field, format!("must be a probability in [0, 1] (got {p})")));
            }
        }
        if let crate::LatencyShape::LogNormal { sigma, .. } = self.latency.shape {
            if !sigma.is_finite() || !(0.0..=MAX_SIGMA).contains(&sigma) {
                return Err(SpecError::field(
                    "latency",
                    format!("lognormal sigma must be in [0, {MAX_SIGMA}] (got {sigma})"),
                ));
            }
        }
        if self.latency.scale() > MAX_LATENCY {
            return Err(SpecError::field(
                "latency",
                format!("`{}`: a one-way latency is at most {}", self.latency, crate::format_duration(MAX_LATENCY)),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_probabilities_outside_unit_interval() {
        for (drop, duplicate, field) in
            [(1.5, 0.0, "drop"), (-0.1, 0.0, "drop"), (0.0, 2.0, "duplicate"), (f64::NAN, 0.0, "drop")]
        {
            let net = NetworkConfig { drop, duplicate, ..Default::default() };
            assert_eq!(net.validate().unwrap_err().field, field);
        }
        let edge = NetworkConfig { drop: 1.0, duplicate: 0.0, ..Default::default() };
        assert!(edge.validate().is_ok());
    }
}
