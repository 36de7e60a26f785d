//! Latency that depends on who talks to whom: a per-pair matrix in the run description, and
//! built-in region layouts with published round-trip times.
//!
//! A layout places node `i` in region `i mod K` (node 0 in the first region named, node 1 in the
//! second, and so on round the list), so `--nodes 5` on a three-region layout puts two nodes in
//! each of the first two regions. A message between two regions takes half the published round
//! trip; between two nodes of one region, [`SAME_REGION`]. Pairs named in the run description's
//! `links` table override both the layout and the uniform `latency`.
//!
//! The round trips are the averages of the "Latency Between AWS Global Regions" measurements
//! (EC2 instances pinging each other, published 2017 and tabulated at
//! <https://acomputerscientistlearnsaws.blogspot.com/2017/04/aws-regions.html>). Between
//! availability zones of one region, measured round trips run from 0.25 ms to 3.4 ms
//! (<https://www.xkyle.com/Measuring-AWS-Region-and-AZ-Latency/>); one millisecond is typical.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::{Latency, NodeId};

/// One-way latency between two nodes of one region (half a typical 1 ms round trip between
/// availability zones).
pub const SAME_REGION: Duration = Duration::from_micros(500);

/// A built-in region layout.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Profile {
    pub name: &'static str,
    /// What it is for, in a sentence.
    pub about: &'static str,
    pub regions: &'static [&'static str],
    /// Average round trips in milliseconds: `rtt_ms[i][j]` between regions `i` and `j`.
    pub rtt_ms: &'static [&'static [f64]],
}

const VIRGINIA: &str = "us-east-1 (N. Virginia)";
const CALIFORNIA: &str = "us-west-1 (N. California)";
const OREGON: &str = "us-west-2 (Oregon)";
const IRELAND: &str = "eu-west-1 (Ireland)";
const FRANKFURT: &str = "eu-central-1 (Frankfurt)";
const TOKYO: &str = "ap-northeast-1 (Tokyo)";
const SYDNEY: &str = "ap-southeast-2 (Sydney)";

/// The built-in layouts (`--latency-profile NAME`).
pub const PROFILES: &[Profile] = &[
    Profile {
        name: "lan",
        about: "one region: every pair a typical cross-zone round trip of 1 ms",
        regions: &[VIRGINIA],
        rtt_ms: &[&[0.0]],
    },
    Profile {
        name: "us",
        about: "three US regions; the two western ones 19 ms apart, Virginia 73-87 ms away",
        regions: &[VIRGINIA, CALIFORNIA, OREGON],
        rtt_ms: &[&[0.0, 72.74, 86.98], &[72.74, 0.0, 19.46], &[86.98, 19.46, 0.0]],
    },
    Profile {
        name: "europe-us",
        about: "Ireland and Frankfurt 20 ms apart, Virginia 81-89 ms from both",
        regions: &[IRELAND, FRANKFURT, VIRGINIA],
        rtt_ms: &[&[0.0, 19.56, 80.55], &[19.56, 0.0, 88.66], &[80.55, 88.66, 0.0]],
    },
    Profile {
        name: "global-3",
        about: "Virginia, Ireland and Tokyo: a round trip of 81 to 212 ms between any two",
        regions: &[VIRGINIA, IRELAND, TOKYO],
        rtt_ms: &[&[0.0, 80.55, 145.3], &[80.55, 0.0, 212.4], &[145.3, 212.4, 0.0]],
    },
    Profile {
        name: "global-5",
        about: "Virginia, California, Ireland, Tokyo and Sydney: one node per region at N = 5",
        regions: &[VIRGINIA, CALIFORNIA, IRELAND, TOKYO, SYDNEY],
        rtt_ms: &[
            &[0.0, 72.74, 80.55, 145.3, 230.0],
            &[72.74, 0.0, 153.2, 102.5, 157.5],
            &[80.55, 153.2, 0.0, 212.4, 309.6],
            &[145.3, 102.5, 212.4, 0.0, 103.9],
            &[230.0, 157.5, 309.6, 103.9, 0.0],
        ],
    },
];

impl Profile {
    /// The layout called `name`.
    pub fn find(name: &str) -> Result<&'static Profile, String> {
        PROFILES.iter().find(|p| p.name == name).ok_or_else(|| {
            let names: Vec<&str> = PROFILES.iter().map(|p| p.name).collect();
            format!("`{}` is not a latency profile (known: {})", crate::excerpt(name), names.join(", "))
        })
    }

    /// The region node `id` sits in.
    pub fn region_of(&self, id: NodeId) -> usize {
        id.index() % self.regions.len()
    }

    /// The longest one-way latency between two regions (or within the one region).
    pub fn slowest_one_way(&self) -> Duration {
        let rtt = self.rtt_ms.iter().flat_map(|row| row.iter()).fold(0.0f64, |a, b| a.max(*b));
        SAME_REGION.max(Duration::from_nanos((rtt * 1e6 / 2.0).round() as u64))
    }

    /// The one-way latency from `from` to `to`.
    pub fn one_way(&self, from: NodeId, to: NodeId) -> Duration {
        let (a, b) = (self.region_of(from), self.region_of(to));
        if a == b {
            SAME_REGION
        } else {
            Duration::from_nanos((self.rtt_ms[a][b] * 1e6 / 2.0).round() as u64)
        }
    }
}

