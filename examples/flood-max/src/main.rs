//! The `workbench` command line with FloodMax registered beside the built-in algorithms:
//! `cargo run --release -- check flood-max`, `-- compare flood-max bully`, `-- formulas flood-max`.

use std::process::ExitCode;

use consensus_workbench::{main_with, Registry};

fn main() -> ExitCode {
    main_with(Registry::builtin().with::<flood_max::FloodMax>())
}
