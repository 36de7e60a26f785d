//! The driver of each family.

mod mutex;

pub use mutex::MutexDriver;
