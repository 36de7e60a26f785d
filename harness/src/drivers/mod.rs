//! The driver of each family.

mod election;
mod mutex;

pub use election::ElectionDriver;
pub use mutex::MutexDriver;
