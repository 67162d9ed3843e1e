//! The `orca` binary: parses the command line, runs one command, maps its outcome to an exit code.
//!
//! This is the only crate that knows clap, stdout and exit codes (0 ok or partial answer, 2 bad
//! input, 1 anything else). Every error leaves as one sentence on stderr.

mod app;
mod cli;
mod commands;
mod config;
mod error;
mod progress;
mod render;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::CliResult;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    init_logging(&cli.common.log);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ORCA_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

fn run(cli: Cli) -> CliResult<ExitCode> {
    let common = cli.common;
    match cli.command {
        Command::Ask(args) => commands::ask::run(&common, args),
        Command::Plan(args) => commands::plan::run(&common, args),
        Command::Customers(args) => commands::customers::run(&common, args),
        Command::Data(cmd) => commands::data::run(&common, cmd),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "orca", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Chat => commands::not_yet("chat"),
        Command::Serve { .. } => commands::not_yet("serve"),
        Command::Mcp => commands::not_yet("mcp"),
    }
}
