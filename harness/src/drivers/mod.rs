//! The driver of each family.

mod election;
mod mutex;
mod replication;

pub use election::ElectionDriver;
pub use mutex::MutexDriver;
pub use replication::{ClientTiming, ReplicationDriver};
