//! One module per command; each takes the common flags and its own arguments.

pub mod ask;
pub mod chat;
pub mod customers;
pub mod data;
pub mod doctor;
pub mod mcp;
pub mod plan;
pub mod serve;
pub mod soak;
pub mod token;

use std::process::ExitCode;

use crate::error::{CliError, CliResult, Failure};

/// Commands of later issues answer this way until they land (exit 1).
pub fn not_yet(name: &str) -> CliResult<ExitCode> {
    Err(CliError {
        failure: Failure::Other,
        error: anyhow::anyhow!("`orca {name}` is not yet available in this build"),
    })
}
