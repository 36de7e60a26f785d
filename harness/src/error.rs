//! Errors a caller can act on.

use thiserror::Error;

/// A run parameter that cannot be used, naming the field it came from.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {reason}")]
pub struct SpecError {
    /// The parameter's name as the user wrote it (`nodes`, `drop`, `latency`, `fault[2].at`...).
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl SpecError {
    /// An error about `field`.
    pub fn field(field: impl Into<String>, reason: impl Into<String>) -> Self {
        SpecError { field: field.into(), reason: reason.into() }
    }
}

/// Why a run could not produce a record.
#[derive(Debug, Error)]
pub enum RunError {
    /// The spec was rejected before anything ran.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A node's thread panicked in the threads runtime.
    #[error("node {node} panicked: {message}")]
    NodePanicked { node: u32, message: String },
}
