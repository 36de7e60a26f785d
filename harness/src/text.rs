//! Serde for values written as text: durations (`150ms`), latencies (`uniform:1ms-5ms`), faults
//! (`crash:2@1s..2s`). A run description in TOML or JSON reads as a person would type it on the
//! command line, and the same parser checks both.
//!
//! Use with `#[serde(with = "crate::text")]` for a `Display + FromStr` field and
//! `#[serde(with = "crate::text::duration")]` (or `duration::option`) for a [`Duration`].

use std::fmt::Display;
use std::str::FromStr;
use std::time::Duration;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};

use crate::duration::{format_duration, parse_duration};

/// Writes the value's `Display` form.
pub fn serialize<T: Display, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// Reads the value with its `FromStr`.
pub fn deserialize<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: FromStr,
    T::Err: Display,
    D: Deserializer<'de>,
{
    let text = String::deserialize(deserializer)?;
    text.parse().map_err(D::Error::custom)
}

/// An optional `Display + FromStr` value: text, or null.
pub mod option {
    use super::*;

    pub fn serialize<T: Display, S: Serializer>(value: &Option<T>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => serializer.collect_str(value),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        match Option::<String>::deserialize(deserializer)? {
            Some(text) => text.parse().map(Some).map_err(D::Error::custom),
            None => Ok(None),
        }
    }
}

/// A [`Duration`] as `150ms`, `2s`, `1.5s`.
pub mod duration {
    use super::*;

    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format_duration(*value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        parse_duration(&String::deserialize(deserializer)?).map_err(D::Error::custom)
    }

    /// An optional [`Duration`].
    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(value: &Option<Duration>, serializer: S) -> Result<S::Ok, S::Error> {
            match value {
                Some(value) => serializer.serialize_str(&format_duration(*value)),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
            match Option::<String>::deserialize(deserializer)? {
                Some(text) => parse_duration(&text).map(Some).map_err(D::Error::custom),
                None => Ok(None),
            }
        }
    }
}
