//! Orca as a library for its own binary and tests: the command line, configuration, the `Orca`
//! service that every front end (CLI, chat, HTTP, MCP) shares, and rendering.
//!
//! This is the only crate that knows clap, stdout and exit codes (0 ok or partial answer, 2 bad
//! input, 1 anything else). Every error leaves as one sentence on stderr.

pub mod app;
pub mod chat;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod mcp;
pub mod out;
pub mod permissions;
pub mod progress;
pub mod reload;
pub mod render;
pub mod schema;
pub mod server;
pub mod service;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::error::CliResult;

/// Runs one parsed command line.
pub fn run(cli: Cli) -> CliResult<ExitCode> {
    let common = cli.common;
    match cli.command {
        Command::Ask(args) => commands::ask::run(&common, args),
        Command::Plan(args) => commands::plan::run(&common, args),
        Command::Customers(args) => commands::customers::run(&common, args),
        Command::Data(cmd) => commands::data::run(&common, cmd),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            // Into memory first: clap_complete panics on a failed write (a closed pipe).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "orca", &mut script);
            out::stdout(format_args!("{}", String::from_utf8_lossy(&script)));
            Ok(ExitCode::SUCCESS)
        }
        Command::Chat => commands::chat::run(&common),
        Command::Serve(args) => commands::serve::run(&common, args),
        Command::Token(cmd) => commands::token::run(&common, cmd),
        Command::Mcp => commands::mcp::run(&common),
        Command::Soak(args) => commands::soak::run(&common, args),
        Command::Doctor(args) => commands::doctor::run(&common, args),
    }
}
