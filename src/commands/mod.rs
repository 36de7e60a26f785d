//! One module per subcommand.

pub mod formulas;
pub mod list;
pub mod run;
