//! The `orca` binary: parses the command line, runs one command, maps its outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use orca::cli::Cli;

/// mimalloc instead of the system allocator: the HTTP API's cached asks allocate heavily and
/// glibc malloc took about a third of the CPU under load (BENCHMARKS.md, "HTTP API").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    match orca::run(cli) {
        Ok(code) => code,
        Err(e) => {
            orca::out::stderr(format_args!("error: {e}\n"));
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