/// An unordered pair of nodes, written `0-1` in a scenario file's `[network.links]` table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pair(pub NodeId, pub NodeId);

impl Pair {
    /// The pair of `a` and `b`, lower id first.
    pub fn of(a: NodeId, b: NodeId) -> Self {
        if a <= b {
            Pair(a, b)
        } else {
            Pair(b, a)
        }
    }
}

impl fmt::Display for Pair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.0 .0, self.1 .0)
    }
}

impl FromStr for Pair {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("`{}` is not a pair of node ids like `0-1`", crate::excerpt(text));
        let (a, b) = text.trim().split_once('-').ok_or_else(bad)?;
        let a: u32 = a.trim().parse().map_err(|_| bad())?;
        let b: u32 = b.trim().parse().map_err(|_| bad())?;
        if a == b {
            return Err(format!("`{text}` names one node twice: a link joins two nodes"));
        }
        Ok(Pair::of(NodeId(a), NodeId(b)))
    }
}

impl serde::Serialize for Pair {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Pair {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Latencies per pair as the run description gives them (`[network.links]`, both directions).
pub type Links = BTreeMap<Pair, Latency>;

/// Serde for [`Links`]: a table from `"0-1"` to a latency as text (`"40ms"`, `"uniform:30ms-50ms"`).
pub mod links_text {
    use super::*;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(links: &Links, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(links.iter().map(|(pair, latency)| (pair.to_string(), latency.to_string())))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Links, D::Error> {
        let raw = BTreeMap::<String, String>::deserialize(deserializer)?;
        let mut links = Links::new();
        for (pair, latency) in raw {
            let pair: Pair = pair.parse().map_err(D::Error::custom)?;
            let latency: Latency = latency.parse().map_err(|e| D::Error::custom(format!("link {pair}: {e}")))?;
            if links.insert(pair, latency).is_some() {
                return Err(D::Error::custom(format!("link {pair} is given twice")));
            }
        }
        Ok(links)
    }
}

/// Who-to-whom latency as a transmitter samples it: the pair's own latency, else the layout's,
/// else none (the network's uniform latency applies).
#[derive(Clone, Debug, Default)]
pub struct PairLatency {
    profile: Option<&'static Profile>,
    links: Links,
}

impl PairLatency {
    /// From a profile name (checked by validation) and the explicit pairs.
    pub fn new(profile: Option<&str>, links: &Links) -> Self {
        PairLatency { profile: profile.and_then(|name| Profile::find(name).ok()), links: links.clone() }
    }

    /// Whether no pair has a latency of its own.
    pub fn is_empty(&self) -> bool {
        self.profile.is_none() && self.links.is_empty()
    }

    /// Whether every pair's latency is a constant (so a link never reorders by itself).
    pub fn is_constant(&self) -> bool {
        self.links.values().all(Latency::is_constant)
    }

    /// The latency from `from` to `to` if the pair has its own.
    #[inline]
    pub fn get(&self, from: NodeId, to: NodeId) -> Option<PairDelay<'_>> {
        if let Some(latency) = self.links.get(&Pair::of(from, to)) {
            return Some(PairDelay::Sampled(latency));
        }
        self.profile.map(|p| PairDelay::Fixed(p.one_way(from, to)))
    }
}

/// A pair's latency: a distribution to sample, or a layout's fixed delay.
pub enum PairDelay<'a> {
    Sampled(&'a Latency),
    Fixed(Duration),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_is_a_symmetric_matrix_with_a_zero_diagonal() {
        for p in PROFILES {
            assert_eq!(p.rtt_ms.len(), p.regions.len(), "{}", p.name);
            for (i, row) in p.rtt_ms.iter().enumerate() {
                assert_eq!(row.len(), p.regions.len(), "{}", p.name);
                assert_eq!(row[i], 0.0, "{}", p.name);
                for (j, rtt) in row.iter().enumerate() {
                    assert_eq!(*rtt, p.rtt_ms[j][i], "{} {i}-{j}", p.name);
                }
            }
        }
    }

    #[test]
    fn nodes_go_round_the_regions_and_pay_half_the_round_trip() {
        let p = Profile::find("global-3").unwrap();
        assert_eq!(p.one_way(NodeId(0), NodeId(1)), Duration::from_micros(40_275));
        assert_eq!(p.one_way(NodeId(3), NodeId(0)), SAME_REGION, "node 3 is back in Virginia");
        assert_eq!(p.one_way(NodeId(2), NodeId(1)), p.one_way(NodeId(1), NodeId(2)));
        assert!(Profile::find("mars").unwrap_err().contains("global-5"));
    }

    #[test]
    fn pairs_parse_either_way_round_and_refuse_loops() {
        assert_eq!("2-0".parse::<Pair>().unwrap(), Pair(NodeId(0), NodeId(2)));
        assert!("1-1".parse::<Pair>().is_err());
        assert!("1->2".parse::<Pair>().is_err());
        let mut links = Links::new();
        links.insert("0-1".parse().unwrap(), "30ms".parse().unwrap());
        let pairs = PairLatency::new(Some("lan"), &links);
        assert!(matches!(pairs.get(NodeId(1), NodeId(0)), Some(PairDelay::Sampled(_))));
        assert!(matches!(pairs.get(NodeId(1), NodeId(2)), Some(PairDelay::Fixed(SAME_REGION))));
    }
}
