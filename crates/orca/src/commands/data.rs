//! `orca data generate|import|stats`: the embedded data set.

use std::process::ExitCode;

use anyhow::Context as _;
use orca_connectors::{GenerateOptions, OpenMode, Store};

use crate::app;
use crate::cli::{CommonArgs, DataCommand, PlanFormat};
use crate::error::{BadInput, CliError, CliResult};
use crate::progress;

pub fn run(common: &CommonArgs, command: DataCommand) -> CliResult<ExitCode> {
    let config = app::config(common)?;
    match command {
        DataCommand::Generate {
            customers,
            scale,
            out,
            seed,
        } => {
            if !(scale.is_finite() && scale > 0.0) {
                return Err(CliError::bad_input(anyhow::anyhow!(
                    "--scale must be a positive number, not {scale}"
                )));
            }
            if customers == Some(0) {
                return Err(CliError::bad_input(anyhow::anyhow!(
                    "--customers must be at least 1"
                )));
            }
            let options = GenerateOptions {
                seed,
                customers,
                scale,
                now: app::now(common),
            };
            let bar = progress::bar(0, "generating");
            let started = std::time::Instant::now();
            let summary = match &out {
                Some(dir) => orca_connectors::write_csv(dir, &options, &bar)
                    .with_context(|| format!("cannot write the data set to {}", dir.display()))?,
                None => orca_connectors::generate(&config.data_dir, &options, &bar).with_context(
                    || format!("cannot generate the data set in {}", config.data_dir.display()),
                )?,
            };
            bar.finish_and_clear();
            let target = out.as_ref().unwrap_or(&config.data_dir);
            println!(
                "Generated {summary} in {:.1} s into {}",
                started.elapsed().as_secs_f64(),
                target.display()
            );
        }
        DataCommand::Import { dir } => {
            if !dir.is_dir() {
                return Err(CliError::bad_input(anyhow::anyhow!(
                    "{} is not a directory",
                    dir.display()
                )));
            }
            let bar = progress::bar(0, "importing");
            let started = std::time::Instant::now();
            let summary = orca_connectors::import(&config.data_dir, &dir, &bar)
                .with_context(|| format!("import from {} failed; the store is unchanged", dir.display()))
                .bad_input()?;
            bar.finish_and_clear();
            println!(
                "Imported {summary} in {:.1} s into {}",
                started.elapsed().as_secs_f64(),
                config.data_dir.display()
            );
        }
        DataCommand::Stats { format } => {
            let store = Store::open(&config.data_dir, OpenMode::ReadOnly)
                .with_context(|| format!("no data store in {}", config.data_dir.display()))?;
            let stats = store.stats()?;
            match format {
                PlanFormat::Json => println!("{}", serde_json::to_string_pretty(&stats)?),
                PlanFormat::Text => println!("{stats}"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
