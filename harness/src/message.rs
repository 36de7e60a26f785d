//! What the harness needs to know about an algorithm's messages.

use std::fmt::Debug;

/// A message exchanged between nodes of one algorithm.
///
/// `kind` names the message type ("request", "reply", "append_entries", ...). The harness counts
/// every send under its kind at one choke point ([`crate::Context::send`]); algorithms never
/// count their own messages. Messages serialize (derive `serde::Serialize`) so a run's trace can
/// show each one.
pub trait Message: Clone + Debug + Send + serde::Serialize + 'static {
    /// The message's kind, as it appears in `messages_by_kind`.
    fn kind(&self) -> &'static str;
}
