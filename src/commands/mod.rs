//! One module per subcommand.

pub mod bench;
pub mod check;
pub mod compare;
pub mod diagram;
pub mod experiment;
pub mod formulas;
pub mod lincheck;
pub mod list;
pub mod merge;
pub mod run;
