//! # reports: where run records go
//!
//! One record type ([`harness::RunRecord`]), three sinks: a JSON object, a CSV row, a table for
//! people. Field names come from the record's serde definition only: the CSV columns and the
//! table rows are the JSON object flattened (`latency_ms.p50`, `messages_by_kind.request`), so
//! the three never disagree.
//!
//! A [`Comparison`] (the runs of a grid under its scenarios, with the formula checks) becomes a
//! report folder: `runs.csv`, `runs.json`, `summary.csv`, `failures.csv`, charts as SVG and PNG,
//! and a self-contained `index.html` ([`write_report`]). Nothing here knows a particular
//! algorithm: families, algorithms, message kinds and formulas all come from the records.

mod charts;
mod comparison;
pub mod diagram;
pub mod edn;
mod failure_table;
mod findings;
mod flatten;
mod html;
mod load;
pub mod plots;
mod probe;
mod report;
mod sinks;
mod stats;
mod summary;
mod timeline;

pub use charts::Chart;
pub use comparison::{Comparison, RunResult, ScenarioInfo};
pub use failure_table::{failure_rows, FailureRow};
pub use flatten::{flatten, Column};
pub use load::PeakRow;
pub use probe::{matrix_text, ProbeCell, ProbeVerdict};
pub use report::{write_report, ReportFiles};
pub use sinks::{to_csv, to_csv_rows, to_json, to_table};
pub use stats::{mean_ci95, Mean};
pub use summary::{summarize, SummaryRow};
