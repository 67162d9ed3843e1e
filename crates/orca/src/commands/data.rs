//! `orca data generate|import|stats`: the embedded data set.

use crate::out::{errln, out, outln};
use std::process::ExitCode;

use anyhow::Context as _;
use orca_connectors::{GenerateOptions, OpenMode, Store};

use crate::app;
use crate::cli::{CommonArgs, DataCommand, ImportTarget, PlanFormat};
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
                    || {
                        format!(
                            "cannot generate the data set in {}",
                            config.data_dir.display()
                        )
                    },
                )?,
            };
            bar.finish_and_clear();
            let target = out.as_ref().unwrap_or(&config.data_dir);
            outln!(
                "Generated {} rows in {:.1} s into {}: {} customers, {} cases, {} incidents, \
                 {} work items, {} tenant metrics, {} docs (seed {})",
                summary.total_rows,
                started.elapsed().as_secs_f64(),
                target.display(),
                summary.customers,
                summary.cases,
                summary.incidents,
                summary.work_items,
                summary.tenant_metrics,
                summary.docs,
                summary.seed
            );
        }
        DataCommand::Import {
            dir,
            target,
            pg_url,
            pg_schema,
        } => {
            if !dir.is_dir() {
                return Err(CliError::bad_input(anyhow::anyhow!(
                    "{} is not a directory",
                    dir.display()
                )));
            }
            if target == ImportTarget::Postgres {
                let schema = pg_schema.as_deref().unwrap_or("public");
                return import_postgres(&dir, pg_url, schema);
            }
            if pg_url.is_some() || pg_schema.is_some() {
                return Err(CliError::bad_input(anyhow::anyhow!(
                    "--pg-url and --pg-schema apply only to --target postgres; add it or drop them"
                )));
            }
            let bar = progress::bar(0, "importing");
            let started = std::time::Instant::now();
            let summary = orca_connectors::import(&config.data_dir, &dir, &bar)
                .with_context(|| {
                    format!(
                        "import from {} failed; the store is unchanged",
                        dir.display()
                    )
                })
                .bad_input()?;
            bar.finish_and_clear();
            let files: Vec<String> = summary
                .files
                .iter()
                .map(|f| format!("{} ({} rows)", f.file, f.rows))
                .collect();
            outln!(
                "Imported {} rows in {:.1} s into {}: {}",
                summary.total_rows,
                started.elapsed().as_secs_f64(),
                config.data_dir.display(),
                files.join(", ")
            );
            if summary.tenants_not_in_registry > 0 {
                errln!(
                    "warning: {} tenants in the imported rows are not in the stored registry",
                    summary.tenants_not_in_registry
                );
            }
        }
        DataCommand::Stats { format } => {
            let store = Store::open(&config.data_dir, OpenMode::ReadOnly)
                .with_context(|| format!("no data store in {}", config.data_dir.display()))?;
            let stats = store.stats()?;
            match format {
                PlanFormat::Json => outln!("{}", serde_json::to_string_pretty(&stats)?),
                PlanFormat::Text => out!("{}", stats_text(&stats)),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `orca data import --target postgres` in a build without PostgreSQL support.
#[cfg(not(feature = "postgres"))]
fn import_postgres(
    _dir: &std::path::Path,
    _pg_url: Option<String>,
    _schema: &str,
) -> CliResult<ExitCode> {
    Err(CliError::bad_input(anyhow::anyhow!(
        "this orca was built without PostgreSQL support (build it with the `postgres` feature)"
    )))
}

/// `orca data import --target postgres`: the same files into PostgreSQL, in one transaction
/// (`orca_connectors::postgres::import`). A missing URL, a bad URL or schema name, and bad rows
/// are bad input (exit 2); an unreachable or refusing server is a failure (exit 1).
#[cfg(feature = "postgres")]
fn import_postgres(
    dir: &std::path::Path,
    pg_url: Option<String>,
    schema: &str,
) -> CliResult<ExitCode> {
    use orca_connectors::postgres::{self, PgImportError};
    let variable = postgres::DEFAULT_URL_ENV;
    let url = match pg_url.or_else(|| std::env::var(variable).ok()) {
        Some(url) if !url.trim().is_empty() => url,
        _ => {
            return Err(CliError::bad_input(anyhow::anyhow!(
                "--target postgres needs a PostgreSQL URL: pass --pg-url or set {variable}"
            )));
        }
    };
    let bar = progress::bar(0, "importing");
    let started = std::time::Instant::now();
    let runtime = app::runtime()?;
    let result = runtime.block_on(postgres::import(&url, schema, dir, &bar));
    bar.finish_and_clear();
    let summary = match result {
        Ok(summary) => summary,
        Err(PgImportError::Database(message)) => {
            return Err(anyhow::anyhow!("import from {} failed: {message}", dir.display()).into());
        }
        Err(e) => {
            return Err(CliError::bad_input(anyhow::anyhow!(
                "import from {} failed: {e}",
                dir.display()
            )));
        }
    };
    let files: Vec<String> = summary
        .files
        .iter()
        .map(|f| format!("{} ({} rows)", f.file, f.rows))
        .collect();
    outln!(
        "Imported {} rows in {:.1} s into PostgreSQL schema {schema}: {}",
        summary.total_rows,
        started.elapsed().as_secs_f64(),
        files.join(", ")
    );
    if summary.tenants_not_in_registry > 0 {
        errln!(
            "warning: {} tenants in the imported rows are not in the stored registry",
            summary.tenants_not_in_registry
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn stats_text(stats: &orca_connectors::StoreStats) -> String {
    let span = |from: &Option<String>, to: &Option<String>| match (from, to) {
        (Some(a), Some(b)) => format!(" ({a} to {b})"),
        _ => String::new(),
    };
    let mut out = format!(
        "Store:          {} (schema v{}, {:.1} MB)\n",
        stats.path.display(),
        stats.schema_version,
        stats.size_bytes as f64 / 1e6
    );
    let rows = [
        ("Customers:", stats.registry, String::new()),
        (
            "Cases:",
            stats.cases,
            span(&stats.cases_from, &stats.cases_to),
        ),
        ("Incidents:", stats.incidents, String::new()),
        ("Work items:", stats.work_items, String::new()),
        (
            "Tenant metrics:",
            stats.tenant_metrics,
            span(&stats.metrics_from, &stats.metrics_to),
        ),
        ("Docs:", stats.docs, String::new()),
    ];
    for (label, n, extra) in rows {
        out.push_str(&format!("{label:<15} {n}{extra}\n"));
    }
    for (k, v) in &stats.meta {
        out.push_str(&format!("{:<15} {v}\n", format!("{k}:")));
    }
    out
}
