//! # reports: where run records go
//!
//! One record type ([`harness::RunRecord`]), three sinks: a JSON object, a CSV row, a table for
//! people. Field names come from the record's serde definition only: the CSV columns and the
//! table rows are the JSON object flattened (`latency_ms.p50`, `messages_by_kind.request`), so
//! the three never disagree.
//!
//! A [`Comparison`] (the runs of a grid, with the formula checks) becomes a report folder:
//! `runs.csv`, `runs.json`, `summary.csv`, charts as SVG and PNG, and a self-contained
//! `index.html` ([`write_report`]). Nothing here knows a particular algorithm: families,
//! algorithms, message kinds and formulas all come from the records.

mod comparison;
pub mod edn;
mod flatten;
mod html;
pub mod plots;
mod report;
mod sinks;
mod summary;

pub use comparison::{Comparison, RunResult};
pub use flatten::{flatten, Column};
pub use report::{write_report, ReportFiles};
pub use sinks::{to_csv, to_csv_rows, to_json, to_table};
pub use summary::{mean_ci95, summarize, SummaryRow};
