//! # reports: where run records go
//!
//! One record type ([`harness::RunRecord`]), three sinks: a JSON object, a CSV row, a table for
//! people. Field names come from the record's serde definition only: the CSV columns and the
//! table rows are the JSON object flattened (`latency_ms.p50`, `messages_by_kind.request`), so
//! the three never disagree.

mod flatten;
mod sinks;

pub use flatten::{flatten, Column};
pub use sinks::{to_csv, to_csv_rows, to_json, to_table};
