//! `workbench`: run distributed agreement algorithms side by side and measure them.
//!
//! The command line lives in the library ([`consensus_workbench::main_with`]); this binary runs
//! it over the built-in algorithms. See the library's docs for the exit codes.

use std::process::ExitCode;

use consensus_workbench::{main_with, Registry};

/// mimalloc keeps the memory a run frees for the next one instead of handing it back to the
/// kernel: with the system allocator a 100k-command Raft run spent about a third of its time in
/// page faults (see `benches/raft_throughput.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    main_with(Registry::builtin())
}
