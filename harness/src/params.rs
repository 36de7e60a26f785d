//! Algorithm parameters: `[params]` in a scenario file, `--param key=value` on the command line.
//!
//! An algorithm's `configure` reads each knob it has through [`Params`], with its default; the
//! values used (given or default) go into the run's record, and a key nobody read is an error
//! naming the known ones. Later knobs (a quorum size, a snapshot interval) are added here, not as
//! new command-line flags.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;
use std::time::Duration;

use crate::{excerpt, format_duration, parse_duration, SpecError};

/// The parameters given for a run, read by the algorithm.
#[derive(Debug)]
pub struct Params<'a> {
    given: &'a BTreeMap<String, String>,
    resolved: BTreeMap<String, String>,
}

fn field(key: &str) -> String {
    format!("params.{key}")
}

impl<'a> Params<'a> {
    /// The parameters `given` (key to text).
    pub fn new(given: &'a BTreeMap<String, String>) -> Self {
        Params { given, resolved: BTreeMap::new() }
    }

    /// `key` parsed with `FromStr`, or `default`.
    pub fn get<T>(&mut self, key: &str, default: T) -> Result<T, SpecError>
    where
        T: FromStr + Display,
        T::Err: Display,
    {
        let value = match self.given.get(key) {
            Some(text) => text
                .trim()
                .parse::<T>()
                .map_err(|e| SpecError::field(field(key), format!("`{}`: {e}", excerpt(text))))?,
            None => default,
        };
        self.resolved.insert(key.to_string(), value.to_string());
        Ok(value)
    }

    /// `key` as a duration (`150ms`), or `default`.
    pub fn duration(&mut self, key: &str, default: Duration) -> Result<Duration, SpecError> {
        let value = match self.given.get(key) {
            Some(text) => parse_duration(text).map_err(|e| SpecError::field(field(key), e))?,
            None => default,
        };
        self.resolved.insert(key.to_string(), format_duration(value));
        Ok(value)
    }

    /// `key` as a range of durations `LOW-HIGH` (`150ms-300ms`; one value means LOW = HIGH), or
    /// `default`. Rejects an empty or reversed range.
    pub fn range(&mut self, key: &str, default: (Duration, Duration)) -> Result<(Duration, Duration), SpecError> {
        let value = match self.given.get(key) {
            Some(text) => parse_range(text).map_err(|e| SpecError::field(field(key), e))?,
            None => default,
        };
        self.resolved.insert(key.to_string(), format_range(value));
        Ok(value)
    }

    /// Reads nothing but marks `key` as known (a knob another part of the run reads).
    pub fn resolved_as(&mut self, key: &str, text: String) {
        self.resolved.insert(key.to_string(), text);
    }

    /// The values used, after checking that every given key was read; `algorithm` names the
    /// algorithm in the error.
    pub fn finish(self, algorithm: &str) -> Result<BTreeMap<String, String>, SpecError> {
        if let Some(unknown) = self.given.keys().find(|k| !self.resolved.contains_key(*k)) {
            let known: Vec<&str> = self.resolved.keys().map(String::as_str).collect();
            return Err(SpecError::field(
                field(unknown),
                format!("`{}` is not a parameter of {algorithm} (known: {})", excerpt(unknown), known.join(", ")),
            ));
        }
        Ok(self.resolved)
    }
}

/// `LOW-HIGH` (or one duration for both).
pub fn parse_range(text: &str) -> Result<(Duration, Duration), String> {
    let (low, high) = match text.split_once('-') {
        Some((low, high)) => (parse_duration(low)?, parse_duration(high)?),
        None => {
            let d = parse_duration(text)?;
            (d, d)
        }
    };
    if low.is_zero() || high < low {
        return Err(format!("`{}`: need 0 < LOW <= HIGH", excerpt(text)));
    }
    Ok((low, high))
}

/// The text form [`parse_range`] reads.
pub fn format_range((low, high): (Duration, Duration)) -> String {
    format!("{}-{}", format_duration(low), format_duration(high))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn reads_given_values_and_records_defaults() {
        let map = given(&[("q2", "2"), ("detect", "200ms-400ms")]);
        let mut params = Params::new(&map);
        assert_eq!(params.get("q2", 3u32).unwrap(), 2);
        assert_eq!(
            params.range("detect", (Duration::ZERO, Duration::ZERO)).unwrap(),
            (Duration::from_millis(200), Duration::from_millis(400))
        );
        assert_eq!(params.duration("heartbeat", Duration::from_millis(50)).unwrap(), Duration::from_millis(50));
        let resolved = params.finish("raft").unwrap();
        assert_eq!(resolved["heartbeat"], "50ms");
        assert_eq!(resolved["detect"], "200ms-400ms");
    }

    #[test]
    fn an_unknown_key_or_bad_value_names_the_parameter() {
        let map = given(&[("quorum", "2")]);
        let mut params = Params::new(&map);
        params.get("q2", 3u32).unwrap();
        let error = params.finish("multi-paxos").unwrap_err();
        assert_eq!(error.field, "params.quorum");
        assert!(error.reason.contains("known: q2"), "{error}");
        let map = given(&[("detect", "300ms-100ms"), ("q2", "two")]);
        let mut params = Params::new(&map);
        assert_eq!(params.range("detect", (Duration::ZERO, Duration::ZERO)).unwrap_err().field, "params.detect");
        assert_eq!(params.get("q2", 1u32).unwrap_err().field, "params.q2");
    }
}
