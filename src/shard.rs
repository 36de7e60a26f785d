//! Shards: a deterministic slice of a campaign's seeds or of a comparison's grid.
//!
//! Work too big for one machine runs as N jobs under a scheduler people already have (GNU
//! parallel, a Slurm job array); `--shard K/N` makes job K run every N-th item, starting at the
//! K-th, and write what it found to a shard file in its `--out` folder. `workbench merge` reads
//! the shard files of all N jobs and prints the same lines (`check`) or writes the same report
//! (`compare`) one unsharded run would, since every simulated run is a pure function of its seed.
//! Round robin rather than contiguous blocks: neighbouring items (seeds of one algorithm, sizes
//! of one sweep) cost alike, so every shard gets a like share of the cheap and the dear ones.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// More shards than this is a typo, not a cluster.
pub const MAX_SHARDS: u32 = 100_000;

/// Job `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{}`: a shard is K/N with 1 <= K <= N <= {MAX_SHARDS} (say 3/8)", harness::excerpt(s));
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if index == 0 || index > count || count > MAX_SHARDS {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether the item at `position` (0-based, in the unsharded order) is this shard's.
    pub fn takes(&self, position: usize) -> bool {
        position % self.count as usize == (self.index - 1) as usize
    }

    /// Writes what this shard of a `command` found to its file in `out`; returns the path.
    pub fn write<T: Serialize>(&self, out: &Path, command: &str, found: &T) -> Result<PathBuf, String> {
        let path = self.file(out, command);
        let json = serde_json::to_string(found).expect("a shard serializes");
        std::fs::write(&path, json + "\n").map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path)
    }

    /// The shard file of a `command` (`check`, `compare`) in `out`.
    pub fn file(&self, out: &Path, command: &str) -> PathBuf {
        out.join(format!("{command}-shard-{}-of-{}.json", self.index, self.count))
    }
}

/// Checks that `shards` are jobs 1..=N of one N exactly once each; `what` names the files.
pub fn complete(shards: &[Shard], what: &str) -> Result<u32, String> {
    let count = shards.first().map(|s| s.count).ok_or_else(|| format!("no {what} shard files found"))?;
    if let Some(other) = shards.iter().find(|s| s.count != count) {
        return Err(format!("{what} shards of different splits: {}/{count} and {other}", shards[0].index));
    }
    let mut seen = vec![false; count as usize];
    for shard in shards {
        if std::mem::replace(&mut seen[(shard.index - 1) as usize], true) {
            return Err(format!("{what} shard {shard} is given twice"));
        }
    }
    let missing: Vec<String> =
        seen.iter().enumerate().filter(|(_, s)| !**s).map(|(i, _)| format!("{}/{count}", i + 1)).collect();
    if !missing.is_empty() {
        return Err(format!("{what} shards missing: {}", missing.join(", ")));
    }
    Ok(count)
}

/// The shard files named `{command}-shard-*.json` in `dirs`, read and parsed.
pub fn read_all<T: for<'de> Deserialize<'de>>(dirs: &[PathBuf], command: &str) -> Result<Vec<(PathBuf, T)>, String> {
    let prefix = format!("{command}-shard-");
    let mut found = Vec::new();
    for dir in dirs {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".json"))
            })
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let parsed = serde_json::from_str(&text)
                .map_err(|e| format!("{} is not a {command} shard file: {e}", path.display()))?;
            found.push((path, parsed));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_slices() {
        let shard: Shard = "2/3".parse().unwrap();
        let taken: Vec<usize> = (0..8).filter(|p| shard.takes(*p)).collect();
        assert_eq!(taken, [1, 4, 7]);
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "1/100001"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn every_item_goes_to_exactly_one_shard() {
        let shards: Vec<Shard> = (1..=4).map(|index| Shard { index, count: 4 }).collect();
        for position in 0..100 {
            assert_eq!(shards.iter().filter(|s| s.takes(position)).count(), 1);
        }
    }

    #[test]
    fn a_missing_or_doubled_shard_is_named() {
        let s = |index| Shard { index, count: 3 };
        assert_eq!(complete(&[s(1), s(2), s(3)], "check"), Ok(3));
        assert!(complete(&[s(1), s(3)], "check").unwrap_err().contains("missing: 2/3"));
        assert!(complete(&[s(1), s(1), s(2), s(3)], "check").unwrap_err().contains("twice"));
        assert!(complete(&[], "check").is_err());
    }
}
