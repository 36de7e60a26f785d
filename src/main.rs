//! `workbench`: run distributed agreement algorithms side by side and measure them.
//!
//! Exit codes: 0 the command did its work and found nothing wrong; 1 a run found violations (the
//! record is still printed) or a node panicked; 2 bad input (unknown algorithm, impossible
//! parameter, malformed value), with a one-line error on stderr; 3 `lincheck` could not decide.

mod cli;
mod commands;
mod flags;
mod registry;
mod scenario;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

/// mimalloc keeps the memory a run frees for the next one instead of handing it back to the
/// kernel: with the system allocator a 100k-command Raft run spent about a third of its time in
/// page faults (see `benches/raft_throughput.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Why a command did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: exit 2.
    Usage(String),
    /// The run itself failed: exit 1.
    Run(String),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
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
    // What to print, and whether the command found everything in order (exit 0) or not (1).
    let clean = |(text, clean): (String, bool)| (text, if clean { 0 } else { 1 });
    let result: Result<(String, u8), Failure> = match cli.command {
        Command::List => Ok((commands::list::list(), 0)),
        Command::Run(args) => {
            commands::run::run(&args).map(|(record, text)| clean((text, record.violations.is_empty())))
        }
        Command::Formulas(args) => commands::formulas::formulas(&args).map(clean),
        Command::Compare(args) => commands::compare::compare(&args).map(|text| (text, 0)),
        Command::Check(args) => commands::check::check(&args).map(clean),
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
