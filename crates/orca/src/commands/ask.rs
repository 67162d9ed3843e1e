//! `orca ask "<request>"`: plan, run, merge, report.
//!
//! Exit codes: 0 for a full or partial answer (a partial one says what is missing and why), 2 for
//! bad input (empty request, unknown customers only, bad fault spec), 1 when the main question
//! cannot be answered (its critical task failed) or anything else fails.

use crate::out::{out, outln};
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::anyhow;
use orca_engine::FaultSpec;

use crate::app;
use crate::cli::{AskArgs, AskFormat, CommonArgs};
use crate::error::{BadInput, CliError, CliResult, Failure};
use crate::render;
use crate::service::AskOptions;

pub fn run(common: &CommonArgs, args: AskArgs) -> CliResult<ExitCode> {
    let mut config = app::config(common)?;
    // Reject a malformed request before any work (such as creating the demo data set).
    orca_core::check_request(&args.request, &config.analyzer).bad_input()?;
    for spec in &args.inject_fault {
        FaultSpec::from_str(spec)
            .map_err(|e| anyhow!("--inject-fault {spec}: {e}"))
            .bad_input()?;
        config.engine.faults.push(spec.clone());
    }
    if args.seed.is_some() {
        config.engine.seed = args.seed;
    }
    let runtime = app::runtime()?;
    let orca = app::open_service(config, common)?;
    let options = AskOptions {
        now: common.now,
        no_cache: args.no_cache,
        ..AskOptions::default()
    };
    let report = runtime
        .block_on(orca.ask(&args.request, options))
        .bad_input()?;
    match args.format {
        AskFormat::Json => outln!("{}", serde_json::to_string_pretty(&report)?),
        AskFormat::Text => out!("{}", render::report_text(&report, args.explain)),
        AskFormat::Markdown => out!("{}", render::report_markdown(&report, args.explain)),
    }
    if report.unanswered {
        return Err(CliError {
            failure: Failure::Other,
            error: anyhow!("the main question could not be answered (see the report above)"),
        });
    }
    Ok(ExitCode::SUCCESS)
}
