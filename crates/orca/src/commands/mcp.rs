//! `orca mcp`: Orca as an MCP server on stdin/stdout for LLM assistants (Claude Desktop, VS Code).
//!
//! Invariant: stdout carries MCP messages only; the first-run demo data notice, progress bar and
//! logs all go to stderr.

use std::process::ExitCode;

use crate::app;
use crate::cli::CommonArgs;
use crate::error::CliResult;
use crate::mcp::{OrcaMcp, serve_stdio};

pub fn run(common: &CommonArgs) -> CliResult<ExitCode> {
    let config = app::config(common)?;
    let runtime = crate::server::runtime(&config.server)?;
    let stop = tokio_util::sync::CancellationToken::new();
    // Opening the service may create the demo data set first (its notice goes to stderr).
    let orca = app::open_watched_service(config, common, &runtime, &stop)?;
    let server = OrcaMcp::new(orca).with_default_now(common.now);
    let served = runtime.block_on(serve_stdio(server));
    stop.cancel();
    served?;
    Ok(ExitCode::SUCCESS)
}
