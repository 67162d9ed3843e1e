//! `orca ask "<request>"`: plan, run, merge, report.
//!
//! Exit codes: 0 for a full or partial answer (a partial one says what is missing and why), 2 for
//! bad input (empty request, unknown customers only, bad fault spec), 1 when the main question
//! cannot be answered (its critical task failed) or anything else fails.

use std::process::ExitCode;
use std::str::FromStr;
use std::time::Instant;

use anyhow::anyhow;
use orca_core::{CacheStats, Report, Timings};
use orca_engine::{Engine, FaultSpec, RunOptions};

use crate::app;
use crate::cli::{AskArgs, AskFormat, CommonArgs};
use crate::error::{BadInput, CliError, CliResult, Failure};
use crate::render;

pub fn run(common: &CommonArgs, args: AskArgs) -> CliResult<ExitCode> {
    let config = app::config(common)?;
    let now = app::now(common);
    // Reject a malformed request before any work (such as creating the demo data set).
    orca_core::check_request(&args.request, &config.analyzer).bad_input()?;
    let mut engine_config = config.engine.clone();
    for spec in &args.inject_fault {
        FaultSpec::from_str(spec)
            .map_err(|e| anyhow!("--inject-fault {spec}: {e}"))
            .bad_input()?;
        engine_config.faults.push(spec.clone());
    }
    if args.seed.is_some() {
        engine_config.seed = args.seed;
    }

    let store = app::store_or_demo(&config, now)?;
    let registry = if config.registry.is_some() {
        app::registry(&config, None)?
    } else {
        app::registry(&config, Some(&store))?
    };

    let started = Instant::now();
    let plan = orca_core::analyze(&args.request, &registry, &config.analyzer, now).bad_input()?;
    let analysis_us = started.elapsed().as_secs_f64() * 1e6;
    if plan.tasks.is_empty() {
        let answer = orca_core::answer::compose(&plan, &[]);
        return Err(CliError::bad_input(anyhow!(
            "{}",
            answer.replace('\n', " ")
        )));
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let connectors = store.connectors_at(&config.health, common.now);
    let engine = Engine::new(engine_config, connectors).map_err(|errors| {
        anyhow!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    let run = runtime.block_on(engine.run(&plan, &RunOptions::default()));
    let answer = orca_core::answer::compose(&plan, &run.sections);
    let total_ms = started.elapsed().as_secs_f64() * 1e3;
    let timings = Timings {
        total_ms,
        analysis_us,
        sequential_ms: run.sequential_ms,
        speedup: if total_ms > 0.0 {
            run.sequential_ms / total_ms
        } else {
            1.0
        },
    };
    // No result cache yet (issue: session cache): no lookups, so no hits and no misses.
    let cache = CacheStats::default();
    let report = Report::new(plan, answer, run.sections, timings, cache);

    match args.format {
        AskFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        AskFormat::Text => print!("{}", render::report_text(&report, args.explain)),
        AskFormat::Markdown => print!("{}", render::report_markdown(&report, args.explain)),
    }
    if report.unanswered {
        return Err(CliError {
            failure: Failure::Other,
            error: anyhow!("the main question could not be answered (see the report above)"),
        });
    }
    Ok(ExitCode::SUCCESS)
}
