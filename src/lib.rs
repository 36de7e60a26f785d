//! # consensus-workbench: the `workbench` command, as a library
//!
//! Everything the `workbench` binary does (`list`, `run`, `compare`, `check` with shrinking,
//! `formulas`, `diagram`, `lincheck`, the report) is here, driven by a [`Registry`] of algorithms.
//! The binary is [`main_with`] over [`Registry::builtin`]. A crate of your own gets every command
//! for its algorithms, beside the built-in ones, with a main of its own:
//!
//! ```no_run
//! use consensus_workbench::{main_with, Registry};
//! # struct MyAlgorithm;
//! # fn registry() -> Registry { Registry::builtin() }
//! fn main() -> std::process::ExitCode {
//!     // Registry::builtin().with::<my_crate::MyAlgorithm>()
//!     main_with(registry())
//! }
//! ```
//!
//! `examples/flood-max` is a complete crate doing this; `docs/guide.md` walks through it.
//!
//! Exit codes: 0 the command did its work and found nothing wrong; 1 a run found violations (the
//! record is still printed) or a node panicked; 2 bad input (unknown algorithm, impossible
//! parameter, malformed value), with a one-line error on stderr; 3 `lincheck` could not decide.

pub mod bench;
pub mod cli;
pub mod commands;
mod flags;
pub mod registry;
mod scenario;
pub mod shard;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
pub use registry::{Entry, Registry};

static PROGRAM: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The name the command line was started as (`workbench`, or an out-of-tree crate's binary), for
/// the commands a report or a failing run prints to reproduce it.
pub fn program() -> &'static str {
    PROGRAM.get().map_or("workbench", String::as_str)
}

/// Why a command did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: exit 2.
    Usage(String),
    /// The run itself failed: exit 1.
    Run(String),
}

/// Runs the `workbench` command line (the process's arguments) over `registry`'s algorithms and
/// returns the exit code.
pub fn main_with(registry: Registry) -> ExitCode {
    main_from(registry, std::env::args_os())
}

/// Like [`main_with`], with the arguments given (the first is the program's name).
pub fn main_from<I, T>(registry: Registry, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    if let Some(name) = args.first().and_then(|a| std::path::Path::new(a).file_stem()) {
        let _ = PROGRAM.set(name.to_string_lossy().into_owned());
    }
    if let Err(message) = registry.validate() {
        eprintln!("error: {message}");
        return ExitCode::from(2);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            use clap::error::ErrorKind;
            if matches!(
                err.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = err.print();
                return ExitCode::SUCCESS;
            }
            // clap explains over several lines; the first one names the problem.
            let rendered = err.render().to_string();
            let first = rendered.lines().find(|l| !l.trim().is_empty()).unwrap_or("error: invalid arguments");
            eprintln!("{}", first.trim_end());
            return ExitCode::from(2);
        }
    };
    let registry = &registry;
    // What to print, and whether the command found everything in order (exit 0) or not (1).
    let clean = |(text, clean): (String, bool)| (text, if clean { 0 } else { 1 });
    let result: Result<(String, u8), Failure> = match cli.command {
        Command::List => Ok((commands::list::list(registry), 0)),
        Command::Run(args) => {
            commands::run::run(&args, registry).map(|(record, text)| clean((text, record.violations.is_empty())))
        }
        Command::Formulas(args) => commands::formulas::formulas(&args, registry).map(clean),
        Command::Compare(args) => commands::compare::compare(&args, registry).map(|text| (text, 0)),
        Command::Check(args) => commands::check::check(&args, registry).map(clean),
        Command::Lincheck(args) => commands::lincheck::lincheck(&args.file).map(|(text, outcome)| {
            use commands::lincheck::Outcome;
            (
                text,
                match outcome {
                    Outcome::Linearizable => 0,
                    Outcome::Not => 1,
                    Outcome::GaveUp => 3,
                },
            )
        }),
        Command::Diagram(args) => commands::diagram::diagram(&args).map(|text| (text, 0)),
        Command::Merge(args) => commands::merge::merge(&args).map(clean),
        Command::Bench(args) => commands::bench::bench(&args).map(|text| (text, 0)),
        Command::Experiment(cli::Experiment::ElectionTimeouts(args)) => {
            commands::experiment::election_timeouts(&args).map(|text| (text, 0))
        }
    };
    match result {
        Ok((text, code)) => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (e.g. `| head`) is not an error worth a panic.
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
            ExitCode::from(code)
        }
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Run(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}
