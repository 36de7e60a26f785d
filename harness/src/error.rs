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

/// At most this many characters of a bad value are quoted back in an error.
const EXCERPT_CHARS: usize = 40;

/// A bad value as an error quotes it: whole if short, else its first characters and how long it
/// was (a 50 MB argument is named, not echoed).
pub fn excerpt(text: &str) -> String {
    let count = text.chars().count();
    if count <= EXCERPT_CHARS {
        return text.to_string();
    }
    let head: String = text.chars().take(EXCERPT_CHARS).collect();
    format!("{head}… ({count} characters)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_short() {
        assert_eq!(excerpt("raft"), "raft");
        let long = excerpt(&"x".repeat(50_000_000));
        assert!(long.len() < 80 && long.ends_with("(50000000 characters)"), "{long}");
    }
}
