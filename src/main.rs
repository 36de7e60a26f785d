//! `workbench`: run distributed agreement algorithms side by side and measure them.
//!
//! Exit codes: 0 the command did its work and found nothing wrong; 1 a run found violations (the
//! record is still printed) or a node panicked; 2 bad input (unknown algorithm, impossible
//! parameter, malformed value), with a one-line error on stderr.

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
    let result = match cli.command {
        Command::List => Ok((commands::list::list(), true)),
        Command::Run(args) => commands::run::run(&args).map(|(record, text)| (text, record.violations.is_empty())),
        Command::Formulas(args) => commands::formulas::formulas(&args),
        Command::Compare(args) => commands::compare::compare(&args).map(|text| (text, true)),
        Command::Check(args) => commands::check::check(&args),
        Command::Experiment(cli::Experiment::ElectionTimeouts(args)) => {
            commands::experiment::election_timeouts(&args).map(|text| (text, true))
        }
    };
    match result {
        Ok((text, clean)) => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (e.g. `| head`) is not an error worth a panic.
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
            if clean {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
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
