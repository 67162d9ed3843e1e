//! `orca plan "<request>"`: analysis only; nothing runs.

use crate::out::{out, outln};
use std::process::ExitCode;

use crate::app;
use crate::cli::{CommonArgs, PlanArgs, PlanFormat};
use crate::error::{BadInput, CliResult};
use crate::render;

pub fn run(common: &CommonArgs, args: PlanArgs) -> CliResult<ExitCode> {
    let config = app::config(common)?;
    let registry = app::lookup_registry(&config)?;
    let plan = orca_core::analyze(&args.request, &registry, &config.analyzer, app::now(common))
        .bad_input()?;
    match args.format {
        PlanFormat::Json => outln!("{}", serde_json::to_string_pretty(&plan)?),
        PlanFormat::Text => out!("{}", render::plan_text(&plan)),
    }
    Ok(ExitCode::SUCCESS)
}
